"""The AES-128 block function for CCM, from the Noise package's AES backend.

MicroPython: `cryptolib.aes(key, 1)` (ECB). Elsewhere: the portable FIPS 197 AES of
mxcoap.noise.aesgcm (it expands 16- and 32-byte keys alike).
"""

from ..noise import aesgcm as _aes
from .errors import SessionUsageError


def _check(key):
    if len(key) != 16:
        raise SessionUsageError("AES-128 key must be 16 bytes")
    return bytes(key)


def portable_block_encryptor(key):
    """The portable AES-128 block function (tests compare the two backends)."""
    rk = _aes.expand_key(_check(key))
    return lambda block: _aes.encrypt_block(rk, block)


def block_encryptor(key):
    """A function encrypting one 16-byte block under a 16-byte key."""
    return _aes.block_encryptor(_check(key))
