"""Encode and decode throughput of mxcoap.cbor on Matrix-shaped objects, CPython and MicroPython.

Prints KB/s (of CBOR bytes) and objects/s for dumps and loads on:
- sync: a /sync response (3 joined rooms, 20 timeline events each, state, receipts, typing,
  presence, account data), built here so that the figures do not depend on a capture;
- send: the body and the response of one m.room.message send (the common small case).
On CPython it also prints cbor2's C encoder/decoder on the same objects for scale, then runs
itself under .venv/bin/micropython (unix port, -X heapsize=4M). Figures only; no assertions.
Usage: python tools/bench_cbor.py [--seconds S]     (MicroPython: micropython tools/bench_cbor.py)
"""

import sys

# benchlib first: on CPython it puts common/ on sys.path for mxcoap.
from benchlib import IS_MICROPYTHON, clock, elapsed, micropython_path, option, run_micropython
from mxcoap.cbor import dumps, loads


def event(i, room, sender):
    return {
        "type": "m.room.message",
        "sender": sender,
        "content": {"msgtype": "m.text", "body": "message number " + str(i) + " in the room"},
        "origin_server_ts": 1700000000000 + i * 1731,
        "unsigned": {"age": 1000 + i, "membership": "join"},
        "event_id": "$" + ("Ev" + str(i) + room[1:6]) * 4,
    }


def state(room, key, kind, content):
    return {
        "type": kind,
        "state_key": key,
        "sender": "@alice:example.org",
        "content": content,
        "origin_server_ts": 1699999990000,
        "event_id": "$state" + kind[-6:] + key[1:6] + room[1:8],
    }


def sync_response():
    rooms = {}
    for r in range(3):
        room = "!room" + str(r) + "abcdefghijklmnop:example.org"
        members = ["@alice:example.org", "@bob:example.org", "@carol" + str(r) + ":example.org"]
        rooms[room] = {
            "timeline": {
                "events": [event(i, room, members[i % 3]) for i in range(20)],
                "limited": True,
                "prev_batch": "t" + str(40 + r) + "-" + str(1234 + r) + "_0_0_0_0_0_0_0_0",
            },
            "state": {
                "events": [
                    state(room, m, "m.room.member", {"membership": "join", "displayname": m[1:6]})
                    for m in members
                ]
                + [
                    state(room, "", "m.room.name", {"name": "Room number " + str(r)}),
                    state(
                        room,
                        "",
                        "m.room.power_levels",
                        {"users": {members[0]: 100}, "events_default": 0, "ban": 50},
                    ),
                ],
            },
            "ephemeral": {
                "events": [
                    {"type": "m.typing", "content": {"user_ids": members[1:2]}},
                    {
                        "type": "m.receipt",
                        "content": {
                            "$Ev19" + room[1:6]: {
                                "m.read": {members[1]: {"ts": 1700000033000, "thread_id": "main"}}
                            }
                        },
                    },
                ]
            },
            "account_data": {
                "events": [{"type": "m.fully_read", "content": {"event_id": "$Ev18" + room[1:6]}}]
            },
            "unread_notifications": {"highlight_count": 0, "notification_count": r * 3},
            "summary": {"m.joined_member_count": 3, "m.invited_member_count": 0},
        }
    return {
        "next_batch": "s72595_4483_1934_16_21_3_1_5_0_1_1_1_1_1",
        "rooms": {"join": rooms, "invite": {}, "leave": {}},
        "presence": {
            "events": [
                {
                    "type": "m.presence",
                    "sender": "@bob:example.org",
                    "content": {
                        "presence": "online",
                        "last_active_ago": 2478593,
                        "currently_active": True,
                    },
                }
            ]
        },
        "account_data": {"events": [{"type": "m.direct", "content": {}}]},
        "device_lists": {"changed": ["@bob:example.org"], "left": []},
        "device_one_time_keys_count": {"signed_curve25519": 50},
    }


def send_message():
    return [
        {"msgtype": "m.text", "body": "Hello world"},
        {"event_id": "$YUwRidLecu2D8zaC4k7bcFNF2kfvV3AuSAx8Xmc0dgRW"},
    ]


def measure(fn, arg, seconds):
    """Calls of fn(arg) per second, timed over at least `seconds` (batches double until then)."""
    n = 1
    while True:
        t0 = clock()
        for _ in range(n):
            fn(arg)
        dt = elapsed(t0)
        if dt >= seconds:
            return n / dt
        n *= 2 if dt < seconds / 4 else 1
        if dt >= seconds / 4:
            n = int(n * seconds / dt) + 1


def row(label, size, per_s):
    kbs = size * per_s / 1024
    print("  " + label + ": " + str(round(kbs)) + " KB/s, " + str(round(per_s)) + " objects/s")


def run(seconds, impl_name, enc, dec):
    for name, obj in (("sync", sync_response()), ("send", send_message())):
        data = enc(obj)
        print(impl_name + " " + name + " (" + str(len(data)) + " bytes of CBOR):")
        row("encode", len(data), measure(enc, obj, seconds))
        row("decode", len(data), measure(dec, data, seconds))


def main():
    seconds = option("--seconds", 1.0)
    if IS_MICROPYTHON:
        run(
            seconds,
            "mxcoap.cbor on MicroPython "
            + ".".join(str(v) for v in sys.implementation.version[:3]),
            dumps,
            loads,
        )
        return
    import json

    print(
        "JSON size of the sync object: "
        + str(len(json.dumps(sync_response(), separators=(",", ":"))))
        + " bytes"
    )
    run(seconds, "mxcoap.cbor on CPython " + sys.version.split()[0], dumps, loads)
    try:
        import cbor2

        run(
            seconds,
            "cbor2 (C) canonical on CPython",
            lambda o: cbor2.dumps(o, canonical=True),
            cbor2.loads,
        )
    except ImportError:
        print("cbor2 not installed: no reference figures")
    if micropython_path():
        run_micropython([__file__, "--seconds", str(seconds)], heap="4M")
    else:
        print("no micropython found beside this interpreter: MicroPython figures skipped")


if __name__ == "__main__":
    main()
