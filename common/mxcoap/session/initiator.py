"""The initiator side of the handshakes (docs/protocol.md (Part 1)): IK or XX, the first CoAP
message carried, resends, RETRY and RESET handling. Functions over a SecureEndpoint."""

from ..noise import NoiseError
from .errors import HeaderError, PeerKeyError
from .events import MessageReceived, PeerRejected, SessionEstablished
from .handshake import (
    IK,
    IK1_OVERHEAD,
    XX,
    decode_reply,
    encode_ik1,
    encode_xx1,
    encode_xx3,
    new_initiator,
)
from .header import (
    COOKIE_LEN,
    IK1,
    XX1,
    XX3,
    decode_reset,
    decode_retry,
    decode_with_sid,
    encode_hello,
    encode_with_sid,
)
from .peers import Pending, Session

# An IK1 is retried this many times before the initiator falls back to XX (the responder may
# have a new key, which only XX can reveal and the pin then refuse by name).
IK_ATTEMPTS = 3


def start(ep, peer, coap, now):
    if peer.static_key is not None:
        start_ik(ep, peer, coap, now)
    else:
        start_xx(ep, peer, coap, now)


def start_ik(ep, peer, coap, now):
    p = Pending(peer, None, IK, None, None, now)
    p.local_sid = ep._alloc_sid(p)
    hs = new_initiator(IK, ep.static_private, ep.static_public, peer.static_key, ep.rand)
    fresh = ep.known_peers.next_fresh(peer.static_key, ep._fresh_floor())
    room = ep.params.max_datagram - 1 - COOKIE_LEN - IK1_OVERHEAD - 11 - len(peer.hello)
    carried = coap if len(coap) <= room else b""
    msg = hs.write_message(encode_ik1(p.local_sid, fresh, peer.hello, carried))
    p.hs = hs
    p.msg = msg
    p.datagram = encode_hello(IK1, msg)
    p.first_coap = coap
    if not carried and coap:
        ep._enqueue(peer, coap)
    peer.pending = p
    ep._emit(p.datagram, peer.addr)


def start_xx(ep, peer, coap, now, local_sid=None):
    p = Pending(peer, local_sid, XX, None, None, now)
    if local_sid is None:
        p.local_sid = ep._alloc_sid(p)
    else:
        ep._sids[local_sid] = p
    hs = new_initiator(XX, ep.static_private, ep.static_public, None, ep.rand)
    msg = hs.write_message(encode_xx1(p.local_sid, peer.hello))
    p.hs = hs
    p.msg = msg
    p.datagram = encode_hello(XX1, msg)
    p.first_coap = coap
    peer.pending = p
    ep._emit(p.datagram, peer.addr)


def resend(ep, p, now):
    peer = p.peer
    p.sends += 1
    if p.failed or (p.pattern == IK and p.sends > IK_ATTEMPTS):
        # Rebuild: a forged reply broke the Noise state, or IK got no answer (the responder
        # may hold another key: XX reveals it, and the pin refuses it by name).
        coap = p.first_coap
        ep._drop_pending(p)
        if p.pattern == IK and not p.failed:
            start_xx(ep, peer, coap, now)
        else:
            start(ep, peer, coap, now)
        peer.pending.started = p.started
        peer.pending.sends = p.sends
        return
    ep._emit(p.datagram, peer.addr)


def pending_for(ep, sid, pattern):
    p = ep._sids.get(sid)
    if not isinstance(p, Pending) or p.pattern != pattern or p.failed:
        raise HeaderError("no handshake waiting under this session id")
    return p


def read_reply(ep, p, msg):
    try:
        return p.hs.read_message(msg)
    except NoiseError:
        p.failed = True  # the next resend starts over with a new ephemeral
        raise


def on_ik2(ep, data, addr, now):
    sid, msg = decode_with_sid(data)
    p = pending_for(ep, sid, IK)
    payload = read_reply(ep, p, msg)
    rid, hello, coap = decode_reply(payload)
    peer = p.peer
    ep._drop_pending(p)
    ep.addresses.verify(addr)
    s = ep._new_session(peer, p.local_sid, rid, p.hs, addr, True, now)
    s.confirmed = True  # IK2 authenticated: the responder has the session
    learn(ep, peer, peer.static_key)
    ep._events.append(SessionEstablished(peer.peer_id, hello, peer.static_key))
    if coap:
        ep._events.append(MessageReceived(peer.peer_id, coap))
    sent = s.record.send_counter
    ep._flush_queue(peer)
    if p.first_coap and not coap and s.record.send_counter == sent:
        # IK2 came without the answer (too big for the responder's 3x budget towards an
        # address that only sent IK1, or not ready in time): an empty transport datagram
        # proves our address at once (it needs IK2's keys), so the responder releases what
        # it held instead of waiting for a CoAP retransmission (docs/protocol.md (Part 1),
        # "Address validation and amplification").
        ep._seal(s, b"")
        s.record.unanswered -= 1  # it asks for no answer: not a sign of a stale session
    return s


def learn(ep, peer, key):
    if peer.name is not None and ep.known_peers.key_for(peer.name) is None:
        ep.known_peers.check(peer.name, key)


def on_xx2(ep, data, addr, now):
    sid, msg = decode_with_sid(data)
    p = pending_for(ep, sid, XX)
    payload = read_reply(ep, p, msg)
    key = p.hs.remote_static
    peer = p.peer
    try:
        ep._accept_key(peer, key)
    except PeerKeyError as e:
        ep._drop_pending(p)
        peer.queue = []
        ep._events.append(PeerRejected(peer.peer_id, key, e))
        return
    rid, hello, _ = decode_reply(payload)
    if peer.static_key is None:
        peer.static_key = key
        peer.peer_id.static_key = key
        if key not in ep._by_key:
            ep._by_key[key] = peer
    fresh = ep.known_peers.next_fresh(key, ep._fresh_floor())
    coap = p.first_coap or b""
    msg3 = p.hs.write_message(encode_xx3(fresh, coap))
    ep._drop_pending(p)
    ep.addresses.verify(addr)
    s = ep._new_session(peer, p.local_sid, rid, p.hs, addr, True, now)
    s.confirmed = False
    s.first_coap = coap
    s.first_datagram = encode_with_sid(XX3, rid, msg3)
    ep._events.append(SessionEstablished(peer.peer_id, hello, key))
    ep._emit(s.first_datagram, addr)


def on_retry(ep, data, now):
    cookie, echo = decode_retry(data)
    for p in list(ep._sids.values()):
        if isinstance(p, Pending) and not p.failed and p.hs.local_ephemeral_public[:8] == echo:
            t = IK1 if p.pattern == IK else XX1
            p.datagram = encode_hello(t, p.msg, cookie)
            ep._emit(p.datagram, p.peer.addr)
            return


def on_reset(ep, data, now):
    sid, tag = decode_reset(data)
    for s in list(ep._sids.values()):
        if isinstance(s, Session) and s.remote_sid == sid and s.record.sent_tag(tag):
            ep.stats["resets_accepted"] += 1
            coap = None
            for t, c in s.sent_plain:
                if t == tag:
                    coap = c
            peer = s.peer
            ep._close(s, "reset")
            if s.initiator and coap is not None and peer.pending is None:
                # The peer lost the session (restart, eviction): a new IK handshake carries
                # the message again; CoAP de-duplication by static key keeps it exactly-once.
                start(ep, peer, coap, now)
            return
