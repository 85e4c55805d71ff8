"""The hardened decoder (RFC 8949 §3, §5.3, §10): well-formedness, validity and named limits.

Reads from one memoryview with an offset; nothing is sliced in a loop, and no length read from
the input is trusted before it is checked against the bytes that remain (so a claimed length of
2**63 fails at once, without allocating).
"""

import struct

from mxcoap.cbor.floats import half_to_float, single_to_float
from mxcoap.cbor.values import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_SIZE,
    UNDEFINED,
    CBORDecodeError,
    Simple,
    Tag,
)
from mxcoap.compat import UnicodeError, decode_utf8, int_from_bytes

_BREAK = object()  # the 0xff stop code, returned only where an indefinite item allows it
_INDEFINITE = -1


class _Decoder:
    def __init__(self, data, max_depth, max_items):
        self.buf = memoryview(data)
        self.pos = 0
        self.end = len(data)
        self.max_depth = max_depth
        self.items_left = max_items

    def fail(self, message, offset=None):
        raise CBORDecodeError(message, self.pos if offset is None else offset)

    def need(self, n):
        """Fail unless n more bytes remain; n comes from the input, so compare, never allocate."""
        if n > self.end - self.pos:
            self.fail("truncated: " + str(n) + " bytes needed")

    def argument(self, ai):
        """The argument that follows an initial byte with additional information ai >= 24 (§3).

        Returns _INDEFINITE for 31; self.pos is just past the initial byte.
        """
        buf = self.buf
        pos = self.pos
        if ai == 24:
            self.need(1)
            self.pos = pos + 1
            return buf[pos]
        if ai == 25:
            self.need(2)
            self.pos = pos + 2
            return (buf[pos] << 8) | buf[pos + 1]
        if ai == 26:
            self.need(4)
            self.pos = pos + 4
            return struct.unpack_from(">I", buf, pos)[0]
        if ai == 27:
            self.need(8)
            self.pos = pos + 8
            return struct.unpack_from(">Q", buf, pos)[0]
        if ai == 31:
            return _INDEFINITE
        self.fail("reserved additional information " + str(ai), pos - 1)  # 28..30 (§3)

    def take(self, n):
        """The next n bytes as a memoryview slice (checked, not copied)."""
        self.need(n)
        start = self.pos
        self.pos = start + n
        return self.buf[start : start + n]

    def item(self, depth, as_key=False):
        """Decode one data item; returns _BREAK for a stop code (callers reject it if misplaced)."""
        self.items_left -= 1
        if self.items_left < 0:
            self.fail("more data items than max_items")
        start = self.pos
        if start >= self.end:
            self.fail("truncated: 1 bytes needed")
        # The head is parsed inline: this is the hot path, and a returned tuple would allocate.
        ib = self.buf[start]
        self.pos = start + 1
        major = ib >> 5
        ai = ib & 0x1F
        arg = ai if ai < 24 else self.argument(ai)
        if major == 0:
            if arg < 0:
                self.fail("indefinite length on an integer", start)
            return arg
        if major == 1:
            if arg < 0:
                self.fail("indefinite length on an integer", start)
            return -1 - arg
        if major == 2 or major == 3:
            if arg >= 0:
                return self.string(major, arg, start)
            return self.indefinite_string(major)
        if major == 4 or major == 5 or major == 6:
            if depth >= self.max_depth:
                self.fail("nesting deeper than max_depth", start)
            if major == 4:
                return self.array(arg, depth + 1, as_key)
            if major == 5:
                if as_key:
                    self.fail("a map cannot be a map key", start)
                return self.map(arg, depth + 1)
            if arg < 0:
                self.fail("indefinite length on a tag", start)
            return self.tag(arg, depth + 1, as_key, start)
        return self.simple(ai, arg, start)

    def string(self, major, n, start):
        data = self.take(n)
        if major == 2:
            return bytes(data)
        if not n:
            return ""
        if max(data) < 0x80:
            # ASCII is valid UTF-8: skip the byte loop that strict decoding costs on MicroPython.
            return str(data, "utf-8")
        try:
            return decode_utf8(data)
        except UnicodeError:
            self.fail("invalid UTF-8 in a text string", start)

    def indefinite_string(self, major):
        # §3.2.3: chunks are definite strings of the same major type; a text chunk is valid
        # UTF-8 by itself (a code point never spans two chunks).
        chunks = []
        while True:
            self.items_left -= 1
            if self.items_left < 0:
                self.fail("more data items than max_items")
            start = self.pos
            self.need(1)
            ib = self.buf[start]
            self.pos = start + 1
            if ib == 0xFF:
                break
            ai = ib & 0x1F
            arg = ai if ai < 24 else self.argument(ai)
            if ib >> 5 != major or arg < 0:
                self.fail("indefinite string chunk of another type", start)
            chunks.append(self.string(major, arg, start))
        return (b"" if major == 2 else "").join(chunks)

    def array(self, n, depth, as_key):
        out = []
        if n >= 0:
            self.need(n)  # each element takes at least one byte
            for _ in range(n):
                value = self.item(depth, as_key)
                if value is _BREAK:
                    self.fail("break outside an indefinite-length item", self.pos - 1)
                out.append(value)
        else:
            while True:
                value = self.item(depth, as_key)
                if value is _BREAK:
                    break
                out.append(value)
        # Map keys must be hashable: an array used as a key decodes to a tuple.
        return tuple(out) if as_key else out

    def map(self, n, depth):
        out = {}
        if n >= 0:
            self.need(n + n)  # each pair takes at least two bytes
            for _ in range(n):
                self.pair(out, depth, False)
        else:
            while self.pair(out, depth, True):
                pass
        return out

    def pair(self, out, depth, indefinite):
        start = self.pos
        key = self.item(depth, True)
        if key is _BREAK:
            if indefinite:
                return False
            self.fail("break outside an indefinite-length item", start)
        try:
            seen = key in out
        except TypeError:  # arrays arrive as tuples and maps are refused, so this is defence
            self.fail("unhashable map key", start)
        if seen:  # §5.6: a decoder may reject duplicate keys; we do
            self.fail("duplicate map key", start)
        if key != key:  # NaN never equals itself, so its duplicates could not be detected
            self.fail("NaN as a map key", start)
        value = self.item(depth)
        if value is _BREAK:
            self.fail("break outside an indefinite-length item", self.pos - 1)
        out[key] = value
        return True

    def tag(self, number, depth, as_key, start):
        value = self.item(depth, as_key)
        if value is _BREAK:
            self.fail("break outside an indefinite-length item", self.pos - 1)
        if number == 2 or number == 3:
            # §3.4.3 bignums: the content must be a byte string.
            if not isinstance(value, bytes):
                self.fail("bignum tag content is not a byte string", start)
            n = int_from_bytes(value)
            return n if number == 2 else -1 - n
        return Tag(number, value)

    def simple(self, ai, arg, start):
        if ai < 20:
            return Simple(ai)
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai == 22:
            return None
        if ai == 23:
            return UNDEFINED
        if ai == 24:
            if arg < 32:  # §3.3: two-byte forms of 0..31 are not well-formed
                self.fail("simple value below 32 in two-byte form", start)
            return Simple(arg)
        if ai == 25:
            return half_to_float(arg)
        if ai == 26:
            return single_to_float(arg)
        if ai == 27:
            return struct.unpack_from(">d", self.buf, start + 1)[0]
        return _BREAK  # ai == 31; 28..30 were rejected by argument()


def loads(data, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_size=MAX_SIZE):
    """Decode exactly one CBOR data item from data (bytes, bytearray or memoryview)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("loads() needs bytes, bytearray or memoryview")
    if len(data) > max_size:
        raise CBORDecodeError("input longer than max_size (" + str(max_size) + ")", 0)
    dec = _Decoder(data, max_depth, max_items)
    value = dec.item(0)
    if value is _BREAK:
        dec.fail("break outside an indefinite-length item", 0)
    if dec.pos != dec.end:
        dec.fail("trailing bytes after the data item")
    return value
