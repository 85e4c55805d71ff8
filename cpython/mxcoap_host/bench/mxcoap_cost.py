"""Bytes an exchange costs as mxcoap, through the real encoder stack on an in-memory link.

Per exchange: the HTTP request from the HAR -> matrix.encode_request -> coap.Endpoint (client:
CON, mid, token, Block1) -> session.SecureEndpoint (seal; IK1 for the first message of a
session) -> the link -> SecureEndpoint (open) -> coap.Endpoint (server: reassembly,
piggybacked or separate response) -> matrix.decode_request, which must give back the request
(method, path, query, the headers the mapping carries, JSON equal as data, other bodies
byte-equal). The recorded HTTP response goes back the same way (encode_response, Block2,
decode_response) and must equal the recorded one likewise. A mismatch raises RoundTripError.

Every datagram on the link counts with 28 bytes of IPv4+UDP header: handshakes, empty ACKs,
blocks and their answers. The host answers after the HAR's server time (timings.wait), on a
clock this simulation owns, so an answer later than `separate_delay` (a /sync long poll) costs
an empty ACK, a CON response and its ACK, as the protocol sends them. The link itself adds no
delay and loses nothing (retransmissions are not counted because there are none).

Sessions: one edge (client) per HAR user (the capture tool's "_user"; one edge for a HAR
without it), each with its own secure session to the one host: IK (the edge knows the host's
key), the first request riding in IK1 and its answer in IK2 (or, when the answer does not fit
the host's 3x allowance, after the edge's empty address proof). The hellos are the map
agreement of mxcoap.mapagree: the edge offers its sets' ids (4 bytes each), the host replies
with 1 byte when both sides prefer the same set. The first request is encoded with the set the
offer names first (Mx-Maps); a host that lacks it answers Mx-Error 4 and the edge sends the
request once more with the agreed set (counted in `map_retries`).
"""

import heapq
import json
import random

from mxcoap import maps
from mxcoap.coap import (
    Endpoint,
    RequestFailed,
    RequestReceived,
    ResponseReceived,
    TransmissionParams,
)
from mxcoap.mapagree import MapAgreement
from mxcoap.matrix import (
    MATRIX_OPTIONS,
    HttpRequest,
    HttpResponse,
    MapRetry,
    MatrixError,
    encode_request,
    encode_response,
    error_response,
)
from mxcoap.matrix import Session as MatrixSession
from mxcoap.matrix import decode_request as _decode_request
from mxcoap.matrix import decode_response as _decode_response
from mxcoap.noise import public_key
from mxcoap.session import MessageReceived, SecureEndpoint, SessionEstablished
from mxcoap.session.handshake import IK1_OVERHEAD, IK2_OVERHEAD

IP_UDP = 28  # IPv4 (20) + UDP (8) bytes per datagram
HOST_ADDR = ("192.0.2.1", 5683)
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")
MAX_STEPS = 100000  # clock steps per exchange before the simulation calls it stuck
DEFAULT_DELAY = 0.05  # one-way propagation delay of the simulated link, seconds
# An empty transport datagram (the address proof) is 9 or 10 bytes (byte 0, [nonce], tag): a
# transport datagram this short cannot hold a CoAP message (4 bytes at least).
EMPTY_TRANSPORT_MAX = 10

# Test hook: the decoders the round trip uses (a test swaps in a broken one).
decode_request = _decode_request
decode_response = _decode_response


class BenchError(Exception):
    """The exchange could not be carried by the stack."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RoundTripError(BenchError):
    """What came out of the stack is not what went in."""


def _carried(headers):
    return sorted((k.lower(), v) for k, v in headers if k and k.lower() in CARRIED)


def _same_body(back, orig, content_type):
    if (content_type or "").startswith("application/json") and orig:
        try:
            value = json.loads(orig)
        except ValueError:
            value = None
        if value is not None:
            try:
                return json.loads(back) == value
            except ValueError:
                return False
    return back == orig


def _compare_message(back, orig):
    """Differences in what requests and responses share: carried headers and the body."""
    diffs = []
    if _carried(back.headers) != _carried(orig.headers):
        diffs.append("headers: " + repr(_carried(back.headers)) + " != "
                     + repr(_carried(orig.headers)))
    if not _same_body(back.body, orig.body, orig.header("Content-Type")):
        diffs.append("body: " + repr(back.body[:80]) + " != " + repr(orig.body[:80]))
    return diffs


def compare_request(back, orig):
    """A list of differences between the decoded and the original HttpRequest."""
    diffs = []
    for attr in ("method", "path", "query"):
        if getattr(back, attr) != getattr(orig, attr):
            diffs.append(attr + ": " + repr(getattr(back, attr)) + " != "
                         + repr(getattr(orig, attr)))
    return diffs + _compare_message(back, orig)


def compare_response(back, orig):
    diffs = []
    if back.status != orig.status:
        diffs.append("status: " + str(back.status) + " != " + str(orig.status))
    return diffs + _compare_message(back, orig)


def _events(endpoint):
    """The events a sans-IO endpoint has queued, oldest first."""
    while True:
        ev = endpoint.next_event()
        if ev is None:
            return
        yield ev


class _Edge:
    def __init__(self, sim, name, index):
        self.name = name
        self.addr = ("198.51.100." + str(index + 1), 40000 + index)
        self.agree = MapAgreement(sim.edge_sets)
        self.secure = SecureEndpoint(sim.key(), rand=sim.rand)
        self.coap = Endpoint(sim.params, rand=sim.rand)
        self.coap.known_options.update(MATRIX_OPTIONS)  # RFC 7252 §5.4.1: not 4.02
        # The set the host picked last time leads the offer (known peers note; none yet here).
        self.last = self.secure.known_peers.note(sim.host_public)
        self.offer = self.agree.offer(self.last)
        self.reply_len = len(sim.host_agree.answer(self.offer)[0])  # for the handshake count
        self.peer = self.secure.connect(HOST_ADDR, sim.now, remote_static=sim.host_public,
                                        hello=self.offer)
        self.coap.mark_verified(self.peer)  # the secure session vouches for the peer
        self.session = MatrixSession(self.agree.early(self.last))
        self.session.first_flight = True
        self.reason = None

    def established(self, ev):
        map_set, self.reason = self.agree.accept(ev.hello, self.last)
        self.session.maps = map_set
        self.session.first_flight = False
        self.secure.known_peers.set_note(ev.static_key, map_set.id)


class ExchangeResult:
    """Bytes on the link for one exchange (each datagram + 28 B of IPv4+UDP)."""

    def __init__(self):
        self.request = 0  # edge -> host
        self.response = 0  # host -> edge
        self.datagrams = 0
        self.handshake = 0  # handshake datagram bytes less the CoAP they carried
        self.map_retries = 0  # first-flight requests sent again with the agreed map set
        self.retransmissions = 0  # CoAP retransmissions (both ends) during the exchange
        self.up = []  # UDP payload sizes edge -> host, in order
        self.down = []


class Simulation:
    """One host and one edge per user, on a shared clock; run(exchange) per HAR exchange."""

    def __init__(self, params=None, map_set=None, seed=1, delay=DEFAULT_DELAY, link_bps=None,
                 edge_sets=None, host_sets=None):
        self._random = random.Random(seed)
        self.delay = delay
        self.link_bps = link_bps
        self._inflight = []  # (arrival time, seq, up, datagram, edge)
        self._free = {True: 0.0, False: 0.0}  # when each direction of the link is free
        self._seq = 0
        self.params = params or TransmissionParams()
        self.map_set = map_set or maps.builtin()
        self.edge_sets = list(edge_sets or [self.map_set])
        self.host_agree = MapAgreement(host_sets or [self.map_set])
        self.now = 0.0
        host_key = self.key()
        self.host_public = public_key(host_key)
        self.host_secure = SecureEndpoint(
            host_key, rand=self.rand, hello=lambda offered: self.host_agree.answer(offered)[0])
        self.host_coap = Endpoint(self.params, rand=self.rand)
        self.host_coap.known_options.update(MATRIX_OPTIONS)
        self.host_sessions = {}  # edge static key -> matrix Session
        self.host_reasons = []
        self.edges = {}
        self._by_addr = {}
        self._scheduled = []  # (time to answer, server exchange handle, CoAP response)
        self._current = None
        self._exchange = None

    def rand(self, n):
        return self._random.randbytes(n)

    def key(self):
        return self.rand(32)

    def edge(self, user):
        e = self.edges.get(user)
        if e is None:
            e = _Edge(self, user, len(self.edges))
            self.edges[user] = e
            self._by_addr[e.addr] = e
        return e

    # -- the link --------------------------------------------------------------------------------

    def _count(self, data, up, edge):
        r = self._current
        r.datagrams += 1
        if up:
            r.request += len(data) + IP_UDP
            r.up.append(len(data))
        else:
            r.response += len(data) + IP_UDP
            r.down.append(len(data))
        # Handshake datagrams, laid out as docs/parts/session.md and session/initiator.py,
        # responder.py build them; what is left of each is the CoAP message it carries. The
        # empty transport datagram that proves the edge's address after IK2 counts too.
        kind = data[0] & 0xF0 if data[0] & 0x80 else 0
        if kind == 0x90:  # IK1: header, [cookie], Noise overhead, rid, fresh, hello (offer)
            fixed = 1 + (8 if data[0] & 1 else 0) + IK1_OVERHEAD + 2 + 8 + 1 + len(edge.offer)
            r.handshake += IP_UDP + fixed
        elif kind == 0xA0:  # IK2: header and session id, Noise overhead, rid, hello (reply)
            r.handshake += IP_UDP + 3 + IK2_OVERHEAD + 2 + 1 + edge.reply_len
        elif kind or (up and len(data) <= EMPTY_TRANSPORT_MAX):
            r.handshake += IP_UDP + len(data)

    def _send(self, data, up, edge):
        """Put a datagram on the link: FIFO per direction, serialised at link_bps (if set),
        then `delay` seconds of propagation."""
        self._count(data, up, edge)
        start = max(self.now, self._free[up])
        ser = (len(data) + IP_UDP) * 8.0 / self.link_bps if self.link_bps else 0.0
        self._free[up] = start + ser
        self._seq += 1
        heapq.heappush(self._inflight, (start + ser + self.delay, self._seq, up, data, edge))

    def _deliver(self):
        moved = False
        while self._inflight and self._inflight[0][0] <= self.now:
            _, _, up, data, edge = heapq.heappop(self._inflight)
            if up:
                self.host_secure.receive_datagram(data, edge.addr, self.now)
            else:
                edge.secure.receive_datagram(data, HOST_ADDR, self.now)
            moved = True
        return moved

    def _pump(self):
        moved = True
        while moved:
            moved = self._deliver()
            for e in self.edges.values():
                for data, peer in e.coap.datagrams_to_send(self.now):
                    e.secure.send(peer, data, self.now)
                for data, _addr in e.secure.datagrams_to_send(self.now):
                    self._send(data, True, e)
                    moved = True
                for ev in _events(e.secure):
                    if isinstance(ev, SessionEstablished):
                        e.established(ev)
                    if isinstance(ev, MessageReceived):
                        e.coap.receive_datagram(ev.data, ev.peer_id, self.now)
                        moved = True
                for ev in _events(e.coap):
                    self._on_edge_event(e, ev)
            for ev in _events(self.host_secure):
                if isinstance(ev, SessionEstablished):
                    _, map_set, reason = self.host_agree.answer(ev.hello)
                    session = MatrixSession(map_set)
                    session.first_maps = self.host_agree.held(ev.hello)
                    self.host_sessions[ev.peer_id] = session
                    self.host_reasons.append(reason)
                if isinstance(ev, MessageReceived):
                    self.host_coap.mark_verified(ev.peer_id)
                    self.host_coap.receive_datagram(ev.data, ev.peer_id, self.now)
                    moved = True
            for ev in _events(self.host_coap):
                self._on_host_event(ev)
            for data, peer in self.host_coap.datagrams_to_send(self.now):
                self.host_secure.send(peer, data, self.now)
            for data, addr in self.host_secure.datagrams_to_send(self.now):
                e = self._by_addr.get(addr)
                if e is not None:
                    self._send(data, False, e)
                    moved = True

    # -- the two ends ----------------------------------------------------------------------------

    def _on_host_event(self, ev):
        if not isinstance(ev, RequestReceived):
            return
        session = self.host_sessions[ev.addr]
        x = self._exchange
        try:
            back = decode_request(ev.request, session)
        except MatrixError as err:  # Mx-Maps naming a set the host lacks: Mx-Error 4
            self._scheduled.append((self.now, ev.handle, error_response(err)))
            return
        diffs = compare_request(back, x["request"])
        if diffs:
            raise RoundTripError(x["name"] + ": request differs after the round trip: "
                                 + "; ".join(diffs))
        msg = encode_response(x["response"], session, back.route)
        self._scheduled.append((self.now + x["wait"], ev.handle, msg))

    def _on_edge_event(self, e, ev):
        x = self._exchange
        if ev.handle is not x.get("handle"):
            return
        if isinstance(ev, RequestFailed):
            raise BenchError(x["name"] + ": CoAP request failed: " + repr(ev.error))
        if isinstance(ev, ResponseReceived):
            try:
                back = decode_response(ev.response, e.session, x["matrix_exchange"])
            except MapRetry:
                # The host lacks the set offered first and forwarded nothing: once more,
                # encoded with the agreed set (docs/parts/maps.md, "First flight").
                if x["retried"]:
                    raise
                x["retried"] = True
                self._current.map_retries += 1
                msg, x["matrix_exchange"] = encode_request(x["request"], e.session)
                x["handle"] = e.coap.send_request(msg, e.peer, self.now)
                return
            diffs = compare_response(back, x["response"])
            if diffs:
                raise RoundTripError(x["name"] + ": response differs after the round trip: "
                                     + "; ".join(diffs))
            x["done"] = True

    def _timers(self):
        ts = [t for t, _, _ in self._scheduled]
        if self._inflight:
            ts.append(self._inflight[0][0])
        for ep in [self.host_coap, self.host_secure]:
            ts.append(ep.get_timer())
        for e in self.edges.values():
            ts.append(e.coap.get_timer())
            ts.append(e.secure.get_timer())
        ts = [t for t in ts if t is not None]
        return min(ts) if ts else None

    def _retransmissions(self):
        n = self.host_coap.stats["retransmissions"]
        for e in self.edges.values():
            n += e.coap.stats["retransmissions"]
        return n

    def run(self, user, request, response, wait_s, name="exchange"):
        """ExchangeResult for one HttpRequest/HttpResponse pair sent by `user`'s edge."""
        e = self.edge(user)
        self._current = ExchangeResult()
        before = self._retransmissions()
        msg, mx = encode_request(request, e.session)
        self._exchange = x = {"name": name, "request": request, "response": response,
                              "wait": wait_s, "matrix_exchange": mx, "done": False,
                              "retried": False}
        x["handle"] = e.coap.send_request(msg, e.peer, self.now)
        self._pump()
        steps = 0
        while not x["done"] or self._scheduled or self._inflight:
            steps += 1
            t = self._timers()
            if t is None or steps > MAX_STEPS:
                raise BenchError(name + ": the exchange did not complete")
            self.now = max(self.now, t)
            due = [s for s in self._scheduled if s[0] <= self.now]
            self._scheduled = [s for s in self._scheduled if s[0] > self.now]
            for _, handle, rmsg in due:
                self.host_coap.respond(handle, rmsg, self.now)
            for ep in [self.host_coap, self.host_secure]:
                ep.handle_timer(self.now)
            for ed in self.edges.values():
                ed.coap.handle_timer(self.now)
                ed.secure.handle_timer(self.now)
            self._pump()
        self._pump()
        self.now += 1.0  # think time before the next exchange
        result, self._current = self._current, None
        result.retransmissions = self._retransmissions() - before
        return result


def run_exchange(sim, ex):
    """ExchangeResult for a har.Exchange."""
    req = HttpRequest(ex.method, ex.path, ex.query, ex.req_headers, ex.req_body)
    resp = HttpResponse(ex.status, ex.resp_headers, ex.resp_body)
    wait = (ex.wait_ms or 0.0) / 1000.0
    return sim.run(ex.user or "client", req, resp, wait, ex.name)
