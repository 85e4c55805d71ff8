"""An in-memory link between sans-IO forwarders (mxcoap.forward) with a fake clock: seeded loss,
duplication and jitter (coap_net.XorShift, identical on both interpreters), optionally
serialised at a bit rate. Used by test_forward and tests/host/test_map_mismatch.py."""

from coap_net import XorShift


class Link:
    """Forwarders by address, a fake clock, seeded loss and duplication (xorshift)."""

    def __init__(self, seed=7, delay=0.05, loss=0.0, dup=0.0, bps=None):
        self.rng = XorShift(seed)
        self.bps = bps  # serialise each direction at this rate (28 B of IPv4+UDP each)
        self.free = {}  # source address -> when its direction of the link is free
        self.now = 0.0
        self.delay = delay
        self.loss = loss
        self.dup = dup
        self.nodes = {}
        self.flight = []  # [arrival, seq, data, src, dst]
        self.seq = 0
        self.datagrams = 0
        self.on_events = {}  # address -> function(event): that forwarder's events, as they come
        self.sent = []  # (time, src, dst, data) of every datagram put on the link

    def add(self, addr, fwd):
        self.nodes[addr] = fwd
        return fwd

    def _flush(self):
        busy = True
        while busy:
            busy = False
            for addr in self.nodes:
                fwd = self.nodes[addr]
                handler = self.on_events.get(addr)
                if handler is not None:
                    ev = fwd.next_event()
                    while ev is not None:
                        handler(ev)
                        ev = fwd.next_event()
                for data, dst in fwd.datagrams_to_send(self.now):
                    busy = True
                    self.datagrams += 1
                    self.sent.append((self.now, addr, dst, data))
                    if self.rng.random() < self.loss:
                        continue
                    start = self.now
                    if self.bps:
                        start = max(start, self.free.get(addr, 0.0)) \
                            + (len(data) + 28) * 8.0 / self.bps
                        self.free[addr] = start
                    for _ in range(2 if self.rng.random() < self.dup else 1):
                        self.seq += 1
                        t = start + self.delay + self.rng.random() * self.delay
                        self.flight.append([t, self.seq, data, addr, dst])

    def run(self, stop, limit=900.0):
        """Deliver datagrams and fire timers until stop() or `limit` seconds of fake time."""
        self._flush()
        while not stop():
            for addr in self.nodes:
                coap = self.nodes[addr].coap
                if coap.stats["internal_errors"]:  # a bug the endpoint kept instead of raising
                    raise AssertionError("internal error at " + str(addr) + ": "
                                         + repr(coap.last_error))
            t = None
            for p in self.flight:
                if t is None or p[0] < t:
                    t = p[0]
            for fwd in self.nodes.values():
                w = fwd.get_timer()
                if w is not None and (t is None or w < t):
                    t = w
            if t is None or t > limit:
                return False
            self.now = max(self.now, t)
            due = [p for p in self.flight if p[0] <= self.now]
            due.sort()
            for p in due:
                self.flight.remove(p)
                self.nodes[p[4]].receive_datagram(p[2], p[3], self.now)
            for fwd in self.nodes.values():
                w = fwd.get_timer()
                if w is not None and w <= self.now:
                    fwd.handle_timer(self.now)
            self._flush()
        return True
