"""The CoAP endpoint, sans-IO (the shape of aioquic): receive_datagram(data, addr, now),
datagrams_to_send(now), get_timer(), handle_timer(now), next_event().

Rules kept here (RFC 7252 unless named):
- §4.2 a malformed CON is rejected with RST; §4.3 a malformed NON is ignored; an empty CON is a
  ping and gets an RST; nothing raised by bad input leaves the endpoint.
- §4.5 duplicates: a CON seen within EXCHANGE_LIFETIME gets the same reply bytes again and the
  application sees the request once; a duplicate NON is ignored for NON_LIFETIME.
- §5.2 piggybacked responses when respond() comes within `empty_ack_delay` (params.py), else an
  empty ACK now and a CON separate response later; §5.3.2 responses match on token and peer address.
- §4.7 NSTART per peer, further requests queued; retransmission timing from CoCoA (cocoa.py).
- RFC 9175 §2.4 amplification: an unverified peer gets at most factor x the bytes it sent; a
  response that would exceed it is held and replaced by 4.01 with an Echo option.
"""

from mxcoap.coap.blockwise import (
    Block1Table,
    ResponseCache,
)
from mxcoap.coap.client import ClientRequest
from mxcoap.coap.echo import EchoFactory
from mxcoap.coap.errors import (
    BadOption,
    LimitExceeded,
    MessageFormatError,
    RequestTimeout,
    ResetReceived,
)
from mxcoap.coap.events import Pong, RequestFailed, ResponseReceived
from mxcoap.coap.exchanges import MAX_DEDUP_PER_PEER, Peer, Transmission, first_timeout
from mxcoap.coap.message import Message
from mxcoap.coap.numbers import (
    ACK,
    CON,
    ETAG,
    NON,
    OBSERVE,
    RST,
    is_request,
    is_response,
)
from mxcoap.coap.options import decode_uint, encode_uint, szx_to_size
from mxcoap.coap.params import TransmissionParams
from mxcoap.coap.server import ServerExchange, ServerRole, check_encodable, check_options

HOUSEKEEPING_INTERVAL = 10.0  # seconds between sweeps of expired duplicate records and caches
MAX_NON_SENT = 256  # NON messages remembered for matching an RST
PEER_KEEP = 255.0  # CoCoA §4.3: keep RTO state at least 255 s


class Ping:
    """The handle of ping(): an empty CON (RFC 7252 §4.3)."""

    def __init__(self, addr, now):
        self.addr = addr
        self.sent = now
        self.mid = None
        self.deadline = None


class Endpoint(ServerRole):
    """A CoAP endpoint for any number of peers. See API.md for the full contract."""

    def __init__(self, params=None, rand=None):
        self.params = params if params is not None else TransmissionParams()
        if rand is None:
            import os  # the only I/O-ish import, and only when no randomness is supplied

            rand = os.urandom
        self._rand = rand
        self._mid = decode_uint(rand(2))
        self._etag = decode_uint(rand(2))
        self._peers = {}
        self._pending = {}  # (addr, mid) -> Transmission (our CONs awaiting an ACK)
        self._non_sent = {}  # (addr, mid) -> (owner, expires): our NONs, for matching an RST
        self._timed = set()  # objects with a `deadline` attribute
        self._observations = {}  # (addr, token) -> ServerExchange being observed
        self._out = []
        self._events = []
        self._block1 = Block1Table(self.params)
        self._cache = ResponseCache(self.params)
        self._echo = EchoFactory(rand(16), self.params.echo_window)
        self._next_sweep = None
        self.known_options = set()  # further option numbers the application understands
        self.last_error = None
        self.stats = {
            "rx_datagrams": 0, "rx_bytes": 0, "tx_datagrams": 0, "tx_bytes": 0,
            "retransmissions": 0, "duplicates": 0, "format_errors": 0, "internal_errors": 0,
            "amplification_held": 0, "amplification_dropped": 0,
        }

    # --- driver interface ------------------------------------------------------------------
    def receive_datagram(self, data, addr, now):
        self.stats["rx_datagrams"] += 1
        self.stats["rx_bytes"] += len(data)
        try:
            self._receive(bytes(data), addr, now)
        except Exception as e:  # a bug must not take the proxy down; counted and kept
            self.stats["internal_errors"] += 1
            self.last_error = e
        self._arm_sweep(now)

    def datagrams_to_send(self, now):
        out = self._out
        self._out = []
        return out

    def get_timer(self):
        best = self._next_sweep
        for obj in self._timed:
            d = obj.deadline
            if d is not None and (best is None or d < best):
                best = d
        return best

    def handle_timer(self, now):
        try:
            self._handle_timer(now)
        except Exception as e:
            self.stats["internal_errors"] += 1
            self.last_error = e

    def next_event(self):
        if self._events:
            return self._events.pop(0)
        return None

    def mark_verified(self, addr, now=None):
        """The layer below vouches for `addr` (e.g. an authenticated session): no Echo for it."""
        if now is None:
            now = self._peers[addr].last_seen if addr in self._peers else 0.0
        peer = self._peer(addr, now)
        if peer is not None:
            peer.amp.verified = True

    def peer_rto(self, addr, now=None):
        peer = self._peers.get(addr)
        if peer is None:
            return self.params.ACK_TIMEOUT
        if now is None:
            rto = peer.rto.rto
            return rto if rto >= peer.rto.floor or not peer.rto.measured else peer.rto.floor
        return peer.rto.current(now)

    def add_overhead(self, addr, data, out_bytes, back_bytes):
        """The layer below sends `data`, a CON just taken from datagrams_to_send for `addr`,
        with `out_bytes` more on the link, and expects its answer to come back with
        `back_bytes` more (a handshake around the first message of a session). Its
        retransmission timeout, backoff cap and RTT sample allow for their serialisation at
        link_rate_bps, as for the CoAP bytes (docs/protocol.md (Part 2) §4). Anything else (no rate,
        not a pending CON, already retransmitted) is left alone."""
        rate = self.params.link_rate_bps
        if not rate or len(data) < 4 or (data[0] >> 4) & 3 != CON:
            return
        tr = self._pending.get((addr, decode_uint(data[2:4])))
        if tr is None or tr.retransmissions or tr.data != bytes(data):
            return
        extra = (out_bytes + back_bytes) * 8.0 / rate
        if extra <= 0:
            return
        tr.extra += extra
        tr.timeout += extra
        tr.deadline += extra
        tr.cap += extra

    # --- client API ------------------------------------------------------------------------
    def send_request(self, message, addr, now):
        check_encodable(message)
        cr = ClientRequest(self, message, addr)
        self._enqueue(cr, now)
        return cr

    def ping(self, addr, now):
        p = Ping(addr, now)
        peer = self._peer(addr, now)
        if peer is None:
            self._emit_failed(p, LimitExceeded("too many peers"))
            return p
        p.mid = self._next_mid()
        self._transmit_con(peer, p, Message(CON, 0, p.mid).encode(), now, False)
        return p

    def cancel(self, handle, now):
        """Abandon a request or a ping: no event follows for it."""
        if isinstance(handle, ClientRequest):
            self._finish_client(handle, now, abandoned=True)
        elif isinstance(handle, Ping) and handle.mid is not None:
            tr = self._pending.pop((handle.addr, handle.mid), None)
            if tr is not None:
                self._timed.discard(tr)

    def cancel_observe(self, handle, now):
        """Forget an observation (RFC 7641 §3.6): the next notification is answered with RST."""
        self.cancel(handle, now)

    # --- internals: peers, ids, sending ----------------------------------------------------
    def _next_mid(self):
        self._mid = (self._mid + 1) & 0xFFFF
        return self._mid

    def _new_etag(self):
        self._etag = (self._etag + 1) & 0xFFFFFFFF
        return encode_uint(self._etag) or b"\x00"

    def _peer(self, addr, now):
        peer = self._peers.get(addr)
        if peer is not None:
            peer.last_seen = now
            return peer
        if len(self._peers) >= self.params.max_peers:
            victim = None
            for p in self._peers.values():
                if self._peer_idle(p) and (victim is None or p.last_seen < victim.last_seen):
                    victim = p
            if victim is None:
                return None
            self._drop_peer(victim)
        peer = Peer(addr, self.params, now)
        self._peers[addr] = peer
        return peer

    def _peer_idle(self, peer):
        if not peer.idle():
            return False
        for key in self._pending:
            if key[0] == peer.addr:
                return False
        for key in self._observations:
            if key[0] == peer.addr:
                return False
        return True

    def _drop_peer(self, peer):
        del self._peers[peer.addr]
        self._block1.drop_addr(peer.addr)
        self._cache.drop_addr(peer.addr)

    def _send_raw(self, data, addr, peer, counted):
        """Queue one datagram. `counted`: an answer to the peer, so it obeys the amplification
        limit (RFC 9175 §2.4); one that would pass it is dropped here, whatever it is."""
        if counted and peer is not None:
            if not peer.amp.allows(len(data)):
                self.stats["amplification_dropped"] += 1
                return
            peer.amp.sent += len(data)
        self._out.append((data, addr))
        self.stats["tx_datagrams"] += 1
        self.stats["tx_bytes"] += len(data)

    def _send_rst(self, addr, mid, peer):
        data = Message(RST, 0, mid).encode()
        self._send_raw(data, addr, peer, True)
        return data

    def _transmit_con(self, peer, owner, data, now, counted):
        parallel = peer.active - 1 if peer.active > 0 else 0
        fraction = decode_uint(self._rand(2)) / 65535.0
        timeout, factor, cap = first_timeout(self.params, peer, len(data), parallel, now,
                                             fraction)
        tr = Transmission(peer.addr, decode_uint(data[2:4]), data, owner, now, timeout, factor,
                          cap, counted)
        self._pending[(peer.addr, tr.mid)] = tr
        self._timed.add(tr)
        self._send_raw(data, peer.addr, peer, counted)
        return tr

    def _remember_non(self, addr, mid, owner, now):
        if len(self._non_sent) >= MAX_NON_SENT:
            self._sweep_non(now, force=True)
        self._non_sent[(addr, mid)] = (owner, now + self.params.NON_LIFETIME)

    def _sweep_non(self, now, force=False):
        items = self._non_sent
        for k in [k for k in items if items[k][1] <= now]:
            del items[k]
        if force and len(items) >= MAX_NON_SENT:
            oldest = None
            for k in items:
                if oldest is None or items[k][1] < items[oldest][1]:
                    oldest = k
            del items[oldest]

    def _ack_received(self, tr, now):
        """Stop retransmitting and feed CoCoA with the RTT (draft-ietf-core-cocoa §4.2)."""
        self._pending.pop((tr.addr, tr.mid), None)
        self._timed.discard(tr)
        peer = self._peers.get(tr.addr)
        if peer is not None and self.params.cocoa:
            rtt = now - tr.first_sent - self.params.link_allowance(len(tr.data)) - tr.extra
            peer.rto.update(rtt if rtt > 0.001 else 0.001, tr.retransmissions, now)

    def _emit_response(self, handle, msg, addr):
        self._events.append(ResponseReceived(handle, msg, addr))

    def _emit_failed(self, handle, error):
        self._events.append(RequestFailed(handle, error))

    # --- internals: client requests --------------------------------------------------------
    def _enqueue(self, cr, now):
        peer = self._peer(cr.addr, now)
        if peer is None or peer.active + len(peer.queue) >= self.params.max_exchanges_per_peer:
            cr.state = "done"
            self._emit_failed(cr.handle, LimitExceeded("too many requests in flight"))
            return
        peer.queue.append(cr)
        self._timed.add(cr)
        self._start_queued(peer, now)

    def _start_queued(self, peer, now):
        while peer.queue and peer.active < self.params.NSTART:
            cr = peer.queue.pop(0)
            cr.holds_slot = True
            peer.active += 1
            if cr.parked:
                cr.parked = False
                cr.send_next(now)
            else:
                cr.start(now)

    def _take_slot(self, cr, now):
        """An NSTART slot for a further CON of a request that gave its slot up after an empty
        ACK (a next block after a separate response): True when taken, else it waits first
        in the queue."""
        peer = self._peers.get(cr.addr)
        if peer is None or peer.active < self.params.NSTART:
            if peer is not None:
                peer.active += 1
            cr.holds_slot = peer is not None
            return True
        cr.parked = True
        peer.queue.insert(0, cr)
        return False

    def _send_request_message(self, cr, msg, now):
        peer = self._peer(cr.addr, now) or self._peers.get(cr.addr)
        mid = self._next_mid()
        msg.mid = mid
        data = msg.encode()
        if msg.mtype == CON:
            self._transmit_con(peer, cr, data, now, False)
        else:
            self._remember_non(cr.addr, mid, cr, now)
            self._send_raw(data, cr.addr, peer, False)
        return mid

    def _release_slot(self, cr, now):
        if not cr.holds_slot:
            return
        cr.holds_slot = False
        peer = self._peers.get(cr.addr)
        if peer is not None:
            peer.active -= 1
            self._start_queued(peer, now)

    def _finish_client(self, cr, now, abandoned):
        if cr.state == "done":
            return
        cr.state = "done"
        if cr.child is not None:  # an observation that ends takes its pending fetch with it
            child, cr.child = cr.child, None
            self._finish_client(child, now, abandoned=True)
        cr.body = b""  # references to a finished request (NON records) must not pin its body
        cr.b2_buf = None
        self._timed.discard(cr)
        if cr.mid is not None:
            self._non_sent.pop((cr.addr, cr.mid), None)
            tr = self._pending.pop((cr.addr, cr.mid), None)
            if tr is not None:
                self._timed.discard(tr)
        peer = self._peers.get(cr.addr)
        if peer is not None:
            lifetime = now + self.params.EXCHANGE_LIFETIME
            if cr.token is not None and peer.tokens.get(cr.token) is cr:
                del peer.tokens[cr.token]
                if abandoned:
                    peer.quarantine[cr.token] = lifetime
            if cr.use_block1 and peer.tags.get(cr.tag) is cr:
                del peer.tags[cr.tag]
                if abandoned:
                    peer.tag_quarantine[cr.tag] = lifetime
            if cr in peer.queue:
                peer.queue.remove(cr)
        self._release_slot(cr, now)

    def _fetch_rest(self, parent, msg, szx, now):
        """Fetch blocks 1.. of a large notification (RFC 7959 §2.6) for observation `parent`."""
        req = Message(CON, parent.code, 0, b"", [o for o in parent.options if o[0] != OBSERVE])
        child = ClientRequest(self, req, parent.addr, parent)
        child.b2_phase = True
        child.b2_buf = [msg.payload]
        child.b2_len = len(msg.payload)
        child.b2_etag = msg.opt(ETAG)
        child.b2_szx = szx
        child.b2_num = child.b2_len // szx_to_size(szx)
        child.obs_value = msg.opt(OBSERVE)
        parent.child = child
        self._enqueue(child, now)

    # --- internals: receiving --------------------------------------------------------------
    def _receive(self, data, addr, now):
        peer = self._peers.get(addr)
        if peer is not None:
            peer.amp.received += len(data)
        try:
            msg = Message.decode(data)
            cls = msg.code >> 5
            if cls == 1 or cls >= 6:
                raise MessageFormatError("reserved code class", msg.mid, msg.mtype)
            if msg.code and (msg.mtype == RST or (msg.mtype == ACK and is_request(msg.code))):
                raise MessageFormatError("RST with a code, or ACK carrying a request",
                                         msg.mid, msg.mtype)
        except MessageFormatError as e:
            self.stats["format_errors"] += 1
            if e.mtype == CON and e.mid is not None:
                self._send_rst(addr, e.mid, peer)  # RFC 7252 §4.2
            return  # §4.3 / §4.2: anything else malformed is silently ignored
        if msg.code == 0:
            self._on_empty(msg, addr, peer, now)
        elif is_request(msg.code):
            if peer is None:
                peer = self._peer(addr, now)
                if peer is None:
                    return  # no room for another peer: drop, the peer will retry
                peer.amp.received += len(data)
            self._on_request(msg, addr, peer, now)
        elif is_response(msg.code):
            self._on_response(msg, addr, peer, now)

    def _on_empty(self, msg, addr, peer, now):
        if msg.mtype == CON:
            self._send_rst(addr, msg.mid, peer)  # CoAP ping (RFC 7252 §4.3)
            return
        if msg.mtype == NON:
            return
        key = (addr, msg.mid)
        tr = self._pending.get(key)
        owner = tr.owner if tr is not None else None
        if tr is not None:
            self._ack_received(tr, now)
        elif msg.mtype == RST and key in self._non_sent:
            owner = self._non_sent.pop(key)[0]
        if owner is None:
            return
        if isinstance(owner, Ping):
            self._emit_pong(owner, now)
        elif isinstance(owner, ClientRequest):
            if msg.mtype == ACK:
                owner.on_empty_ack(now)
            else:
                owner.fail(ResetReceived(), now)
        elif isinstance(owner, ServerExchange) and msg.mtype == RST:
            self._end_observation(owner)  # RFC 7641 §3.6: RST cancels

    def _emit_pong(self, ping, now):
        self._events.append(Pong(ping, ping.addr, now - ping.sent))

    def _bad_critical(self, msg):
        """True when a response carries a critical option we do not know (RFC 7252 §5.4.1)."""
        try:
            check_options(msg.copy(), self.known_options)
        except BadOption:
            return True
        return False

    def _on_response(self, msg, addr, peer, now):
        if msg.mtype == ACK:
            tr = self._pending.get((addr, msg.mid))
            if tr is None or not isinstance(tr.owner, ClientRequest):
                return
            owner = tr.owner
            if owner.token != msg.token:
                return  # RFC 7252 §5.3.2: token mismatch, not our response
            if self._bad_critical(msg):
                return  # §5.4.1: rejected; rejecting an ACK is ignoring it (§4.2)
            self._ack_received(tr, now)
            owner.on_response(msg, now)
            return
        if peer is None:
            if msg.mtype == CON:
                self._send_rst(addr, msg.mid, None)
            return
        rec = peer.dedup.get(msg.mid)
        if rec is not None:
            self.stats["duplicates"] += 1
            if msg.mtype == CON and rec.reply is not None:
                self._send_raw(rec.reply, addr, peer, True)
            return
        lifetime = self.params.EXCHANGE_LIFETIME if msg.mtype == CON else self.params.NON_LIFETIME
        rec = peer.remember(msg.mid, now + lifetime, MAX_DEDUP_PER_PEER, now)
        owner = peer.tokens.get(msg.token)
        if owner is None or self._bad_critical(msg):
            # Unknown token or an unrecognised critical option: reject (RFC 7252 §5.3.2, §5.4.1).
            if msg.mtype == CON or msg.opt(OBSERVE) is not None:
                rec.reply = self._send_rst(addr, msg.mid, peer)
            return
        if msg.mtype == CON:
            rec.reply = Message(ACK, 0, msg.mid).encode()
            self._send_raw(rec.reply, addr, peer, True)
        answered = owner.mid
        owner.stale = False
        owner.on_response(msg, now)
        if answered is not None and not owner.stale:
            # The response implies the ACK of the request it answers (RFC 7252 §5.2.2); a late
            # copy for an earlier block does not.
            tr = self._pending.pop((addr, answered), None)
            if tr is not None:
                self._timed.discard(tr)

    # --- internals: timers -----------------------------------------------------------------
    def _arm_sweep(self, now):
        if self._next_sweep is None and self._needs_sweep():
            self._next_sweep = now + HOUSEKEEPING_INTERVAL

    def _needs_sweep(self):
        """True while something can expire: a driver need not wake up for nothing."""
        if self._non_sent or self._block1.items or self._cache.items:
            return True
        for peer in self._peers.values():
            if peer.dedup or peer.quarantine or peer.tag_quarantine:
                return True
            if self._peer_idle(peer) and not (peer.amp.verified and peer.amp.factor):
                return True
        return False

    def _handle_timer(self, now):
        due = [o for o in self._timed if o.deadline is not None and o.deadline <= now]
        for obj in due:
            if obj not in self._timed or obj.deadline is None or obj.deadline > now:
                continue
            if isinstance(obj, Transmission):
                self._retransmit(obj, now)
            elif isinstance(obj, ServerExchange):
                self._server_timer(obj, now)
            elif isinstance(obj, ClientRequest):
                obj.on_timer(now)
        if self._next_sweep is not None and now >= self._next_sweep:
            self._next_sweep = None
            self._sweep(now)
            self._arm_sweep(now)

    def _retransmit(self, tr, now):
        if tr.retransmissions >= self.params.MAX_RETRANSMIT:
            self._pending.pop((tr.addr, tr.mid), None)
            self._timed.discard(tr)
            owner = tr.owner
            if isinstance(owner, ClientRequest):
                owner.fail(RequestTimeout(), now)
            elif isinstance(owner, Ping):
                self._emit_failed(owner, RequestTimeout())
            elif isinstance(owner, ServerExchange):
                self._end_observation(owner)  # RFC 7641 §4.5: an unacknowledged CON ends it
            return
        tr.backoff(now)
        peer = self._peers.get(tr.addr)
        self.stats["retransmissions"] += 1
        self._send_raw(tr.data, tr.addr, peer, tr.counted)

    def _sweep(self, now):
        self._sweep_non(now)
        self._block1.expire(now)
        self._cache.expire(now)
        keep = PEER_KEEP if PEER_KEEP > self.params.EXCHANGE_LIFETIME else \
            self.params.EXCHANGE_LIFETIME
        for peer in list(self._peers.values()):
            peer.expire(now)
            # A verified peer stays until the table is full (eviction in _peer): verification
            # should not have to be repeated after a quiet spell.
            if (not peer.dedup and now - peer.last_seen > keep and self._peer_idle(peer)
                    and not peer.quarantine and not peer.tag_quarantine
                    and not (peer.amp.verified and peer.amp.factor)):
                self._drop_peer(peer)
