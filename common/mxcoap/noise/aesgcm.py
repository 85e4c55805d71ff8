"""AES-256-GCM (NIST SP 800-38D) and the Noise cipher "AESGCM" (Noise §12.4).

The AES block cipher comes from one small backend function, block_encryptor(): MicroPython's
`cryptolib.aes(key, 1)` (ECB) where it exists, the portable AES-256 of FIPS 197 below otherwise.
CTR and GHASH are ours on both. GHASH multiplies in GF(2^128) with Shoup's 4-bit tables: 16
multiples of H per key, then 32 table steps per block.
"""

import struct

from ..compat import const
from .chachapoly import constant_time_equal
from .errors import DecryptError, NoiseValueError

KEY_LEN = const(32)
NONCE_LEN = const(12)
TAG_LEN = const(16)
MAX_PLAINTEXT = const(65535)  # Noise §3 caps messages far below GCM's 2^39 - 256 bits

# --- AES-256 (FIPS 197), encryption only: CTR and GHASH never decrypt a block -----------------

_SBOX = None
_TE = None  # four T-tables: SubBytes + ShiftRows + MixColumns folded into lookups


def _xtime(b):
    b <<= 1
    return (b ^ 0x11B) if b & 0x100 else b


def _build_tables():
    # The S-box of FIPS 197 §5.1.1 computed rather than typed: walk the multiplicative group
    # with generator 3, the inverse walks with 3^-1; then the affine transformation.
    global _SBOX, _TE
    sbox = bytearray(256)
    p = q = 1
    while True:
        p = p ^ _xtime(p)  # p *= 3
        q ^= q << 1  # q /= 3
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09
        x = q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5))
        x ^= (q << 4) | (q >> 4)
        sbox[p] = (x ^ 0x63) & 0xFF
        if p == 1:
            break
    sbox[0] = 0x63
    te0 = []
    for s in sbox:
        s2 = _xtime(s)
        te0.append((s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s))
    te1 = [((w >> 8) | (w << 24)) & 0xFFFFFFFF for w in te0]
    te2 = [((w >> 16) | (w << 16)) & 0xFFFFFFFF for w in te0]
    te3 = [((w >> 24) | (w << 8)) & 0xFFFFFFFF for w in te0]
    _SBOX = bytes(sbox)
    _TE = (te0, te1, te2, te3)


def _sub_word(w):
    s = _SBOX
    return (s[w >> 24] << 24) | (s[(w >> 16) & 255] << 16) | (s[(w >> 8) & 255] << 8) | s[w & 255]


def expand_key(key):
    """AES key expansion (FIPS 197 §5.2): 60 words for AES-256, 44 for AES-128.

    GCM here uses AES-256 only; AES-128 is kept for other users of the block (session CCM).
    """
    nk = len(key) // 4
    if len(key) not in (16, 32):
        raise NoiseValueError("AES key must be 16 or 32 bytes")
    if _SBOX is None:
        _build_tables()
    w = list(struct.unpack(">" + str(nk) + "I", key))
    rcon = 1
    for i in range(nk, 4 * (nk + 7)):
        t = w[i - 1]
        if i % nk == 0:
            t = _sub_word(((t << 8) | (t >> 24)) & 0xFFFFFFFF) ^ (rcon << 24)
            rcon = _xtime(rcon)
        elif nk == 8 and i % 8 == 4:
            t = _sub_word(t)
        w.append(w[i - nk] ^ t)
    return w


def encrypt_block(rk, block):
    """One AES block (FIPS 197 §5.1) with the round keys from expand_key()."""
    te0, te1, te2, te3 = _TE
    last = len(rk) - 4  # 56 for AES-256 (14 rounds), 40 for AES-128 (10 rounds)
    s0, s1, s2, s3 = struct.unpack(">4I", block)
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    for r in range(4, last, 4):
        t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 255] ^ te2[(s2 >> 8) & 255] ^ te3[s3 & 255]
        t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 255] ^ te2[(s3 >> 8) & 255] ^ te3[s0 & 255]
        t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 255] ^ te2[(s0 >> 8) & 255] ^ te3[s1 & 255]
        t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 255] ^ te2[(s1 >> 8) & 255] ^ te3[s2 & 255]
        s0, s1, s2, s3 = t0 ^ rk[r], t1 ^ rk[r + 1], t2 ^ rk[r + 2], t3 ^ rk[r + 3]
    sb = _SBOX
    return struct.pack(
        ">4I",
        _last(sb, s0, s1, s2, s3) ^ rk[last],
        _last(sb, s1, s2, s3, s0) ^ rk[last + 1],
        _last(sb, s2, s3, s0, s1) ^ rk[last + 2],
        _last(sb, s3, s0, s1, s2) ^ rk[last + 3],
    )


def _last(sb, a, b, c, d):
    # Final round: SubBytes and ShiftRows without MixColumns.
    return (
        (sb[a >> 24] << 24) | (sb[(b >> 16) & 255] << 16) | (sb[(c >> 8) & 255] << 8) | sb[d & 255]
    )


def portable_encryptor(key):
    """An ECB encryptor over whole blocks with the portable AES (16- or 32-byte key)."""
    rk = expand_key(key)

    def encrypt(data):
        return b"".join(encrypt_block(rk, data[i : i + 16]) for i in range(0, len(data), 16))

    return encrypt


def block_encryptor(key):
    """The backend choice: cryptolib's AES-ECB where the interpreter has it, else ours.

    Returns encrypt(data) for data a multiple of 16 bytes (ECB, block by block).
    """
    try:
        import cryptolib
    except ImportError:
        return portable_encryptor(key)
    return cryptolib.aes(bytes(key), 1).encrypt


# --- GHASH (SP 800-38D §6.4) --------------------------------------------------------------------

# A block as a big-endian int: the int's top bit is the coefficient of x^0. Multiplying by x is a
# right shift; a bit shifted out of x^127 comes back as R = 11100001 || 0^120 (§6.3).
_R = 0xE1 << 120


def _mulx(v):
    return (v >> 1) ^ (_R * (v & 1))


def _reduction_table():
    # R4[j]: what the four low bits j fold back into when a value is multiplied by x^4.
    table = []
    for j in range(16):
        v = j
        for _ in range(4):
            v = _mulx(v)
        table.append(v)
    return table


_R4 = _reduction_table()


def _h_table(h):
    # T[j] = H * (j << 124): the multiples of H by every 4-bit polynomial (Shoup's method).
    t8 = h
    t4 = _mulx(t8)
    t2 = _mulx(t4)
    t1 = _mulx(t2)
    table = [0] * 16
    for j in range(1, 16):
        table[j] = (t8 * (j >> 3)) ^ (t4 * ((j >> 2) & 1)) ^ (t2 * ((j >> 1) & 1)) ^ (t1 * (j & 1))
    return table


def _ghash(table, data):
    """GHASH_H over data (a multiple of 16 bytes): Y_i = (Y_{i-1} ^ X_i) * H."""
    r4 = _R4
    y = 0
    for i in range(0, len(data), 16):
        x = y ^ int.from_bytes(data[i : i + 16], "big")
        z = 0
        # Horner over the 32 nibbles, from the x^124..x^127 end: Z = Z * x^4 + T[nibble].
        for _ in range(32):
            z = (z >> 4) ^ r4[z & 15] ^ table[x & 15]
            x >>= 4
        y = z
    return y


def _pad16(data):
    n = len(data) & 15
    return data + bytes(16 - n) if n else data


class AESGCMKey:
    """AES-256-GCM with a 96-bit IV (SP 800-38D §7), the key schedule and H table kept."""

    def __init__(self, key):
        if len(key) != KEY_LEN:
            raise NoiseValueError("AES-256-GCM key must be 32 bytes")
        self._ecb = block_encryptor(key)
        self._table = _h_table(int.from_bytes(self._ecb(bytes(16)), "big"))

    def _ctr(self, iv, data):
        # GCTR (§6.5) from inc32(J0) = IV || 0x00000002; all counter blocks in one ECB call.
        n = len(data)
        if not n:
            return b""
        blocks = b"".join(iv + struct.pack(">I", c) for c in range(2, 2 + ((n + 15) >> 4)))
        stream = self._ecb(blocks)
        return (int.from_bytes(data, "big") ^ int.from_bytes(stream[:n], "big")).to_bytes(n, "big")

    def _tag(self, iv, aad, ciphertext):
        # §7.1 steps 5-6: S = GHASH(A || 0^v || C || 0^u || [len(A)]64 || [len(C)]64),
        # T = MSB_t(GCTR(J0, S)) with J0 = IV || 0^31 || 1.
        s = _ghash(
            self._table,
            _pad16(aad)
            + _pad16(ciphertext)
            + struct.pack(">QQ", len(aad) * 8, len(ciphertext) * 8),
        )
        ek0 = int.from_bytes(self._ecb(iv + b"\x00\x00\x00\x01"), "big")
        return (s ^ ek0).to_bytes(16, "big")

    def encrypt(self, iv, aad, plaintext):
        """Ciphertext || 16-byte tag (§7.1)."""
        if len(iv) != NONCE_LEN:
            raise NoiseValueError("GCM IV must be 12 bytes")
        if len(plaintext) > MAX_PLAINTEXT:
            raise NoiseValueError("plaintext too long")
        iv = bytes(iv)
        aad = bytes(aad)
        ciphertext = self._ctr(iv, bytes(plaintext))
        return ciphertext + self._tag(iv, aad, ciphertext)

    def decrypt(self, iv, aad, data):
        """Check the tag (§7.2), then decrypt; DecryptError if it does not match."""
        if len(iv) != NONCE_LEN:
            raise NoiseValueError("GCM IV must be 12 bytes")
        if len(data) < TAG_LEN:
            raise DecryptError("ciphertext shorter than the tag")
        if len(data) > MAX_PLAINTEXT + TAG_LEN:
            raise NoiseValueError("ciphertext too long")
        iv = bytes(iv)
        ciphertext = bytes(data[:-TAG_LEN])
        if not constant_time_equal(self._tag(iv, bytes(aad), ciphertext), data[-TAG_LEN:]):
            raise DecryptError("AESGCM authentication failed")
        return self._ctr(iv, ciphertext)


class AESGCM:
    """The Noise cipher functions for AESGCM (§12.4), bound to one key.

    The 96-bit nonce is 32 bits of zeros followed by the big-endian encoding of n.
    """

    name = "AESGCM"

    def __init__(self, key):
        self._gcm = AESGCMKey(key)

    @staticmethod
    def nonce(n):
        return b"\x00\x00\x00\x00" + struct.pack(">Q", n)

    def encrypt(self, n, ad, plaintext):
        return self._gcm.encrypt(self.nonce(n), ad, plaintext)

    def decrypt(self, n, ad, ciphertext):
        return self._gcm.decrypt(self.nonce(n), ad, ciphertext)
