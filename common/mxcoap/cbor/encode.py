"""The deterministic encoder: RFC 8949 §4.2.1 (core deterministic encoding requirements).

- every argument (integer, length, tag number) in its shortest form (§4.2.1, first bullet);
- floats in the shortest of half/single/double that is exact, NaN as 0xf97e00 (§4.2.2);
- integers outside [-2**64, 2**64) as bignums, tags 2/3, without leading zero bytes (§3.4.3);
- definite lengths only;
- map keys sorted by the bytewise lexicographic order of their encoded form (§4.2.1), so the
  output never depends on dict order, which MicroPython does not keep.
"""

import struct

from mxcoap.cbor.floats import encode_float
from mxcoap.cbor.values import MAX_DEPTH, UNDEFINED, CBOREncodeError, Simple, Tag
from mxcoap.compat import bit_length

_U64 = 1 << 64


def _head(out, major, n):
    """Append an initial byte and the shortest argument for n (§3, §4.2.1)."""
    mt = major << 5
    if n < 24:
        out.append(mt | n)
    elif n < 0x100:
        out.append(mt | 24)
        out.append(n)
    elif n < 0x10000:
        out.extend(struct.pack(">BH", mt | 25, n))
    elif n < 0x100000000:
        out.extend(struct.pack(">BI", mt | 26, n))
    else:
        out.extend(struct.pack(">BQ", mt | 27, n))


def _first(pair):
    return pair[0]


def _encode(obj, out, depth):
    # bool before int: bool is an int subclass on both interpreters.
    if obj is False:
        out.append(0xF4)
    elif obj is True:
        out.append(0xF5)
    elif obj is None:
        out.append(0xF6)
    elif isinstance(obj, int):
        if obj >= 0:
            if obj < _U64:
                _head(out, 0, obj)
                return
            tag, n = 2, obj
        else:
            if obj >= -_U64:
                _head(out, 1, -1 - obj)
                return
            tag, n = 3, -1 - obj
        # Bignum (§3.4.3): big-endian magnitude, no leading zeros.
        data = n.to_bytes((bit_length(n) + 7) >> 3, "big")
        _head(out, 6, tag)
        _head(out, 2, len(data))
        out.extend(data)
    elif isinstance(obj, str):
        try:
            data = obj.encode("utf-8")
        except UnicodeError:  # lone surrogates on CPython
            raise CBOREncodeError("text is not encodable as UTF-8")
        _head(out, 3, len(data))
        out.extend(data)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        if isinstance(obj, memoryview):
            obj = bytes(obj)  # len() of a memoryview counts items, not bytes, on CPython
        _head(out, 2, len(obj))
        out.extend(obj)
    elif isinstance(obj, float):
        out.extend(encode_float(obj))
    elif isinstance(obj, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise CBOREncodeError("nesting deeper than MAX_DEPTH")
        _head(out, 4, len(obj))
        for item in obj:
            _encode(item, out, depth + 1)
    elif isinstance(obj, dict):
        if depth >= MAX_DEPTH:
            raise CBOREncodeError("nesting deeper than MAX_DEPTH")
        pairs = []
        for key, value in obj.items():
            kb = bytearray()
            _encode(key, kb, depth + 1)
            pairs.append((bytes(kb), value))
        pairs.sort(key=_first)
        _head(out, 5, len(pairs))
        prev = None
        for kb, value in pairs:
            # Distinct Python keys can share an encoding (two NaN objects); §5.6 forbids that.
            if kb == prev:
                raise CBOREncodeError("two map keys have the same encoding")
            prev = kb
            out.extend(kb)
            _encode(value, out, depth + 1)
    elif isinstance(obj, Tag):
        if obj.tag == 2 or obj.tag == 3:
            # Bignums are written from ints only, so they stay in preferred form (§3.4.3).
            raise CBOREncodeError("encode bignums as int, not Tag(2/3, ...)")
        if depth >= MAX_DEPTH:
            raise CBOREncodeError("nesting deeper than MAX_DEPTH")
        _head(out, 6, obj.tag)
        _encode(obj.value, out, depth + 1)
    elif isinstance(obj, Simple):
        _head(out, 7, obj.value)
    elif obj is UNDEFINED:
        out.append(0xF7)
    else:
        raise CBOREncodeError("cannot encode " + type(obj).__name__)


def dumps(obj):
    """Encode obj as deterministic CBOR (RFC 8949 §4.2.1)."""
    out = bytearray()
    _encode(obj, out, 0)
    return bytes(out)
