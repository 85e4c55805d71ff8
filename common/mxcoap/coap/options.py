"""Option value formats (RFC 7252 §3.2) and the Block option value (RFC 7959 §2.2)."""

from mxcoap.coap.errors import MessageFormatError


def encode_uint(n):
    """Minimal big-endian bytes; zero is the empty string (RFC 7252 §3.2)."""
    if n < 0:
        raise ValueError("uint option value must be >= 0")
    out = b""
    while n:
        out = bytes((n & 0xFF,)) + out
        n >>= 8
    return out


def decode_uint(value):
    """Leading zero bytes are tolerated on receipt (RFC 7252 §3.2 only says SHOULD NOT send)."""
    n = 0
    for b in value:
        n = (n << 8) | b
    return n


def encode_string(s):
    return s.encode("utf-8")


def szx_to_size(szx):
    """Block size 2**(SZX+4), SZX 0-6 (RFC 7959 §2.2)."""
    return 16 << szx


def size_to_szx(size):
    """The largest SZX whose block size does not exceed `size` (16 at least, 1024 at most)."""
    szx = 0
    while szx < 6 and (32 << szx) <= size:
        szx += 1
    return szx


def encode_block(num, more, szx):
    """NUM (4-20 bits) | M | SZX in 0-3 bytes (RFC 7959 §2.2)."""
    if not 0 <= szx <= 6:
        raise ValueError("SZX must be 0-6")
    if not 0 <= num < (1 << 20):
        raise ValueError("block number out of range")
    return encode_uint((num << 4) | (8 if more else 0) | szx)


def decode_block(value):
    """Returns (num, more, szx). SZX 7 is reserved and a value over 3 bytes is invalid."""
    if len(value) > 3:
        raise MessageFormatError("Block option longer than 3 bytes")
    n = decode_uint(value)
    szx = n & 7
    if szx == 7:
        # RFC 7959 §2.2: SZX 7 is reserved (BERT only on reliable transports, RFC 8323 §6).
        raise MessageFormatError("Block option with reserved SZX 7")
    return n >> 4, bool(n & 8), szx
