"""Every difference between CPython and MicroPython that the core needs, in one place.

Code in common/ imports from here instead of testing the interpreter itself
(see PORTABILITY.md). Nothing here does I/O.
"""

import struct
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    from micropython import const  # noqa: F401  (re-exported)
except ImportError:  # CPython

    def const(value):
        return value


# struct raises struct.error on CPython and ValueError on MicroPython.
STRUCT_ERRORS = (ValueError, getattr(struct, "error", ValueError))


def bit_length(n):
    """int.bit_length(), which MicroPython lacks."""
    if n < 0:
        n = -n
    if not IS_MICROPYTHON:
        return n.bit_length()
    bits = 0
    while n >= 0x100000000:
        n >>= 32
        bits += 32
    while n:
        n >>= 1
        bits += 1
    return bits


def int_to_bytes(n, length, signed=False):
    """Big-endian two's complement; MicroPython has no signed= keyword."""
    if signed:
        half = 1 << (8 * length - 1)
        if n < -half or n >= half:
            raise OverflowError("int too big to convert")
        if n < 0:
            n += half << 1
    if n < 0 or n >> (8 * length):
        raise OverflowError("int too big to convert")
    return n.to_bytes(length, "big")


def int_from_bytes(data, signed=False):
    """Big-endian; signed as two's complement."""
    n = int.from_bytes(bytes(data), "big")
    if signed and data and data[0] & 0x80:
        n -= 1 << (8 * len(data))
    return n


def is_ascii(data):
    """str.isascii() is missing and "é".encode("ascii") does not raise on MicroPython."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    for b in data:
        if b > 0x7F:
            return False
    return True


def decode_utf8(data):
    """Strict UTF-8 decoding on both interpreters.

    MicroPython's bytes.decode() accepts malformed UTF-8, so validate by hand there
    (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF).
    Raises UnicodeError (ValueError on MicroPython's builds without it).
    """
    if not IS_MICROPYTHON:
        return bytes(data).decode("utf-8")
    validate_utf8(data)
    return bytes(data).decode("utf-8")


def validate_utf8(data):
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif b == 0xE0:
            need, lo, hi = 2, 0xA0, 0xBF
        elif b == 0xED:
            need, lo, hi = 2, 0x80, 0x9F  # no UTF-16 surrogates
        elif 0xE1 <= b <= 0xEF:
            need, lo, hi = 2, 0x80, 0xBF
        elif b == 0xF0:
            need, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= b <= 0xF3:
            need, lo, hi = 3, 0x80, 0xBF
        elif b == 0xF4:
            need, lo, hi = 3, 0x80, 0x8F
        else:
            raise UnicodeError("invalid UTF-8 start byte at " + str(i))
        if i + need >= n:
            raise UnicodeError("truncated UTF-8 sequence at " + str(i))
        c = data[i + 1]
        if c < lo or c > hi:
            raise UnicodeError("invalid UTF-8 continuation at " + str(i + 1))
        for k in range(2, need + 1):
            c = data[i + k]
            if c < 0x80 or c > 0xBF:
                raise UnicodeError("invalid UTF-8 continuation at " + str(i + k))
        i += need + 1


try:
    UnicodeError = UnicodeError  # re-exported so callers catch one name on both interpreters
except NameError:  # pragma: no cover - MicroPython builds without it
    UnicodeError = ValueError


def monotonic():
    """Seconds from a monotonic clock, for drivers (the core takes `now` as an argument)."""
    return _monotonic()


if IS_MICROPYTHON:
    import time as _time

    _T0 = _time.ticks_ms()
    _wrap_base = [0, _T0]

    def _monotonic():
        # ticks_ms wraps; accumulate differences so the result keeps growing.
        t = _time.ticks_ms()
        _wrap_base[0] += _time.ticks_diff(t, _wrap_base[1])
        _wrap_base[1] = t
        return _wrap_base[0] / 1000.0

else:
    import time as _time

    _monotonic = _time.monotonic
