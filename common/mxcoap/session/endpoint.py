"""SecureEndpoint: secure sessions for many peers, sans-IO (docs/protocol.md (Part 1)).

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
from ..noise.hashes import sha256
from . import initiator, responder
from .address import AddressBook
from .errors import AuthenticationError, HeaderError, PeerKeyError, SessionError, SessionUsageError
from .events import MessageReceived, SessionClosed
from .handshake import IK, XX
from .header import (
    COMPACT_SID_MAX,
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
    decode_transport_header,
    encode_reset,
    kind,
)
from .keystore import KnownPeers
from .params import SessionParams
from .peers import Answer, Peer, PeerHandle, Pending, Session
from .record import Record, ReplayedError, keys_from_handshake

# Largest transport overhead: byte 0, a 2-byte session id, a 4-byte nonce, the tag.
MAX_TRANSPORT_OVERHEAD = 1 + 2 + 4 + TAG_LEN


def _default_rand(n):
    import os

    return os.urandom(n)


class SecureEndpoint:
    """One static key, many peers. See the module docstring and docs/protocol.md (Part 1)."""

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
                peer = Peer(key, key, addr, name)
                self._add_peer(peer)
        else:
            peer = self._handle_peer(name, addr)
            if peer is None:
                peer = Peer(PeerHandle(name), None, addr, name)
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
        if s is not None and not s.confirmed:
            if coap != s.first_coap:
                self._enqueue(peer, coap)
                return
            s.first_sends += 1
            if s.first_sends <= initiator.IK_ATTEMPTS:
                self._emit(s.first_datagram, s.addr)
                return
            # XX3 keeps going unanswered: the responder lost its half (restart, timeout, a
            # forged XX3). Start over; the key is known now, so with IK.
            self._close(s, "unconfirmed")
            s = None
        if s is not None:
            self._seal(s, coap)
            return
        if peer.answer is not None:
            responder.send_ik2(self, peer.answer, coap, now)
            return
        p = peer.pending
        if p is not None:
            if coap == p.first_coap or coap in peer.queue:
                initiator.resend(self, p, now)
            else:
                self._enqueue(peer, coap)
            return
        if peer.addr is None:
            raise SessionUsageError("no address known for " + repr(peer_id))
        initiator.start(self, peer, coap, now)

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
                responder.on_first(self, t, data, addr, now)
            elif t == IK2:
                initiator.on_ik2(self, data, addr, now)
            elif t == XX2:
                initiator.on_xx2(self, data, addr, now)
            elif t == XX3:
                responder.on_xx3(self, data, addr, now)
            elif t == RETRY:
                initiator.on_retry(self, data, now)
            elif t == RESET:
                initiator.on_reset(self, data, now)
        except (SessionError, NoiseError, ValueError) as e:
            # Hostile or stale bytes: drop without an answer (docs/protocol.md (Part 1)).
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
            if isinstance(obj, Answer):
                when = obj.deadline if obj.pattern == IK else obj.started + p.handshake_timeout
            elif isinstance(obj, Pending):
                when = obj.started + p.handshake_timeout
            else:
                when = obj.last_rx + p.session_idle_timeout
            if t is None or when < t:
                t = when
        return t

    def handle_timer(self, now):
        p = self.params
        for obj in list(self._sids.values()):
            if isinstance(obj, Answer):
                if obj.pattern == IK and obj.deadline <= now and obj.peer.answer is obj:
                    responder.send_ik2(self, obj, b"", now)
                elif obj.pattern == XX and obj.started + p.handshake_timeout <= now:
                    self._release_sid(obj.local_sid)
            elif isinstance(obj, Pending):
                if obj.started + p.handshake_timeout <= now:
                    self._drop_pending(obj)
                    obj.peer.queue = []
                    self._events.append(SessionClosed(obj.peer.peer_id, "handshake timeout"))
            elif obj.last_rx + p.session_idle_timeout <= now:
                self._close(obj, "idle")

    def session_count(self):
        n = 0
        for obj in self._sids.values():
            if isinstance(obj, Session):
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

    def _handle_peer(self, name, addr):
        # connect() again before the key is known: the same provisional handle, found by name
        # (or by address when there is no name).
        for peer in self._peers.values():
            if isinstance(peer.peer_id, PeerHandle) and peer.static_key is None:
                if (name is not None and peer.name == name) or (name is None and peer.addr == addr):
                    return peer
        return None

    def _peer_for_key(self, key, addr):
        peer = self._by_key.get(key)
        if peer is None:
            peer = Peer(key, key, addr)
            self._add_peer(peer)
        return peer

    def _alloc_sid(self, obj):
        # Prefer the ids 0..7 that allow the compact byte 0, then 8..30 that cost no header
        # byte; pick at random within each so that a restarted endpoint rarely reuses the id a
        # peer still holds.
        r = self.rand(4)
        compact = COMPACT_SID_MAX + 1
        for low, n in ((0, compact), (compact, SID_INLINE_MAX + 1 - compact)):
            start = r[0] % n
            for i in range(n):
                sid = low + (start + i) % n
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
        msg = sha256(msg)[:16]  # a digest, not the message: keeps the cache small on a device
        for entry in self._dups:
            if entry[0] == msg:
                entry[1] = reply
                entry[2] = obj
                return
        self._dups.append([msg, reply, obj])
        if len(self._dups) > self.params.max_cached_replies:
            self._dups.pop(0)

    def _find_dup(self, msg):
        msg = sha256(msg)[:16]
        for entry in self._dups:
            if entry[0] == msg:
                return entry
        return None

    def _seal(self, s, coap):
        data = s.record.seal(s.remote_sid, coap)
        if coap and s.initiator:  # only an initiator re-sends after a RESET
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
        s = Session(peer, local_sid, remote_sid, rec, addr, initiator, now)
        self._sids[local_sid] = s
        peer.session = s
        peer.addr = addr
        self.stats["handshakes"] += 1
        self._evict_sessions(s)
        return s

    def _evict_sessions(self, keep):
        sessions = [o for o in self._sids.values() if isinstance(o, Session)]
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

    # -- transport -------------------------------------------------------------------------------

    def _on_transport(self, data, addr, now):
        sid, nonce_len, truncated, header_len = decode_transport_header(data)
        s = self._sids.get(sid)
        if not isinstance(s, Session):
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
