"""Events a SecureEndpoint hands to its driver (next_event())."""


class SessionEstablished:
    """A session with `peer_id` is up; `hello` is the peer's hello, `static_key` its key."""

    def __init__(self, peer_id, hello, static_key):
        self.peer_id = peer_id
        self.hello = hello
        self.static_key = static_key

    def __repr__(self):
        return "<SessionEstablished " + repr(self.peer_id) + ">"


class MessageReceived:
    """One CoAP message from `peer_id` (feed it to the CoAP endpoint with addr=peer_id)."""

    def __init__(self, peer_id, data):
        self.peer_id = peer_id
        self.data = data

    def __repr__(self):
        return "<MessageReceived " + repr(self.peer_id) + " " + str(len(self.data)) + "B>"


class SessionClosed:
    """The session (or handshake) with `peer_id` ended; `reason` is a short string."""

    def __init__(self, peer_id, reason):
        self.peer_id = peer_id
        self.reason = reason

    def __repr__(self):
        return "<SessionClosed " + repr(self.peer_id) + " " + self.reason + ">"


class PeerRejected:
    """A peer proved static key `key` which we refuse; `error` is the PeerKeyError."""

    def __init__(self, peer_id, key, error):
        self.peer_id = peer_id
        self.key = key
        self.error = error
        self.reason = error.message

    def __repr__(self):
        return "<PeerRejected " + bytes(self.key).hex() + ">"
