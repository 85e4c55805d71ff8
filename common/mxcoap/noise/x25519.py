"""X25519 (RFC 7748 §5) and the Noise DH functions for "25519" (Noise §12.1).

The scalar multiplication is the Montgomery ladder of RFC 7748 §5 on big ints: 255 steps of the
same field operations whatever the scalar, the conditional swap done by masking instead of a branch.
Big-int arithmetic is not constant-time underneath (neither interpreter promises it); the structure
is, which is what portable Python can offer.

All-zero output: RFC 7748 §6.1 lets a protocol check for it, and Noise §12.1 allows an error but
discourages it ("adds complexity and implementation variability, and does not increase
security"). We follow Noise: dh() returns the all-zero secret for low-order public keys and the
handshake goes on; the cacophony vectors and interop are unaffected. See docs/protocol.md (Part 7).
"""

import os

from ..compat import const
from .errors import NoiseValueError

DHLEN = const(32)
_P = (1 << 255) - 19
_A24 = const(121665)  # (486662 - 2) / 4, RFC 7748 §5
_MASK255 = (1 << 255) - 1
_ALL_ONES = (1 << 256) - 1
BASE_POINT = b"\x09" + bytes(31)


def _decode_scalar(k):
    # RFC 7748 §5 decodeScalar25519: clear the 3 low bits, clear bit 255, set bit 254.
    if len(k) != 32:
        raise NoiseValueError("X25519 scalar must be 32 bytes")
    n = int.from_bytes(bytes(k), "little")
    return (n & ~7 & _MASK255) | (1 << 254)


def _decode_u(u):
    # RFC 7748 §5: mask the most significant bit; non-canonical values are reduced mod p.
    if len(u) != 32:
        raise NoiseValueError("X25519 u-coordinate must be 32 bytes")
    return (int.from_bytes(bytes(u), "little") & _MASK255) % _P


def x25519(k, u):
    """X25519(k, u) of RFC 7748 §5: the u-coordinate of k * (u, v), 32 bytes little-endian."""
    p = _P
    a24 = _A24
    k = _decode_scalar(k)
    x1 = _decode_u(u)
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    for t in range(254, -1, -1):
        kt = (k >> t) & 1
        swap ^= kt
        # cswap(swap, x2, x3) and (z2, z3): a mask of all ones or zero, no branch.
        mask = _ALL_ONES * swap
        d = mask & (x2 ^ x3)
        x2 ^= d
        x3 ^= d
        d = mask & (z2 ^ z3)
        z2 ^= d
        z3 ^= d
        swap = kt
        a = x2 + z2
        aa = a * a % p
        b = x2 - z2 + p
        bb = b * b % p
        e = aa - bb + p
        c = x3 + z3
        dd = x3 - z3 + p
        da = dd * a % p
        cb = c * b % p
        t1 = da + cb
        x3 = t1 * t1 % p
        t2 = da - cb + p
        z3 = x1 * (t2 * t2 % p) % p
        x2 = aa * bb % p
        z2 = e * (aa + a24 * e) % p
    mask = _ALL_ONES * swap
    d = mask & (x2 ^ x3)
    x2 ^= d
    d = mask & (z2 ^ z3)
    z2 ^= d
    # x2 * z2^(p-2): Fermat inversion (pow(x, -1, p) is wrong on MicroPython, PORTABILITY.md).
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(32, "little")


def public_key(private):
    """The public key of a 32-byte private key: X25519(k, 9) (RFC 7748 §6.1)."""
    return x25519(private, BASE_POINT)


def generate_private(rand=None):
    """32 random bytes (Noise §12.1 GENERATE_KEYPAIR); clamping happens inside x25519()."""
    key = (rand or os.urandom)(32)
    if len(key) != 32:
        raise NoiseValueError("random source gave the wrong length")
    return bytes(key)


def generate_keypair(rand=None):
    """(private, public) for a fresh key pair."""
    private = generate_private(rand)
    return private, public_key(private)


def dh(private, public):
    """Noise DH(key_pair, public_key) for 25519 (§12.1): X25519, all-zero output not refused."""
    return x25519(private, public)
