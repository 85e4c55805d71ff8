"""Bodies of both directions: compact JSON, raw bytes of any type, optional DEFLATE.

- A body with Content-Type exactly "application/json" that parses (jsontext.py) is sent as one
  compact CBOR item (body.py) with no Content-Format option: that absence means "compact JSON".
  On a route with a schema, a schema form of two or more values goes as the CBOR sequence of
  its values (RFC 8742) instead of an array of them: one byte less.
- Any other body is sent as its exact bytes, typed by Content-Format (IANA number for the exact
  Content-Type string), by Mx-Header Content-Type (any other string), or by Mx-Header
  HDR_NO_CONTENT_TYPE (a body without Content-Type). JSON that cannot be carried as data (lone
  surrogates, duplicate keys, too deep) goes this way too: the server then judges it itself.
- The payload is replaced by its raw DEFLATE (RFC 1951) with the map set's dictionary, marked
  by the empty Mx-Deflate option, when that saves more than the option costs.
"""

from mxcoap import cbor
from mxcoap.coap.numbers import CONTENT_FORMAT
from mxcoap.coap.options import decode_uint
from mxcoap.compat import const
from mxcoap.matrix import headers as _headers
from mxcoap.matrix import jsontext
from mxcoap.matrix.errors import MatrixDecodeError, MatrixEncodeError
from mxcoap.matrix.numbers import CONTENT_TYPE_JSON, OPT_DEFLATE, OPT_HEADER

try:
    from mxcoap import deflate as _deflate
except ImportError:  # pragma: no cover - a build without the compressor
    _deflate = None

MAX_BODY = const(1048576)  # decompressed body bytes accepted from the peer
MIN_DEFLATE = const(24)  # shorter payloads never win against 3 bytes of option
MAX_DEFLATE_INPUT = const(65536)  # do not spend the device's time on large media
DEFLATE_COST = const(3)  # option header with a delta from a private option (worst case)

_TEXTUAL = ("application/json", "text/", "application/xml", "image/svg+xml")


def encode_body(body, content_type, encoder, schema, history=b""):
    """(options, payload, compact) for a body: `compact` is the payload before DEFLATE when the
    body goes as compact JSON, else b"". `encoder` is a body.Encoder, whose defs are kept only if
    the compact form is the one sent; `history` goes after the map set's dictionary."""
    opts = []
    payload = b""
    compact = False
    if body and content_type == CONTENT_TYPE_JSON:
        mark = len(encoder.defs)
        try:
            item = encoder.body(jsontext.loads(body), schema)
            if schema is not None and isinstance(item, list) and len(item) > 1:
                # The schema form's values as a CBOR sequence (RFC 8742): no array head.
                payload = b"".join(cbor.dumps(x) for x in item)
            else:
                payload = cbor.dumps(item)
            compact = True
        except (jsontext.JsonError, MatrixEncodeError, cbor.CBORError):
            while len(encoder.defs) > mark:
                encoder.defs.pop()
    if not compact:
        opt = _headers.content_type_option(content_type, bool(body))
        if opt is not None:
            opts.append(opt)
        payload = bytes(body)
    plain = payload if compact else b""
    if compact or textual(content_type):
        packed = compress_payload(payload, encoder.maps.dictionary + history)
        if packed is not None:
            opts.append((OPT_DEFLATE, b""))
            payload = packed
    return opts, payload, plain


def textual(content_type):
    """A body type worth compressing (JSON, text, XML, SVG)."""
    if content_type is None:
        return False
    for prefix in _TEXTUAL:
        if content_type.startswith(prefix):
            return True
    return False


def compress_payload(payload, dictionary):
    """The raw DEFLATE of payload with the dictionary, or None when it does not win."""
    if _deflate is None or not MIN_DEFLATE <= len(payload) <= MAX_DEFLATE_INPUT:
        return None
    packed = _deflate.compress(payload, zdict=dictionary)
    if len(packed) + DEFLATE_COST < len(payload):
        return packed
    return None


def decode_body(msg, decoder, schema, history=b""):
    """(headers, body bytes, compact): the Content-Type header (if any), the body, and the payload
    before DEFLATE when it is compact JSON (else b""), from a message. `history` goes after the
    map set's dictionary."""
    payload = msg.payload
    if msg.opt(OPT_DEFLATE) is not None:
        if _deflate is None:
            raise MatrixDecodeError("Mx-Deflate without a decompressor", 500)
        try:
            payload = _deflate.decompress(payload, zdict=decoder.maps.dictionary + history,
                                          max_size=MAX_BODY)
        except _deflate.DeflateError as e:
            raise MatrixDecodeError("bad DEFLATE payload: " + str(e))
    cf = msg.opt(CONTENT_FORMAT)
    typed = cf is not None
    content_type = None
    if typed:
        content_type = _headers.CONTENT_FORMAT_TYPES.get(decode_uint(cf))
        if content_type is None:
            raise MatrixDecodeError("Content-Format " + str(decode_uint(cf)) + " not mapped")
    for value in msg.opts(OPT_HEADER):
        if value and value[0] in (0, 1):  # HDR_NO_CONTENT_TYPE, HDR_CONTENT_TYPE
            if typed:
                raise MatrixDecodeError("body typed twice")
            typed = True
            content_type = _headers.decode_header(value)[1]
    if typed:
        return ([("Content-Type", content_type)] if content_type is not None else []), payload, b""
    if not payload:
        return [], b"", b""
    try:
        if schema is None:
            item = cbor.loads(payload)
        else:
            # One item (a plain value, or a one-value schema array), or the schema form's values
            # as a CBOR sequence of two or more items, read by wrapping it in an indefinite array.
            item = cbor.loads(b"\x9f" + payload + b"\xff", max_depth=cbor.MAX_DEPTH + 1)
            if len(item) == 1:
                item = item[0]
    except cbor.CBORError as e:
        raise MatrixDecodeError("compact body is not CBOR: " + str(e))
    value = decoder.body(item, schema)
    return [("Content-Type", CONTENT_TYPE_JSON)], jsontext.dumps(value), payload
