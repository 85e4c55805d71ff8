"""One CoAP Endpoint over one SecureEndpoint, wired as common/mxcoap/session/API.md says.

Both forwarders hold a Stack; it moves CoAP datagrams down, MessageReceived up, and hands every
other event of either layer to the forwarder's `on_session` / `on_coap`. UDP datagrams wait in
`out` until the driver asks for them."""

from mxcoap.coap import Endpoint
from mxcoap.matrix import MATRIX_OPTIONS
from mxcoap.session import MessageReceived, SecureEndpoint, SessionError


class Stack:
    def __init__(self, static_private, rand, coap_params, session_params, known_peers, pinned,
                 hello, on_session, on_coap, on_down=None):
        self.secure = SecureEndpoint(static_private, rand=rand, params=session_params,
                                     known_peers=known_peers, pinned=pinned, hello=hello)
        self.coap = Endpoint(coap_params, rand=rand)
        self.coap.known_options.update(MATRIX_OPTIONS)  # RFC 7252 §5.4.1: not 4.02
        self.on_session = on_session  # (event, now)
        self.on_coap = on_coap  # (event, now)
        self.on_down = on_down  # (peer_id, coap bytes, udp datagrams, now) after each send
        self.out = []  # (udp bytes, addr)
        self.dropped = 0  # CoAP datagrams the session layer refused to send

    def pump(self, now):
        """Move everything between the layers until both are quiet."""
        busy = True
        while busy:
            busy = False
            for data, peer in self.coap.datagrams_to_send(now):
                busy = True
                try:
                    self.secure.send(peer, data, now)
                except SessionError:
                    # Unknown peer or too large for a datagram: dropped here, so the CoAP
                    # exchange times out and the edge answers 504 (never a crash).
                    self.dropped += 1
                    continue
                sent = self.secure.datagrams_to_send(now)
                if self.on_down is not None:
                    self.on_down(peer, data, sent, now)
                self.out.extend(sent)
            ev = self.secure.next_event()
            while ev is not None:
                busy = True
                if isinstance(ev, MessageReceived):
                    self.on_session(ev, now)
                    self.coap.receive_datagram(ev.data, ev.peer_id, now)
                else:
                    self.on_session(ev, now)
                ev = self.secure.next_event()
            ev = self.coap.next_event()
            while ev is not None:
                busy = True
                self.on_coap(ev, now)
                ev = self.coap.next_event()
        self.out.extend(self.secure.datagrams_to_send(now))

    def receive_datagram(self, data, addr, now):
        self.secure.receive_datagram(data, addr, now)
        self.pump(now)

    def datagrams_to_send(self, now):
        self.pump(now)
        out = self.out
        self.out = []
        return out

    def get_timer(self):
        t = self.secure.get_timer()
        c = self.coap.get_timer()
        if c is not None and (t is None or c < t):
            t = c
        return t

    def handle_timer(self, now):
        self.coap.handle_timer(now)  # both are safe to call at any time
        self.secure.handle_timer(now)
        self.pump(now)


class Forwarder:
    """What both forwarders share: the driver's datagram, timer and event calls on a Stack."""

    def __init__(self, stack):
        self.stack = stack
        self.secure = stack.secure
        self.coap = stack.coap
        self._events = []

    def receive_datagram(self, data, addr, now):
        self.stack.receive_datagram(data, addr, now)

    def datagrams_to_send(self, now):
        return self.stack.datagrams_to_send(now)

    def get_timer(self):
        return self.stack.get_timer()

    def handle_timer(self, now):
        self.stack.handle_timer(now)

    def next_event(self):
        if self._events:
            return self._events.pop(0)
        return None
