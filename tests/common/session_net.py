"""An in-memory network of CoAP + secure-session stacks with a fake clock, for the session tests.

Each node is a SecureEndpoint under an optional CoAP Endpoint, wired as a driver would wire them:
CoAP datagrams go to `secure.send(peer_id, ...)`, `MessageReceived` goes to
`coap.receive_datagram(data, peer_id, now)`. Loss, duplication and reordering come from a seeded
xorshift (coap_net.XorShift), identical on both interpreters.
"""

from coap_net import XorShift
from mxcoap.coap import CONTENT, Endpoint, Message, RequestReceived
from mxcoap.session import MessageReceived, SecureEndpoint, SessionEstablished


def key_from(seed):
    return XorShift(seed).bytes(32)


class Node:
    def __init__(self, net, addr, static, coap=True, handler=None, seed=1, **kw):
        self.net = net
        self.addr = addr
        self.static = static
        self.seed = seed
        self.kw = kw
        self.handler = handler
        self.use_coap = coap
        self.events = []  # session events
        self.app_events = []  # CoAP events
        self.executed = []  # (peer_id, payload) of requests the handler ran
        self.start()

    def start(self, known_peers=None):
        # A restart draws new random bytes (CoAP message ids and tokens, session ids).
        self.seed += 1000
        rng = XorShift(self.seed)
        kw = dict(self.kw)
        coap_params = kw.pop("coap_params", None)
        if known_peers is not None:
            kw["known_peers"] = known_peers
        self.secure = SecureEndpoint(self.static, rand=rng.bytes, **kw)
        self.coap = None
        if self.use_coap:
            self.coap = Endpoint(coap_params, rand=XorShift(self.seed + 1).bytes)

    def timer(self):
        t = self.secure.get_timer()
        if self.coap is not None:
            c = self.coap.get_timer()
            if c is not None and (t is None or c < t):
                t = c
        return t

    def handle_timer(self, now):
        if self.coap is not None:
            t = self.coap.get_timer()
            if t is not None and t <= now:
                self.coap.handle_timer(now)
        t = self.secure.get_timer()
        if t is not None and t <= now:
            self.secure.handle_timer(now)

    def pump(self, now):
        """Move everything between the layers; returns the UDP datagrams to send."""
        out = []
        busy = True
        while busy:
            busy = False
            if self.coap is not None:
                for data, peer_id in self.coap.datagrams_to_send(now):
                    self.secure.send(peer_id, data, now)
                    busy = True
            ev = self.secure.next_event()
            while ev is not None:
                busy = True
                self.events.append(ev)
                if self.coap is not None:
                    if isinstance(ev, MessageReceived):
                        self.coap.receive_datagram(ev.data, ev.peer_id, now)
                    elif isinstance(ev, SessionEstablished):
                        self.coap.mark_verified(ev.peer_id)
                ev = self.secure.next_event()
            if self.coap is not None:
                ev = self.coap.next_event()
                while ev is not None:
                    busy = True
                    self.app_events.append(ev)
                    if isinstance(ev, RequestReceived):
                        self.executed.append((ev.addr, ev.request.payload))
                        if self.handler is not None:
                            self.handler(self, ev, now)
                    ev = self.coap.next_event()
            for d in self.secure.datagrams_to_send(now):
                out.append(d)
        return out


def echo_handler(node, ev, now):
    node.coap.respond(ev.handle, Message(code=CONTENT, payload=b"re:" + ev.request.payload), now)


class SecureNet:
    """Nodes by address; `loss`, `dup` (probabilities), `reorder` (extra random delay, s)."""

    def __init__(self, seed=1, delay=0.05, loss=0.0, dup=0.0, reorder=0.0):
        self.rng = XorShift(seed)
        self.now = 0.0
        self.delay = delay
        self.loss = loss
        self.dup = dup
        self.reorder = reorder
        self.nodes = {}  # address -> Node (a node may answer on several addresses)
        self.in_flight = []
        self.seq = 0
        self.log = []  # (time, src, dst, data, delivered)
        self.drop = None  # predicate(src, dst, data) -> True to drop
        self.tamper = None  # function(src, dst, data) -> data

    def add(self, addr, static, **kw):
        node = Node(self, addr, static, **kw)
        self.nodes[addr] = node
        return node

    def move(self, node, new_addr):
        """The node's datagrams now leave from new_addr (a NAT rebinding or a port change)."""
        self.nodes[new_addr] = node
        node.addr = new_addr

    def inject(self, data, src, dst, when=None):
        self.seq += 1
        self.in_flight.append([self.now if when is None else when, self.seq, data, src, dst])

    def _flush(self):
        busy = True
        while busy:
            busy = False
            for node in self._unique_nodes():
                for data, dst in node.pump(self.now):
                    busy = True
                    src = node.addr
                    dropped = self.rng.random() < self.loss
                    if self.drop is not None and self.drop(src, dst, data):
                        dropped = True
                    self.log.append((self.now, src, dst, data, not dropped))
                    if dropped:
                        continue
                    if self.tamper is not None:
                        data = self.tamper(src, dst, data)
                    copies = 2 if self.rng.random() < self.dup else 1
                    for _ in range(copies):
                        t = self.now + self.delay
                        if self.reorder:
                            t += self.rng.random() * self.reorder
                        self.seq += 1
                        self.in_flight.append([t, self.seq, data, src, dst])

    def _unique_nodes(self):
        seen = []
        for n in self.nodes.values():
            if n not in seen:
                seen.append(n)
        return seen

    def next_time(self):
        best = None
        for p in self.in_flight:
            if best is None or p[0] < best:
                best = p[0]
        for node in self._unique_nodes():
            t = node.timer()
            if t is not None and (best is None or t < best):
                best = t
        return best

    def run(self, until=None, stop=None, max_steps=100000):
        """Deliver and fire timers until idle, `until` (time), or stop() is true."""
        self._flush()
        for _ in range(max_steps):
            self.check_no_internal_errors()
            if stop is not None and stop():
                return True
            t = self.next_time()
            if t is None or (until is not None and t > until):
                if until is not None:
                    self.now = max(self.now, until)
                return False
            if t > self.now:
                self.now = t
            due = [p for p in self.in_flight if p[0] <= self.now]
            due.sort()
            for p in due:
                self.in_flight.remove(p)
                node = self.nodes.get(p[4])
                if node is not None:
                    node.secure.receive_datagram(p[2], p[3], self.now)
            for node in self._unique_nodes():
                node.handle_timer(self.now)
            self._flush()
        raise AssertionError("network did not settle")

    def check_no_internal_errors(self):
        """A CoAP endpoint counts a bug instead of raising it; a test fails on it."""
        for node in self._unique_nodes():
            if node.coap is not None and node.coap.stats["internal_errors"]:
                raise AssertionError("internal error at " + str(node.addr) + ": "
                                     + repr(node.coap.last_error))

    def sent(self, src=None, dst=None):
        return [
            e for e in self.log if (src is None or e[1] == src) and (dst is None or e[2] == dst)
        ]
