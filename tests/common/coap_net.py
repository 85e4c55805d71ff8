"""An in-memory network of CoAP endpoints with a fake clock, for the portable tests.

Loss and reordering come from a seeded xorshift generator (MicroPython has no seeded
random.Random with the same sequence), so every run on either interpreter sees the same packets.
"""

from mxcoap.coap import Endpoint, RequestReceived


class XorShift:
    """xorshift32 (Marsaglia 2003): deterministic, tiny, identical on both interpreters."""

    def __init__(self, seed):
        self.state = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def random(self):
        return self.next() / 4294967296.0

    def bytes(self, n):
        return bytes(self.next() & 0xFF for _ in range(n))


class Net:
    """Endpoints by address; `delay` one way; `loss` drop probability; `reorder` extra random
    delay up to that many seconds (so later packets overtake earlier ones)."""

    def __init__(self, seed=1, delay=0.05, loss=0.0, reorder=0.0, bps=None, duplicate=0.0):
        self.duplicate = duplicate  # probability that a delivered datagram arrives twice
        self.bps = bps  # when set, each direction is a link of that rate (28 B IPv4+UDP each)
        self.busy = {}  # (src, dst) -> time the link is free again
        self.rng = XorShift(seed)
        self.now = 0.0
        self.delay = delay
        self.loss = loss
        self.reorder = reorder
        self.endpoints = {}
        self.handlers = {}
        self.events = {}
        self.in_flight = []  # [time, seq, data, src, dst]
        self.seq = 0
        self.log = []  # (time, src, dst, data, delivered)
        self.drop = None  # optional predicate(src, dst, data, index) -> True to drop

    def add(self, addr, params=None, handler=None, seed=None):
        rng = XorShift(seed if seed is not None else (len(self.endpoints) + 1) * 7919)
        ep = Endpoint(params, rand=rng.bytes)
        self.endpoints[addr] = ep
        self.handlers[addr] = handler
        self.events[addr] = []
        return ep

    def _flush(self):
        busy = True
        while busy:
            busy = False
            for src in list(self.endpoints):
                ep = self.endpoints[src]
                for data, dst in ep.datagrams_to_send(self.now):
                    busy = True
                    index = len(self.log)
                    dropped = self.rng.random() < self.loss
                    if self.drop is not None and self.drop(src, dst, data, index):
                        dropped = True
                    self.log.append((self.now, src, dst, data, not dropped))
                    if dropped:
                        continue
                    t = self.now + self.delay
                    if self.bps:
                        start = self.busy.get((src, dst), self.now)
                        start = start if start > self.now else self.now
                        done = start + (len(data) + 28) * 8.0 / self.bps
                        self.busy[(src, dst)] = done
                        t = done + self.delay
                    if self.reorder:
                        t += self.rng.random() * self.reorder
                    self.seq += 1
                    self.in_flight.append([t, self.seq, data, src, dst])
                    if self.duplicate and self.rng.random() < self.duplicate:
                        self.seq += 1
                        self.in_flight.append([t + self.rng.random() * (self.reorder or 0.1),
                                               self.seq, data, src, dst])
                ev = ep.next_event()
                while ev is not None:
                    busy = True
                    handler = self.handlers[src]
                    if handler is not None and handler(ep, ev, self.now) is not False:
                        pass
                    self.events[src].append(ev)
                    ev = ep.next_event()

    def next_time(self):
        best = None
        for p in self.in_flight:
            if best is None or p[0] < best:
                best = p[0]
        for ep in self.endpoints.values():
            t = ep.get_timer()
            if t is not None and (best is None or t < best):
                best = t
        return best

    def run(self, until=1e9, max_steps=200000, stop=None):
        """Run until nothing is left to do, time `until`, or stop() returns True."""
        self._flush()
        steps = 0
        while steps < max_steps:
            steps += 1
            self.check_no_internal_errors()
            if stop is not None and stop():
                return
            t = self.next_time()
            if t is None or t > until:
                self.now = until if t is not None and until < 1e9 else self.now
                return
            if t > self.now:
                self.now = t
            due = [p for p in self.in_flight if p[0] <= self.now]
            if due:
                due.sort()
                for p in due:
                    self.in_flight.remove(p)
                    ep = self.endpoints.get(p[4])
                    if ep is not None:
                        ep.receive_datagram(p[2], p[3], self.now)
            for ep in self.endpoints.values():
                tt = ep.get_timer()
                if tt is not None and tt <= self.now:
                    ep.handle_timer(self.now)
            self._flush()
        raise AssertionError("network did not settle in " + str(max_steps) + " steps")

    def check_no_internal_errors(self):
        """The endpoint counts and keeps a bug instead of raising it (a proxy must stay up); a
        test fails on it."""
        for addr, ep in self.endpoints.items():
            if ep.stats["internal_errors"]:
                raise AssertionError("internal error at " + str(addr) + ": "
                                     + repr(ep.last_error))

    def sent(self, src=None, dst=None):
        return [e for e in self.log
                if (src is None or e[1] == src) and (dst is None or e[2] == dst)]


def echo_server(body_for=None, delay=None):
    """A handler answering every request with 2.05 and body_for(request) (default: its payload)
    at once, or `delay` seconds later through Net.later."""

    def handler(ep, ev, now):
        if isinstance(ev, RequestReceived):
            from mxcoap.coap import CONTENT, Message
            body = body_for(ev.request) if body_for is not None else ev.request.payload
            ep.respond(ev.handle, Message(code=CONTENT, payload=body), now)

    return handler


SEED_MESSAGES = [
    "40017d34bb74656d7065726174757265",  # RFC 7252 Figure 16 request
    "60457d34ff32322e332043",  # its piggybacked response
    "4101000120b174e0fe",  # token, Uri-Path, a large delta
    "42020002abcdb275701d0e0a3c0264ff78797a",  # POST with Block1 and Size1
    "5101000361b1727d1c0101ff",  # NON with Block2 and Request-Tag-ish options
    "40000005",  # ping
    "70000006",  # RST
]


def hostile_datagrams(seed, count):
    """Random, truncated, bit-flipped and spliced datagrams, plus edge sizes (0, 1, header
    only, 64 KB)."""
    rng = XorShift(seed)
    seeds = [bytes.fromhex(h) for h in SEED_MESSAGES]
    out = [b"", b"\x40", b"\x40\x01\x00\x01", b"\x40\x01\x00\x02" + b"\xff" * 65531,
           b"\x40\x01\x00\x03\xbe\xff\xff" + b"x" * 65000, b"\x4f\x01\x00\x04" + b"\x00" * 15]
    for _ in range(count):
        kind = rng.next() % 5
        base = seeds[rng.next() % len(seeds)]
        if kind == 0:
            data = rng.bytes(rng.next() % 40)
        elif kind == 1:
            data = base[:rng.next() % (len(base) + 1)]
        elif kind == 2:
            buf = bytearray(base)
            for _ in range(1 + rng.next() % 4):
                i = rng.next() % len(buf)
                buf[i] ^= 1 << (rng.next() % 8)
            data = bytes(buf)
        elif kind == 3:
            other = seeds[rng.next() % len(seeds)]
            data = base[:rng.next() % (len(base) + 1)] + other[rng.next() % len(other):]
        else:
            data = bytes((0x40 | (rng.next() & 0x3F), rng.next() & 0xFF)) + rng.bytes(
                2 + rng.next() % 30)
        out.append(data)
    return out
