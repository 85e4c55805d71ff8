"""SecureEndpoint: secure sessions for many peers, sans-IO (docs/parts/session.md).

Driver stack: the CoAP endpoint addresses peers by peer id (the peer's static public key, or a
PeerHandle before an XX first contact tells us the key); `send(peer_id, coap, now)` turns CoAP
bytes into UDP datagrams, `receive_datagram(data, addr, now)` turns UDP datagrams into
`MessageReceived(peer_id, coap)` events. Timers: `get_timer()` / `handle_timer(now)`.

Rules held here:
- Sessions are found by the receive session id we chose, never by address; the address moves
  only after a datagram from it authenticates.
- The first CoAP message rides in IK1 (XX3 on first contact); resending the same CoAP bytes
  while the handshake runs resends the cached handshake datagram; the responder answers a
  duplicate IK1/XX1 with its cached IK2/XX2 and holds IK2 back ik2_wait for the CoAP response.
- RESET for unknown session ids; a RESET counts only if it echoes the tag of one of our recent
  datagrams; the initiator then re-handshakes with that datagram's CoAP message.
"""

from ..noise import NoiseError
from .address import AddressBook
from .errors import (
    AuthenticationError,
    HeaderError,
    PeerKeyError,
    SessionError,
    SessionUsageError,
)
from .events import MessageReceived, PeerRejected, SessionClosed, SessionEstablished
from .handshake import (
    IK,
    IK1_OVERHEAD,
    IK2_OVERHEAD,
    XX,
    decode_ik1,
    decode_reply,
    decode_xx1,
    decode_xx3,
    encode_ik1,
    encode_reply,
    encode_xx1,
    encode_xx3,
    new_initiator,
    new_responder,
)
from .header import (
    COOKIE_LEN,
    IK1,
    IK2,
    MAX_SID,
    RESET,
    RESET_LEN,
    RETRY,
    SID_INLINE_MAX,
    TAG_LEN,
    XX1,
    XX2,
    XX3,
    decode_reset,
    decode_retry,
    decode_transport_header,
    decode_with_sid,
    encode_hello,
    encode_reset,
    encode_retry,
    encode_with_sid,
    kind,
    split_cookie,
)
from .keystore import KnownPeers
from .params import SessionParams
from .record import Record, ReplayedError, keys_from_handshake

# Largest transport overhead: byte 0, a 2-byte session id, a 4-byte nonce, the tag.
MAX_TRANSPORT_OVERHEAD = 1 + 2 + 4 + TAG_LEN
# An IK1 is retried this many times before the initiator falls back to XX (the responder may
# have a new key, which only XX can reveal and the pin then refuse by name).
IK_ATTEMPTS = 3


class PeerHandle:
    """A provisional peer id (XX first contact). It stays this peer's id for the endpoint's
    lifetime, so CoAP state keyed by it survives; `static_key` is set once the peer proves one."""

    def __init__(self, name):
        self.name = name
        self.static_key = None

    def __repr__(self):
        key = self.static_key.hex()[:16] if self.static_key else "?"
        return "<PeerHandle " + str(self.name) + " " + key + ">"


class _Peer:
    def __init__(self, peer_id, static_key, addr, name=None):
        self.peer_id = peer_id
        self.static_key = static_key
        self.addr = addr
        self.name = name
        self.pinned = None  # a key the peer must prove (pinned mode)
        self.hello = b""  # our hello to this peer (initiator side)
        self.session = None
        self.pending = None  # our handshake as initiator (_Pending)
        self.answer = None  # their IK1 waiting for our IK2 (_Answer)
        self.queue = []  # CoAP messages waiting for the session


class _Session:
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
        self.first_msg = None  # responder XX: XX3's Noise message, to spot duplicates
        self.sent_plain = []  # (tag, CoAP bytes) of recent datagrams, to resend after RESET


class _Pending:
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


class _Answer:
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


def _default_rand(n):
    import os

    return os.urandom(n)


class SecureEndpoint:
    """One static key, many peers. See the module docstring and docs/parts/session.md."""

    def __init__(
        self,
        static_private,
        rand=None,
        params=None,
        known_peers=None,
        pinned=None,
        hello=b"",
        fresh_clock=None,
    ):
        from ..noise import public_key

        self.static_private = bytes(static_private)
        self.static_public = public_key(self.static_private)
        self.rand = rand or _default_rand
        self.params = params or SessionParams()
        self.known_peers = known_peers if known_peers is not None else KnownPeers()
        self.pinned = None if pinned is None else bytes(pinned)
        self.hello = hello  # bytes, or callable(offered_hello) -> bytes for the responder
        self.fresh_clock = fresh_clock  # callable() -> int (ms), a floor for `fresh`
        self.addresses = AddressBook(self.params, self.rand(32))
        self._peers = {}
        self._by_key = {}
        self._sids = {}
        self._dups = []  # [(first message, reply datagram or None, object)], newest last
        self._out = []
        self._events = []
        self.stats = {
            "rx_datagrams": 0, "tx_datagrams": 0, "rx_bytes": 0, "tx_bytes": 0,
            "dropped": 0, "auth_failures": 0, "replays": 0, "ik1_replays": 0,
            "resets_sent": 0, "resets_accepted": 0, "retries_sent": 0, "handshakes": 0,
        }  # fmt: skip

    # -- public API ------------------------------------------------------------------------------

    def connect(self, addr, now, remote_static=None, hello=b"", name=None):
        """A peer id for the peer at `addr` (no datagram yet: the first send() starts the
        handshake, carrying that message). IK if its key is known (argument, pinned, or learned
        under `name`), else XX and a PeerHandle."""
        key = remote_static or self.pinned
        if key is None and name is not None:
            key = self.known_peers.key_for(name)
        if key is not None:
            key = bytes(key)
            peer = self._by_key.get(key)
            if peer is None:
                peer = _Peer(key, key, addr, name)
                self._add_peer(peer)
        else:
            peer = _Peer(PeerHandle(name), None, addr, name)
            self._add_peer(peer)
        peer.addr = addr
        peer.name = name if name is not None else peer.name
        peer.hello = bytes(hello)
        if remote_static is not None or self.pinned is not None:
            peer.pinned = key
        self.addresses.verify(addr)  # we chose this address: no amplification limit towards it
        return peer.peer_id

    def send(self, peer_id, coap, now):
        """Send one CoAP message (bytes) to the peer; b"" is a keep-alive."""
        peer = self._peers.get(peer_id)
        if peer is None:
            raise SessionUsageError("unknown peer id " + repr(peer_id))
        coap = bytes(coap)
        if len(coap) + MAX_TRANSPORT_OVERHEAD > self.params.max_datagram:
            raise SessionUsageError("CoAP message too large for one datagram")
        s = peer.session
        if s is not None and s.initiator and s.record.unanswered >= self.params.stale_sends:
            self._close(s, "stale")
            s = None
        if s is not None:
            if not s.confirmed:
                if coap == s.first_coap:
                    self._emit(s.first_datagram, s.addr)
                else:
                    self._enqueue(peer, coap)
                return
            self._seal(s, coap)
            return
        if peer.answer is not None:
            self._send_ik2(peer.answer, coap, now)
            return
        p = peer.pending
        if p is not None:
            if coap == p.first_coap or coap in peer.queue:
                self._resend(p, now)
            else:
                self._enqueue(peer, coap)
            return
        if peer.addr is None:
            raise SessionUsageError("no address known for " + repr(peer_id))
        self._start(peer, coap, now)

    def close(self, peer_id, now):
        """Forget the session and any handshake with the peer (no datagram is sent)."""
        peer = self._peers.get(peer_id)
        if peer is None:
            return
        if peer.session is not None:
            self._close(peer.session, "closed")
        if peer.pending is not None:
            self._drop_pending(peer.pending)
        peer.queue = []

    def receive_datagram(self, data, addr, now):
        data = bytes(data)
        self.stats["rx_datagrams"] += 1
        self.stats["rx_bytes"] += len(data)
        self.addresses.received(addr, len(data))
        for d in self.addresses.release(addr):
            self._out.append((d, addr))
        if len(data) > self.params.max_datagram:
            self.stats["dropped"] += 1
            return
        t = kind(data)
        try:
            if t is None:
                raise HeaderError("unknown datagram type")
            if t == 0:
                self._on_transport(data, addr, now)
            elif t == IK1 or t == XX1:
                self._on_first(t, data, addr, now)
            elif t == IK2:
                self._on_ik2(data, addr, now)
            elif t == XX2:
                self._on_xx2(data, addr, now)
            elif t == XX3:
                self._on_xx3(data, addr, now)
            elif t == RETRY:
                self._on_retry(data, now)
            elif t == RESET:
                self._on_reset(data, now)
        except (SessionError, NoiseError, ValueError) as e:
            # Hostile or stale bytes: drop without an answer (docs/parts/session.md).
            self.stats["dropped"] += 1
            self.last_drop = e

    def datagrams_to_send(self, now):
        out = self._out
        self._out = []
        for d, _ in out:
            self.stats["tx_datagrams"] += 1
            self.stats["tx_bytes"] += len(d)
        return out

    def next_event(self):
        if self._events:
            return self._events.pop(0)
        return None

    def get_timer(self):
        p = self.params
        t = None
        for obj in self._sids.values():
            if isinstance(obj, _Answer):
                when = obj.deadline if obj.pattern == IK else obj.started + p.handshake_timeout
            elif isinstance(obj, _Pending):
                when = obj.started + p.handshake_timeout
            else:
                when = obj.last_rx + p.session_idle_timeout
            if t is None or when < t:
                t = when
        return t

    def handle_timer(self, now):
        p = self.params
        for obj in list(self._sids.values()):
            if isinstance(obj, _Answer):
                if obj.pattern == IK and obj.deadline <= now and obj.peer.answer is obj:
                    self._send_ik2(obj, b"", now)
                elif obj.pattern == XX and obj.started + p.handshake_timeout <= now:
                    self._release_sid(obj.local_sid)
            elif isinstance(obj, _Pending):
                if obj.started + p.handshake_timeout <= now:
                    self._drop_pending(obj)
                    obj.peer.queue = []
                    self._events.append(SessionClosed(obj.peer.peer_id, "handshake timeout"))
            elif obj.last_rx + p.session_idle_timeout <= now:
                self._close(obj, "idle")

    def session_count(self):
        n = 0
        for obj in self._sids.values():
            if isinstance(obj, _Session):
                n += 1
        return n

    def is_established(self, peer_id):
        peer = self._peers.get(peer_id)
        return peer is not None and peer.session is not None and peer.session.confirmed

    def peer_key(self, peer_id):
        """The static public key the peer proved (None before)."""
        peer = self._peers.get(peer_id)
        return None if peer is None else peer.static_key

    # -- bookkeeping -----------------------------------------------------------------------------

    def _add_peer(self, peer):
        self._peers[peer.peer_id] = peer
        if peer.static_key is not None:
            self._by_key[peer.static_key] = peer

    def _peer_for_key(self, key, addr):
        peer = self._by_key.get(key)
        if peer is None:
            peer = _Peer(key, key, addr)
            self._add_peer(peer)
        return peer

    def _alloc_sid(self, obj):
        # Prefer the ids 0..30 that cost no header byte; pick at random so that a restarted
        # endpoint rarely reuses the id a peer still holds.
        r = self.rand(4)
        start = r[0] % (SID_INLINE_MAX + 1)
        for i in range(SID_INLINE_MAX + 1):
            sid = (start + i) % (SID_INLINE_MAX + 1)
            if sid not in self._sids:
                self._sids[sid] = obj
                return sid
        sid = SID_INLINE_MAX + 1 + int.from_bytes(r[1:4], "big") % (MAX_SID - SID_INLINE_MAX)
        while sid in self._sids:
            sid = SID_INLINE_MAX + 1 + (sid - SID_INLINE_MAX) % (MAX_SID - SID_INLINE_MAX)
        self._sids[sid] = obj
        return sid

    def _release_sid(self, sid):
        self._sids.pop(sid, None)

    def _emit(self, data, addr):
        if self.addresses.may_send(addr, data):
            self._out.append((data, addr))

    def _enqueue(self, peer, coap):
        if coap in peer.queue:
            return
        if len(peer.queue) >= self.params.max_queued:
            peer.queue.pop(0)
        peer.queue.append(coap)

    def _remember_dup(self, msg, reply, obj):
        for entry in self._dups:
            if entry[0] == msg:
                entry[1] = reply
                entry[2] = obj
                return
        self._dups.append([msg, reply, obj])
        if len(self._dups) > self.params.max_pending:
            self._dups.pop(0)

    def _find_dup(self, msg):
        for entry in self._dups:
            if entry[0] == msg:
                return entry
        return None

    def _seal(self, s, coap):
        data = s.record.seal(s.remote_sid, coap)
        if coap:
            sp = s.sent_plain
            sp.append((data[len(data) - TAG_LEN :], coap))
            if len(sp) > self.params.reset_tags:
                sp.pop(0)
        self._emit(data, s.addr)
        if s.record.exhausted():
            self._close(s, "rekey")

    def _close(self, s, reason):
        if self._sids.get(s.local_sid) is s:
            self._release_sid(s.local_sid)
        if s.peer.session is s:
            s.peer.session = None
            self._events.append(SessionClosed(s.peer.peer_id, reason))

    def _drop_pending(self, p):
        if self._sids.get(p.local_sid) is p:
            self._release_sid(p.local_sid)
        if p.peer.pending is p:
            p.peer.pending = None

    def _new_session(self, peer, local_sid, remote_sid, hs, addr, initiator, now):
        i2r, r2i = keys_from_handshake(hs)
        rec = Record(i2r, r2i, self.params) if initiator else Record(r2i, i2r, self.params)
        if peer.session is not None:
            self._close(peer.session, "replaced")
        s = _Session(peer, local_sid, remote_sid, rec, addr, initiator, now)
        self._sids[local_sid] = s
        peer.session = s
        peer.addr = addr
        self.stats["handshakes"] += 1
        self._evict_sessions(s)
        return s

    def _evict_sessions(self, keep):
        sessions = [o for o in self._sids.values() if isinstance(o, _Session)]
        while len(sessions) > self.params.max_sessions:
            oldest = None
            for o in sessions:
                if o is not keep and (oldest is None or o.last_rx < oldest.last_rx):
                    oldest = o
            self._close(oldest, "evicted")
            sessions.remove(oldest)

    def _flush_queue(self, peer):
        s = peer.session
        q = peer.queue
        peer.queue = []
        for coap in q:
            self._seal(s, coap)

    def _our_hello(self, offered):
        h = self.hello
        if callable(h):
            h = h(offered)
        return bytes(h or b"")

    def _fresh_floor(self):
        return self.fresh_clock() if self.fresh_clock is not None else 0

    def _accept_key(self, peer, key):
        """Pinned mode and trust on first use; PeerKeyError names the key received."""
        if peer.pinned is not None and peer.pinned != key:
            raise PeerKeyError(key, peer.pinned, peer.name)
        self.known_peers.check(peer.name, key)

    # -- initiator -------------------------------------------------------------------------------

    def _start(self, peer, coap, now):
        if peer.static_key is not None:
            self._start_ik(peer, coap, now)
        else:
            self._start_xx(peer, coap, now)

    def _start_ik(self, peer, coap, now):
        p = _Pending(peer, None, IK, None, None, now)
        p.local_sid = self._alloc_sid(p)
        hs = new_initiator(IK, self.static_private, self.static_public, peer.static_key, self.rand)
        fresh = self.known_peers.next_fresh(peer.static_key, self._fresh_floor())
        room = self.params.max_datagram - 1 - COOKIE_LEN - IK1_OVERHEAD - 11 - len(peer.hello)
        carried = coap if len(coap) <= room else b""
        msg = hs.write_message(encode_ik1(p.local_sid, fresh, peer.hello, carried))
        p.hs = hs
        p.msg = msg
        p.datagram = encode_hello(IK1, msg)
        p.first_coap = coap
        if not carried and coap:
            self._enqueue(peer, coap)
        peer.pending = p
        self._emit(p.datagram, peer.addr)

    def _start_xx(self, peer, coap, now, local_sid=None):
        p = _Pending(peer, local_sid, XX, None, None, now)
        if local_sid is None:
            p.local_sid = self._alloc_sid(p)
        else:
            self._sids[local_sid] = p
        hs = new_initiator(XX, self.static_private, self.static_public, None, self.rand)
        msg = hs.write_message(encode_xx1(p.local_sid, peer.hello))
        p.hs = hs
        p.msg = msg
        p.datagram = encode_hello(XX1, msg)
        p.first_coap = coap
        peer.pending = p
        self._emit(p.datagram, peer.addr)

    def _resend(self, p, now):
        peer = p.peer
        p.sends += 1
        if p.failed or (p.pattern == IK and p.sends > IK_ATTEMPTS):
            # Rebuild: a forged reply broke the Noise state, or IK got no answer (the responder
            # may hold another key: XX reveals it, and the pin refuses it by name).
            coap = p.first_coap
            self._drop_pending(p)
            if p.pattern == IK and not p.failed:
                self._start_xx(peer, coap, now)
            else:
                self._start(peer, coap, now)
            peer.pending.started = p.started
            peer.pending.sends = p.sends
            return
        self._emit(p.datagram, peer.addr)

    def _pending_for(self, sid, pattern):
        p = self._sids.get(sid)
        if not isinstance(p, _Pending) or p.pattern != pattern or p.failed:
            raise HeaderError("no handshake waiting under this session id")
        return p

    def _read_reply(self, p, msg):
        try:
            return p.hs.read_message(msg)
        except NoiseError:
            p.failed = True  # the next resend starts over with a new ephemeral
            raise

    def _on_ik2(self, data, addr, now):
        sid, msg = decode_with_sid(data)
        p = self._pending_for(sid, IK)
        payload = self._read_reply(p, msg)
        rid, hello, coap = decode_reply(payload)
        peer = p.peer
        self._drop_pending(p)
        self.addresses.verify(addr)
        s = self._new_session(peer, p.local_sid, rid, p.hs, addr, True, now)
        s.confirmed = True  # IK2 authenticated: the responder has the session
        self._learn(peer, peer.static_key)
        self._events.append(SessionEstablished(peer.peer_id, hello, peer.static_key))
        if coap:
            self._events.append(MessageReceived(peer.peer_id, coap))
        self._flush_queue(peer)
        return s

    def _learn(self, peer, key):
        if peer.name is not None and self.known_peers.key_for(peer.name) is None:
            self.known_peers.check(peer.name, key)

    def _on_xx2(self, data, addr, now):
        sid, msg = decode_with_sid(data)
        p = self._pending_for(sid, XX)
        payload = self._read_reply(p, msg)
        key = p.hs.remote_static
        peer = p.peer
        try:
            self._accept_key(peer, key)
        except PeerKeyError as e:
            self._drop_pending(p)
            peer.queue = []
            self._events.append(PeerRejected(peer.peer_id, key, e))
            return
        rid, hello, _ = decode_reply(payload)
        if peer.static_key is None:
            peer.static_key = key
            peer.peer_id.static_key = key
            if key not in self._by_key:
                self._by_key[key] = peer
        fresh = self.known_peers.next_fresh(key, self._fresh_floor())
        coap = p.first_coap or b""
        msg3 = p.hs.write_message(encode_xx3(fresh, coap))
        self._drop_pending(p)
        self.addresses.verify(addr)
        s = self._new_session(peer, p.local_sid, rid, p.hs, addr, True, now)
        s.confirmed = False
        s.first_coap = coap
        s.first_datagram = encode_with_sid(XX3, rid, msg3)
        self._events.append(SessionEstablished(peer.peer_id, hello, key))
        self._emit(s.first_datagram, addr)

    def _on_retry(self, data, now):
        cookie, echo = decode_retry(data)
        for p in list(self._sids.values()):
            if isinstance(p, _Pending) and not p.failed and p.hs.local_ephemeral_public[:8] == echo:
                t = IK1 if p.pattern == IK else XX1
                p.datagram = encode_hello(t, p.msg, cookie)
                self._emit(p.datagram, p.peer.addr)
                return

    def _on_reset(self, data, now):
        sid, tag = decode_reset(data)
        for s in list(self._sids.values()):
            if isinstance(s, _Session) and s.remote_sid == sid and s.record.sent_tag(tag):
                self.stats["resets_accepted"] += 1
                coap = None
                for t, c in s.sent_plain:
                    if t == tag:
                        coap = c
                peer = s.peer
                self._close(s, "reset")
                if s.initiator and coap is not None and peer.pending is None:
                    # The peer lost the session (restart, eviction): a new IK handshake carries
                    # the message again; CoAP de-duplication by static key keeps it exactly-once.
                    self._start(peer, coap, now)
                return

    # -- responder -------------------------------------------------------------------------------

    def _on_first(self, t, data, addr, now):
        cookie, msg = split_cookie(data)
        dup = self._find_dup(msg)
        if dup is not None:
            if dup[1] is not None:
                self._emit(dup[1], addr)
            return
        a = self.addresses
        if cookie is not None:
            if not a.cookie_ok(addr, cookie, now):
                raise HeaderError("bad cookie")
            a.verify(addr)
        elif not a.is_verified(addr) and not a.handshake_allowed(now):
            # Busy: no X25519 for an unverified address; a stateless RETRY instead (its 17
            # bytes are far below 3x the IK1/XX1 that caused it).
            self.stats["retries_sent"] += 1
            self._emit(encode_retry(a.cookie(addr, now), msg[:8]), addr)
            return
        if not a.is_verified(addr):
            a.note_handshake(now)
        n = 0
        for obj in self._sids.values():
            if isinstance(obj, _Answer):
                n += 1
        if n >= self.params.max_pending:
            raise HeaderError("too many handshakes pending")
        if t == IK1:
            self._on_ik1(msg, addr, now)
        else:
            self._on_xx1(msg, addr, now)

    def _on_ik1(self, msg, addr, now):
        hs = new_responder(IK, self.static_private, self.static_public, self.rand)
        payload = hs.read_message(msg)
        key = hs.remote_static
        rid, fresh, hello, coap = decode_ik1(payload)
        if not self.known_peers.accept_fresh(key, fresh):
            # A replayed IK1 (docs/parts/session.md, "Replay of IK1"): dropped, no RESET.
            self.stats["ik1_replays"] += 1
            return
        peer = self._peer_for_key(key, addr)
        ans = _Answer(IK, hs, None, rid, hello, addr, msg, now)
        ans.local_sid = self._alloc_sid(ans)
        ans.deadline = now + self.params.ik2_wait
        ans.peer = peer
        if peer.answer is not None:
            self._release_sid(peer.answer.local_sid)
        peer.answer = ans
        self._remember_dup(msg, None, ans)
        self._events.append(SessionEstablished(peer.peer_id, hello, key))
        if coap:
            self._events.append(MessageReceived(peer.peer_id, coap))

    def _send_ik2(self, ans, coap, now):
        peer = ans.peer
        peer.answer = None
        hello = self._our_hello(ans.hello)
        size = 3 + IK2_OVERHEAD + 3 + len(hello) + len(coap)
        carried = coap
        if size > self.params.max_datagram or size > self.addresses.budget(ans.addr):
            carried = b""  # too big for the datagram or the amplification budget
        msg = ans.hs.write_message(encode_reply(ans.local_sid, hello, carried))
        reply = encode_with_sid(IK2, ans.rid, msg)
        s = self._new_session(peer, ans.local_sid, ans.rid, ans.hs, ans.addr, False, now)
        self._remember_dup(ans.msg, reply, s)
        self._emit(reply, ans.addr)
        if coap and not carried:
            self._seal(s, coap)
        self._flush_queue(peer)

    def _on_xx1(self, msg, addr, now):
        hs = new_responder(XX, self.static_private, self.static_public, self.rand)
        rid, hello = decode_xx1(hs.read_message(msg))
        ans = _Answer(XX, hs, None, rid, hello, addr, msg, now)
        ans.local_sid = self._alloc_sid(ans)
        reply_msg = hs.write_message(encode_reply(ans.local_sid, self._our_hello(hello)))
        reply = encode_with_sid(XX2, rid, reply_msg)
        self._remember_dup(msg, reply, ans)
        self._emit(reply, addr)

    def _on_xx3(self, data, addr, now):
        sid, msg = decode_with_sid(data)
        obj = self._sids.get(sid)
        if isinstance(obj, _Session) and obj.first_msg == msg:
            # XX3 again: our answer to its CoAP message was lost. Hand the message up again;
            # CoAP de-duplication answers from its cache.
            if obj.first_coap:
                self._events.append(MessageReceived(obj.peer.peer_id, obj.first_coap))
            return
        if not isinstance(obj, _Answer) or obj.pattern != XX:
            raise HeaderError("no XX handshake under this session id")
        try:
            payload = obj.hs.read_message(msg)
        except NoiseError:
            self._release_sid(sid)
            raise
        key = obj.hs.remote_static
        fresh, coap = decode_xx3(payload)
        self.known_peers.accept_fresh(key, fresh)  # XX3 cannot be replayed; keep rx current
        peer = self._peer_for_key(key, addr)
        self.addresses.verify(addr)  # XX3 proves it received our XX2 at the XX1 address
        s = self._new_session(peer, sid, obj.rid, obj.hs, addr, False, now)
        s.first_msg = msg
        s.first_coap = coap
        self._events.append(SessionEstablished(peer.peer_id, obj.hello, key))
        if coap:
            self._events.append(MessageReceived(peer.peer_id, coap))

    # -- transport -------------------------------------------------------------------------------

    def _on_transport(self, data, addr, now):
        sid, nonce_len, truncated, header_len = decode_transport_header(data)
        s = self._sids.get(sid)
        if not isinstance(s, _Session):
            if len(data) >= RESET_LEN:
                # Never more bytes than the datagram carried; no state kept.
                self.stats["resets_sent"] += 1
                self._out.append((encode_reset(sid, data), addr))
            return
        try:
            plaintext = s.record.open(data, nonce_len, truncated, header_len)
        except AuthenticationError:
            self.stats["auth_failures"] += 1
            if s.record.auth_failures >= self.params.max_auth_failures:
                self._close(s, "too many authentication failures")
            raise
        except ReplayedError:
            self.stats["replays"] += 1
            raise
        s.last_rx = now
        if addr != s.addr:
            s.addr = addr  # rebinding: only an authenticated datagram moves the session
            s.peer.addr = addr
        for d in self.addresses.verify(addr):
            self._out.append((d, addr))
        if not s.confirmed:
            s.confirmed = True
            self._flush_queue(s.peer)
        if plaintext:
            self._events.append(MessageReceived(s.peer.peer_id, plaintext))
