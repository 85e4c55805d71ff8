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
from mxcoap.coap import TransmissionParams
from mxcoap.forward import (
    EdgeForwarder,
    HostForwarder,
    HttpRequestFailed,
    HttpRequestReady,
    HttpResponseReady,
    LogEvent,
)
from mxcoap.matrix import HttpRequest, HttpResponse, MatrixError
from mxcoap.matrix import decode_request as _decode_request
from mxcoap.matrix import decode_response as _decode_response
from mxcoap.noise import public_key
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
    """One user's edge: an EdgeForwarder (mxcoap.forward) at its own address."""

    def __init__(self, sim, name, index):
        self.name = name
        self.addr = ("198.51.100." + str(index + 1), 40000 + index)
        self.fwd = EdgeForwarder(sim.key(), HOST_ADDR, sim.edge_sets, rand=sim.rand,
                                 coap_params=sim.params, remote_static=sim.host_public)
        # The round trip check's hook (a test swaps in a broken decoder).
        self.fwd.decode_response = lambda msg, s, x: decode_response(msg, s, x)
        self.coap = self.fwd.coap
        self.secure = self.fwd.secure


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
        self.now = 0.0
        host_key = self.key()
        self.host_public = public_key(host_key)
        self.host = HostForwarder(host_key, host_sets or [self.map_set], rand=self.rand,
                                  coap_params=self.params)
        self.host.decode_request = lambda msg, s: decode_request(msg, s)  # the test hook
        self.host_agree = self.host.agree
        self.host_coap = self.host.coap
        self.host_secure = self.host.secure
        self.host_reasons = []
        self.edges = {}
        self._by_addr = {}
        self._scheduled = []  # (time to answer, host handle, HttpResponse)
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
        # Handshake datagrams, laid out as docs/protocol.md (Part 1) and session/initiator.py,
        # responder.py build them; what is left of each is the CoAP message it carries. The
        # empty transport datagram that proves the edge's address after IK2 counts too.
        kind = data[0] & 0xF0 if data[0] & 0x80 else 0
        if kind == 0x90:  # IK1: header, [cookie], Noise overhead, rid, fresh, hello (offer)
            fixed = 1 + (8 if data[0] & 1 else 0) + IK1_OVERHEAD + 2 + 8 + 1 + len(edge.fwd.offer)
            r.handshake += IP_UDP + fixed
        elif kind == 0xA0:  # IK2: header and session id, Noise overhead, rid, hello (reply)
            reply_len = len(self.host_agree.answer(edge.fwd.offer)[0])
            r.handshake += IP_UDP + 3 + IK2_OVERHEAD + 2 + 1 + reply_len
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
        while self._inflight and self._inflight[0][0] <= self.now:
            _, _, up, data, edge = heapq.heappop(self._inflight)
            if up:
                self.host.receive_datagram(data, edge.addr, self.now)
            else:
                edge.fwd.receive_datagram(data, HOST_ADDR, self.now)

    def _pump(self):
        moved = True
        while moved:
            moved = False
            self._deliver()
            for e in self.edges.values():
                for data, _addr in e.fwd.datagrams_to_send(self.now):
                    self._send(data, True, e)
                    moved = True
                for ev in _events(e.fwd):
                    self._on_edge_event(e, ev)
            for ev in _events(self.host):
                self._on_host_event(ev)
            for data, addr in self.host.datagrams_to_send(self.now):
                e = self._by_addr.get(addr)
                if e is not None:
                    self._send(data, False, e)
                    moved = True
            if self._inflight and self._inflight[0][0] <= self.now:
                moved = True

    # -- the two ends ----------------------------------------------------------------------------

    def _on_host_event(self, ev):
        if isinstance(ev, LogEvent):
            if ev.kind == "maps":
                self.host_reasons.append(ev.reason)
            return
        if not isinstance(ev, HttpRequestReady):
            return
        x = self._exchange
        diffs = compare_request(ev.http_request, x["request"])
        if diffs:
            raise RoundTripError(x["name"] + ": request differs after the round trip: "
                                 + "; ".join(diffs))
        self._scheduled.append((self.now + x["wait"], ev.handle, x["response"]))

    def _on_edge_event(self, e, ev):
        x = self._exchange
        if isinstance(ev, LogEvent):
            if ev.kind == "map-retry" and self._current is not None:
                self._current.map_retries += 1
            return
        if ev.handle is not x.get("handle"):
            return
        if isinstance(ev, HttpRequestFailed):
            if isinstance(ev.error.cause, MatrixError):
                raise ev.error.cause
            raise BenchError(x["name"] + ": request failed: " + ev.error.message)
        if isinstance(ev, HttpResponseReady):
            diffs = compare_response(ev.http_response, x["response"])
            if diffs:
                raise RoundTripError(x["name"] + ": response differs after the round trip: "
                                     + "; ".join(diffs))
            x["done"] = True

    def _timers(self):
        ts = [t for t, _, _ in self._scheduled]
        if self._inflight:
            ts.append(self._inflight[0][0])
        ts.append(self.host.get_timer())
        for e in self.edges.values():
            ts.append(e.fwd.get_timer())
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
        self._exchange = x = {"name": name, "request": request, "response": response,
                              "wait": wait_s, "done": False}
        x["handle"] = e.fwd.submit(request, self.now)
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
            for _, handle, resp in due:
                self.host.respond(handle, resp, self.now)
            self.host.handle_timer(self.now)
            for ed in self.edges.values():
                ed.fwd.handle_timer(self.now)
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
