"""What the 2019 Go coap-proxy (matrix-org/coap-proxy over the matrix-org/go-coap fork) puts on
the wire for an HTTP exchange: a Python re-implementation of its ENCODING, for measurement only.

Per exchange: the HTTP request becomes a CoAP request (route id in base 32 and the path
arguments as Uri-Path strings, the access token appended as "?access_token=..." inside the last
Uri-Path, Content-Format, Block1/Size1 on every PUT/POST), its JSON body CBOR with string keys
(canonical) and DEFLATE with the proxy's dictionary; the whole CoAP message is DEFLATEd again
with the same dictionary, then sent as [4-byte CoAP header, token, 1-byte sequence number] in
clear + AES-GCM ciphertext with a 16-byte tag. The first request of a session rides in the third
message of a Noise XX handshake. Every assumption, with the 2019 file and line it comes from:
docs/legacy2019.md.

cost_2019(exchanges) -> [(request_bytes, response_bytes, datagrams)], bytes with 28 B of
IPv4+UDP per datagram, handshakes included, as the mxcoap benchmark counts.
"""

import json
import random
import zlib
from urllib.parse import parse_qsl, quote_plus, unquote, urlsplit

import cbor2

from mxcoap_host.bench.har import Exchange, header

IPV4_UDP = 28
AEAD_TAG = 16  # CipherAESGCM (go-coap noise.go:71)
SEQNUM_LEN = 1  # one sequence-number byte after the token (go-coap conn.go:562)
TOKEN_LEN = 2  # randSlice(2) (coap-proxy coap.go:336)
DH_LEN = 32  # DH25519
BLOCK_SIZE = 1024  # BlockWiseSzx1024 (coap-proxy net.go:17, :37)
SZX_1024 = 6
RETRY_DELAY_MS = 40000  # NewRetriesQueue(40*time.Second, 1) (coap-proxy coap.go:30)
CLEAR_HEADER = 4  # Ver=3, T, TKL, Code, Message ID in clear (go-coap conn.go:535-541)

# Noise XX messages (revision 34, section 7.5), AES-GCM tags of 16 bytes.
XX1_LEN = DH_LEN  # -> e
XX2_LEN = DH_LEN + DH_LEN + AEAD_TAG + AEAD_TAG  # <- e, ee, s, es + empty payload
XX3_OVERHEAD = DH_LEN + AEAD_TAG + AEAD_TAG  # -> s, se + payload

CON, NON, ACK = 0, 1, 2
METHOD_CODES = {"GET": 1, "POST": 2, "PUT": 3, "DELETE": 4}  # coap.go:300-305
CODE_CONTINUE = 95  # 2.31, the answer to a non-final Block1 block
OPT_URI_PATH, OPT_CONTENT_FORMAT, OPT_BLOCK2, OPT_BLOCK1 = 11, 12, 23, 27
OPT_SIZE2, OPT_SIZE1 = 28, 60
APP_OCTETS = 42  # the Content-Format it sets (coap.go:348, :214)
# net.go statusHTTPToCoAP: these statuses keep their code; any other becomes 5.00.
STATUS_CODES = {200: 69, 302: 68, 400: 128, 401: 129, 403: 131, 404: 132, 429: 141,
                409: 130, 500: 160}
BASE32_DIGITS = "0123456789abcdefghijklmnopqrstuv"  # strconv.FormatInt(id, 32)

# The 2019 map files (maps/*.json, extra_flate_data) are not in the repository's stored history;
# these tables are reconstructions (docs/legacy2019.md, "Maps").
EVENT_TYPES = (
    "m.room.aliases", "m.room.canonical_alias", "m.room.create", "m.room.join_rules",
    "m.room.member", "m.room.power_levels", "m.room.redaction", "m.room.message",
    "m.room.name", "m.room.topic", "m.room.avatar", "m.room.pinned_events",
    "m.room.history_visibility", "m.room.guest_access", "m.room.third_party_invite",
    "m.room.server_acl", "m.room.tombstone", "m.room.encryption", "m.room.encrypted",
    "m.room_key", "m.room_key_request", "m.forwarded_room_key", "m.sticker", "m.call.invite",
    "m.call.candidates", "m.call.answer", "m.call.hangup", "m.presence", "m.typing",
    "m.receipt", "m.tag", "m.direct", "m.fully_read", "m.ignored_user_list", "m.push_rules")
EDU_TYPES = ("m.typing", "m.receipt", "m.presence", "m.device_list_update",
             "m.direct_to_device")
# Path patterns whose sigil it strips (substitution.go:32-41): not {roomIdOrAlias}.
SIGIL_PATTERNS = ("{roomId}", "{eventId}", "{userId}", "{roomAlias}")
EVENT_TYPE_PATTERN = "{eventType}"

_tables = {}


def _maps():
    """(routes, query keys, dictionary) reconstructed from the built-in map set mx1."""
    if not _tables:
        from mxcoap import maps

        m = maps.builtin()
        # The client-server and media routes of today's API (Synapse 1.163 speaks v3): a 2019
        # routes.json updated to v3, one id per template; mx1's route specialised to
        # m.room.message is left out (2019 sent the event type as an argument).
        routes = [r[0] if isinstance(r, (list, tuple)) else r for r in m.routes]
        routes = [t for t in routes if t.startswith(("/_matrix/client/", "/_matrix/media/"))
                  and "/r0/" not in t and "/send/m.room.message/" not in t]
        query = [q for q in m.query if q != "access_token"]
        errors = [v for v in m.values if v.startswith("M_")]
        extra = [v for v in m.values if not v.startswith("M_")]
        # types.NewCompressor (compressor.go:53-90): the map files' strings concatenated with
        # no separator, in the order main.go passes them, then extra_flate_data.
        d = "".join(EVENT_TYPES) + "".join(m.keys) + "".join(errors) + "".join(EDU_TYPES)
        d += "".join(extra)
        _tables["routes"] = [t.split("/") for t in routes]
        _tables["query"] = query
        _tables["dict"] = d.encode("utf-8")[-32768:]  # a DEFLATE window
    return _tables["routes"], _tables["query"], _tables["dict"]


def dictionary():
    return _maps()[2]


def _fixed_literals(data):
    """A non-final fixed-Huffman block (RFC 1951 section 3.2.6) of literals only, then the
    empty stored block Go's Close() writes."""
    out = bytearray()
    acc = n = 0

    def put(value, length):
        nonlocal acc, n
        acc |= value << n
        n += length
        while n >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            n -= 8

    def code(c, length):  # Huffman codes are packed most significant bit first
        put(int(format(c, "0" + str(length) + "b")[::-1], 2), length)

    put(0b010, 3)  # BFINAL 0, BTYPE 01 (fixed)
    for b in data:
        if b < 144:
            code(0x30 + b, 8)
        else:
            code(0x190 + b - 144, 9)
    code(0, 7)  # end of block
    put(0, 3)  # BFINAL 0, BTYPE 00 (stored), then the byte boundary and LEN/NLEN
    if n:
        out.append(acc & 0xFF)
    return bytes(out) + b"\x00\x00\xff\xff"


def deflate(data, zdict=None):
    """Raw DEFLATE at the best level with the proxy's dictionary (compressor.go:97-116,
    flate.NewWriterDict(BestCompression)), the size Go's compress/flate gives to a few bytes.
    zlib level 9 stands in for Go's matcher (the same parameters: good 32, lazy 258, nice 258,
    chain 4096). Go's Close() ends the stream with an empty stored block, which a zlib sync
    flush sizes exactly. With a dictionary Go never writes a stored block (its stored size
    counts the dictionary too), so where zlib stores, the data goes as fixed-Huffman literals,
    as near to Go's choice as zlib lets us get (docs/legacy2019.md, "Libraries")."""
    zdict = dictionary() if zdict is None else zdict
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=zdict)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    if zdict and (out[0] >> 1) & 3 == 0:
        return _fixed_literals(data)
    return out


def inflate(data, zdict=None):
    d = zlib.decompressobj(-15, zdict=dictionary() if zdict is None else zdict)
    return d.decompress(data) + d.flush()


def _canonical(value):
    # ugorji CborHandle{Canonical: true} (cbor.go:38-41) sorts each map's keys by their encoded
    # bytes: for text keys that is length first, then bytewise (RFC 7049 section 3.9).
    if isinstance(value, dict):
        items = sorted(((cbor2.dumps(k), k, _canonical(v)) for k, v in value.items()),
                       key=lambda t: (len(t[0]), t[0]))
        return {k: v for _, k, v in items}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def cbor_body(body):
    """(bytes, is_json): the body as the proxy's CBOR, or as it is when it is not JSON."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeError, ValueError):
        # json.Decode panics on it (types/json.go); counted as if the bytes went through.
        return body, False
    # canonical=False keeps the sorted order and writes floats as 9-byte doubles, as ugorji does
    return cbor2.dumps(_canonical(value), canonical=False), True


def _base32(n):
    out = ""
    while True:
        out = BASE32_DIGITS[n % 32] + out
        n //= 32
        if not n:
            return out


def _match(segments):
    """(route id, [(pattern, value)]) of the first template the decoded path fits, or None."""
    routes = _maps()[0]
    for rid, tsegs in enumerate(routes):
        if len(tsegs) != len(segments):
            continue
        args = []
        for t, s in zip(tsegs, segments, strict=True):
            if t.startswith("{"):
                if not s:
                    break
                args.append((t, s))
            elif t != s:
                break
        else:
            return rid, args
    return None


def _arg(pattern, value):
    # compressReqArg (routing.go:218-228)
    if pattern == EVENT_TYPE_PATTERN:
        for i, t in enumerate(EVENT_TYPES):
            if t.lower() == value.lower():
                return str(i)
        return value
    if pattern in SIGIL_PATTERNS:
        return value[1:]
    return value


def _query(raw):
    # genCompressedPath (routing.go:142-160, :190-191): known keys become their index, values
    # are kept, url.Values.Encode sorts by key and escapes with QueryEscape.
    query = _maps()[1]
    values = {}
    for k, v in parse_qsl(raw, keep_blank_values=True):
        if len(raw) > 1 and k in query:
            k = str(query.index(k))
        values.setdefault(k, []).append(v)
    return "&".join(quote_plus(k, safe="") + "=" + quote_plus(v, safe="")
                    for k in sorted(values) for v in values[k])


def coap_path(ex):
    """The path string the proxy gives SetPathString: "/<route id>/<args>[?query]"."""
    raw_path = urlsplit(ex.url).path or "/"
    path = unquote(raw_path)  # Go's URL.Path is decoded
    segments = path.split("/")
    trailing = path.endswith("/")
    found = _match(segments)  # identifyRoute (routing.go:53)
    if found is None and trailing and len(segments) > 1:
        found = _match(segments[:-1])
    if found is None:
        out = path
    else:
        rid, args = found
        out = "/" + _base32(rid)
        if args:
            out += "/" + "/".join(_arg(p, v) for p, v in args)
        if trailing:
            out += "/"
    if ex.query:
        out += "?" + _query(ex.query)
    auth = header(ex.req_headers, "Authorization")
    if auth:
        # http.go:104-121: the whole token, in every request, as a query parameter
        out += ("&" if "?" in out else "?") + "access_token=" + auth.replace("Bearer ", "", 1)
    return out or "/"


def _uint(v):
    return b"" if v == 0 else v.to_bytes((v.bit_length() + 7) // 8, "big")


def _ext(n):
    if n < 13:
        return n, b""
    if n < 269:
        return 13, bytes([n - 13])
    return 14, (n - 269).to_bytes(2, "big")


def coap_message(mtype, code, mid, token, options, payload):
    """RFC 7252 section 3 bytes as go-coap marshals them: version 1, options sorted by number
    (stable), uints in the fewest bytes (message.go encodeInt, writeOpt)."""
    out = bytearray([0x40 | (mtype << 4) | len(token), code, mid >> 8, mid & 0xFF])
    out += token
    prev = 0
    for number, value in sorted(options, key=lambda o: o[0]):
        d, dx = _ext(number - prev)
        n, nx = _ext(len(value))
        out += bytes([(d << 4) | n]) + dx + nx + value
        prev = number
    if payload:
        out += b"\xff" + payload
    return bytes(out)


def _block(num, more):
    return _uint((num << 4) | (8 if more else 0) | SZX_1024)  # MarshalBlockOption


class Datagram:
    """One UDP datagram: its direction ("up" edge -> host), kind, the CoAP message inside (None
    for XX1/XX2) and its DEFLATE form, and the UDP payload size."""

    def __init__(self, up, kind, size, coap=None, deflated=None):
        self.up = up
        self.kind = kind
        self.size = size
        self.coap = coap
        self.deflated = deflated

    def __repr__(self):
        return "<Datagram " + ("up " if self.up else "down ") + self.kind + " " + \
            str(self.size) + ">"


class Session2019:
    """One client proxy <-> server proxy Noise session: XX on first contact, then transport
    messages. rng makes the 2-byte tokens and message ids reproducible."""

    def __init__(self, seed=2019):
        self.handshaken = False
        self.rng = random.Random(seed)

    def _wire(self, up, kind, message):
        d = deflate(message)  # the second DEFLATE, of the whole CoAP message (conn.go:367)
        tkl = message[0] & 0x0F
        if kind == "request" and not self.handshaken:
            # XX3 carries the queued first message (go-coap server.go, noise.go:225-238);
            # its clear header has no token (conn.go:472-519)
            self.handshaken = True
            return [Datagram(True, "xx1", CLEAR_HEADER + SEQNUM_LEN + XX1_LEN),
                    Datagram(False, "xx2", CLEAR_HEADER + SEQNUM_LEN + XX2_LEN),
                    Datagram(True, "xx3", CLEAR_HEADER + SEQNUM_LEN + XX3_OVERHEAD + len(d),
                             message, d)]
        return [Datagram(up, kind, CLEAR_HEADER + tkl + SEQNUM_LEN + len(d) + AEAD_TAG,
                         message, d)]

    def exchange(self, ex):
        """[Datagram] for one HAR exchange, in order."""
        token = bytes([self.rng.randrange(256), self.rng.randrange(256)])
        method = ex.method.upper()
        code = METHOD_CODES.get(method, 0)
        path = coap_path(ex).lstrip("/")
        uri = [(OPT_URI_PATH, s.encode("utf-8")) for s in path.split("/")]
        body = b""
        if ex.req_body:
            body = deflate(cbor_body(ex.req_body)[0])  # coap.go:316, :321
        out = []
        # Block1 on every PUT/POST, blocks of 1024 (blockwise.go:157-190, :318-330)
        blocks = [body[i:i + BLOCK_SIZE] for i in range(0, len(body), BLOCK_SIZE)] or [b""]
        if method in ("PUT", "POST"):
            for i, part in enumerate(blocks):
                more = i < len(blocks) - 1
                opts = uri + [(OPT_CONTENT_FORMAT, _uint(APP_OCTETS)),
                              (OPT_SIZE1, _uint(len(body))), (OPT_BLOCK1, _block(i, more))]
                mid = self.rng.randrange(65536)
                out += self._wire(True, "request", coap_message(CON, code, mid, token, opts, part))
                if more:
                    ack = coap_message(ACK, CODE_CONTINUE, mid, token,
                                       [(OPT_BLOCK1, _block(i, True))], b"")
                    out += self._wire(False, "continue", ack)
        else:
            # GET and DELETE go through the blockwise receiver, which drops Content-Format
            # (blockwise.go:399-413) and adds no block option to the first request.
            mid = self.rng.randrange(65536)
            out += self._wire(True, "request", coap_message(CON, code, mid, token, uri, body))
        retries = int((ex.wait_ms or 0) // RETRY_DELAY_MS)  # retries.go: every 40 s
        for _ in range(retries):
            last = out[-1]
            out.append(Datagram(True, "retransmission", last.size, last.coap, last.deflated))
        out += self._response(ex, code, token, uri, mid)
        return out

    def _response(self, ex, code, token, uri, mid):
        rcode = STATUS_CODES.get(ex.status, 160)
        payload = b""
        if ex.resp_body:
            payload = deflate(cbor_body(ex.resp_body)[0])  # coap.go:207-209
        parts = [payload[i:i + BLOCK_SIZE] for i in range(0, len(payload), BLOCK_SIZE)] or [b""]
        out = []
        follow = [o for o in uri]  # a follow-up copies the request's options but Content-Format
        for j, part in enumerate(parts):
            more = j < len(parts) - 1
            if j:
                mid = self.rng.randrange(65536)
                req = coap_message(CON, code, mid, token, follow + [(OPT_BLOCK2, _block(j, True))],
                                   b"")
                out += self._wire(True, "block-request", req)
            # every response goes through the blockwise sender: Size2 and Block2 even on one
            # block (blockwise.go:157-190, :328-329); Content-Format when there is a body
            opts = [(OPT_SIZE2, _uint(len(payload))), (OPT_BLOCK2, _block(j, more))]
            if payload:
                opts.append((OPT_CONTENT_FORMAT, _uint(APP_OCTETS)))
            out += self._wire(False, "response", coap_message(ACK, rcode, mid, token, opts, part))
        return out


def cost_2019(exchanges, one_session=False):
    """[(request_bytes, response_bytes, datagrams)] per exchange: every datagram with 28 B of
    IPv4+UDP; one session (and one XX handshake) per HAR user, as the mxcoap benchmark."""
    sessions = {}
    out = []
    for ex in exchanges:
        key = None if one_session else ex.user
        s = sessions.get(key)
        if s is None:
            s = sessions[key] = Session2019(seed=2019 + len(sessions))
        grams = s.exchange(ex)
        up = sum(g.size + IPV4_UDP for g in grams if g.up)
        down = sum(g.size + IPV4_UDP for g in grams if not g.up)
        out.append((up, down, len(grams)))
    return out


def hello_exchange(token, room_id, txn_id="m1795627361361.0", event_id=None,
                   body=b'{"msgtype":"m.text","body":"Hello world"}'):
    """A "Hello world" send as an Exchange: PUT .../send/m.room.message/{txnId}."""
    if event_id is None:
        event_id = "$" + "sdIHZe4rWTldOzPBIXq9E2EAxI-o1aXyRmU5a5eRMYo"
    url = ("http://localhost:8008/_matrix/client/v3/rooms/" + room_id
           + "/send/m.room.message/" + txn_id)
    return Exchange(1, "hello", None, "PUT", url, [("Authorization", "Bearer " + token)], body,
                    200, "OK", [("Content-Type", "application/json")],
                    json.dumps({"event_id": event_id}, separators=(",", ":")).encode())


def steady_state(ex):
    """(request, response) UDP payload bytes of one exchange on an established session."""
    s = Session2019()
    s.handshaken = True
    grams = s.exchange(ex)
    return (sum(g.size for g in grams if g.up), sum(g.size for g in grams if not g.up))
