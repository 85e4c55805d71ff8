"""CoAP messages (RFC 7252 §3): pure encode and decode.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   |Ver| T |  TKL  |      Code     |          Message ID           |
   |   Token (if any, TKL bytes) ...
   |   Options (if any) ...
   |1 1 1 1 1 1 1 1|    Payload (if any) ...

Options are (delta, length) nibbles with extensions: 13 -> one more byte (value - 13),
14 -> two more bytes (value - 269), 15 reserved (payload marker when both nibbles are 15).
"""

from mxcoap.coap.errors import MessageFormatError
from mxcoap.coap.numbers import (
    CON,
    TYPE_NAMES,
    URI_PATH,
    URI_QUERY,
    code_name,
    is_request,
    is_response,
)
from mxcoap.coap.options import decode_uint, encode_uint
from mxcoap.compat import UnicodeError, const, decode_utf8

MAX_TOKEN_LENGTH = const(8)  # RFC 7252 §3: TKL 9-15 is a message format error
MAX_OPTION_NUMBER = const(65535)  # option numbers are 16-bit (RFC 7252 §12.2)
MAX_OPTION_LENGTH = const(65804)  # 14-form length: 269 + 0xFFFF (RFC 7252 §3.1)
_PAYLOAD_MARKER = const(0xFF)


class Message:
    """A CoAP message. `options` is a list of (number, bytes) kept in insertion order."""

    def __init__(self, mtype=CON, code=0, mid=0, token=b"", options=None, payload=b""):
        self.mtype = mtype
        self.code = code
        self.mid = mid
        self.token = token
        self.options = [] if options is None else options
        self.payload = payload

    # --- options ---------------------------------------------------------------------------
    def opt(self, number):
        """The first value of option `number`, or None."""
        for n, v in self.options:
            if n == number:
                return v
        return None

    def opts(self, number):
        return [v for n, v in self.options if n == number]

    def has_option(self, number):
        for n, _ in self.options:
            if n == number:
                return True
        return False

    def add_option(self, number, value):
        self.options.append((number, bytes(value)))

    def remove_option(self, number):
        self.options = [o for o in self.options if o[0] != number]

    def set_option(self, number, value):
        self.remove_option(number)
        self.options.append((number, bytes(value)))

    def opt_uint(self, number, default=None):
        v = self.opt(number)
        return default if v is None else decode_uint(v)

    def add_uint_option(self, number, n):
        self.options.append((number, encode_uint(n)))

    def set_uint_option(self, number, n):
        self.set_option(number, encode_uint(n))

    @property
    def uri_path(self):
        return [decode_utf8(v) for v in self.opts(URI_PATH)]

    @property
    def uri_query(self):
        return [decode_utf8(v) for v in self.opts(URI_QUERY)]

    @property
    def path(self):
        return "/" + "/".join(self.uri_path)

    def set_uri_path(self, path):
        """"/a/b" or ["a", "b"]; "/" and "" mean no Uri-Path option (RFC 7252 §6.4 step 8)."""
        if isinstance(path, str):
            path = [p for p in path.split("/")] if path not in ("", "/") else []
            if path and path[0] == "":
                path = path[1:]
        self.remove_option(URI_PATH)
        for seg in path:
            self.options.append((URI_PATH, seg.encode("utf-8")))

    def set_uri_query(self, items):
        self.remove_option(URI_QUERY)
        for q in items:
            self.options.append((URI_QUERY, q.encode("utf-8")))

    # --- kinds -----------------------------------------------------------------------------
    def is_request(self):
        return is_request(self.code)

    def is_response(self):
        return is_response(self.code)

    def is_empty(self):
        return self.code == 0

    def copy(self):
        return Message(self.mtype, self.code, self.mid, self.token, list(self.options),
                       self.payload)

    @staticmethod
    def empty(mtype, mid):
        return Message(mtype, 0, mid)

    def __repr__(self):
        out = "<" + TYPE_NAMES[self.mtype & 3] + " " + code_name(self.code)
        out += " mid=" + str(self.mid)
        if self.token:
            out += " tok=" + self.token.hex()
        try:
            if self.opt(URI_PATH) is not None:
                out += " " + self.path
        except UnicodeError:
            pass
        out += " opts=" + str(len(self.options)) + " " + str(len(self.payload)) + "B>"
        return out

    def __eq__(self, other):
        return (isinstance(other, Message) and self.mtype == other.mtype
                and self.code == other.code and self.mid == other.mid
                and self.token == other.token and self.payload == other.payload
                and _sorted_options(self.options) == _sorted_options(other.options))

    def __ne__(self, other):
        return not self.__eq__(other)

    # --- wire ------------------------------------------------------------------------------
    def encode(self):
        return encode_message(self)

    @staticmethod
    def decode(data):
        return decode_message(data)


def _sorted_options(options):
    """Stable sort by option number (MicroPython's list.sort is not stable: sort on index too)."""
    prev = -1
    for n, _ in options:
        if n < prev:
            break
        prev = n
    else:
        return options
    keyed = [(options[i][0], i) for i in range(len(options))]
    keyed.sort()
    return [options[i] for _, i in keyed]


def _nibble(value):
    """(nibble, extension bytes) for an option delta or length (RFC 7252 §3.1)."""
    if value < 13:
        return value, b""
    if value < 269:
        return 13, bytes((value - 13,))
    if value <= MAX_OPTION_LENGTH:
        value -= 269
        return 14, bytes((value >> 8, value & 0xFF))
    raise ValueError("option delta or length too large")


def encode_message(msg):
    """Serialise `msg`; raises ValueError for values that cannot be put on the wire."""
    token = msg.token
    tkl = len(token)
    if tkl > MAX_TOKEN_LENGTH:
        raise ValueError("token longer than 8 bytes")
    if not 0 <= msg.mtype <= 3 or not 0 <= msg.code <= 255 or not 0 <= msg.mid <= 0xFFFF:
        raise ValueError("header field out of range")
    parts = [bytes((0x40 | (msg.mtype << 4) | tkl, msg.code, msg.mid >> 8, msg.mid & 0xFF)), token]
    prev = 0
    for number, value in _sorted_options(msg.options):
        if number > MAX_OPTION_NUMBER or number < 0:
            raise ValueError("option number out of range")
        dn, dext = _nibble(number - prev)
        ln, lext = _nibble(len(value))
        parts.append(bytes(((dn << 4) | ln,)))
        if dext:
            parts.append(dext)
        if lext:
            parts.append(lext)
        parts.append(value)
        prev = number
    if msg.payload:
        parts.append(b"\xff")
        parts.append(msg.payload)
    return b"".join(parts)


def _extended(data, pos, nibble, mid, mtype):
    """Read the 13 (one byte, +13) or 14 (two bytes, +269) extension (RFC 7252 §3.1)."""
    if nibble == 13:
        if pos >= len(data):
            raise MessageFormatError("truncated option extension", mid, mtype)
        return data[pos] + 13, pos + 1
    if pos + 2 > len(data):
        raise MessageFormatError("truncated option extension", mid, mtype)
    return ((data[pos] << 8) | data[pos + 1]) + 269, pos + 2


def decode_message(data):
    """Parse one datagram. Raises MessageFormatError (with mid/mtype once the header is read)."""
    n = len(data)
    if n < 4:
        raise MessageFormatError("datagram shorter than the 4-byte header")
    b0 = data[0]
    if b0 >> 6 != 1:
        # RFC 7252 §3: unknown version numbers are silently ignored, so no mid for an RST.
        raise MessageFormatError("unknown CoAP version " + str(b0 >> 6))
    mtype = (b0 >> 4) & 3
    tkl = b0 & 15
    code = data[1]
    mid = (data[2] << 8) | data[3]
    if tkl > MAX_TOKEN_LENGTH:
        raise MessageFormatError("token length 9-15 is reserved", mid, mtype)
    if code == 0 and n != 4:
        # RFC 7252 §4.1: an Empty message has nothing after the header (TKL 0, no options).
        raise MessageFormatError("empty message with token, options or payload", mid, mtype)
    pos = 4 + tkl
    if pos > n:
        raise MessageFormatError("truncated token", mid, mtype)
    token = bytes(data[4:pos])
    options = []
    number = 0
    payload = b""
    while pos < n:
        byte = data[pos]
        pos += 1
        if byte == _PAYLOAD_MARKER:
            if pos == n:
                # RFC 7252 §3: a marker followed by a zero-length payload is a format error.
                raise MessageFormatError("payload marker with empty payload", mid, mtype)
            payload = bytes(data[pos:])
            break
        delta = byte >> 4
        length = byte & 15
        if delta == 15 or length == 15:
            raise MessageFormatError("reserved option nibble 15", mid, mtype)
        if delta >= 13:
            delta, pos = _extended(data, pos, delta, mid, mtype)
        if length >= 13:
            length, pos = _extended(data, pos, length, mid, mtype)
        number += delta
        if number > MAX_OPTION_NUMBER:
            raise MessageFormatError("option number above 65535", mid, mtype)
        end = pos + length
        if end > n:
            # Checked before slicing: a declared length never allocates beyond the datagram.
            raise MessageFormatError("option value runs past the datagram", mid, mtype)
        options.append((number, bytes(data[pos:end])))
        pos = end
    return Message(mtype, code, mid, token, options, payload)
