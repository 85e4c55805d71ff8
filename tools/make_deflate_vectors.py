"""Regenerate tests/vectors/deflate/ from CPython's zlib (raw DEFLATE, preset dictionaries).

    .venv/bin/python tools/make_deflate_vectors.py

Inputs come from a fixed-seed generator (no randomness from the machine), so the plain texts
and dictionaries are identical on every run; the compressed files depend only on the zlib
version, which index.json records. The portable tests decompress every stream with
mxcoap.deflate and compare with the plain text, on CPython and on MicroPython.

`ours-*.deflate` are mxcoap.deflate's own output on CPython, checked here with zlib; the
portable tests compress the same inputs on MicroPython and must get the same bytes (so what a
board sends is what zlib was shown to read). Regenerate them when the compressor changes.
"""

import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "vectors" / "deflate"
sys.path.insert(0, str(ROOT / "common"))

from mxcoap import deflate  # noqa: E402

WORDS = ("the", "room", "message", "hello", "world", "matrix", "event", "sync", "alice", "bob",
         "carol", "lunch", "meeting", "tomorrow", "radio", "link", "slow", "fast", "ok", "yes")
TYPES = ("m.room.message", "m.room.member", "m.reaction", "m.room.redaction", "m.typing")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class Lcg:
    """A 32-bit linear congruential generator: the same stream on every Python."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self):
        self.state = (self.state * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.state >> 8

    def pick(self, seq):
        return seq[self.next() % len(seq)]

    def token(self, n):
        return "".join(self.pick(B64) for _ in range(n))

    def raw(self, n):
        return bytes(self.next() & 255 for _ in range(n))


def event(rng, ts):
    body = " ".join(rng.pick(WORDS) for _ in range(1 + rng.next() % 12))
    return {
        "type": rng.pick(TYPES),
        "event_id": "$" + rng.token(43),
        "sender": "@" + rng.pick(WORDS[8:11]) + ":example.org",
        "origin_server_ts": ts,
        "content": {"msgtype": "m.text", "body": body},
        "unsigned": {"age": rng.next() % 100000},
    }


def matrix_json(rng, n_events):
    room = "!" + rng.token(43)
    events = [event(rng, 1700000000000 + 997 * i) for i in range(n_events)]
    doc = {"next_batch": "s" + str(rng.next()), "rooms": {"join": {room: {
        "timeline": {"events": events, "limited": False}}}}}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def inputs():
    rng = Lcg(20261125)
    one_event = json.dumps(event(rng, 1700000000000), sort_keys=True,
                           separators=(",", ":")).encode()
    sync = matrix_json(rng, 6)  # ~1.5 KB, a small sync response
    big = matrix_json(rng, 330)  # > 64 KB, several blocks
    dict32k = matrix_json(rng, 160)[:32768]
    dict40k = matrix_json(rng, 200)[:40960]  # larger than the 32 KiB window
    small_dict = (b'{"content":{"body":"","msgtype":"m.text"},"event_id":"$",'
                  b'"origin_server_ts":1700000000000,"sender":"@alice:example.org",'
                  b'"type":"m.room.message","unsigned":{"age":')
    plains = {
        "empty": b"",
        "one": b"A",
        "hello": b"Hello world",
        "event": one_event,
        "sync": sync,
        "random": rng.raw(300),
        "big": big,
        "zeros": bytes(1 << 20),  # 1 MiB of zeros: the decompression bomb
    }
    dicts = {"none": b"", "small": small_dict, "d32k": dict32k, "d40k": dict40k}
    return plains, dicts


# (plain, dictionary, zlib level, wbits)
CASES = (
    ("empty", "none", 6, 15), ("empty", "small", 9, 15), ("one", "none", 9, 15),
    ("one", "small", 0, 15), ("hello", "none", 1, 15), ("hello", "small", 9, 15),
    ("event", "none", 0, 15), ("event", "none", 1, 15), ("event", "none", 6, 15),
    ("event", "none", 9, 15), ("event", "small", 6, 15), ("event", "small", 9, 15),
    ("event", "d32k", 9, 15), ("event", "d40k", 9, 15), ("event", "d32k", 9, 9),
    ("sync", "none", 9, 15), ("sync", "small", 4, 15), ("sync", "d32k", 9, 15),
    ("sync", "d32k", 6, 10), ("sync", "none", 9, 9), ("random", "none", 9, 15),
    ("random", "small", 6, 15), ("big", "none", 9, 15), ("big", "d32k", 6, 15),
    ("big", "none", 3, 12), ("zeros", "none", 9, 15),
)


# Our own compressor: (plain, dictionary, level, wbits)
OURS = (
    ("empty", "none", 6, 15), ("hello", "small", 9, 15), ("event", "small", 6, 15),
    ("sync", "none", 1, 15), ("sync", "none", 9, 15), ("sync", "d32k", 9, 15),
    ("sync", "d32k", 9, 10), ("sync", "d40k", 4, 9), ("random", "none", 9, 15),
    ("big", "none", 6, 12),  # > 64 KB: 32-bit chain tables, many blocks; a board's window
)


def zlib_raw(data, zdict, level, wbits):
    if zdict:
        c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 9)
    return c.compress(data) + c.flush()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    plains, dicts = inputs()
    for name, data in plains.items():
        if name != "zeros":  # 1 MiB of zeros is rebuilt by the tests, not stored
            (OUT / ("plain-" + name + ".bin")).write_bytes(data)
    for name, data in dicts.items():
        if data:
            (OUT / ("dict-" + name + ".bin")).write_bytes(data)
    index = []
    for plain, dname, level, wbits in CASES:
        name = plain + "-" + dname + "-l" + str(level) + "-w" + str(wbits)
        stream = zlib_raw(plains[plain], dicts[dname], level, wbits)
        d = zlib.decompressobj(-wbits, zdict=dicts[dname]) if dicts[dname] else \
            zlib.decompressobj(-wbits)
        assert d.decompress(stream) == plains[plain]
        (OUT / (name + ".deflate")).write_bytes(stream)
        index.append({"name": name, "plain": plain, "zdict": dname, "level": level,
                      "wbits": wbits, "size": len(plains[plain])})
    ours = []
    for plain, dname, level, wbits in OURS:
        name = "ours-" + plain + "-" + dname + "-l" + str(level) + "-w" + str(wbits)
        stream = deflate.compress(plains[plain], dicts[dname], level=level, wbits=wbits)
        d = zlib.decompressobj(-wbits, zdict=dicts[dname])
        assert d.decompress(stream) == plains[plain] and d.eof and not d.unused_data
        (OUT / (name + ".deflate")).write_bytes(stream)
        ours.append({"name": name, "plain": plain, "zdict": dname, "level": level,
                     "wbits": wbits, "size": len(plains[plain])})
    meta = {"zlib": zlib.ZLIB_RUNTIME_VERSION, "generator": "tools/make_deflate_vectors.py",
            "cases": index, "ours": ours}
    (OUT / "index.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print("wrote", len(index), "streams with zlib", zlib.ZLIB_RUNTIME_VERSION, "to", OUT,
          file=sys.stderr)


if __name__ == "__main__":
    main()
