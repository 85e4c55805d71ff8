"""AES-CCM (RFC 3610 §2, NIST SP 800-38C) with a 13-byte nonce (L = 2).

The record layer uses M = 8 (AES-CCM-16-64-128, RFC 8152 §10.2); M is a parameter so the
RFC 3610 §8 packet vectors with M = 10 run too.
"""

from ..compat import const
from ..noise.chachapoly import constant_time_equal
from .aes import block_encryptor
from .errors import AuthenticationError, SessionUsageError

NONCE_LEN = const(13)
_L = const(2)  # 15 - NONCE_LEN: the length field of B0 and the counter width (RFC 3610 §2)
MAX_PLAINTEXT = const(65535)  # l(m) < 2^(8L)
MAX_AAD = const(0xFEFF)  # one 2-byte length encoding (RFC 3610 §2.2); headers are far shorter


def _xor16(a, b):
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(16, "big")


class AesCcm:
    """One key; encrypt(nonce, plaintext, aad) -> ciphertext || tag; decrypt the reverse."""

    def __init__(self, key, tag_length=8, encryptor=None):
        if tag_length not in (4, 6, 8, 10, 12, 14, 16):
            raise SessionUsageError("CCM tag length must be 4..16 and even")
        self.tag_length = tag_length
        self._e = encryptor or block_encryptor(key)

    def _check(self, nonce, n, aad):
        if len(nonce) != NONCE_LEN:
            raise SessionUsageError("CCM nonce must be 13 bytes")
        if n > MAX_PLAINTEXT or len(aad) > MAX_AAD:
            raise SessionUsageError("CCM input too long")

    def _mac(self, nonce, plaintext, aad):
        # RFC 3610 §2.2: B0 = Flags | Nonce | l(m); then l(a) || a padded; then m padded.
        e = self._e
        flags = (0x40 if aad else 0) | (((self.tag_length - 2) // 2) << 3) | (_L - 1)
        x = e(bytes((flags,)) + bytes(nonce) + len(plaintext).to_bytes(_L, "big"))
        if aad:
            blocks = len(aad).to_bytes(2, "big") + bytes(aad)
            x = self._cbc(x, blocks)
        if plaintext:
            x = self._cbc(x, plaintext)
        return x[: self.tag_length]

    def _cbc(self, x, data):
        e = self._e
        n = len(data)
        rem = n % 16
        if rem:
            data = bytes(data) + bytes(16 - rem)
            n += 16 - rem
        mv = memoryview(data)
        for i in range(0, n, 16):
            x = e(_xor16(x, mv[i : i + 16]))
        return x

    def _ctr(self, nonce, data, out):
        # RFC 3610 §2.3: A_i = Flags(L-1) | Nonce | i; S_i = E(A_i), i from 1 for the message.
        e = self._e
        prefix = bytes((_L - 1,)) + bytes(nonce)
        n = len(data)
        i = 1
        for off in range(0, n, 16):
            s = e(prefix + i.to_bytes(_L, "big"))
            chunk = data[off : off + 16]
            k = len(chunk)
            v = int.from_bytes(bytes(chunk), "big") ^ int.from_bytes(s[:k], "big")
            out.append(v.to_bytes(k, "big"))
            i += 1
        return out

    def _s0(self, nonce):
        return self._e(bytes((_L - 1,)) + bytes(nonce) + bytes(_L))

    def encrypt(self, nonce, plaintext, aad=b""):
        self._check(nonce, len(plaintext), aad)
        t = self._mac(nonce, plaintext, aad)
        s0 = self._s0(nonce)
        u = (int.from_bytes(t, "big") ^ int.from_bytes(s0[: self.tag_length], "big")).to_bytes(
            self.tag_length, "big"
        )
        out = self._ctr(nonce, plaintext, [])
        out.append(u)
        return b"".join(out)

    def decrypt(self, nonce, data, aad=b""):
        """Plaintext, or AuthenticationError (RFC 3610 §2.5: nothing is released on failure)."""
        m = self.tag_length
        if len(data) < m:
            raise AuthenticationError("CCM input shorter than its tag")
        self._check(nonce, len(data) - m, aad)
        c = data[: len(data) - m]
        u = data[len(data) - m :]
        plaintext = b"".join(self._ctr(nonce, c, []))
        t = self._mac(nonce, plaintext, aad)
        s0 = self._s0(nonce)
        expect = (int.from_bytes(t, "big") ^ int.from_bytes(s0[:m], "big")).to_bytes(m, "big")
        if not constant_time_equal(expect, bytes(u)):
            raise AuthenticationError("CCM tag mismatch")
        return plaintext
