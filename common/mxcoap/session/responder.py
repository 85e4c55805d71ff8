"""The responder side of the handshakes (docs/protocol.md (Part 1)): rate limit and RETRY, IK1 with
its replay check, IK2 held back for the CoAP response, XX1/XX3, duplicates. Functions over a
SecureEndpoint."""

from ..noise import NoiseError
from .errors import HeaderError
from .events import MessageReceived, SessionEstablished
from .handshake import (
    IK,
    IK2_OVERHEAD,
    XX,
    decode_ik1,
    decode_xx1,
    decode_xx3,
    encode_reply,
    new_responder,
)
from .header import IK1, IK2, XX2, decode_with_sid, encode_retry, encode_with_sid, split_cookie
from .peers import Answer, Session


def on_first(ep, t, data, addr, now):
    cookie, msg = split_cookie(data)
    dup = ep._find_dup(msg)
    if dup is not None:
        if dup[1] is not None:
            ep._emit(dup[1], addr)
        return
    a = ep.addresses
    if cookie is not None:
        if not a.cookie_ok(addr, cookie, now):
            raise HeaderError("bad cookie")
        a.verify(addr)
    elif not a.is_verified(addr) and not a.handshake_allowed(now):
        # Busy: no X25519 for an unverified address; a stateless RETRY instead (its 17
        # bytes are far below 3x the IK1/XX1 that caused it).
        ep.stats["retries_sent"] += 1
        ep._emit(encode_retry(a.cookie(addr, now), msg[:8]), addr)
        return
    if not a.is_verified(addr):
        a.note_handshake(now)
    make_room(ep, now)
    if t == IK1:
        on_ik1(ep, msg, addr, now)
    else:
        on_xx1(ep, msg, addr, now)


def make_room(ep, now):
    """At MAX_PENDING answers, finish or forget the oldest one rather than refuse new ones
    (refusing would let a flood of XX1s lock real initiators out for HANDSHAKE_TIMEOUT)."""
    answers = [obj for obj in ep._sids.values() if isinstance(obj, Answer)]
    while len(answers) >= ep.params.max_pending:
        oldest = answers[0]
        for obj in answers:
            if obj.started < oldest.started:
                oldest = obj
        answers.remove(oldest)
        if oldest.pattern == IK and oldest.peer.answer is oldest:
            send_ik2(ep, oldest, b"", now)  # its request is already handed up: finish it
        else:
            ep._release_sid(oldest.local_sid)


def on_ik1(ep, msg, addr, now):
    hs = new_responder(IK, ep.static_private, ep.static_public, ep.rand)
    payload = hs.read_message(msg)
    key = hs.remote_static
    rid, fresh, hello, coap = decode_ik1(payload)
    if not ep.known_peers.accept_fresh(key, fresh):
        # A replayed IK1 (docs/protocol.md (Part 1), "Replay of IK1"): dropped, no RESET.
        ep.stats["ik1_replays"] += 1
        return
    peer = ep._peer_for_key(key, addr)
    ans = Answer(IK, hs, None, rid, hello, addr, msg, now)
    ans.local_sid = ep._alloc_sid(ans)
    ans.deadline = now + ep.params.ik2_wait
    ans.peer = peer
    if peer.answer is not None:
        ep._release_sid(peer.answer.local_sid)
    peer.answer = ans
    ep._remember_dup(msg, None, ans)
    ep._events.append(SessionEstablished(peer.peer_id, hello, key))
    if coap:
        ep._events.append(MessageReceived(peer.peer_id, coap))


def send_ik2(ep, ans, coap, now):
    peer = ans.peer
    peer.answer = None
    hello = ep._our_hello(ans.hello)
    size = 3 + IK2_OVERHEAD + 3 + len(hello) + len(coap)
    carried = coap
    if size > ep.params.max_datagram or size > ep.addresses.budget(ans.addr):
        carried = b""  # too big for the datagram or the amplification budget
    msg = ans.hs.write_message(encode_reply(ans.local_sid, hello, carried))
    reply = encode_with_sid(IK2, ans.rid, msg)
    s = ep._new_session(peer, ans.local_sid, ans.rid, ans.hs, ans.addr, False, now)
    ep._remember_dup(ans.msg, reply, s)
    ep._emit(reply, ans.addr)
    if coap and not carried:
        ep._seal(s, coap)
    ep._flush_queue(peer)


def on_xx1(ep, msg, addr, now):
    hs = new_responder(XX, ep.static_private, ep.static_public, ep.rand)
    rid, hello = decode_xx1(hs.read_message(msg))
    ans = Answer(XX, hs, None, rid, hello, addr, msg, now)
    ans.local_sid = ep._alloc_sid(ans)
    reply_msg = hs.write_message(encode_reply(ans.local_sid, ep._our_hello(hello)))
    reply = encode_with_sid(XX2, rid, reply_msg)
    ep._remember_dup(msg, reply, ans)
    ep._emit(reply, addr)


def on_xx3(ep, data, addr, now):
    sid, msg = decode_with_sid(data)
    obj = ep._sids.get(sid)
    if isinstance(obj, Session) and obj.first_msg == msg:
        # XX3 again: our answer to its CoAP message was lost. Hand the message up again;
        # CoAP de-duplication answers from its cache.
        if obj.first_coap:
            ep._events.append(MessageReceived(obj.peer.peer_id, obj.first_coap))
        return
    if not isinstance(obj, Answer) or obj.pattern != XX:
        raise HeaderError("no XX handshake under this session id")
    try:
        payload = obj.hs.read_message(msg)
    except NoiseError:
        ep._release_sid(sid)
        raise
    key = obj.hs.remote_static
    fresh, coap = decode_xx3(payload)
    ep.known_peers.accept_fresh(key, fresh)  # XX3 cannot be replayed; keep rx current
    peer = ep._peer_for_key(key, addr)
    ep.addresses.verify(addr)  # XX3 proves it received our XX2 at the XX1 address
    s = ep._new_session(peer, sid, obj.rid, obj.hs, addr, False, now)
    s.first_msg = msg
    s.first_coap = coap
    ep._events.append(SessionEstablished(peer.peer_id, obj.hello, key))
    if coap:
        ep._events.append(MessageReceived(peer.peer_id, coap))
