"""The host: UDP -> secure session -> CoAP -> matrix -> HTTP request, and the answer back.

    host = HostForwarder(key, [trained, maps.builtin()])
    ... receive_datagram / datagrams_to_send / get_timer / handle_timer ...
    next_event(): HttpRequestReady(handle, http_request, peer_id) -> respond(handle, resp, now)

Rules (docs/forward.md, docs/protocol.md (Part 4)):
- The map agreement answer rides in the handshake reply (SecureEndpoint hello); each secure
  session gets its own matrix Session with the picked set (first_maps: the offer's first set,
  for first-flight requests).
- A request that does not decode is answered with error_response (Mx-Error) and nothing is
  forwarded; the edge resends after Mx-Error 2 and 4. CoAP de-duplication (keyed by the peer's
  static key) keeps every request forwarded at most once, across handshakes too.
"""

from mxcoap.coap import CoapError, RequestReceived
from mxcoap.mapagree import MapAgreement
from mxcoap.matrix import MatrixError, Session, decode_request, error_response
from mxcoap.matrix import encode_response as _encode_response
from mxcoap.session import MessageReceived, SessionClosed, SessionEstablished

from .events import HttpRequestReady, LogEvent
from .stack import Forwarder, Stack


class HostRequest:
    """The handle of HttpRequestReady: what respond() needs to encode the answer."""

    def __init__(self, coap, session, request, peer_id):
        self.coap = coap  # CoAP ServerExchange
        self.session = session  # the matrix Session the request was decoded with
        self.request = request  # the decoded HttpRequest (its answer may join the history)
        self.route = request.route
        self.peer_id = peer_id


class HostForwarder(Forwarder):
    """Sans-IO host proxy for many edges. See the module docstring."""

    def __init__(self, static_private, maps, rand=None, coap_params=None, session_params=None,
                 known_peers=None):
        self.agree = MapAgreement(maps)
        super().__init__(Stack(static_private, rand, coap_params, session_params, known_peers,
                               None, self._hello, self._on_session, self._on_coap))
        # Test and benchmark hooks: the matrix functions this forwarder calls.
        self.decode_request = decode_request
        self.encode_response = _encode_response
        self.sessions = {}  # peer id (the edge's static key) -> matrix Session

    def _hello(self, offered):
        return self.agree.answer(offered)[0]

    # -- public API ------------------------------------------------------------------------------

    def respond(self, handle, http_response, now):
        """Send the HttpResponse for HttpRequestReady's handle. CoapUsageError when the
        exchange is no longer waiting (answered, or expired)."""
        msg = self.encode_response(http_response, handle.session, handle.route,
                                   request=handle.request)
        self.coap.respond(handle.coap, msg, now)
        self.stack.pump(now)

    # -- events from the layers ------------------------------------------------------------------

    def _on_session(self, ev, now):
        if isinstance(ev, SessionEstablished):
            _, map_set, reason = self.agree.answer(ev.hello)
            session = Session(map_set)
            session.first_maps = self.agree.held(ev.hello)
            self.sessions[ev.peer_id] = session
            self._events.append(LogEvent("maps", reason, ev.peer_id))
        elif isinstance(ev, MessageReceived):
            self.coap.mark_verified(ev.peer_id)  # the secure session vouches for the peer
        elif isinstance(ev, SessionClosed):
            # Its requests keep their Session (HostRequest); a new session brings a new one.
            self.sessions.pop(ev.peer_id, None)
            self._events.append(LogEvent("closed", "session closed: " + ev.reason, ev.peer_id))

    def _on_coap(self, ev, now):
        if not isinstance(ev, RequestReceived):
            return
        session = self.sessions.get(ev.addr)
        try:
            if session is None:
                raise MatrixError("no matrix session for this peer", 500)
            req = self.decode_request(ev.request, session)
        except MatrixError as e:
            # Nothing is forwarded; the edge reads the reason in Mx-Error.
            self._events.append(LogEvent("refused", e.message, ev.addr, e))
            try:
                self.coap.respond(ev.handle, error_response(e), now)
            except CoapError:
                pass
            return
        handle = HostRequest(ev.handle, session, req, ev.addr)
        self._events.append(HttpRequestReady(handle, req, ev.addr))
