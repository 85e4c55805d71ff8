"""The Noise Protocol Framework, revision 34, in portable Python (CPython and MicroPython).

Protocols: Noise_<pattern>[psk modifiers]_25519_<ChaChaPoly|AESGCM>_SHA256.
"""

from .errors import DecryptError, HandshakeError, NoiseError, NoiseValueError
from .patterns import parse_protocol_name
from .state import MAX_MESSAGE_LEN, MAX_NONCE, CipherState, HandshakeState, SymmetricState
from .x25519 import dh, generate_keypair, generate_private, public_key

__all__ = [
    "CipherState",
    "DecryptError",
    "HandshakeError",
    "HandshakeState",
    "MAX_MESSAGE_LEN",
    "MAX_NONCE",
    "NoiseError",
    "NoiseValueError",
    "SymmetricState",
    "dh",
    "generate_keypair",
    "generate_private",
    "parse_protocol_name",
    "public_key",
]
