"""Secure sessions for CoAP over UDP (docs/protocol.md (Part 1)): Noise IK/XX handshakes that carry
the first CoAP message, an AES-CCM-16-64-128 record layer with short session ids and truncated
nonces, replay protection, RESET/RETRY, key pinning and trust on first use. Sans-IO."""

from .endpoint import PeerHandle, SecureEndpoint
from .errors import (
    AuthenticationError,
    HeaderError,
    KeyStoreError,
    PeerKeyError,
    SessionError,
    SessionUsageError,
)
from .events import MessageReceived, PeerRejected, SessionClosed, SessionEstablished
from .keystore import KnownPeers
from .params import SessionParams

__all__ = [
    "AuthenticationError",
    "HeaderError",
    "KeyStoreError",
    "KnownPeers",
    "MessageReceived",
    "PeerHandle",
    "PeerKeyError",
    "PeerRejected",
    "SecureEndpoint",
    "SessionClosed",
    "SessionError",
    "SessionEstablished",
    "SessionParams",
    "SessionUsageError",
]
