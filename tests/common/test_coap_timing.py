"""No spurious retransmissions on a loss-free link, CoCoA intact under loss: the RTO floor
(TransmissionParams.min_rto, RFC 6298 §2.4) and the server's empty-ACK delay (empty_ack_delay,
RFC 7252 §5.2.2). In memory with the fake clock; each test prints the retransmissions of every
exchange (pytest -s shows them)."""

import unittest

from coap_net import Net
from mxcoap.coap import (
    ACK,
    CON,
    CONTENT,
    GET,
    Message,
    RequestFailed,
    RequestReceived,
    ResponseReceived,
    TransmissionParams,
)

C = ("10.0.0.1", 5683)
S = ("10.0.0.2", 5683)


def get(path):
    m = Message(CON, GET)
    m.set_uri_path(path)
    return m


class Delayed:
    """A server application that answers each request `delay_for(request)` seconds after it
    arrived, with `body_for(request)`; run() drives the network and the answers together."""

    def __init__(self, net, delay_for, body_for, params=None):
        self.net = net
        self.due = []  # [time, handle, body]
        self.delay_for = delay_for
        self.body_for = body_for
        self.requests = 0
        self.server = net.add(S, params, handler=self._on_event)
        self.server.mark_verified(C)

    def _on_event(self, ep, ev, now):
        if isinstance(ev, RequestReceived):
            self.requests += 1
            self.due.append([now + self.delay_for(ev.request), ev.handle,
                             self.body_for(ev.request)])

    def run(self, done, until=1e9):
        """Until done() and nothing is in flight (the next exchange starts at once, as on a
        busy session, so the RTO state is not aged), or time `until`."""
        net = self.net

        def finished():
            return done() and not net.in_flight

        while not finished() and net.now < until:
            t = min(d[0] for d in self.due) if self.due else until
            t = t if t < until else until
            net.run(until=t, stop=lambda t=t: finished() or (
                bool(self.due) and min(d[0] for d in self.due) < t))
            if net.now < t and not finished() and not self.due:
                return  # nothing left to happen
            for d in [d for d in self.due if d[0] <= net.now]:
                self.due.remove(d)
                self.server.respond(d[1], Message(code=CONTENT, payload=d[2]), net.now)


def exchange(net, app, path, label):
    """Send one GET, run to completion; (response or error event, client and server
    retransmissions during it). Prints the per-exchange figure."""
    client = net.endpoints[C]
    before = client.stats["retransmissions"] + app.server.stats["retransmissions"]
    h = client.send_request(get(path), S, net.now)
    app.run(lambda: any(e.handle is h for e in net.events[C]))
    evs = [e for e in net.events[C] if e.handle is h]
    n = client.stats["retransmissions"] + app.server.stats["retransmissions"] - before
    print("exchange", label, "retransmissions", n)
    return evs, n


def empty_acks(net, src, dst):
    out = []
    for e in net.sent(src, dst):
        m = Message.decode(e[3])
        if m.mtype == ACK and m.code == 0:
            out.append(e[0])
    return out


class TestLossFree(unittest.TestCase):
    def _slow_after_fast(self, params, server_params=None):
        net = Net(delay=0.05)
        net.add(C, params, seed=21)
        app = Delayed(net, lambda r: 0.3 if r.path == "/slow" else 0.0,
                      lambda r: b"answer", server_params or params)
        total = 0
        for i in range(20):
            evs, n = exchange(net, app, "/fast", "fast-" + str(i))
            total += n
        rto = net.endpoints[C].peer_rto(S, net.now)
        evs, n = exchange(net, app, "/slow", "slow-300ms")
        total += n
        return net, evs, total, rto

    def test_answer_after_300_ms_not_retransmitted(self):
        # 20 answers at once teach CoCoA an RTT of 0.1 s; then the server takes 300 ms.
        net, evs, total, rto = self._slow_after_fast(TransmissionParams())
        self.assertEqual(rto, 1.0)  # the floor, not the 0.1 s the estimator converged on
        self.assertEqual(total, 0)
        self.assertIsInstance(evs[0], ResponseReceived)
        self.assertEqual(len(evs), 1)
        last = Message.decode(net.sent(S, C)[-1][3])
        self.assertEqual((last.mtype, last.code), (ACK, CONTENT))  # still piggybacked

    def test_without_the_floor_it_was_retransmitted(self):
        # The fault this guards against: a client with CoCoA alone (no floor) retransmits the
        # slow request to the same server.
        net, evs, total, rto = self._slow_after_fast(TransmissionParams(min_rto=0.0),
                                                     TransmissionParams())
        self.assertLess(rto, 0.3)
        self.assertGreater(total, 0)

    def test_long_poll_one_empty_ack_no_retransmission(self):
        net = Net(delay=0.05)
        net.add(C, seed=22)
        app = Delayed(net, lambda r: 30.0 if r.path == "/sync" else 0.0, lambda r: b"s")
        for i in range(5):  # RTO down to the floor first, as on a busy session
            exchange(net, app, "/fast", "fast-" + str(i))
        acks_before = len(empty_acks(net, S, C))
        start = net.now
        evs, n = exchange(net, app, "/sync", "long-poll-30s")
        self.assertEqual(n, 0)
        self.assertEqual([e.response.payload for e in evs], [b"s"])
        acks = empty_acks(net, S, C)[acks_before:]
        self.assertEqual(len(acks), 1)  # exactly one empty ACK from the server
        # Half of the client's least RTO (1 s) less the round trip, after the request came.
        self.assertLess(acks[0] - start, 0.05 + 0.5)
        # The separate response is a CON that the client acknowledges once.
        back = [Message.decode(e[3]) for e in net.sent(S, C)][-2:]
        self.assertEqual([(m.mtype, m.code) for m in back], [(ACK, 0), (CON, CONTENT)])
        self.assertEqual(len(empty_acks(net, C, S)), 1)

    def test_long_poll_first_request_of_a_session(self):
        # Nothing measured yet: the empty ACK still comes well inside the blind 2 s RTO.
        net = Net(delay=0.05)
        net.add(C, seed=23)
        app = Delayed(net, lambda r: 30.0, lambda r: b"s")
        evs, n = exchange(net, app, "/sync", "long-poll-first")
        self.assertEqual(n, 0)
        self.assertEqual(len(empty_acks(net, S, C)), 1)

    def test_1_kb_answer_at_100_bits(self):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params, seed=24)
        data = bytes(range(256)) * 4
        app = Delayed(net, lambda r: 0.05, lambda r: data, params)
        for i in range(2):
            evs, n = exchange(net, app, "/big", "1KB-at-100bps-" + str(i))
            self.assertEqual(n, 0)
            self.assertEqual(evs[0].response.payload, data)
        self.assertEqual(app.requests, 2)  # the follow-up blocks came from the cache

    def test_slow_answer_at_100_bits(self):
        # At 100 bit/s the server waits longer (the client's RTO covers a full answer's time);
        # a 4 s application answer is still piggybacked and nothing is sent twice.
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params, seed=25)
        app = Delayed(net, lambda r: 4.0 if r.path == "/slow" else 0.0, lambda r: b"ok",
                      params)
        for path in ("/a", "/b", "/slow"):
            evs, n = exchange(net, app, path, path + "-at-100bps")
            self.assertEqual(n, 0)
        self.assertEqual(empty_acks(net, S, C), [])
        self.assertGreater(params.empty_ack_delay(0.6), 4.0)


class TestLongPollDoesNotBlock(unittest.TestCase):
    """RFC 7252 §4.7: after its empty ACK a long poll is no longer outstanding, so NSTART = 1
    lets the next request go at once."""

    def _run(self, sync_body, slow_at):
        net = Net(delay=0.05)
        client = net.add(C, seed=29)
        waits = {"/sync": 30.0, "/send": 0.0, "/slow": 0.4}
        app = Delayed(net, lambda r: waits[r.path], lambda r: sync_body if r.path == "/sync"
                      else r.path.encode())
        sync = client.send_request(get("/sync"), S, 0.0)
        app.run(lambda: False, until=1.0)
        send = client.send_request(get("/send"), S, net.now)
        app.run(lambda: any(e.handle is send for e in net.events[C]))
        got_send = net.now
        app.run(lambda: False, until=slow_at)
        slow = client.send_request(get("/slow"), S, net.now)
        app.run(lambda: (any(e.handle is sync for e in net.events[C])
                         and any(e.handle is slow for e in net.events[C])))
        done = {}
        for e in net.events[C]:
            done[id(e.handle)] = (net.now, e)
        return net, got_send, done[id(sync)][1], done[id(slow)][1]

    def test_send_during_long_poll_goes_at_once(self):
        net, got_send, sync, slow = self._run(b"s", 5.0)
        self.assertLess(got_send, 1.2)  # not after the 30 s poll
        self.assertEqual(sync.response.payload, b"s")
        self.assertEqual(slow.response.payload, b"/slow")
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)

    def test_blockwise_answer_waits_for_a_slot(self):
        # The long poll's 3 KB answer arrives while /slow holds the only slot: its Block2
        # follow-ups wait for that slot, then finish.
        body = bytes(range(256)) * 12
        net, _, sync, slow = self._run(body, 29.95)
        self.assertEqual(sync.response.payload, body)
        self.assertEqual(slow.response.payload, b"/slow")
        gets = [(t, Message.decode(d)) for t, src, dst, d, _ in net.sent(C, S)]
        slow_answer = [t for t, src, dst, d, _ in net.sent(S, C)
                       if Message.decode(d).payload == b"/slow"][0]
        follow_ups = [t for t, m in gets if m.opt(23) is not None]  # Block2 follow-ups
        self.assertEqual(len(follow_ups), 2)
        self.assertGreater(follow_ups[0], slow_answer)  # NSTART held while /slow was out


class TestLayerBelowOverhead(unittest.TestCase):
    """A handshake around the first request (the session layer's IK1/IK2) takes link time the
    CoAP endpoint cannot see; Endpoint.add_overhead tells it."""

    def _first_request(self, tell):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        client = net.add(C, params, seed=28)
        app = Delayed(net, lambda r: 0.0, lambda r: b"v" * 64, params)
        out, back = 150, 100  # handshake bytes around the request and around its answer
        first = []

        def hook(src, dst, data, index):
            if src == C and not first:
                first.append(data)
                # The layer below occupies each direction for its extra bytes.
                net.busy[(C, S)] = net.now + out * 8 / 100.0
                net.busy[(S, C)] = net.now + (out + len(data) + 28) * 8 / 100.0 + 0.3 + \
                    back * 8 / 100.0
                if tell:
                    client.add_overhead(S, data, out, back)
            return False

        net.drop = hook
        evs, n = exchange(net, app, "/versions", "first-with-handshake-" + str(tell))
        self.assertEqual(evs[0].response.payload, b"v" * 64)
        return n, client.peer_rto(S)

    def test_told_overhead_no_retransmission(self):
        n, rto = self._first_request(True)
        self.assertEqual(n, 0)
        self.assertLessEqual(rto, 2.0)  # the RTT sample has the handshake's time taken out

    def test_untold_overhead_is_retransmitted(self):
        n, rto = self._first_request(False)
        self.assertGreater(n, 0)

    def test_datagram_overhead_counts_in_serialisation(self):
        p = TransmissionParams(link_rate_bps=100, datagram_overhead=9)
        self.assertAlmostEqual(p.serialisation_time(10), (10 + 28 + 9) * 8 / 100.0)
        self.assertEqual(TransmissionParams(datagram_overhead=9).serialisation_time(10), 0.0)


class TestUnderLoss(unittest.TestCase):
    def test_everything_arrives_at_30_percent_loss(self):
        # 30 % loss each way: CoCoA still retransmits (the floor only bounds the RTO from
        # below). MAX_RETRANSMIT 10 as in the blockwise loss tests (RFC 7252 §4.8 lets a link
        # profile change it): with the default 4 an exchange fails 3.5 % of the time here.
        params = TransmissionParams(max_retransmit=10)
        net = Net(seed=31, delay=0.05, loss=0.3)
        net.add(C, params, seed=26)
        waits = {"/fast": 0.0, "/slow": 0.3, "/sync": 30.0}
        app = Delayed(net, lambda r: waits[r.path], lambda r: r.path.encode() * 40, params)
        total = 0
        paths = ["/fast", "/slow", "/fast", "/sync"] * 4
        for i, path in enumerate(paths):
            evs, n = exchange(net, app, path, path[1:] + "-lossy-" + str(i))
            total += n
            self.assertEqual(len(evs), 1)
            self.assertNotIsInstance(evs[0], RequestFailed)
            self.assertEqual(evs[0].response.payload, path.encode() * 40)
        self.assertGreater(total, 5)
        self.assertEqual(app.requests, len(paths))  # each request reached the application once

    def test_lossy_100_bits_delivers(self):
        params = TransmissionParams.for_link(100, max_retransmit=10)
        net = Net(seed=32, delay=0.3, bps=100, loss=0.3)
        net.add(C, params, seed=27)
        data = bytes(range(200))
        app = Delayed(net, lambda r: 0.0, lambda r: data, params)
        for i in range(2):
            evs, n = exchange(net, app, "/d", "lossy-100bps-" + str(i))
            self.assertEqual(evs[0].response.payload, data)


if __name__ == "__main__":
    unittest.main()
