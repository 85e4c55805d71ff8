"""The Noise error tree: one base class, single inheritance (PORTABILITY.md)."""


class NoiseError(Exception):
    """Base of every error raised by mxcoap.noise."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


class DecryptError(NoiseError):
    """Authentication failed: the peer sent bytes that do not decrypt (Noise §5.1, §5.3)."""


class HandshakeError(NoiseError):
    """We misused the state machine: wrong turn, finished or failed handshake, missing key."""


class NoiseValueError(NoiseError):
    """A malformed value: bad protocol name, key length, message length or nonce."""
