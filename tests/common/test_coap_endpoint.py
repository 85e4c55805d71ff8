"""The CoAP endpoint (RFC 7252 §4, §5; CoCoA): pairs of endpoints in memory with a fake clock."""

import unittest

from coap_net import Net, echo_server
from mxcoap.coap import (
    ACK,
    BAD_OPTION,
    CHANGED,
    CON,
    CONTENT,
    GET,
    NON,
    OBSERVE,
    POST,
    RST,
    URI_PATH,
    CoapUsageError,
    Endpoint,
    Message,
    Pong,
    RequestFailed,
    RequestReceived,
    RequestTimeout,
    ResetReceived,
    ResponseReceived,
    TransmissionParams,
)
from mxcoap.coap.cocoa import CocoaEstimator, backoff_factor, next_timeout

C = ("10.0.0.1", 5683)
S = ("10.0.0.2", 5683)


def zeros(n):
    return b"\x00" * n


def ones(n):
    return b"\xff" * n


def get(path="/r", payload=b"", mtype=CON, options=None):
    m = Message(mtype, GET, 0, b"", list(options or []), payload)
    m.set_uri_path(path)
    return m


def decoded(net, src=None, dst=None):
    return [(e[0], Message.decode(e[3])) for e in net.sent(src, dst)]


class TestBasics(unittest.TestCase):
    def test_piggybacked_get_is_small(self):
        net = Net()
        net.add(C)
        net.add(S, handler=echo_server(lambda r: b"22.3 C"))
        h = net.endpoints[C].send_request(get("/t"), S, 0.0)
        net.run()
        evs = net.events[C]
        self.assertEqual(len(evs), 1)
        self.assertIsInstance(evs[0], ResponseReceived)
        self.assertIs(evs[0].handle, h)
        self.assertEqual(evs[0].response.payload, b"22.3 C")
        self.assertEqual(evs[0].response.code, CONTENT)
        wire = net.sent(C, S)
        # 4-byte header, empty token (first request to this peer), Uri-Path "t" in 2 bytes.
        self.assertEqual(len(wire), 1)
        self.assertEqual(wire[0][3][0], 0x40)
        self.assertEqual(len(wire[0][3]), 6)
        back = Message.decode(net.sent(S, C)[0][3])
        self.assertEqual(back.mtype, ACK)
        self.assertEqual(back.mid, Message.decode(wire[0][3]).mid)

    def test_request_received_once_and_fields(self):
        net = Net()
        net.add(C)
        net.add(S, handler=echo_server())
        net.endpoints[C].send_request(get("/a/b", b"payload", options=[(15, b"q=1")]), S, 0.0)
        net.run()
        reqs = [e for e in net.events[S] if isinstance(e, RequestReceived)]
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0].request.uri_path, ["a", "b"])
        self.assertEqual(reqs[0].request.uri_query, ["q=1"])
        self.assertEqual(reqs[0].addr, C)
        self.assertEqual(net.events[C][0].response.payload, b"payload")

    def test_non_request_gets_non_response(self):
        net = Net()
        net.add(C)
        net.add(S, handler=echo_server(lambda r: b"ok"))
        net.endpoints[C].send_request(get("/n", mtype=NON), S, 0.0)
        net.run()
        self.assertEqual(Message.decode(net.sent(C, S)[0][3]).mtype, NON)
        self.assertEqual(Message.decode(net.sent(S, C)[0][3]).mtype, NON)
        self.assertEqual(net.events[C][0].response.payload, b"ok")

    def test_tokens_stay_short_and_distinct(self):
        net = Net()
        net.add(C, TransmissionParams(nstart=3))
        net.add(S, handler=echo_server(lambda r: r.path.encode()))
        for i in range(3):
            net.endpoints[C].send_request(get("/p" + str(i)), S, 0.0)
        net.run()
        tokens = [m.token for _, m in decoded(net, C, S)]
        self.assertEqual(len(set(tokens)), 3)
        self.assertTrue(all(len(t) <= 1 for t in tokens))
        got = sorted(e.response.payload for e in net.events[C])
        self.assertEqual(got, [b"/p0", b"/p1", b"/p2"])

    def test_ping(self):
        net = Net()
        net.add(C)
        net.add(S)
        h = net.endpoints[C].ping(S, 0.0)
        net.run()
        self.assertEqual(Message.decode(net.sent(S, C)[0][3]).mtype, RST)
        ev = net.events[C][0]
        self.assertIsInstance(ev, Pong)
        self.assertIs(ev.handle, h)
        self.assertAlmostEqual(ev.rtt, 0.1)

    def test_reset_fails_request(self):
        ep = Endpoint(rand=zeros)
        h = ep.send_request(get(), S, 0.0)
        data, _ = ep.datagrams_to_send(0.0)[0]
        mid = Message.decode(data).mid
        ep.receive_datagram(Message(RST, 0, mid).encode(), S, 0.5)
        ev = ep.next_event()
        self.assertIsInstance(ev, RequestFailed)
        self.assertIs(ev.handle, h)
        self.assertIsInstance(ev.error, ResetReceived)
        self.assertIsNone(ep.get_timer() if ep.get_timer() and ep.get_timer() < 1.0 else None)


class TestMalformed(unittest.TestCase):
    def setUp(self):
        self.ep = Endpoint(rand=zeros)

    def out(self):
        return [Message.decode(d) for d, _ in self.ep.datagrams_to_send(0.0)]

    def test_malformed_con_gets_rst(self):
        self.ep.receive_datagram(b"\x49\x01\x12\x34" + b"x" * 9, C, 0.0)  # TKL 9
        out = self.out()
        self.assertEqual(len(out), 1)
        self.assertEqual((out[0].mtype, out[0].code, out[0].mid), (RST, 0, 0x1234))

    def test_malformed_non_ignored(self):
        self.ep.receive_datagram(b"\x59\x01\x12\x34" + b"x" * 9, C, 0.0)
        self.ep.receive_datagram(b"\x50\x01\x12\x34\xff", C, 0.0)  # marker, no payload
        self.assertEqual(self.out(), [])
        self.assertIsNone(self.ep.next_event())

    def test_empty_con_with_token_is_format_error(self):
        self.ep.receive_datagram(b"\x41\x00\x00\x07a", C, 0.0)
        out = self.out()
        self.assertEqual((out[0].mtype, out[0].mid), (RST, 7))
        self.assertEqual(self.ep.stats["format_errors"], 1)

    def test_empty_con_is_ping(self):
        self.ep.receive_datagram(b"\x40\x00\x00\x08", C, 0.0)
        out = self.out()
        self.assertEqual((out[0].mtype, out[0].mid, out[0].code), (RST, 8, 0))
        self.assertIsNone(self.ep.next_event())

    def test_unknown_critical_option_in_request(self):
        m = Message(CON, GET, 9, b"t", [(URI_PATH, b"x"), (65001, b"?")])
        self.ep.receive_datagram(m.encode(), C, 0.0)
        out = self.out()
        self.assertEqual((out[0].mtype, out[0].code, out[0].mid, out[0].token),
                         (ACK, BAD_OPTION, 9, b"t"))
        self.assertIsNone(self.ep.next_event())

    def test_unknown_elective_option_ignored(self):
        m = Message(CON, GET, 9, b"t", [(URI_PATH, b"x"), (65000, b"?")])
        self.ep.receive_datagram(m.encode(), C, 0.0)
        ev = self.ep.next_event()
        self.assertIsInstance(ev, RequestReceived)
        self.assertIsNone(ev.request.opt(65000))

    def test_bad_option_length_is_unrecognised(self):
        # Uri-Port (critical) with 3 bytes exceeds its 0-2 length (RFC 7252 §5.4.3).
        m = Message(CON, GET, 9, b"", [(7, b"\x01\x02\x03")])
        self.ep.receive_datagram(m.encode(), C, 0.0)
        self.assertEqual(self.out()[0].code, BAD_OPTION)

    def test_unknown_critical_option_in_con_response_gets_rst(self):
        self.ep.send_request(get(), S, 0.0)
        req = self.out()[0]
        self.ep.receive_datagram(Message(ACK, 0, req.mid).encode(), S, 0.1)
        resp = Message(CON, CONTENT, 500, req.token, [(65001, b"x")], b"hi")
        self.ep.receive_datagram(resp.encode(), S, 0.2)
        out = self.out()
        self.assertEqual((out[0].mtype, out[0].mid), (RST, 500))
        self.assertIsNone(self.ep.next_event())

    def test_unknown_critical_option_in_piggybacked_ack_ignored(self):
        self.ep.send_request(get(), S, 0.0)
        req = self.out()[0]
        self.ep.receive_datagram(Message(ACK, CONTENT, req.mid, req.token, [(65001, b"x")],
                                         b"hi").encode(), S, 0.1)
        self.assertIsNone(self.ep.next_event())
        self.ep.handle_timer(self.ep.get_timer())
        again = self.out()
        self.assertEqual([m.mid for m in again], [req.mid])  # still retransmitting

    def test_unencodable_request_is_usage_error_without_state(self):
        with self.assertRaises(CoapUsageError):
            self.ep.send_request(Message(CON, GET, 0, b"", [(70000, b"")]), S, 0.0)
        self.assertEqual(self.out(), [])
        self.assertIsNone(self.ep.get_timer())
        self.ep.receive_datagram(Message(CON, GET, 5).encode(), C, 0.0)
        h = self.ep.next_event().handle
        with self.assertRaises(CoapUsageError):
            self.ep.respond(h, Message(code=CONTENT, options=[(1, b"x" * 70000)]), 0.0)
        self.ep.respond(h, Message(code=CONTENT), 0.0)
        self.assertEqual([(m.mtype, m.code) for m in self.out()], [(ACK, CONTENT)])

    def test_no_response_option(self):
        # RFC 7967: 2 suppresses 2.xx; a CON still gets its empty ACK; 4.xx is not suppressed.
        cases = [(NON, 2, CONTENT, []), (CON, 26, CONTENT, [(ACK, 0)]),
                 (NON, 2, 132, [(NON, 132)]), (CON, 2, 132, [(ACK, 132)])]
        for i, (mtype, value, code, expect) in enumerate(cases):
            with self.subTest(case=i):
                m = Message(mtype, GET, 100 + i, b"n", [(URI_PATH, b"x"), (258, bytes((value,)))])
                self.ep.receive_datagram(m.encode(), C, 0.0)
                h = self.ep.next_event().handle
                self.ep.respond(h, Message(code=code, payload=b"body"), 0.0)
                self.assertEqual([(o.mtype, o.code) for o in self.out()], expect)

    def test_reserved_class_and_acked_request(self):
        self.ep.receive_datagram(bytes((0x40, 0x21, 0, 3)), C, 0.0)  # class 1
        self.ep.receive_datagram(bytes((0x60, 0x01, 0, 4)), C, 0.0)  # ACK carrying GET
        out = self.out()
        self.assertEqual([(m.mtype, m.mid) for m in out], [(RST, 3)])


class TestRetransmission(unittest.TestCase):
    def _schedule(self, rand, params=None):
        ep = Endpoint(params, rand=rand)
        ep.send_request(get(), S, 0.0)
        times = [0.0]
        ep.datagrams_to_send(0.0)
        failed_at = None
        while True:
            t = ep.get_timer()
            if t is None:
                break
            ep.handle_timer(t)
            if ep.datagrams_to_send(t):
                times.append(t)
            ev = ep.next_event()
            if ev is not None:
                self.assertIsInstance(ev, RequestFailed)
                self.assertIsInstance(ev.error, RequestTimeout)
                failed_at = t
                break
        return times, failed_at

    def test_schedule_low_dither(self):
        # RTO 2 s, dither 0 -> 2, 4, 8, 16, then 32 (truncated) until giving up.
        times, failed = self._schedule(zeros)
        self.assertEqual(times, [0.0, 2.0, 6.0, 14.0, 30.0])
        self.assertAlmostEqual(failed, 62.0)

    def test_schedule_high_dither(self):
        # Dither x1.5: 3, 6, 12, 24, 32 (cap).
        times, failed = self._schedule(ones)
        self.assertEqual([round(t, 3) for t in times], [0.0, 3.0, 9.0, 21.0, 45.0])
        self.assertAlmostEqual(failed, 77.0, 3)

    def test_schedule_plain_rfc7252(self):
        times, failed = self._schedule(ones, TransmissionParams(cocoa=False))
        self.assertEqual([round(t, 3) for t in times], [0.0, 3.0, 9.0, 21.0, 45.0])
        self.assertAlmostEqual(failed, 93.0, 3)  # MAX_TRANSMIT_WAIT

    def test_max_retransmit_param(self):
        times, failed = self._schedule(zeros, TransmissionParams(max_retransmit=2))
        self.assertEqual(times, [0.0, 2.0, 6.0])
        self.assertAlmostEqual(failed, 14.0)

    def test_link_rate_extends_initial_rto(self):
        params = TransmissionParams(link_rate_bps=100, max_message_size=100)
        ep = Endpoint(params, rand=zeros)
        ep.send_request(get("/t"), S, 0.0)
        data = ep.datagrams_to_send(0.0)[0][0]
        # 2 s, plus (len + 28) bytes out and a full (100 + 28)-byte answer back at 100 bit/s.
        self.assertAlmostEqual(ep.get_timer(), 2.0 + (len(data) + 28 + 128) * 8 / 100.0)
        big = Endpoint(params, rand=zeros)
        big.send_request(get("/t", b"x" * 200), S, 0.0)
        data = big.datagrams_to_send(0.0)[0][0]
        self.assertAlmostEqual(big.get_timer(), 2.0 + 2 * (len(data) + 28) * 8 / 100.0)

    def test_cocoa_update_after_rtt(self):
        net = Net(delay=0.25)
        net.add(C, seed=3)
        net.add(S, handler=echo_server())
        net.endpoints[C].send_request(get(), S, 0.0)
        net.run(until=5.0)
        # Strong sample R=0.5: SRTT 0.5, RTTVAR 0.25, E_strong 1.5; RTO = 0.5*1.5 + 0.5*2.
        self.assertAlmostEqual(net.endpoints[C].peer_rto(S), 1.75)

    def test_weak_sample_after_retransmission(self):
        net = Net(delay=0.25)
        net.add(C, seed=3)
        net.add(S, handler=echo_server())
        net.drop = lambda src, dst, data, index: index == 0  # the first request is lost
        net.endpoints[C].send_request(get(), S, 0.0)
        net.run(until=10.0)
        first, again = net.sent(C, S)[0][0], net.sent(C, S)[1][0]
        rtt = again + 0.5 - first
        weak = rtt + 1 * rtt / 2  # first weak sample, K = 1
        self.assertAlmostEqual(net.endpoints[C].peer_rto(S), 0.25 * weak + 0.75 * 2.0)

    def test_estimator_rules(self):
        e = CocoaEstimator(2.0, 0.0)
        self.assertEqual(e.current(0.0), 2.0)
        self.assertEqual(e.current(0.0, parallel=2), 6.0)  # blind RTO x parallel (§4.1)
        e.update(3.0, 1, 0.0)
        self.assertAlmostEqual(e.rto, 0.25 * 4.5 + 0.75 * 2.0)
        self.assertFalse(e.update(1.0, 3, 0.0))  # after the 3rd retransmission: not used
        e.update(0.1, 0, 0.0)
        self.assertAlmostEqual(e.strong.value, 0.3)
        e2 = CocoaEstimator(2.0, 0.0)
        e2.measured = True
        e2.rto = 0.5
        self.assertEqual(e2.age(7.9), 0.5)
        self.assertEqual(e2.age(8.1), 1.0)  # below 1 s, idle > 16 RTO: doubled
        e2.rto = 4.0
        e2.updated = 0.0
        self.assertEqual(e2.age(15.0), 4.0)
        self.assertEqual(e2.age(16.5), 3.0)  # above 3 s, idle > 4 RTO: 1 + RTO/2

    def test_backoff_variants(self):
        self.assertEqual(backoff_factor(0.5), 3.0)
        self.assertEqual(backoff_factor(2.0), 2.0)
        self.assertEqual(backoff_factor(3.5), 1.5)
        self.assertEqual(next_timeout(20.0, 2.0), 32.0)
        self.assertEqual(next_timeout(0.4, 3.0), 1.2000000000000002)

    def test_small_rto_backs_off_by_three(self):
        ep = Endpoint(TransmissionParams(min_rto=0.0), rand=zeros)  # CoCoA with no floor
        peer = ep._peer(S, 0.0)
        peer.rto.measured = True
        peer.rto.rto = 0.5
        ep.send_request(get(), S, 0.0)
        ep.datagrams_to_send(0.0)
        times = []
        for _ in range(3):
            t = ep.get_timer()
            ep.handle_timer(t)
            ep.datagrams_to_send(t)
            times.append(round(t, 6))
        self.assertEqual(times, [0.5, 2.0, 6.5])  # 0.5, then x3: 1.5, 4.5

    def test_measured_rto_has_a_floor(self):
        # RFC 6298 §2.4: a measured RTO below 1 s is rounded up (min_rto), then x2 (1-3 s).
        ep = Endpoint(rand=zeros)
        peer = ep._peer(S, 0.0)
        peer.rto.measured = True
        peer.rto.rto = 0.2
        self.assertEqual(ep.peer_rto(S), 1.0)
        ep.send_request(get(), S, 0.0)
        ep.datagrams_to_send(0.0)
        times = []
        for _ in range(2):
            t = ep.get_timer()
            ep.handle_timer(t)
            ep.datagrams_to_send(t)
            times.append(round(t, 6))
        self.assertEqual(times, [1.0, 3.0])
        # Never above a configured ACK_TIMEOUT: a LAN profile keeps its short timers.
        self.assertEqual(TransmissionParams(ack_timeout=0.2).rto_floor, 0.2)

    def test_nstart_queues(self):
        net = Net()
        net.add(C)
        net.add(S, handler=echo_server(lambda r: r.path.encode()))
        for i in range(3):
            net.endpoints[C].send_request(get("/q" + str(i)), S, 0.0)
        net.run()
        times = [e[0] for e in net.sent(C, S)]
        self.assertEqual(len(times), 3)
        self.assertTrue(times[0] < times[1] < times[2])  # one at a time (NSTART = 1)
        self.assertEqual([e.response.payload for e in net.events[C]], [b"/q0", b"/q1", b"/q2"])


class TestDuplicatesAndSeparate(unittest.TestCase):
    def test_duplicate_con_replayed_handler_once(self):
        net = Net()
        net.add(C, seed=5)
        calls = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                calls.append(ev)
                ep.respond(ev.handle, Message(code=CHANGED, payload=b"done"), now)

        net.add(S, handler=handler)
        net.drop = lambda src, dst, data, index: src == S and index == 1  # first answer lost
        net.endpoints[C].send_request(Message(CON, POST, payload=b"x"), S, 0.0)
        net.run()
        self.assertEqual(len(calls), 1)
        answers = [e[3] for e in net.sent(S, C)]
        self.assertEqual(len(answers), 2)
        self.assertEqual(answers[0], answers[1])  # byte for byte the same reply
        self.assertEqual(net.endpoints[S].stats["duplicates"], 1)
        self.assertEqual([e.response.payload for e in net.events[C]], [b"done"])

    def test_duplicate_non_ignored(self):
        ep = Endpoint(rand=zeros)
        m = Message(NON, GET, 77, b"k", [(URI_PATH, b"x")]).encode()
        ep.receive_datagram(m, C, 0.0)
        ep.receive_datagram(m, C, 1.0)
        self.assertIsInstance(ep.next_event(), RequestReceived)
        self.assertIsNone(ep.next_event())
        self.assertEqual(ep.datagrams_to_send(1.0), [])

    def test_separate_response(self):
        net = Net()
        net.add(C, seed=9)
        pending = []
        net.add(S, handler=lambda ep, ev, now: pending.append(ev))
        net.endpoints[C].send_request(get("/slow"), S, 0.0)
        net.run(until=5.0)
        server = net.endpoints[S]
        self.assertEqual(len(pending), 1)
        server.respond(pending[0].handle, Message(code=CONTENT, payload=b"late"), net.now)
        net.run()
        msgs = decoded(net, S, C)
        self.assertEqual([(m.mtype, m.code) for _, m in msgs], [(ACK, 0), (CON, CONTENT)])
        # Empty ACK half of the client's least RTO (1 s) after the request arrived: it is back
        # before the client could retransmit (params.empty_ack_delay).
        self.assertAlmostEqual(msgs[0][0], 0.05 + 0.5)
        acks = decoded(net, C, S)[1:]
        self.assertEqual([(m.mtype, m.code, m.mid) for _, m in acks], [(ACK, 0, msgs[1][1].mid)])
        self.assertEqual([e.response.payload for e in net.events[C]], [b"late"])
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)
        self.assertEqual(server.stats["retransmissions"], 0)

    def test_respond_twice_is_usage_error(self):
        ep = Endpoint(rand=zeros)
        ep.receive_datagram(Message(CON, GET, 1).encode(), C, 0.0)
        h = ep.next_event().handle
        ep.respond(h, Message(code=CONTENT), 0.0)
        with self.assertRaises(CoapUsageError):
            ep.respond(h, Message(code=CONTENT), 0.0)


class TestObserve(unittest.TestCase):
    def test_notifications_and_cancel(self):
        net = Net()
        net.add(C, seed=11)
        handles = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                handles.append(ev.handle)
                ep.respond(ev.handle, Message(code=CONTENT, payload=b"v0"), now)

        net.add(S, handler=handler)
        client = net.endpoints[C]
        h = client.send_request(get("/obs", options=[(OBSERVE, b"")]), S, 0.0)
        net.run()
        server = net.endpoints[S]
        server.notify(handles[0], Message(code=CONTENT, payload=b"v1"), net.now)
        net.run()
        server.notify(handles[0], Message(NON, CONTENT, payload=b"v2"), net.now)
        net.run()
        got = [(e.handle is h, e.response.payload) for e in net.events[C]]
        self.assertEqual(got, [(True, b"v0"), (True, b"v1"), (True, b"v2")])
        seqs = [e.response.opt_uint(OBSERVE) for e in net.events[C]]
        self.assertTrue(seqs[0] < seqs[1] < seqs[2])
        client.cancel_observe(h, net.now)
        server.notify(handles[0], Message(code=CONTENT, payload=b"v3"), net.now)
        net.run()
        self.assertEqual(len(net.events[C]), 3)
        self.assertEqual(Message.decode(net.sent(C, S)[-1][3]).mtype, RST)
        with self.assertRaises(CoapUsageError):
            server.notify(handles[0], Message(code=CONTENT, payload=b"v4"), net.now)


    def test_declined_observation(self):
        # RFC 7641 §4.1: the answer carries no Observe option and no notification can follow.
        net = Net()
        net.add(C, seed=12)
        handles = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                handles.append(ev.handle)
                ep.decline_observe(ev.handle)
                ep.respond(ev.handle, Message(code=CONTENT, payload=b"v0"), now)

        net.add(S, handler=handler)
        net.endpoints[C].send_request(get("/obs", options=[(OBSERVE, b"")]), S, 0.0)
        net.run()
        got = net.events[C]
        self.assertEqual([e.response.payload for e in got], [b"v0"])
        self.assertIsNone(got[0].response.opt(OBSERVE))
        server = net.endpoints[S]
        with self.assertRaises(CoapUsageError):
            server.notify(handles[0], Message(code=CONTENT, payload=b"v1"), net.now)
        with self.assertRaises(CoapUsageError):
            server.decline_observe(handles[0])


class TestHostileInput(unittest.TestCase):
    """A fixed corpus of hostile datagrams (the hypothesis fuzzer in tests/host goes further)."""

    def test_corpus_then_normal_request(self):
        from coap_net import hostile_datagrams
        from mxcoap.coap.endpoint import MAX_DEDUP_PER_PEER

        params = TransmissionParams(max_peers=8, max_exchanges_per_peer=4)
        ep = Endpoint(params, rand=zeros)
        t = 0.0
        for i, data in enumerate(hostile_datagrams(42, 600)):
            t += 0.01
            ep.receive_datagram(data, ("10.9.0." + str(i % 20), 1000 + i % 3), t)
            ev = ep.next_event()
            while ev is not None:
                if isinstance(ev, RequestReceived) and i % 2:
                    ep.respond(ev.handle, Message(code=CONTENT, payload=b"x" * (i % 3000)), t)
                ev = ep.next_event()
            ep.datagrams_to_send(t)
            if i % 50 == 0:
                ep.handle_timer(t)
        self.assertEqual(ep.stats["internal_errors"], 0, repr(ep.last_error))
        self.assertLessEqual(len(ep._peers), 8)
        for peer in ep._peers.values():
            self.assertLessEqual(len(peer.dedup), MAX_DEDUP_PER_PEER)
            self.assertLessEqual(peer.server_exchanges, 4)
        self.assertLessEqual(len(ep._block1.items), params.max_reassembly_buffers)
        self.assertLessEqual(len(ep._cache.items), params.max_response_cache)
        # Still serves a normal request afterwards (with time moved on past old state).
        t += 1000.0
        ep.handle_timer(t)
        ep.datagrams_to_send(t)
        while ep.next_event() is not None:
            pass
        ep.receive_datagram(Message(CON, GET, 4242, b"z", [(URI_PATH, b"ok")]).encode(), C, t)
        ev = ep.next_event()
        self.assertIsInstance(ev, RequestReceived)
        ep.respond(ev.handle, Message(code=CONTENT, payload=b"fine"), t)
        out = [Message.decode(d) for d, _ in ep.datagrams_to_send(t)]
        self.assertEqual([(m.mtype, m.code, m.payload) for m in out], [(ACK, CONTENT, b"fine")])


class TestNonNotifications(unittest.TestCase):
    def test_every_eighth_non_notification_goes_as_con(self):
        net = Net()
        net.add(C, seed=17)
        handles = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                handles.append(ev.handle)
                ep.respond(ev.handle, Message(code=CONTENT, payload=b"0"), now)

        server = net.add(S, handler=handler)
        server.mark_verified(C)
        net.endpoints[C].send_request(get("/o", options=[(OBSERVE, b"")]), S, 0.0)
        net.run()
        for i in range(16):
            server.notify(handles[0], Message(NON, CONTENT, payload=str(i).encode()), net.now)
            net.run()
        types = [m.mtype for _, m in decoded(net, S, C)][1:]
        self.assertEqual(len(types), 16)
        self.assertEqual([i for i, t in enumerate(types) if t == CON], [7, 15])
        self.assertEqual(len(net.events[C]), 17)


class TestSlowLink(unittest.TestCase):
    def test_for_link_100(self):
        p = TransmissionParams.for_link(100)
        self.assertEqual((p.block_szx, p.BLOCK_SIZE, p.max_message_size), (2, 64, 128))
        self.assertAlmostEqual(p.initial_rto(20), 2.0 + (48 + 156) * 8 / 100.0)
        self.assertAlmostEqual(p.MAX_LATENCY, 100.0 + 156 * 8 / 100.0)
        self.assertGreater(p.EXCHANGE_LIFETIME, TransmissionParams().EXCHANGE_LIFETIME)
        self.assertAlmostEqual(p.separate_delay, 156 * 8 / 100.0 / 2)
        self.assertEqual(TransmissionParams.for_link(1000000).separate_delay, 1.0)

    def test_slow_handler_at_100_bits_still_piggybacked(self):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params)
        pending = []
        server = net.add(S, params, handler=lambda ep, ev, now: pending.append(ev))
        server.mark_verified(C)
        net.endpoints[C].send_request(get("/slow"), S, 0.0)
        net.run(until=6.0)  # the request arrived at about 3 s; the application takes 3 s
        server.respond(pending[0].handle, Message(code=CONTENT, payload=b"ok"), net.now)
        net.run()
        self.assertEqual([(m.mtype, m.code) for _, m in decoded(net, S, C)], [(ACK, CONTENT)])
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)

    def test_no_spurious_retransmission_at_100_bits(self):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params)
        server = net.add(S, params, handler=echo_server(lambda r: b"e" * 32))
        server.mark_verified(C)
        for _ in range(3):
            net.endpoints[C].send_request(get("/s", b"m" * 40), S, 0.0)
        net.run()
        self.assertEqual([len(e.response.payload) for e in net.events[C]], [32, 32, 32])
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)
        self.assertEqual(server.stats["retransmissions"], 0)
        self.assertEqual([m.mtype for _, m in decoded(net, S, C)], [ACK, ACK, ACK])

    def test_blockwise_download_at_100_bits(self):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params)
        data = bytes(range(250))
        net.add(S, params, handler=echo_server(lambda r: data)).mark_verified(C)
        net.endpoints[C].send_request(get("/d"), S, 0.0)
        net.run()
        self.assertEqual(net.events[C][0].response.payload, data)
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)  # none spurious
        self.assertEqual(len(net.sent(S, C)), 4)

    def test_blockwise_upload_at_100_bits(self):
        params = TransmissionParams.for_link(100)
        net = Net(delay=0.3, bps=100)
        net.add(C, params)
        got = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                got.append(ev.request.payload)
                ep.respond(ev.handle, Message(code=CHANGED), now)

        net.add(S, params, handler=handler).mark_verified(C)
        data = bytes(range(200))
        net.endpoints[C].send_request(Message(CON, POST, payload=data), S, 0.0)
        net.run()
        self.assertEqual(got, [data])
        self.assertEqual([len(m.payload) for _, m in decoded(net, C, S)], [64, 64, 64, 8])
        self.assertEqual(net.endpoints[C].stats["retransmissions"], 0)


class TestLargeNotification(unittest.TestCase):
    def test_notification_fetched_blockwise(self):
        net = Net()
        net.add(C, seed=13)
        handles = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                handles.append(ev.handle)
                ep.respond(ev.handle, Message(code=CONTENT, payload=b"small"), now)

        server = net.add(S, handler=handler)
        server.mark_verified(C)
        h = net.endpoints[C].send_request(get("/o", options=[(OBSERVE, b"")]), S, 0.0)
        net.run()
        big = bytes(range(256)) * 9
        server.notify(handles[0], Message(CON, CONTENT, payload=big), net.now)
        net.run()
        got = [(e.handle is h, e.response.payload) for e in net.events[C]]
        self.assertEqual(got, [(True, b"small"), (True, big)])
        self.assertIsNotNone(net.events[C][1].response.opt(OBSERVE))
        self.assertEqual(len(handles), 1)  # the follow-up GETs were served from the cache
