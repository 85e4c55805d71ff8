"""Record a realistic two-user Matrix session against a real Synapse as a HAR 1.2 file.

    python tools/capture.py --out tests/vectors/synapse/scenario.har \\
        --samples tests/vectors/synapse/samples

alice behaves like Element Web in Chrome, bob like a matrix-nio bot (aiohttp): their request
headers, JSON encoding (raw UTF-8 vs \\uXXXX escapes), path quoting and transaction ids follow
those clients. Every exchange goes over a hand-written HTTP/1.1 client on plain sockets, so the
request bytes recorded are exactly the bytes sent and the response headers exactly those received.
Non-standard HAR fields start with "_" (HAR 1.2 section "Custom fields"); see docs/capture.md.
"""

import argparse
import base64
import json
import os
import struct
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synapse_harness  # noqa: E402
from har_record import TEXT_TYPES, Recorder, build_har, header, write_samples  # noqa: E402

# The long poll must outlast the wait for bob's message by far, and return early when it comes.
LONG_POLL_MS = 30000

ELEMENT_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
NIO_UA = "Python/3.11 aiohttp/3.11.11"


class CaptureError(Exception):
    """The server answered something the scenario cannot continue from."""


# -- client profiles ----------------------------------------------------------------------------

class Client:
    """A Matrix client of a given flavour ("element" or "nio") recording through a Recorder."""

    def __init__(self, recorder, role, login, password, flavour):
        # role ("alice"/"bob") names the entries and connections; login is the account name.
        self.rec, self.role, self.login, self.password = recorder, role, login, password
        self.flavour = flavour
        self.token = None
        self.user_id = self.device_id = None
        self.keys = None
        self._txn = 0

    def q(self, segment):
        """Quote one path segment as the client library does (encodeURIComponent vs quote)."""
        return quote(segment, safe="!~*'()" if self.flavour == "element" else "")

    def encode(self, obj):
        if self.flavour == "element":
            # JSON.stringify: compact, non-ASCII as raw UTF-8.
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
        # nio's Api.to_json: compact, json.dumps' default ensure_ascii escapes (\\ud83d\\ude00).
        return json.dumps(obj, separators=(",", ":")).encode()

    def txn_id(self):
        self._txn += 1
        if self.flavour == "element":
            return f"m{int(time.time() * 1000)}.{self._txn - 1}"
        return str(uuid.uuid4())

    def headers(self, body_type, length, auth):
        token = [("Authorization", "Bearer " + self.token)] if auth and self.token else []
        ctype = [("Content-Type", body_type)] if body_type else []
        if self.flavour == "element":
            clen = [("Content-Length", str(length))] if length is not None else []
            return ([("Connection", "keep-alive")] + clen
                    + [("sec-ch-ua-platform", '"Linux"')] + token
                    + [("sec-ch-ua", '"Chromium";v="131", "Not_A Brand";v="24"'),
                       ("sec-ch-ua-mobile", "?0"), ("User-Agent", ELEMENT_UA)] + ctype
                    + [("Accept", "*/*"), ("Origin", "https://app.element.io"),
                       ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "cors"),
                       ("Sec-Fetch-Dest", "empty"), ("Referer", "https://app.element.io/"),
                       ("Accept-Encoding", "gzip, deflate, br, zstd"),
                       ("Accept-Language", "en-GB,en;q=0.9")])
        clen = [("Content-Length", str(length))] if length is not None else []
        return (token + ctype + [("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate"),
                                 ("User-Agent", NIO_UA)] + clen)

    def call(self, label, method, path, query=None, body=None, raw=None, body_type=None,
             auth=True, conn=None, expect=(200,)):
        """One exchange; body is JSON to encode, raw exact bytes. Returns the decoded JSON."""
        target = path + ("?" + urlencode(query, quote_via=quote) if query else "")
        data, binary = b"", False
        if body is not None:
            data, body_type = self.encode(body), body_type or "application/json"
        elif raw is not None:
            data, binary = raw, not body_type.startswith(TEXT_TYPES)
        length = len(data) if method in ("POST", "PUT") else None
        status, headers, resp = self.rec.exchange(
            conn or self.role, label, self.role, method, target,
            self.headers(body_type if method in ("POST", "PUT") else None, length, auth),
            data, binary)
        if status not in expect:
            raise CaptureError(f"{label}: {method} {target} -> {status} {resp[:300]!r}")
        if header(headers, "content-type").startswith("application/json"):
            return json.loads(resp)
        return resp


# -- test data ----------------------------------------------------------------------------------

def make_png(width=48, height=48):
    """A small RGB PNG (a colour gradient) written by hand: signature, IHDR, IDAT, IEND.

    Rows use PNG filter type 1 (Sub, PNG spec section 9.2): each byte is stored as its
    difference from the pixel to its left, so a gradient deflates to a few hundred bytes."""
    def row(y):
        first = bytes((0, y * 5 % 256, 160))
        return b"\x01" + first + bytes((5, 0, 0)) * (width - 1)
    rows = b"".join(row(y) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _b64(data):
    """Unpadded standard base64, as Matrix writes keys, signatures and ciphertexts."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _canonical(obj):
    """Matrix canonical JSON: sorted keys, no spaces, UTF-8 (signing input)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class DeviceKeys:
    """Real Ed25519/Curve25519 identity and one-time keys of a device, signed as the spec says
    (client-server API, "Signing JSON"). The Olm and Megolm ciphertexts sent with them are random
    bytes of realistic sizes: the server cannot tell them from real ones."""

    ONE_TIME_KEYS = 5

    def __init__(self, user_id, device_id):
        from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        raw = (Encoding.Raw, PublicFormat.Raw)
        self.user_id, self.device_id = user_id, device_id
        self._sign_key = ed25519.Ed25519PrivateKey.generate()
        self.ed_public = _b64(self._sign_key.public_key().public_bytes(*raw))
        self.curve_public = _b64(x25519.X25519PrivateKey.generate().public_key()
                                 .public_bytes(*raw))
        self._otks = [_b64(x25519.X25519PrivateKey.generate().public_key().public_bytes(*raw))
                      for _ in range(self.ONE_TIME_KEYS + 1)]
        self.session_id = _b64(os.urandom(32))

    def sign(self, obj):
        unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        sig = _b64(self._sign_key.sign(_canonical(unsigned)))
        obj["signatures"] = {self.user_id: {"ed25519:" + self.device_id: sig}}
        return obj

    def upload_body(self):
        device = self.sign({
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "device_id": self.device_id, "user_id": self.user_id,
            "keys": {"curve25519:" + self.device_id: self.curve_public,
                     "ed25519:" + self.device_id: self.ed_public}})
        # Key ids as libolm makes them: base64 of a 32-bit big-endian counter ("AAAAAQ" is 1).
        ids = [_b64(n.to_bytes(4, "big")) for n in range(1, len(self._otks) + 1)]
        otks = {"signed_curve25519:" + i: self.sign({"key": k})
                for i, k in zip(ids[:-1], self._otks[:-1], strict=True)}
        fallback = {"signed_curve25519:" + ids[-1]: self.sign({"key": self._otks[-1],
                                                               "fallback": True})}
        return {"device_keys": device, "one_time_keys": otks, "fallback_keys": fallback}

    def olm_content(self, recipient_curve):
        # An Olm pre-key message carrying an m.room_key event is ~470 bytes.
        return {"algorithm": "m.olm.v1.curve25519-aes-sha2", "sender_key": self.curve_public,
                "ciphertext": {recipient_curve: {"type": 0, "body": _b64(os.urandom(470))}}}

    def megolm_content(self):
        # A Megolm message for a short text: version, index, AES-CBC blocks, MAC, signature.
        return {"algorithm": "m.megolm.v1.aes-sha2", "sender_key": self.curve_public,
                "ciphertext": _b64(os.urandom(237)), "session_id": self.session_id,
                "device_id": self.device_id}


LONG_TEXT = (
    "Status report from the field station. The relay on the ridge came back after the storm, "
    "but the link margin is thin: we see 100 to 300 bit/s on a good hour and long fades when "
    "the clouds sit on the pass. Plans for tomorrow: (1) swap the antenna feed line, which "
    "took water; (2) re-align the dish by a couple of degrees towards the valley; (3) run the "
    "bandwidth test for an hour and log every datagram. If the numbers hold, we can move the "
    "daily reports to the Matrix room instead of the satellite e-mail gateway, which costs us "
    "about four kilobytes per message in headers alone. Please reply with anything you need "
    "from the station before the supply run on Thursday.")


# -- the scenario -------------------------------------------------------------------------------

def run_scenario(base_url, alice, bob, server_name, alias="field-station"):
    """Drive the conversation; alice and bob are (login, password) pairs. Returns the Recorder
    holding the entries in order."""
    rec = Recorder(base_url)
    alice = Client(rec, "alice", alice[0], alice[1], "element")
    bob = Client(rec, "bob", bob[0], bob[1], "nio")
    C = "/_matrix/client/v3"
    try:
        _scenario(rec, alice, bob, C, server_name, alias)
    finally:
        rec.close()
    return rec


def _login(cl, display):
    body = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": cl.login},
            "password": cl.password, "initial_device_display_name": display}
    out = cl.call(f"login-{cl.role}", "POST", "/_matrix/client/v3/login", body=body, auth=False)
    cl.token, cl.user_id, cl.device_id = out["access_token"], out["user_id"], out["device_id"]
    return out


def _scenario(rec, alice, bob, C, server_name, alias_local):
    # Start-up as Element does it: versions, login flows, login, then account basics.
    alice.call("versions", "GET", "/_matrix/client/versions", auth=False)
    alice.call("login-flows", "GET", C + "/login", auth=False)
    _login(alice, "app.element.io: Chrome on Linux")
    alice.call("whoami-alice", "GET", C + "/account/whoami")
    alice.call("capabilities", "GET", C + "/capabilities")
    alice.call("pushrules", "GET", C + "/pushrules/")
    alice.call("media-config", "GET", "/_matrix/client/v1/media/config")
    filt = {"room": {"state": {"lazy_load_members": True},
                     "timeline": {"unread_thread_notifications": True}}}
    fid = alice.call("filter-create-alice", "POST",
                     f"{C}/user/{alice.q(alice.user_id)}/filter", body=filt)["filter_id"]
    alice.call("filter-get-alice", "GET", f"{C}/user/{alice.q(alice.user_id)}/filter/{fid}")
    a_next = alice.call("sync-initial-filtered-alice", "GET", C + "/sync",
                        query={"filter": fid, "timeout": "0"})["next_batch"]
    alice.keys = DeviceKeys(alice.user_id, alice.device_id)
    alice.call("keys-upload-alice", "POST", C + "/keys/upload", body=alice.keys.upload_body())
    alice.call("presence-online-alice", "PUT", f"{C}/presence/{alice.q(alice.user_id)}/status",
               body={"presence": "online"})
    alice.call("profile-get-alice", "GET", f"{C}/profile/{alice.q(alice.user_id)}")
    alice.call("displayname-set-alice", "PUT",
               f"{C}/profile/{alice.q(alice.user_id)}/displayname", body={"displayname": "Alice"})

    # bob: a nio bot; initial sync without a filter.
    _login(bob, "matrix-nio")
    b_next = bob.call("sync-initial-bob", "GET", C + "/sync",
                      query={"timeout": "0", "full_state": "false"})["next_batch"]
    bob.keys = DeviceKeys(bob.user_id, bob.device_id)
    bob.call("keys-upload-bob", "POST", C + "/keys/upload", body=bob.keys.upload_body())
    bob.call("displayname-set-bob", "PUT", f"{C}/profile/{bob.q(bob.user_id)}/displayname",
             body={"displayname": "Bob (bot)"})
    bob.call("displayname-get-bob", "GET", f"{C}/profile/{bob.q(bob.user_id)}/displayname")

    # A private chat: create, invite, join.
    dm = alice.call("createroom-private", "POST", C + "/createRoom",
                    body={"preset": "trusted_private_chat", "visibility": "private",
                          "is_direct": True, "initial_state": []})["room_id"]
    # Element records the DM in m.direct account data right after creating it.
    alice.call("account-data-direct", "PUT",
               f"{C}/user/{alice.q(alice.user_id)}/account_data/m.direct",
               body={bob.user_id: [dm]})
    alice.call("invite-bob", "POST", f"{C}/rooms/{alice.q(dm)}/invite",
               body={"user_id": bob.user_id})
    b_sync = bob.call("sync-invite-bob", "GET", C + "/sync",
                      query={"since": b_next, "timeout": "0", "full_state": "false"})
    b_next = b_sync["next_batch"]
    if dm not in b_sync.get("rooms", {}).get("invite", {}):
        raise CaptureError("bob's sync did not show the invite")
    bob.call("join-private", "POST", f"{C}/join/{bob.q(dm)}", body={})

    # A public room with an alias, published in the directory; bob finds it by alias.
    alias = f"#{alias_local}:{server_name}"
    pub = alice.call("createroom-public", "POST", C + "/createRoom",
                     body={"preset": "public_chat", "visibility": "public",
                           "room_alias_name": alias_local, "name": "Field station",
                           "topic": "Reports from the ridge relay"})["room_id"]
    bob.call("alias-resolve", "GET", f"{C}/directory/room/{bob.q(alias)}")
    bob.call("alias-resolve-missing", "GET",
             f"{C}/directory/room/{bob.q('#nowhere:' + server_name)}", expect=(404,))
    bob.call("publicrooms", "GET", C + "/publicRooms", query={"limit": "10"})
    bob.call("join-public-by-alias", "POST", f"{C}/join/{bob.q(alias)}", body={})

    sync_q = {"filter": fid, "timeout": "0", "since": a_next}
    a_next = alice.call("sync-incremental-alice", "GET", C + "/sync", query=sync_q)["next_batch"]

    # Messages in the private chat.
    def send(cl, label, room, content, etype="m.room.message"):
        return cl.call(label, "PUT", f"{C}/rooms/{cl.q(room)}/send/{etype}/{cl.txn_id()}",
                       body=content)["event_id"]

    hello = send(alice, "send-hello", dm, {"msgtype": "m.text", "body": "Hello world",
                                           "m.mentions": {}})
    typo = send(alice, "send-typo", dm, {"msgtype": "m.text", "body": "Hwllo agian",
                                         "m.mentions": {}})
    alice.call("redact", "PUT", f"{C}/rooms/{alice.q(dm)}/redact/{alice.q(typo)}/"
               f"{alice.txn_id()}", body={"reason": "typo"})
    # nio escapes non-ASCII, so the grinning face goes out as "\ud83d\ude00" in the raw body.
    emoji = send(bob, "send-emoji", dm, {"msgtype": "m.text", "body": "Hi Alice \U0001F600"})
    bob.call("typing-on-bob", "PUT", f"{C}/rooms/{bob.q(dm)}/typing/{bob.q(bob.user_id)}",
             body={"typing": True, "timeout": 30000})
    reply = send(bob, "send-reply", dm, {
        "msgtype": "m.text", "body": "Link is up again, 180 bit/s right now.",
        "m.relates_to": {"m.in_reply_to": {"event_id": hello}}})
    bob.call("typing-off-bob", "PUT", f"{C}/rooms/{bob.q(dm)}/typing/{bob.q(bob.user_id)}",
             body={"typing": False})
    send(alice, "send-utf8", dm, {"msgtype": "m.text", "body": "Grüße aus Zürich, 東京 too 🎉",
                                  "m.mentions": {}})
    send(alice, "send-long", pub, {
        "msgtype": "m.text", "body": LONG_TEXT, "format": "org.matrix.custom.html",
        "formatted_body": "<p>" + LONG_TEXT.replace("(1)", "<br>(1)") + "</p>",
        "m.mentions": {}})

    # Incremental sync for both, then a receipt and read markers for bob's messages.
    a_sync = alice.call("sync-messages-alice", "GET", C + "/sync",
                        query={"filter": fid, "timeout": "0", "since": a_next})
    a_next = a_sync["next_batch"]
    alice.call("receipt", "POST", f"{C}/rooms/{alice.q(dm)}/receipt/m.read/{alice.q(reply)}",
               body={"thread_id": "main"})
    alice.call("read-markers", "POST", f"{C}/rooms/{alice.q(dm)}/read_markers",
               body={"m.fully_read": reply, "m.read": reply})
    alice.call("typing-on-alice", "PUT",
               f"{C}/rooms/{alice.q(dm)}/typing/{alice.q(alice.user_id)}",
               body={"typing": True, "timeout": 30000})
    b_next = bob.call("sync-messages-bob", "GET", C + "/sync",
                      query={"since": b_next, "timeout": "0", "full_state": "false"}
                      )["next_batch"]

    # Long poll: bob waits on /sync in a thread (own connection); alice's send wakes it up.
    result = {}

    def long_poll():
        try:
            result["sync"] = bob.call("sync-longpoll-bob", "GET", C + "/sync", conn="bob-poll",
                                      query={"since": b_next, "timeout": str(LONG_POLL_MS),
                                             "full_state": "false"})
        except Exception as exc:  # reported by the main thread
            result["error"] = exc
    poller = threading.Thread(target=long_poll, daemon=True)
    poller.start()
    time.sleep(1.0)
    wake = send(alice, "send-wakeup", dm, {"msgtype": "m.text", "body": "Are you there?",
                                           "m.mentions": {}})
    poller.join(LONG_POLL_MS / 1000 + 30)
    alice.call("typing-off-alice", "PUT",
               f"{C}/rooms/{alice.q(dm)}/typing/{alice.q(alice.user_id)}",
               body={"typing": False})
    if "error" in result or "sync" not in result:
        raise CaptureError(f"long poll failed: {result.get('error')}")
    b_next = result["sync"]["next_batch"]
    bob.call("receipt-bob", "POST", f"{C}/rooms/{bob.q(dm)}/receipt/m.read/{bob.q(wake)}",
             body={})

    # History and state.
    page = alice.call("messages-back", "GET", f"{C}/rooms/{alice.q(dm)}/messages",
                      query={"dir": "b", "limit": "5", "filter": '{"lazy_load_members":true}'})
    alice.call("messages-back-2", "GET", f"{C}/rooms/{alice.q(dm)}/messages",
               query={"dir": "b", "limit": "5", "from": page["end"],
                      "filter": '{"lazy_load_members":true}'})
    alice.call("room-state", "GET", f"{C}/rooms/{alice.q(pub)}/state")
    alice.call("room-name", "GET", f"{C}/rooms/{alice.q(pub)}/state/m.room.name/")
    alice.call("joined-members", "GET", f"{C}/rooms/{alice.q(dm)}/joined_members")
    bob.call("event-get", "GET", f"{C}/rooms/{bob.q(dm)}/event/{bob.q(emoji)}")

    # Media: upload a PNG, post it, bob downloads it and a thumbnail (authenticated media).
    png = make_png()
    mxc = alice.call("media-upload", "POST", "/_matrix/media/v3/upload",
                     query={"filename": "ridge.png"}, raw=png,
                     body_type="image/png")["content_uri"]
    send(alice, "send-image", dm, {"msgtype": "m.image", "body": "ridge.png", "url": mxc,
                                   "info": {"mimetype": "image/png", "size": len(png),
                                            "w": 48, "h": 48}, "m.mentions": {}})
    origin, media_id = mxc[len("mxc://"):].split("/", 1)
    bob.call("media-download", "GET", f"/_matrix/client/v1/media/download/{origin}/{media_id}")
    bob.call("media-thumbnail", "GET", f"/_matrix/client/v1/media/thumbnail/{origin}/{media_id}",
             query={"width": "32", "height": "32", "method": "crop"})

    # alice turns encryption on in the DM; bob fetches her keys, shares a Megolm room key with
    # her device over to-device and sends an encrypted message; alice's sync gets both.
    alice.call("encryption-on", "PUT", f"{C}/rooms/{alice.q(dm)}/state/m.room.encryption/",
               body={"algorithm": "m.megolm.v1.aes-sha2"})
    bob.call("keys-query", "POST", C + "/keys/query",
             body={"device_keys": {alice.user_id: []}, "timeout": 10000})
    claimed = bob.call("keys-claim", "POST", C + "/keys/claim",
                       body={"one_time_keys": {alice.user_id: {
                           alice.device_id: "signed_curve25519"}}, "timeout": 10000})
    if not claimed["one_time_keys"].get(alice.user_id):
        raise CaptureError("no one-time key claimed for alice")
    bob.call("to-device-room-key", "PUT", f"{C}/sendToDevice/m.room.encrypted/{bob.txn_id()}",
             body={"messages": {alice.user_id: {alice.device_id: bob.keys.olm_content(
                 alice.keys.curve_public)}}})
    send(bob, "send-encrypted", dm, bob.keys.megolm_content(), etype="m.room.encrypted")
    a_sync = alice.call("sync-encrypted-alice", "GET", C + "/sync",
                        query={"filter": fid, "timeout": "0", "since": a_next})
    if not a_sync.get("to_device", {}).get("events"):
        raise CaptureError("alice's sync has no to-device event")

    # bob leaves the public room; both log out; alice's old token is refused afterwards.
    bob.call("leave-public", "POST", f"{C}/rooms/{bob.q(pub)}/leave", body={})
    bob.call("sync-final-bob", "GET", C + "/sync",
             query={"since": b_next, "timeout": "0", "full_state": "false"})
    bob.call("logout-bob", "POST", C + "/logout", body={})
    alice.call("logout-alice", "POST", C + "/logout", body={})
    alice.call("whoami-after-logout", "GET", C + "/account/whoami", expect=(401,))


# -- output -------------------------------------------------------------------------------------

def server_version(base_url):
    try:
        with synapse_harness.urllib.request.urlopen(
                base_url + "/_synapse/admin/v1/server_version", timeout=5) as resp:
            return json.loads(resp.read()).get("server_version", "?")
    except (OSError, ValueError):
        return "unknown"


def capture(base_url, server_name, alice, bob, alias="field-station"):
    """Run the scenario and return the HAR (a dict)."""
    rec = run_scenario(base_url, alice, bob, server_name, alias)
    comment = (f"Synapse {server_version(base_url)}, server_name {server_name}; alice as Element "
               "Web (Chrome), bob as matrix-nio; recorded over plain HTTP/1.1 by "
               "tools/capture.py. postData '_encoding': 'base64' marks a binary body.")
    return build_har(rec.entries, comment)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="HAR file to write")
    parser.add_argument("--samples", help="directory for the extracted JSON bodies")
    parser.add_argument("--homeserver", metavar="URL",
                        help="use this running server (the --alice and --bob accounts must "
                             "exist) instead of starting one")
    parser.add_argument("--server-name", default="localhost")
    parser.add_argument("--alice", default="alice:alice-password", metavar="LOGIN:PASSWORD",
                        help="account playing alice (Element Web)")
    parser.add_argument("--bob", default="bob:bob-password", metavar="LOGIN:PASSWORD",
                        help="account playing bob (matrix-nio)")
    parser.add_argument("--alias", default="field-station",
                        help="local part of the public room's alias (must be free)")
    args = parser.parse_args(argv)
    alice = tuple(args.alice.split(":", 1))
    bob = tuple(args.bob.split(":", 1))
    if args.homeserver:
        har = capture(args.homeserver.rstrip("/"), args.server_name, alice, bob, args.alias)
    else:
        with synapse_harness.Synapse(server_name=args.server_name) as hs:
            hs.register_user(*alice)
            hs.register_user(*bob)
            har = capture(hs.url, hs.server_name, alice, bob, args.alias)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(har, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(har['log']['entries'])} exchanges, {out.stat().st_size} bytes")
    if args.samples:
        n = write_samples(har, args.samples)
        print(f"{args.samples}: {n} JSON bodies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
