"""The AES-128 block function for CCM.

MicroPython: `cryptolib.aes(key, 1)` (ECB). Elsewhere: FIPS 197 AES with the S-box and T-tables of
mxcoap.noise.aesgcm (which holds AES-256 only), expanded here for 128-bit keys (10 rounds).
"""

import struct

from ..noise import aesgcm as _aes
from .errors import SessionUsageError


def _expand_key_128(key):
    # FIPS 197 §5.2 with Nk = 4: 44 words for 10 rounds.
    if _aes._SBOX is None:
        _aes._build_tables()
    w = list(struct.unpack(">4I", key))
    rcon = 1
    sub_word = _aes._sub_word
    for i in range(4, 44):
        t = w[i - 1]
        if i % 4 == 0:
            t = sub_word(((t << 8) | (t >> 24)) & 0xFFFFFFFF) ^ (rcon << 24)
            rcon = _aes._xtime(rcon)
        w.append(w[i - 4] ^ t)
    return w


def _portable(key):
    rk = _expand_key_128(key)
    te0, te1, te2, te3 = _aes._TE
    sb = _aes._SBOX
    last = _aes._last

    def encrypt(block):
        s0, s1, s2, s3 = struct.unpack(">4I", block)
        s0 ^= rk[0]
        s1 ^= rk[1]
        s2 ^= rk[2]
        s3 ^= rk[3]
        for r in range(4, 40, 4):
            t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 255] ^ te2[(s2 >> 8) & 255] ^ te3[s3 & 255]
            t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 255] ^ te2[(s3 >> 8) & 255] ^ te3[s0 & 255]
            t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 255] ^ te2[(s0 >> 8) & 255] ^ te3[s1 & 255]
            t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 255] ^ te2[(s1 >> 8) & 255] ^ te3[s2 & 255]
            s0, s1, s2, s3 = t0 ^ rk[r], t1 ^ rk[r + 1], t2 ^ rk[r + 2], t3 ^ rk[r + 3]
        return struct.pack(
            ">4I",
            last(sb, s0, s1, s2, s3) ^ rk[40],
            last(sb, s1, s2, s3, s0) ^ rk[41],
            last(sb, s2, s3, s0, s1) ^ rk[42],
            last(sb, s3, s0, s1, s2) ^ rk[43],
        )

    return encrypt


def portable_block_encryptor(key):
    """The portable AES-128 block function (tests compare the two backends)."""
    if len(key) != 16:
        raise SessionUsageError("AES-128 key must be 16 bytes")
    return _portable(bytes(key))


def block_encryptor(key):
    """A function encrypting one 16-byte block under a 16-byte key."""
    if len(key) != 16:
        raise SessionUsageError("AES-128 key must be 16 bytes")
    try:
        import cryptolib
    except ImportError:
        return _portable(bytes(key))
    return cryptolib.aes(bytes(key), 1).encrypt
