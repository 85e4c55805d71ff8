"""ChaCha20-Poly1305 (RFC 8439) in portable Python, and the Noise cipher "ChaChaPoly" (§12.3).

ChaCha20 works on 32-bit words kept as small ints and masked after every addition and rotation;
the double round is written out with local variables because that is several times faster than
list indexing on both interpreters. Poly1305 uses big ints (RFC 8439 §2.5).
"""

import struct

from ..compat import const
from .errors import DecryptError, NoiseValueError

_M = const(0xFFFFFFFF)
KEY_LEN = const(32)
NONCE_LEN = const(12)
TAG_LEN = const(16)
# RFC 8439 §2.8: one (key, nonce) covers 2^32 blocks of 64 bytes; Noise messages are far shorter
# (§3: 65535 bytes), so a plaintext above this limit is a caller bug, refused before any work.
MAX_PLAINTEXT = const(65535)

_P1305 = (1 << 130) - 5
_CLAMP = 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
_MASK128 = (1 << 128) - 1
_BIT128 = 1 << 128
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k", §2.3


def _words(key, counter, nonce):
    """The initial state of §2.3: constants, key, block counter, nonce (little-endian words)."""
    if len(key) != KEY_LEN or len(nonce) != NONCE_LEN:
        raise NoiseValueError("ChaCha20 needs a 32-byte key and a 12-byte nonce")
    return _SIGMA + struct.unpack("<8I", key) + (counter & _M,) + struct.unpack("<3I", nonce)


def _block(state):
    """The ChaCha20 block function (§2.3): 20 rounds, add the input, serialize little-endian."""
    x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15 = state
    for _ in range(10):
        # column round: QUARTERROUND(0, 4, 8, 12) ... (3, 7, 11, 15)
        x0 = (x0 + x4) & _M
        t = x12 ^ x0
        x12 = ((t << 16) & _M) | (t >> 16)
        x8 = (x8 + x12) & _M
        t = x4 ^ x8
        x4 = ((t << 12) & _M) | (t >> 20)
        x0 = (x0 + x4) & _M
        t = x12 ^ x0
        x12 = ((t << 8) & _M) | (t >> 24)
        x8 = (x8 + x12) & _M
        t = x4 ^ x8
        x4 = ((t << 7) & _M) | (t >> 25)
        x1 = (x1 + x5) & _M
        t = x13 ^ x1
        x13 = ((t << 16) & _M) | (t >> 16)
        x9 = (x9 + x13) & _M
        t = x5 ^ x9
        x5 = ((t << 12) & _M) | (t >> 20)
        x1 = (x1 + x5) & _M
        t = x13 ^ x1
        x13 = ((t << 8) & _M) | (t >> 24)
        x9 = (x9 + x13) & _M
        t = x5 ^ x9
        x5 = ((t << 7) & _M) | (t >> 25)
        x2 = (x2 + x6) & _M
        t = x14 ^ x2
        x14 = ((t << 16) & _M) | (t >> 16)
        x10 = (x10 + x14) & _M
        t = x6 ^ x10
        x6 = ((t << 12) & _M) | (t >> 20)
        x2 = (x2 + x6) & _M
        t = x14 ^ x2
        x14 = ((t << 8) & _M) | (t >> 24)
        x10 = (x10 + x14) & _M
        t = x6 ^ x10
        x6 = ((t << 7) & _M) | (t >> 25)
        x3 = (x3 + x7) & _M
        t = x15 ^ x3
        x15 = ((t << 16) & _M) | (t >> 16)
        x11 = (x11 + x15) & _M
        t = x7 ^ x11
        x7 = ((t << 12) & _M) | (t >> 20)
        x3 = (x3 + x7) & _M
        t = x15 ^ x3
        x15 = ((t << 8) & _M) | (t >> 24)
        x11 = (x11 + x15) & _M
        t = x7 ^ x11
        x7 = ((t << 7) & _M) | (t >> 25)
        # diagonal round: QUARTERROUND(0, 5, 10, 15) ... (3, 4, 9, 14)
        x0 = (x0 + x5) & _M
        t = x15 ^ x0
        x15 = ((t << 16) & _M) | (t >> 16)
        x10 = (x10 + x15) & _M
        t = x5 ^ x10
        x5 = ((t << 12) & _M) | (t >> 20)
        x0 = (x0 + x5) & _M
        t = x15 ^ x0
        x15 = ((t << 8) & _M) | (t >> 24)
        x10 = (x10 + x15) & _M
        t = x5 ^ x10
        x5 = ((t << 7) & _M) | (t >> 25)
        x1 = (x1 + x6) & _M
        t = x12 ^ x1
        x12 = ((t << 16) & _M) | (t >> 16)
        x11 = (x11 + x12) & _M
        t = x6 ^ x11
        x6 = ((t << 12) & _M) | (t >> 20)
        x1 = (x1 + x6) & _M
        t = x12 ^ x1
        x12 = ((t << 8) & _M) | (t >> 24)
        x11 = (x11 + x12) & _M
        t = x6 ^ x11
        x6 = ((t << 7) & _M) | (t >> 25)
        x2 = (x2 + x7) & _M
        t = x13 ^ x2
        x13 = ((t << 16) & _M) | (t >> 16)
        x8 = (x8 + x13) & _M
        t = x7 ^ x8
        x7 = ((t << 12) & _M) | (t >> 20)
        x2 = (x2 + x7) & _M
        t = x13 ^ x2
        x13 = ((t << 8) & _M) | (t >> 24)
        x8 = (x8 + x13) & _M
        t = x7 ^ x8
        x7 = ((t << 7) & _M) | (t >> 25)
        x3 = (x3 + x4) & _M
        t = x14 ^ x3
        x14 = ((t << 16) & _M) | (t >> 16)
        x9 = (x9 + x14) & _M
        t = x4 ^ x9
        x4 = ((t << 12) & _M) | (t >> 20)
        x3 = (x3 + x4) & _M
        t = x14 ^ x3
        x14 = ((t << 8) & _M) | (t >> 24)
        x9 = (x9 + x14) & _M
        t = x4 ^ x9
        x4 = ((t << 7) & _M) | (t >> 25)
    return struct.pack(
        "<16I",
        (x0 + state[0]) & _M,
        (x1 + state[1]) & _M,
        (x2 + state[2]) & _M,
        (x3 + state[3]) & _M,
        (x4 + state[4]) & _M,
        (x5 + state[5]) & _M,
        (x6 + state[6]) & _M,
        (x7 + state[7]) & _M,
        (x8 + state[8]) & _M,
        (x9 + state[9]) & _M,
        (x10 + state[10]) & _M,
        (x11 + state[11]) & _M,
        (x12 + state[12]) & _M,
        (x13 + state[13]) & _M,
        (x14 + state[14]) & _M,
        (x15 + state[15]) & _M,
    )


def chacha20_block(key, counter, nonce):
    """One 64-byte keystream block (§2.3)."""
    return _block(_words(key, counter, nonce))


def chacha20_xor(key, counter, nonce, data):
    """ChaCha20 encryption and decryption (§2.4): data XOR the keystream from `counter` on."""
    n = len(data)
    if not n:
        return b""
    state = list(_words(key, counter, nonce))
    blocks = []
    for j in range((n + 63) >> 6):
        state[12] = (counter + j) & _M
        blocks.append(_block(state))
    stream = b"".join(blocks)
    # One big-int XOR over the whole message beats a byte loop on both interpreters.
    x = int.from_bytes(bytes(data), "little") ^ int.from_bytes(stream[:n], "little")
    return x.to_bytes(n, "little")


def poly1305_mac(msg, key):
    """Poly1305 (§2.5): acc = ((acc + block) * r) % (2^130 - 5), then + s, low 128 bits."""
    if len(key) != KEY_LEN:
        raise NoiseValueError("Poly1305 needs a 32-byte one-time key")
    r = int.from_bytes(key[:16], "little") & _CLAMP
    s = int.from_bytes(key[16:], "little")
    p = _P1305
    acc = 0
    n = len(msg)
    full = n - (n & 15)
    for i in range(0, full, 16):
        acc = ((acc + int.from_bytes(msg[i : i + 16], "little") + _BIT128) * r) % p
    if full != n:
        # The last, shorter block gets its 0x01 byte right after its last octet (§2.5).
        tail = msg[full:]
        acc = ((acc + int.from_bytes(tail, "little") + (1 << (8 * len(tail)))) * r) % p
    return ((acc + s) & _MASK128).to_bytes(16, "little")


def poly1305_key_gen(key, nonce):
    """The one-time Poly1305 key: the first 32 bytes of block 0 (§2.6)."""
    return chacha20_block(key, 0, nonce)[:32]


def _pad16(n):
    return bytes((16 - (n & 15)) & 15)


def _mac_data(aad, ciphertext):
    # §2.8: aad | pad16 | ciphertext | pad16 | len(aad) (64-bit LE) | len(ciphertext) (64-bit LE)
    return b"".join(
        (
            aad,
            _pad16(len(aad)),
            ciphertext,
            _pad16(len(ciphertext)),
            struct.pack("<QQ", len(aad), len(ciphertext)),
        )
    )


def constant_time_equal(a, b):
    """Compare tags without an early exit (RFC 8439 §4: no memcmp)."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def aead_encrypt(key, nonce, aad, plaintext):
    """AEAD_CHACHA20_POLY1305 (§2.8): ciphertext || 16-byte tag."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise NoiseValueError("plaintext too long")
    otk = poly1305_key_gen(key, nonce)
    ciphertext = chacha20_xor(key, 1, nonce, plaintext)
    return ciphertext + poly1305_mac(_mac_data(aad, ciphertext), otk)


def aead_decrypt(key, nonce, aad, data):
    """Check the tag first (§2.8), then decrypt; DecryptError if it does not match."""
    if len(data) < TAG_LEN:
        raise DecryptError("ciphertext shorter than the tag")
    if len(data) > MAX_PLAINTEXT + TAG_LEN:
        raise NoiseValueError("ciphertext too long")
    ciphertext = bytes(data[:-TAG_LEN])
    otk = poly1305_key_gen(key, nonce)
    if not constant_time_equal(poly1305_mac(_mac_data(aad, ciphertext), otk), data[-TAG_LEN:]):
        raise DecryptError("ChaChaPoly authentication failed")
    return chacha20_xor(key, 1, nonce, ciphertext)


class ChaChaPoly:
    """The Noise cipher functions for ChaChaPoly (§12.3), bound to one key.

    The 96-bit nonce is 32 bits of zeros followed by the little-endian encoding of n.
    """

    name = "ChaChaPoly"

    def __init__(self, key):
        if len(key) != KEY_LEN:
            raise NoiseValueError("cipher key must be 32 bytes")
        self.key = bytes(key)

    @staticmethod
    def nonce(n):
        return b"\x00\x00\x00\x00" + struct.pack("<Q", n)

    def encrypt(self, n, ad, plaintext):
        return aead_encrypt(self.key, self.nonce(n), ad, plaintext)

    def decrypt(self, n, ad, ciphertext):
        return aead_decrypt(self.key, self.nonce(n), ad, ciphertext)
