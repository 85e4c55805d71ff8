"""IEEE 754 half/single/double conversion for CBOR major type 7 (RFC 8949 §3.3, Appendix D).

Done on the integer bit patterns so that both interpreters give the same bytes: MicroPython
builds differ in struct "e" support and in what struct "f" does on overflow.
"""

import struct

_MANT52 = (1 << 52) - 1


def double_bits(x):
    return struct.unpack(">Q", struct.pack(">d", x))[0]


def bits_double(bits):
    return struct.unpack(">d", struct.pack(">Q", bits))[0]


def _narrow(bits, exp_bits, mant_bits):
    """The finite nonzero double `bits` in a format with these field widths if exact, else None."""
    bias = (1 << (exp_bits - 1)) - 1
    sub_lo = 1 - bias - mant_bits  # exponent of the smallest subnormal
    sign = (bits >> 63) << (exp_bits + mant_bits)
    e = ((bits >> 52) & 0x7FF) - 1023
    mant = bits & _MANT52
    if e < sub_lo or e > bias:  # double subnormals (e == -1023) fall below every sub_lo here
        return None
    drop = 52 - mant_bits
    if e > -bias:  # a normal number in the narrow format
        if mant & ((1 << drop) - 1):
            return None
        return sign | ((e + bias) << mant_bits) | (mant >> drop)
    # A subnormal in the narrow format: k * 2**sub_lo with k < 2**mant_bits.
    shift = 52 - (e - sub_lo)
    full = (1 << 52) | mant
    if full & ((1 << shift) - 1):
        return None
    return sign | (full >> shift)


def encode_float(x):
    """The shortest of half, single, double that holds x exactly (RFC 8949 §4.2.1, §4.2.2).

    Every NaN becomes the half 0xf97e00, as §4.2.2 suggests for deterministic encoding.
    """
    if x != x:
        return b"\xf9\x7e\x00"
    bits = double_bits(x)
    if bits & 0x7FFFFFFFFFFFFFFF == 0:  # zeros keep their sign
        return b"\xf9\x80\x00" if bits >> 63 else b"\xf9\x00\x00"
    if (bits >> 52) & 0x7FF == 0x7FF:  # infinities
        return b"\xf9\xfc\x00" if bits >> 63 else b"\xf9\x7c\x00"
    h = _narrow(bits, 5, 10)
    if h is not None:
        return b"\xf9" + struct.pack(">H", h)
    s = _narrow(bits, 8, 23)
    if s is not None:
        return b"\xfa" + struct.pack(">I", s)
    return b"\xfb" + struct.pack(">Q", bits)


def half_to_float(h):
    """Decode a binary16 bit pattern (RFC 8949 Appendix D) without struct "e"."""
    sign = (h >> 15) << 63
    e = (h >> 10) & 0x1F
    mant = h & 0x3FF
    if e == 0x1F:
        return bits_double(sign | (0x7FF << 52) | (mant << 42))
    if e:
        return bits_double(sign | ((e - 15 + 1023) << 52) | (mant << 42))
    if mant == 0:
        return bits_double(sign)
    # Subnormal half: mant * 2**-24; normalise around its top bit p.
    p = 9
    while not (mant >> p):
        p -= 1
    return bits_double(sign | ((p - 24 + 1023) << 52) | ((mant - (1 << p)) << (52 - p)))


def single_to_float(s):
    return struct.unpack(">f", struct.pack(">I", s))[0]
