"""The session error tree: one base class, single inheritance (PORTABILITY.md)."""


class SessionError(Exception):
    """Base of every error raised by mxcoap.session."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


class HeaderError(SessionError):
    """A datagram too short or malformed for its type (dropped without an answer)."""


class AuthenticationError(SessionError):
    """An AEAD tag did not verify: the bytes were modified, forged or keyed differently."""


class PeerKeyError(SessionError):
    """The peer proved a static key we do not accept (pinned or known under another key).

    `key` is the key received (bytes), `expected` the key we wanted (bytes or None), `name` the
    peer's name in the known-peers store (or None)."""

    def __init__(self, key, expected=None, name=None):
        msg = "peer static key " + bytes(key).hex() + " refused"
        if expected is not None:
            msg += " (expected " + bytes(expected).hex() + ")"
        if name is not None:
            msg += " for " + str(name)
        super().__init__(msg)
        self.key = bytes(key)
        self.expected = None if expected is None else bytes(expected)
        self.name = name


class KeyStoreError(SessionError):
    """A known-peers file or identity key that does not parse."""


class SessionUsageError(SessionError):
    """Local misuse of the API: unknown peer id, message too large, bad parameter."""
