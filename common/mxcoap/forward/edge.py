"""The edge: HTTP request -> matrix -> CoAP -> secure session -> UDP, and the answer back.

    edge = EdgeForwarder(key, host_addr, [trained, maps.builtin()], remote_static=host_key)
    handle = edge.submit(http_request, now)
    ... datagrams_to_send / receive_datagram / get_timer / handle_timer ...
    next_event(): HttpResponseReady(handle, http_response) or HttpRequestFailed(handle, error)

Rules (docs/forward.md, docs/protocol.md (Part 4) "First flight"):
- Requests encoded before the host's map reply use the set the offer names first and carry
  Mx-Maps; SessionEstablished switches the matrix Session to the agreed set.
- MapRetry (host lacks that set) and PeerLostState (host lost session state) mean the host
  forwarded nothing: the same HTTP request is encoded again and sent once more, once.
- A CoAP message that rides in IK1 tells the CoAP endpoint of the handshake bytes around it
  (Endpoint.add_overhead), so its RTO allows for them at the link rate.
"""

from mxcoap.coap import CoapError, RequestFailed, RequestTimeout, ResponseReceived
from mxcoap.mapagree import MapAgreement
from mxcoap.matrix import MapRetry, MatrixError, PeerLostState, Session, decode_response
from mxcoap.matrix import encode_request as _encode_request
from mxcoap.session import PeerRejected, SessionClosed, SessionError, SessionEstablished
from mxcoap.session.handshake import IK1_OVERHEAD, IK2_OVERHEAD, XX2_OVERHEAD, XX3_OVERHEAD
from mxcoap.session.header import IK1, TAG_LEN, XX1, kind

from .errors import ForwardError
from .events import HttpRequestFailed, HttpResponseReady, LogEvent
from .stack import Forwarder, Stack

# IK1 around its CoAP message: byte 0, Noise overhead, rid(2) fresh(8) hlen(1), then the offer
# (docs/protocol.md (Part 1), "Handshake payloads").
IK1_FIXED = 1 + IK1_OVERHEAD + 11
# IK2 around the answer, less the transport framing the answer would have had anyway: byte 0
# and session id (3), Noise overhead, rid(2) hlen(1), a 1-byte map reply (the steady state).
IK2_EXTRA = 3 + IK2_OVERHEAD + 3 + 1 - (1 + TAG_LEN)
# XX first contact: XX1 goes out now, the message itself later in XX3 (byte 0, session id,
# Noise overhead, fresh(8)) instead of a transport datagram; XX2 (byte 0, session id, Noise
# overhead, rid(2) hlen(1), a 1-byte reply) comes back before its answer.
XX3_EXTRA = 1 + 2 + XX3_OVERHEAD + 8 - (1 + TAG_LEN)
XX2_LEN = 1 + 2 + XX2_OVERHEAD + 3 + 1
MAX_SENDS = 2  # the request and at most one retry (MapRetry or PeerLostState)


class EdgeRequest:
    """The handle submit() returns: one HTTP request until its answer or failure."""

    def __init__(self, http_request):
        self.http_request = http_request
        self.sends = 0
        self.session = None  # the matrix Session it was encoded with
        self.exchange = None  # matrix Exchange of the last encoding
        self.coap = None  # CoAP ClientRequest of the last send

    def __repr__(self):
        return "<EdgeRequest " + repr(self.http_request) + " sends=" + str(self.sends) + ">"


class EdgeForwarder(Forwarder):
    """Sans-IO edge proxy towards one host. See the module docstring."""

    def __init__(self, static_private, host_addr, maps, rand=None, coap_params=None,
                 session_params=None, known_peers=None, pinned=None, remote_static=None):
        self.host_addr = host_addr
        self.agree = MapAgreement(maps)
        self.remote_static = remote_static if remote_static is not None else pinned
        super().__init__(Stack(static_private, rand, coap_params, session_params, known_peers,
                               pinned, b"", self._on_session, self._on_coap, self._on_down))
        # Test and benchmark hooks: the matrix functions this forwarder calls.
        self.encode_request = _encode_request
        self.decode_response = decode_response
        self.peer = None  # the host's peer id, once connected
        self.session = None  # matrix Session of the current secure session
        self.last = None  # the map set id the host picked last (known peers note)
        self.offer = b""  # the hello of the current handshake
        self.map_set = None  # the agreed set, once the host replied
        self.reason = None  # the agreement's reason, for the log
        self._pending = {}  # CoAP handle -> EdgeRequest

    # -- public API ------------------------------------------------------------------------------

    def submit(self, http_request, now):
        """Start forwarding an HttpRequest; returns its handle."""
        req = EdgeRequest(http_request)
        if self.peer is None:
            self._connect(now)
        self._send(req, now)
        self.stack.pump(now)
        return req

    def cancel(self, handle, now):
        """The client went away: no event follows for `handle`."""
        if handle.coap is not None and self._pending.pop(handle.coap, None) is not None:
            self.coap.cancel(handle.coap, now)

    # -- sending ---------------------------------------------------------------------------------

    def _connect(self, now):
        """The host's peer id and our offer. The offer stays the same for every session of
        this forwarder: the session layer may start a handshake on its own (after a RESET)
        with the hello it holds, and accept() must read the reply against that offer."""
        key = self.remote_static
        if key is not None:
            self.last = self.secure.known_peers.note(key)
        self.offer = self.agree.offer(self.last)
        self.peer = self.secure.connect(self.host_addr, now, remote_static=key, hello=self.offer)
        self.coap.mark_verified(self.peer)  # an address we chose, and the session vouches
        self._new_session()

    def _new_session(self):
        """A new matrix Session for the next secure session: first flight until the reply."""
        self.session = Session(self.agree.early(self.last))
        self.session.first_flight = True
        self.map_set = None

    def _send(self, req, now):
        req.sends += 1
        req.session = self.session
        try:
            msg, req.exchange = self.encode_request(req.http_request, self.session)
            req.coap = self.coap.send_request(msg, self.peer, now)
        except (MatrixError, CoapError) as e:
            self._fail(req, ForwardError("cannot encode the request: " + e.message, 500, e))
            return
        self._pending[req.coap] = req

    def _on_down(self, peer, data, sent, now):
        # A CoAP message that rides in IK1 (docs/protocol.md (Part 1)): the handshake bytes go out
        # with it, and come back around its answer in IK2; its RTO must allow for both.
        # With XX the handshake starts (XX1) when the message is sent and carries it in XX3.
        for d, _ in sent:
            t = kind(d)
            if t == IK1 and len(d) >= IK1_FIXED + len(self.offer) + len(data):
                self.coap.add_overhead(peer, data, len(d) - len(data), IK2_EXTRA)
            elif t == XX1:
                self.coap.add_overhead(peer, data, len(d) + XX3_EXTRA, XX2_LEN)

    def _fail(self, req, error):
        self._events.append(HttpRequestFailed(req, error))

    # -- events from the layers ------------------------------------------------------------------

    def _on_session(self, ev, now):
        if isinstance(ev, SessionEstablished):
            self._established(ev, now)
        elif isinstance(ev, SessionClosed):
            self._events.append(LogEvent("closed", "session with the host closed: " + ev.reason,
                                         ev.peer_id))
            self._new_session()  # the next secure session starts with new tables on both sides
        elif isinstance(ev, PeerRejected):
            self._events.append(LogEvent("rejected", ev.reason, ev.peer_id))
            self._fail_all(ForwardError("host key refused: " + ev.reason, 502, ev.error), now)

    def _established(self, ev, now):
        if not self.session.first_flight:
            self._new_session()  # a new secure session under us: new tables on both sides
        try:
            map_set, reason = self.agree.accept(ev.hello, self.last)
        except MatrixError as e:
            # The reply names no set of our offer: the peers cannot read each other.
            self._events.append(LogEvent("maps", e.message, ev.peer_id, e))
            self.secure.close(ev.peer_id, now)
            self._new_session()
            self._fail_all(ForwardError("map agreement failed: " + e.message, 502, e), now)
            return
        self.map_set, self.reason = map_set, reason
        self.session.maps = map_set
        self.session.first_flight = False
        if ev.static_key is not None:
            try:
                self.secure.known_peers.set_note(ev.static_key, map_set.id)
            except SessionError:
                pass  # the note is an optimisation; an unknown key just leads with our order
        self._events.append(LogEvent("maps", reason, ev.peer_id))

    def _fail_all(self, error, now):
        pending = list(self._pending.values())
        self._pending = {}
        for req in pending:
            self.coap.cancel(req.coap, now)
            self._fail(req, error)

    def _on_coap(self, ev, now):
        req = self._pending.pop(ev.handle, None)
        if req is None:
            return
        if isinstance(ev, RequestFailed):
            status = 504 if isinstance(ev.error, RequestTimeout) else 502
            self._fail(req, ForwardError("CoAP request failed: " + repr(ev.error), status,
                                         ev.error))
            return
        if not isinstance(ev, ResponseReceived):
            self._pending[ev.handle] = req  # not an answer (e.g. a Pong): keep waiting
            return
        try:
            resp = self.decode_response(ev.response, req.session, req.exchange)
        except (MapRetry, PeerLostState) as e:
            # The host forwarded nothing: encode the same request again (with the agreed set,
            # or defining every value again) and send it once more.
            what = "map-retry" if isinstance(e, MapRetry) else "state-retry"
            self._events.append(LogEvent(what, e.message, self.peer, e))
            if req.sends >= MAX_SENDS:
                self._fail(req, ForwardError("sent twice without an answer: " + e.message,
                                             502, e))
                return
            self._send(req, now)
            return
        except MatrixError as e:
            self._fail(req, ForwardError("cannot decode the answer: " + e.message, 502, e))
            return
        self._events.append(HttpResponseReady(req, resp))

