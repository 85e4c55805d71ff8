"""SHA-256, HMAC (RFC 2104) and HKDF (RFC 5869; the Noise form of §4.3).

hashlib.sha256 exists on both interpreters; MicroPython has no hmac module, so HMAC is written
here once and used everywhere.
"""

import hashlib

from ..compat import const
from .errors import NoiseValueError

HASHLEN = const(32)
BLOCKLEN = const(64)
_IPAD = int.from_bytes(b"\x36" * BLOCKLEN, "big")
_OPAD = int.from_bytes(b"\x5c" * BLOCKLEN, "big")
# RFC 5869 §2.3: L <= 255 * HashLen.
MAX_HKDF_OUTPUT = const(255 * 32)


def sha256(data):
    return hashlib.sha256(bytes(data)).digest()


def hmac_sha256(key, data):
    """HMAC-SHA256 (RFC 2104 §2): H(K ^ opad || H(K ^ ipad || text))."""
    key = bytes(key)
    if len(key) > BLOCKLEN:
        key = sha256(key)
    k = int.from_bytes(key + bytes(BLOCKLEN - len(key)), "big")
    inner = hashlib.sha256((k ^ _IPAD).to_bytes(BLOCKLEN, "big"))
    inner.update(bytes(data))
    outer = hashlib.sha256((k ^ _OPAD).to_bytes(BLOCKLEN, "big"))
    outer.update(inner.digest())
    return outer.digest()


def hkdf_extract(salt, ikm):
    """RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zeros."""
    if not salt:
        salt = bytes(HASHLEN)
    return hmac_sha256(salt, ikm)


def hkdf_expand(prk, info, length):
    """RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L octets."""
    if length < 0 or length > MAX_HKDF_OUTPUT:
        raise NoiseValueError("HKDF output length out of range")
    out = []
    t = b""
    i = 1
    got = 0
    while got < length:
        t = hmac_sha256(prk, t + bytes(info) + bytes((i,)))
        out.append(t)
        got += HASHLEN
        i += 1
    return b"".join(out)[:length]


def hkdf(chaining_key, input_key_material, num_outputs):
    """Noise §4.3 HKDF: two or three HASHLEN outputs keyed by the chaining key.

    temp_key = HMAC(ck, ikm); output_i = HMAC(temp_key, output_{i-1} || byte(i)). This is
    RFC 5869 with salt = ck, empty info and L = num_outputs * HASHLEN.
    """
    if num_outputs not in (2, 3):
        raise NoiseValueError("Noise HKDF gives 2 or 3 outputs")
    temp_key = hmac_sha256(chaining_key, input_key_material)
    output1 = hmac_sha256(temp_key, b"\x01")
    output2 = hmac_sha256(temp_key, output1 + b"\x02")
    if num_outputs == 2:
        return output1, output2
    return output1, output2, hmac_sha256(temp_key, output2 + b"\x03")
