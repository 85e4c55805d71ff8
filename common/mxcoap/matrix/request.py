"""HTTP request <-> compact CoAP request (docs/protocol.md (Part 3), "Requests").

    CoAP code      the method (GET 0.01, POST 0.02, PUT 0.03, DELETE 0.04, PATCH 0.06); any other
                   method is 0.02 with Mx-Method holding its name
    Uri-Path       the path: either the raw path exactly as sent (first byte "/"), or a CBOR
                   sequence [route code, one item per path parameter, style if not the default],
                   split into options of at most 255 bytes that are concatenated again on receipt
    Uri-Query      one option per "&"-separated part of the query, in order (below)
    Mx-Auth        the access token (session.py); absent means token slot 0
    Mx-Ack         interned indices learned from responses (session.py)
    Mx-Header, Content-Format, Mx-Deflate, payload: headers.py and payload.py

A path parameter is re-encoded on receipt with one of three percent-encoding styles, chosen per
request so that the result is the exact path the client sent; a parameter no style reproduces
travels as its raw segment (K_RAWSEG). "%23" is therefore never decoded into a "#" that could
end the path as a fragment delimiter, nor "%2F" into a "/" separator.
"""

from mxcoap import cbor
from mxcoap.coap import CON, Message
from mxcoap.coap.numbers import URI_PATH, URI_QUERY
from mxcoap.coap.options import decode_uint, encode_uint
from mxcoap.compat import UnicodeError, const, decode_utf8
from mxcoap.matrix import headers as _headers
from mxcoap.matrix import history, ids
from mxcoap.matrix.body import Decoder, Encoder
from mxcoap.matrix.errors import MapUnknown, MatrixDecodeError, MatrixEncodeError
from mxcoap.matrix.numbers import (
    CODE_METHODS,
    METHOD_CODES,
    OPT_ACK,
    OPT_AUTH,
    OPT_HEADER,
    OPT_MAPS,
    OPT_METHOD,
)
from mxcoap.matrix.payload import decode_body, encode_body
from mxcoap.matrix.routes import TXN_PARAM
from mxcoap.matrix.session import Exchange

MAX_OPTION_VALUE = const(255)  # Uri-Path and Uri-Query values (RFC 7252 §5.10)
# Bytes of path, or of query, accepted from the peer: as much as one reassembled CoAP message
# holds (the endpoint's default max_reassembly), so a long query is never refused here.
MAX_PATH = const(65536)
_Q_ESCAPE = const(0x1E)  # a verbatim query part whose first byte would read as a code
_Q_MORE = const(0x1F)  # continuation of the previous query part
_Q_UINT = const(0x80)  # code | 0x80: the value is a canonical decimal, sent as a uint
_Q_FORM = const(0xA0)  # code | 0xa0: the value's compact form (ids.py), e.g. a sync token
# 0x80-0xbf never start UTF-8 text, so these two never collide with a verbatim part.

# Characters a style leaves unescaped besides A-Z a-z 0-9 (RFC 3986 §2.3, §3.3):
# 0 JavaScript encodeURIComponent (Element, matrix-js-sdk), 1 strict (Python quote(safe=""):
# matrix-nio, mautrix-python), 2 every pchar (raw sigils and colons). The default (no byte) is
# 1 when the txnId is a UUID, else 0 (_default_style).
STYLES = ("-._~!*'()", "-._~", "-._~!$&'()*+,;=:@")
_HEXU = "0123456789ABCDEF"
_HEXB = b"0123456789ABCDEFabcdef"


class HttpRequest:
    """method, raw path (percent-encoded as sent), raw query string or None, header list of
    (name, value), body bytes. `route` (routes.Route or None) and `payload` (the compact body
    before DEFLATE, b"" if the body was not compact JSON) are set by decode_request."""

    def __init__(self, method, path, query=None, headers=None, body=b""):
        self.method = method
        self.path = path
        self.query = query
        self.headers = list(headers or ())
        self.body = bytes(body)
        self.route = None
        self.payload = b""

    def header(self, name):
        return _headers.find(self.headers, name)

    def __repr__(self):
        return "<HttpRequest " + self.method + " " + self.path + ">"


def pct_encode(text, style):
    safe = STYLES[style]
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b)
        if b < 0x80 and (ch.isalpha() or ch.isdigit() or ch in safe):
            out.append(ch)
        else:
            out.append("%" + _HEXU[b >> 4] + _HEXU[b & 15])
    return "".join(out)


def pct_decode(raw):
    """The text behind a percent-encoded segment, or None (bad escape or not UTF-8)."""
    if "%" not in raw:
        return raw
    data = raw.encode("utf-8")
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == 0x25:
            h = data[i + 1 : i + 3]
            if len(h) != 2 or h[0] not in _HEXB or h[1] not in _HEXB:
                return None
            out.append(int(h.decode(), 16))
            i += 3
        else:
            out.append(b)
            i += 1
    try:
        return decode_utf8(bytes(out))
    except UnicodeError:
        return None


def _chunks(data, first, more_prefix):
    """Split data into option values of at most 255 bytes (continuations get more_prefix)."""
    out = [data[:first]]
    pos = first
    step = MAX_OPTION_VALUE - len(more_prefix)
    while pos < len(data):
        out.append(more_prefix + data[pos : pos + step])
        pos += step
    return out


def _default_style(route, items):
    """The style a request has when it sends none: 1 (strict) when its txnId is a UUID, the
    transaction ids of matrix-nio and mautrix-python, which percent-encode strictly; else 0."""
    for i in range(len(route.params)):
        item = items[i]
        if route.params[i] == TXN_PARAM and isinstance(item, bytes) and len(item) == ids.UUID_LEN:
            return 1
    return 0


def _param_items(route, raws, decoded, style, enc):
    items = []
    for i in range(len(raws)):
        text = decoded[i]
        txn = route.params[i] == TXN_PARAM
        if text is not None and pct_encode(text, style) == raws[i]:
            items.append(enc.string(text, True, txn))
        else:
            form = ids.with_kind(ids.K_RAWSEG, raws[i].encode("utf-8"))
            items.append(ids.txn_form(form) if txn else form)
    return items


def _encode_params(route, raws, enc):
    decoded = [pct_decode(raw) for raw in raws]
    fits = []
    for style in range(len(STYLES)):
        n = 0
        for i in range(len(raws)):
            if decoded[i] is not None and pct_encode(decoded[i], style) == raws[i]:
                n += 1
        fits.append(n)
    style = 0
    for s in range(1, len(STYLES)):
        if fits[s] > fits[style]:
            style = s
    mark = len(enc.defs)
    items = _param_items(route, raws, decoded, style, enc)
    default = _default_style(route, items)
    if style != default and fits[default] == fits[style]:
        # As good a fit without the style item: encode again (the txnId item, which decides
        # the default, is a UUID whatever the style, as a UUID holds only unreserved characters).
        while len(enc.defs) > mark:
            enc.defs.pop()
        style = default
        items = _param_items(route, raws, decoded, style, enc)
    # The receiver derives the default from the items it gets: say the style unless it matches.
    if style != _default_style(route, items):
        items.append(style)
    return items


def encode_path(path, enc):
    """Uri-Path option values for a raw path; returns (values, route or None)."""
    if not path.startswith("/"):
        raise MatrixEncodeError("request path must start with /", 400)
    route = None
    data = None
    found = enc.maps.route_table.match(path)
    if found is not None:
        route, raws = found
        data = b"".join(cbor.dumps(x) for x in [route.code] + _encode_params(route, raws, enc))
    else:
        data = path.encode("utf-8")
    return _chunks(data, MAX_OPTION_VALUE, b""), route


def decode_path(values, dec):
    """(raw path, route or None) from the Uri-Path option values."""
    data = b"".join(values)
    if not data or len(data) > MAX_PATH:
        raise MatrixDecodeError("missing or oversized path")
    if data[0] == 0x2F:
        return ids.text(data), None
    try:
        items = cbor.loads(b"\x9f" + data + b"\xff")
    except cbor.CBORError as e:
        raise MatrixDecodeError("compact path is not a CBOR sequence: " + str(e))
    code = items[0] if items else None
    ok = isinstance(code, int) and code is not True and code is not False
    route = dec.maps.route_table.get(code) if ok else None
    if route is None:
        raise MatrixDecodeError("unknown route code " + repr(code))
    n = len(route.params)
    if len(items) != n + 1 and len(items) != n + 2:
        raise MatrixDecodeError("wrong number of path parameters")
    style = _default_style(route, items[1:])
    if len(items) == n + 2:
        given = items[n + 1]
        # isinstance first: a CBOR float 1.0 or True would compare equal to a style number.
        if not isinstance(given, int) or given is True or given is False \
                or given not in (0, 1, 2) or given == style:
            raise MatrixDecodeError("bad percent-encoding style")
        style = given
    raws = []
    for i in range(n):
        item = items[i + 1]
        txn = route.params[i] == TXN_PARAM
        if isinstance(item, bytes):
            kind, rest = ids.split_txn(item) if txn else ids.split_kind(item)
            if kind == ids.K_RAWSEG:
                raws.append(ids.text(rest))
                continue
        text = dec.string(item, True, txn)
        raws.append(pct_encode(text, style))
    return route.build(raws), route


def encode_query(query, maps):
    """Uri-Query option values for a raw query string (None: no "?" at all)."""
    if query is None:
        return []
    out = []
    for part in query.split("&"):
        eq = part.find("=")
        code = maps.query_index.get(part[:eq]) if eq >= 0 else None
        if code is not None:
            value = part[eq + 1 :]
            number = ids.decimal(value)
            form = ids.compact(value, maps.server_index) if number is None else None
            if number is not None:
                data = bytes((_Q_UINT | code,)) + encode_uint(number)
            elif form is not None:
                data = bytes((_Q_FORM | code,)) + form
            else:
                data = bytes((code,)) + value.encode("utf-8")
        else:
            data = part.encode("utf-8")
            if data and (data[0] < 0x20 or 0x80 <= data[0] < 0xC0):
                data = bytes((_Q_ESCAPE,)) + data
        out.extend(_chunks(data, MAX_OPTION_VALUE, bytes((_Q_MORE,))))
    return out


def decode_query(values, maps):
    if not values:
        return None
    parts = []  # raw option bytes of each part, continuations joined
    total = 0
    for v in values:
        total += len(v)
        if total > MAX_PATH:
            raise MatrixDecodeError("oversized query")
        if v and v[0] == _Q_MORE:
            if not parts:
                raise MatrixDecodeError("query continuation first")
            parts[-1] += v[1:]
        else:
            parts.append(bytes(v))
    return "&".join(_query_part(p, maps) for p in parts)


def _query_part(v, maps):
    b = v[0] if v else 0x20
    if b == _Q_ESCAPE:
        return ids.text(v[1:])
    if b < _Q_ESCAPE or _Q_UINT <= b < _Q_UINT + _Q_ESCAPE or _Q_FORM <= b < _Q_FORM + _Q_ESCAPE:
        code = b & 0x1F
        if code >= len(maps.query):
            raise MatrixDecodeError("unknown query code " + str(code))
        if b >= _Q_FORM:
            kind, rest = ids.split_kind(v[1:])
            value = ids.expand(kind, rest, maps.servers)
        elif b >= _Q_UINT:
            value = str(decode_uint(v[1:]))
        else:
            value = ids.text(v[1:])
        return maps.query[code] + "=" + value
    return ids.text(v)


def encode_request(req, session, extra_headers=()):
    """(CoAP Message, Exchange) for an HttpRequest; the Exchange goes to decode_response."""
    ex = Exchange()
    enc = Encoder(session.maps, session.tx)
    opts = []
    code = METHOD_CODES.get(req.method)
    if code is None:
        if not req.method or not req.method.isupper():
            raise MatrixEncodeError("bad method " + repr(req.method), 400)
        code = METHOD_CODES["POST"]
        opts.append((OPT_METHOD, req.method.encode()))
    values, route = encode_path(req.path, enc)
    ex.route = route
    for v in values:
        opts.append((URI_PATH, v))
    for v in encode_query(req.query, session.maps):
        opts.append((URI_QUERY, v))
    hopts, content_type, bearer = _headers.encode_headers(req.headers, extra_headers)
    opts.extend(hopts)
    if bearer is None:
        opts.append((OPT_AUTH, b""))
    else:
        found = session.tokens_tx.lookup(bearer)
        if found is None:  # table full or token too long: no slot, the header travels as it is
            opts.append((OPT_AUTH, b""))
            opts.append((OPT_HEADER, b"\x05Bearer " + bearer.encode("utf-8")))
        else:
            confirmed, slot = found
            if not confirmed:
                opts.append((OPT_AUTH, bytes((slot,)) + bearer.encode("utf-8")))
                ex.token_def = slot
            elif slot:
                opts.append((OPT_AUTH, bytes((slot,))))
    if session.first_flight:
        opts.append((OPT_MAPS, b""))
    bopts, payload, ex.payload = encode_body(req.body, content_type, enc,
                                             route.req_schema if route else None)
    opts.extend(bopts)
    acks = session.history_rx.acks()
    # Delayed acknowledgement, in the spirit of TCP's (RFC 1122 §4.2.3.2): at once before a GET,
    # whose answer is what the history helps; when the option header costs one byte (a Matrix
    # option within 12 numbers below Mx-Ack is sent anyway); else once ACK_EVERY entries wait.
    if acks and (req.method == "GET" or len(acks) >= history.ACK_EVERY
                 or any(OPT_ACK - 12 <= n < OPT_ACK for n, _ in opts)):
        ex.acks = acks
        opts.append((OPT_ACK, history.encode_uints(acks)))
    ex.defs = enc.defs
    return Message(CON, code, options=opts, payload=payload), ex


def decode_request(msg, session):
    """The HttpRequest behind a compact CoAP request (host side); learns definitions."""
    maps = session.maps
    first = msg.opt(OPT_MAPS)
    if first is not None:
        # Checked before anything is learned from the request: the edge sends it again.
        if first:
            raise MatrixDecodeError("Mx-Maps with a value")
        maps = session.first_maps
        if maps is None:
            raise MapUnknown("the map set offered first is not held here")
    dec = Decoder(maps, session.rx)
    method = CODE_METHODS.get(msg.code)
    m = msg.opt(OPT_METHOD)
    if m is not None:
        if msg.code != METHOD_CODES["POST"]:
            raise MatrixDecodeError("Mx-Method with a code other than POST")
        method = ids.text(m)
    if method is None:
        raise MatrixDecodeError("CoAP method code " + str(msg.code) + " has no HTTP method", 405)
    path, route = decode_path(msg.opts(URI_PATH), dec)
    query = decode_query(msg.opts(URI_QUERY), maps)
    headers = []
    auth = msg.opt(OPT_AUTH)
    if auth is None:
        headers.append(("Authorization", "Bearer " + session.tokens_rx.lookup(0)))
    elif len(auth) == 1:
        headers.append(("Authorization", "Bearer " + session.tokens_rx.lookup(auth[0])))
    elif auth:
        token = ids.text(auth[1:])
        session.tokens_rx.define(auth[0], token)
        headers.append(("Authorization", "Bearer " + token))
    for value in msg.opts(OPT_HEADER):
        if value and value[0] < 2:
            continue  # body typing, read by decode_body
        name, text = _headers.decode_header(value)
        headers.append((name, text))
    body_headers, body, compact = decode_body(msg, dec, route.req_schema if route else None)
    headers.extend(body_headers)
    ack = msg.opt(OPT_ACK)
    if ack:
        session.history_tx.ack(history.decode_uints(ack, history.MAX_ACKS))
    req = HttpRequest(method, path, query, headers, body)
    req.route = route
    req.payload = compact  # the response's history entry begins with it
    return req
