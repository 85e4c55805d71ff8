"""Limits and timers of a SecureEndpoint (docs/protocol.md (Part 1), "Limits")."""


class SessionParams:
    """Every limit as a named attribute; pass keyword arguments to change one."""

    # Handshake state (ours or a peer's) older than this is dropped; at 100 bit/s a CoAP
    # exchange may take a minute of retransmissions, so this is generous.
    handshake_timeout = 120.0
    # How long the responder holds IK2 back for the CoAP response to ride in it.
    ik2_wait = 1.0
    # A session with no authenticated traffic for this long is forgotten.
    session_idle_timeout = 6 * 3600.0
    max_sessions = 64  # established sessions (the responder evicts the least recently used)
    max_pending = 32  # responder handshakes between XX1 and XX3, or IK1 waiting for IK2
    handshakes_per_second = 8  # X25519 work for unverified addresses before RETRY
    cookie_bucket = 30.0  # seconds per cookie time bucket (current and previous accepted)
    amplification_factor = 3  # bytes sent to an unverified address <= 3 x bytes received
    max_addresses = 256  # amplification accounting entries kept (oldest forgotten)
    max_auth_failures = 1 << 20  # failed authentications on one session before it ends
    rekey_at = 1 << 31  # datagrams per direction before the session ends
    max_datagram = 1280
    # Compact byte 0 (session id 0..7 and 2 counter bits, no nonce byte) while fewer datagrams
    # went unanswered: 2 < 4 / 2, as the other gaps below are half their window.
    compact_nonce_gap = 2
    short_nonce_gap = 96  # 1-byte nonce while fewer datagrams went unanswered
    medium_nonce_gap = 24000  # 2-byte nonce below this, else 4
    reset_tags = 16  # tags of recently sent datagrams remembered to authenticate a RESET
    # The initiator starts a new handshake for the next message after this many datagrams
    # went out on a session without one authenticated datagram back (a silent restart of the
    # peer that reused our session id, or a dead path).
    stale_sends = 6
    max_cached_replies = 16  # IK2/XX2 kept to answer duplicate IK1/XX1 without Noise work
    max_queued = 16  # CoAP messages held per peer while its handshake runs
    max_hello = 255

    def __init__(self, **kwargs):
        for name in kwargs:
            if not hasattr(SessionParams, name):
                raise TypeError("unknown session parameter " + name)
            setattr(self, name, kwargs[name])
