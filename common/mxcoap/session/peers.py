"""Per-peer state of a SecureEndpoint: peer ids, sessions, handshakes in progress."""


class PeerHandle:
    """A provisional peer id (XX first contact). It stays this peer's id for the endpoint's
    lifetime, so CoAP state keyed by it survives; `static_key` is set once the peer proves one."""

    def __init__(self, name):
        self.name = name
        self.static_key = None

    def __repr__(self):
        key = self.static_key.hex()[:16] if self.static_key else "?"
        return "<PeerHandle " + str(self.name) + " " + key + ">"


class Peer:
    def __init__(self, peer_id, static_key, addr, name=None):
        self.peer_id = peer_id
        self.static_key = static_key
        self.addr = addr
        self.name = name
        self.pinned = None  # a key the peer must prove (pinned mode)
        self.hello = b""  # our hello to this peer (initiator side)
        self.session = None
        self.pending = None  # our handshake as initiator (Pending)
        self.answer = None  # their IK1 waiting for our IK2 (Answer)
        self.queue = []  # CoAP messages waiting for the session


class Session:
    def __init__(self, peer, local_sid, remote_sid, record, addr, initiator, now):
        self.peer = peer
        self.local_sid = local_sid
        self.remote_sid = remote_sid
        self.record = record
        self.addr = addr
        self.initiator = initiator
        self.last_rx = now
        self.confirmed = not initiator  # initiator after XX3: nothing received yet
        self.first_coap = None  # initiator XX: the CoAP message carried in XX3
        self.first_datagram = None  # ... and XX3 itself, resent until confirmed
        self.first_sends = 1
        self.first_msg = None  # responder XX: XX3's Noise message, to spot duplicates
        self.sent_plain = []  # (tag, CoAP bytes) of recent datagrams, to resend after RESET


class Pending:
    """Our handshake as initiator."""

    def __init__(self, peer, local_sid, pattern, hs, datagram, now):
        self.peer = peer
        self.local_sid = local_sid
        self.pattern = pattern
        self.hs = hs
        self.datagram = datagram  # the handshake datagram to resend
        self.msg = None  # its Noise message (resent with a cookie after RETRY)
        self.first_coap = None
        self.started = now
        self.sends = 1
        self.failed = False  # a forged reply broke hs: rebuild on the next resend


class Answer:
    """Their first message as responder: IK1 waiting for IK2, or XX1 waiting for XX3."""

    def __init__(self, pattern, hs, local_sid, rid, hello, addr, msg, now):
        self.pattern = pattern
        self.hs = hs
        self.local_sid = local_sid
        self.rid = rid
        self.hello = hello
        self.addr = addr
        self.msg = msg
        self.started = now
        self.deadline = now
        self.peer = None
