"""Blockwise transfer (RFC 7959) with Request-Tag (RFC 9175 §3) and Echo (RFC 9175 §2.4)."""

import unittest

from coap_net import Net, XorShift
from mxcoap.coap import (
    ACK,
    BLOCK1,
    BLOCK2,
    CHANGED,
    CON,
    CONTENT,
    CONTINUE,
    ECHO,
    ETAG,
    GET,
    POST,
    PUT,
    REQUEST_ENTITY_INCOMPLETE,
    REQUEST_ENTITY_TOO_LARGE,
    REQUEST_TAG,
    SIZE1,
    SIZE2,
    UNAUTHORIZED,
    Endpoint,
    Message,
    RequestFailed,
    RequestReceived,
    ResponseReceived,
    TransmissionParams,
    decode_block,
    encode_block,
)

C = ("10.0.0.1", 5683)
S = ("10.0.0.2", 5683)


def body(n, seed=1):
    return XorShift(seed).bytes(n)


def request(code, path, payload=b""):
    m = Message(CON, code, 0, b"", None, payload)
    m.set_uri_path(path)
    return m


def collector(store, reply=None):
    """Records each RequestReceived and answers 2.04 with `reply(request)` (default empty)."""

    def handler(ep, ev, now):
        if isinstance(ev, RequestReceived):
            store.append(ev.request)
            out = reply(ev.request) if reply is not None else b""
            ep.respond(ev.handle, Message(code=CHANGED, payload=out), now)

    return handler


def responses(net, addr):
    return [e for e in net.events[addr] if isinstance(e, ResponseReceived)]


def wire(net, src, dst):
    return [Message.decode(e[3]) for e in net.sent(src, dst)]


class TestBlock1(unittest.TestCase):
    def _upload(self, size, params_c=None, params_s=None, loss=0.0, reorder=0.0, seed=1,
                verified=True):
        net = Net(seed=seed, loss=loss, reorder=reorder)
        got = []
        net.add(C, params_c)
        server = net.add(S, params_s, handler=collector(got, lambda r: b"len=" +
                                                        str(len(r.payload)).encode()))
        if verified:
            server.mark_verified(C)
        data = body(size, seed)
        net.endpoints[C].send_request(request(POST, "/up", data), S, 0.0)
        net.run()
        return net, got, data

    def test_one_byte(self):
        net, got, data = self._upload(1)
        self.assertEqual([r.payload for r in got], [data])
        self.assertIsNone(wire(net, C, S)[0].opt(BLOCK1))  # no Block option on a single block

    def test_exactly_one_block(self):
        net, got, data = self._upload(1024)
        self.assertEqual(len(wire(net, C, S)), 1)
        self.assertIsNone(wire(net, C, S)[0].opt(BLOCK1))
        self.assertEqual(got[0].payload, data)

    def test_small_sizes_under_loss_and_reordering(self):
        params = TransmissionParams(max_retransmit=10)
        for size in (1, 1024, 1025):
            net, got, data = self._upload(size, params, params, loss=0.3, reorder=0.4, seed=size)
            self.assertEqual([r.payload for r in got], [data])
            self.assertEqual(responses(net, C)[0].response.payload,
                             b"len=" + str(size).encode())

    def test_one_block_and_one_byte(self):
        net, got, data = self._upload(1025)
        sent = wire(net, C, S)
        self.assertEqual([decode_block(m.opt(BLOCK1)) for m in sent],
                         [(0, True, 6), (1, False, 6)])
        self.assertEqual(sent[0].opt_uint(SIZE1), 1025)  # Size1 on the first block only
        self.assertIsNone(sent[1].opt(SIZE1))
        self.assertIsNone(sent[0].opt(REQUEST_TAG))  # only one upload: tag left out
        answers = wire(net, S, C)
        self.assertEqual(answers[0].code, CONTINUE)
        self.assertEqual(decode_block(answers[1].opt(BLOCK1)), (1, False, 6))
        self.assertEqual(got[0].payload, data)
        self.assertIsNone(got[0].opt(BLOCK1))
        self.assertEqual(responses(net, C)[0].response.payload, b"len=1025")

    def test_50k_with_loss_and_reordering(self):
        params = TransmissionParams(max_retransmit=10)
        net, got, data = self._upload(50 * 1024, params, params, loss=0.3, reorder=0.4, seed=7,
                                      verified=False)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].payload, data)
        self.assertEqual(responses(net, C)[0].response.payload, b"len=51200")
        self.assertGreater(net.endpoints[C].stats["retransmissions"], 10)

    def test_server_asks_for_smaller_blocks(self):
        net, got, data = self._upload(300, TransmissionParams(block_szx=4),
                                      TransmissionParams(block_szx=2))
        self.assertEqual(got[0].payload, data)
        sizes = [len(m.payload) for m in wire(net, C, S)]
        # 256 bytes in the first block (ours), then the server's 64: 44 bytes are left.
        self.assertEqual(sizes, [256, 44])
        nums = [decode_block(m.opt(BLOCK1)) for m in wire(net, C, S)]
        self.assertEqual(nums, [(0, True, 4), (4, False, 2)])

    def test_too_large_gets_413_with_size1(self):
        net, got, data = self._upload(5000, None, TransmissionParams(max_reassembly=2000))
        self.assertEqual(got, [])
        resp = responses(net, C)[0].response
        self.assertEqual(resp.code, REQUEST_ENTITY_TOO_LARGE)
        self.assertEqual(resp.opt_uint(SIZE1), 2000)
        self.assertEqual(len(wire(net, C, S)), 1)  # refused at block 0 from Size1

    def test_413_with_smaller_block1_restarts(self):
        # A server that takes at most 64-byte blocks says so in a 4.13 (RFC 7959 §2.9.3).
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        data = body(100)
        ep.send_request(request(PUT, "/x", data), S, 0.0)
        first = Message.decode(ep.datagrams_to_send(0.0)[0][0])
        self.assertEqual(len(first.payload), 100)
        ep.receive_datagram(Message(ACK, REQUEST_ENTITY_TOO_LARGE, first.mid, first.token,
                                    [(BLOCK1, encode_block(0, False, 2))]).encode(), S, 0.1)
        again = Message.decode(ep.datagrams_to_send(0.1)[0][0])
        self.assertEqual(decode_block(again.opt(BLOCK1)), (0, True, 2))
        self.assertEqual(again.payload, data[:64])

    def test_out_of_sequence_gets_408(self):
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        opts = [(11, b"up"), (BLOCK1, encode_block(0, True, 0))]
        ep.receive_datagram(Message(CON, POST, 1, b"", opts, b"a" * 16).encode(), C, 0.0)
        opts = [(11, b"up"), (BLOCK1, encode_block(2, True, 0))]
        ep.receive_datagram(Message(CON, POST, 2, b"", opts, b"c" * 16).encode(), C, 0.1)
        out = [Message.decode(d) for d, _ in ep.datagrams_to_send(0.1)]
        self.assertEqual([m.code for m in out], [CONTINUE, REQUEST_ENTITY_INCOMPLETE])
        self.assertIsNone(ep.next_event())

    def test_concurrent_uploads_same_path_do_not_entangle(self):
        net = Net(seed=3, reorder=0.3, loss=0.3)
        got = []
        net.add(C, TransmissionParams(nstart=2, max_retransmit=10))
        net.add(S, TransmissionParams(max_retransmit=10),
                handler=collector(got, lambda r: r.payload[:4])).mark_verified(C)
        a, b = body(3000, 11), body(2500, 12)
        ha = net.endpoints[C].send_request(request(POST, "/same", a), S, 0.0)
        hb = net.endpoints[C].send_request(request(POST, "/same", b), S, 0.0)
        net.run()
        self.assertEqual(sorted(r.payload for r in got), sorted([a, b]))
        by_handle = {}
        for e in responses(net, C):
            by_handle[id(e.handle)] = e.response.payload
        self.assertEqual(by_handle[id(ha)], a[:4])
        self.assertEqual(by_handle[id(hb)], b[:4])
        tags = set()
        for m in wire(net, C, S):
            tags.add(m.opt(REQUEST_TAG))
        self.assertEqual(len(tags), 2)  # one upload untagged, the other with a 1-byte tag

    def test_concurrent_uploads_from_raw_peers_with_tags(self):
        # Interleave two tagged uploads by hand on one server.
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        mid = [0]

        def block(tag, num, more, payload):
            mid[0] += 1
            opts = [(11, b"p"), (BLOCK1, encode_block(num, more, 0)), (REQUEST_TAG, tag)]
            ep.receive_datagram(Message(CON, POST, mid[0], tag, opts, payload).encode(), C, 0.0)

        block(b"A", 0, True, b"A" * 16)
        block(b"B", 0, True, b"B" * 16)
        block(b"A", 1, False, b"a")
        block(b"B", 1, False, b"b")
        bodies = []
        ev = ep.next_event()
        while ev is not None:
            bodies.append(ev.request.payload)
            ev = ep.next_event()
        self.assertEqual(bodies, [b"A" * 16 + b"a", b"B" * 16 + b"b"])


class TestBlock2(unittest.TestCase):
    def _download(self, size, params_c=None, params_s=None, loss=0.0, reorder=0.0, seed=1,
                  verified=True):
        net = Net(seed=seed, loss=loss, reorder=reorder)
        calls = []
        data = body(size, seed + 100)
        net.add(C, params_c)
        server = net.add(S, params_s, handler=collector(calls, lambda r: data))
        if verified:
            server.mark_verified(C)
        net.endpoints[C].send_request(request(GET, "/big"), S, 0.0)
        net.run()
        return net, calls, data

    def test_one_byte_and_one_block(self):
        for size in (1, 1024):
            net, calls, data = self._download(size)
            self.assertEqual(responses(net, C)[0].response.payload, data)
            self.assertIsNone(wire(net, S, C)[0].opt(BLOCK2))

    def test_block2_with_etag_and_size2(self):
        net, calls, data = self._download(2100)
        self.assertEqual(len(calls), 1)  # the application answered once; blocks from cache
        got = responses(net, C)[0].response
        self.assertEqual(got.payload, data)
        self.assertIsNone(got.opt(BLOCK2))
        self.assertIsNone(got.opt(SIZE2))
        sent = wire(net, S, C)
        self.assertEqual([decode_block(m.opt(BLOCK2)) for m in sent],
                         [(0, True, 6), (1, True, 6), (2, False, 6)])
        self.assertEqual(sent[0].opt_uint(SIZE2), 2100)
        self.assertEqual(len(set(m.opt(ETAG) for m in sent)), 1)
        self.assertIsNotNone(sent[0].opt(ETAG))

    def test_small_sizes_under_loss_and_reordering(self):
        params = TransmissionParams(max_retransmit=10)
        for size in (1, 1024, 1025):
            net, calls, data = self._download(size, params, params, 0.3, 0.4, seed=size)
            self.assertEqual(responses(net, C)[0].response.payload, data)
            self.assertEqual(len(calls), 1)

    def test_50k_with_loss_and_reordering(self):
        params = TransmissionParams(max_retransmit=10)
        net, calls, data = self._download(50 * 1024, params, params, 0.3, 0.4, seed=5,
                                          verified=False)
        self.assertEqual(responses(net, C)[0].response.payload, data)
        self.assertEqual(len(calls), 1)

    def test_client_smaller_szx_adopted_from_server(self):
        net, calls, data = self._download(200, None, TransmissionParams(block_szx=2))
        self.assertEqual(responses(net, C)[0].response.payload, data)
        self.assertEqual(len(wire(net, S, C)), 4)

    def test_etag_change_restarts(self):
        # A scripted server whose representation changes after block 0.
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        ep.send_request(request(GET, "/v"), S, 0.0)
        versions = [b"\x01", b"\x02", b"\x02", b"\x02"]
        bodies = {b"\x01": b"A" * 32, b"\x02": b"B" * 20 + b"C" * 12}
        t = 0.0
        for etag in versions:
            req = Message.decode(ep.datagrams_to_send(t)[0][0])
            v = req.opt(BLOCK2)
            num = decode_block(v)[0] if v is not None else 0
            whole = bodies[etag]
            piece = whole[num * 16:num * 16 + 16]
            more = num * 16 + 16 < len(whole)
            t += 0.1
            ep.receive_datagram(Message(ACK, CONTENT, req.mid, req.token,
                                        [(ETAG, etag), (BLOCK2, encode_block(num, more, 0))],
                                        piece).encode(), S, t)
        ev = ep.next_event()
        self.assertIsInstance(ev, ResponseReceived)
        self.assertEqual(ev.response.payload, bodies[b"\x02"])

    def test_size2_above_limit_fails(self):
        ep = Endpoint(TransmissionParams(max_reassembly=100), rand=lambda n: b"\x00" * n)
        ep.send_request(request(GET, "/v"), S, 0.0)
        req = Message.decode(ep.datagrams_to_send(0.0)[0][0])
        ep.receive_datagram(Message(ACK, CONTENT, req.mid, req.token,
                                    [(BLOCK2, encode_block(0, True, 0)), (SIZE2, b"\x10\x00")],
                                    b"x" * 16).encode(), S, 0.1)
        ev = ep.next_event()
        self.assertIsInstance(ev, RequestFailed)
        self.assertEqual(ev.error.code, REQUEST_ENTITY_TOO_LARGE)


class TestEcho(unittest.TestCase):
    def test_unverified_big_response_challenged_then_served(self):
        net = Net(seed=2)
        calls = []
        data = body(600, 9)
        net.add(C)
        net.add(S, handler=collector(calls, lambda r: data))
        h = net.endpoints[C].send_request(request(GET, "/r"), S, 0.0)
        net.run()
        self.assertEqual(len(calls), 1)  # the request was processed once
        evs = responses(net, C)
        self.assertEqual(len(evs), 1)
        self.assertIs(evs[0].handle, h)
        self.assertEqual(evs[0].response.payload, data)
        down = wire(net, S, C)
        self.assertEqual(down[0].code, UNAUTHORIZED)
        self.assertEqual(len(down[0].opt(ECHO)), 8)
        up = wire(net, C, S)
        self.assertEqual(up[1].opt(ECHO), down[0].opt(ECHO))

    def test_amplification_never_exceeds_three_times(self):
        net = Net(seed=4, loss=0.2)
        data = body(3000, 3)
        net.add(C)
        net.add(S, handler=collector([], lambda r: data))
        for i in range(3):
            net.endpoints[C].send_request(request(GET, "/r" + str(i)), S, 0.0)
        net.run()
        received = sent = 0
        server = net.endpoints[S]
        verified_at = None
        for t, src, _dst, raw, delivered in net.log:
            m = Message.decode(raw)
            if src == C and delivered:
                if m.opt(ECHO) is not None and verified_at is None:
                    verified_at = t
                    break
                received += len(raw)
            elif src == S:
                sent += len(raw)
                self.assertLessEqual(sent, 3 * received)
        self.assertIsNotNone(verified_at)
        self.assertEqual(len(responses(net, C)), 3)
        self.assertTrue(all(e.response.payload == data for e in responses(net, C)))
        self.assertEqual(server.stats["internal_errors"], 0)

    def test_stale_or_forged_echo_not_accepted(self):
        ep = Endpoint(rand=lambda n: b"\x07" * n)
        value = ep._echo.make(C, 10.0)
        self.assertTrue(ep._echo.check(value, C, 10.0))
        self.assertTrue(ep._echo.check(value, C, 60.0))
        self.assertFalse(ep._echo.check(value, C, 10.0 + 120.0))  # past the window
        self.assertFalse(ep._echo.check(value, S, 10.0))  # other address
        self.assertFalse(ep._echo.check(value[:-1] + b"\x00", C, 10.0))

    def test_mark_verified_skips_echo(self):
        net = Net(seed=2)
        data = body(600, 9)
        net.add(C)
        server = net.add(S, handler=collector([], lambda r: data))
        server.mark_verified(C)
        net.endpoints[C].send_request(request(GET, "/r"), S, 0.0)
        net.run()
        self.assertEqual([m.code for m in wire(net, S, C)], [CHANGED])


class TestAmplificationBlocks(unittest.TestCase):
    def test_small_first_block_instead_of_echo(self):
        net = Net(seed=2)
        data = body(600, 9)
        net.add(C)
        net.add(S, TransmissionParams(amplification_blocks=True),
                handler=collector([], lambda r: data))
        net.endpoints[C].send_request(request(GET, "/some/longer/resource/path"), S, 0.0)
        net.run()
        self.assertEqual(responses(net, C)[0].response.payload, data)
        down = wire(net, S, C)
        self.assertNotIn(UNAUTHORIZED, [m.code for m in down])
        received = sent = 0
        for _, src, _dst, raw, _ in net.log:
            if src == C:
                received += len(raw)
            else:
                sent += len(raw)
                self.assertLessEqual(sent, 3 * received)


class TestObserveEcho(unittest.TestCase):
    def test_notifications_beyond_credit_challenged_then_continue(self):
        from mxcoap.coap import NON, OBSERVE

        net = Net(seed=21)
        handles = []

        def handler(ep, ev, now):
            if isinstance(ev, RequestReceived):
                handles.append(ev.handle)
                ep.respond(ev.handle, Message(code=CONTENT, payload=b"v0"), now)

        server = net.add(S, handler=handler)
        net.add(C)
        m = request(GET, "/o")
        m.add_option(OBSERVE, b"")
        h = net.endpoints[C].send_request(m, S, 0.0)
        net.run()
        sent = []
        for i in range(1, 8):
            payload = b"v" + str(i).encode() + b"-" * 8
            sent.append(payload)
            server.notify(handles[0], Message(NON, CONTENT, payload=payload), net.now)
            net.run()
        self.assertEqual(len(handles), 1)  # the application saw one registration
        self.assertIn(UNAUTHORIZED, [m.code for m in wire(net, S, C)])
        got = [e.response.payload for e in responses(net, C)]
        self.assertEqual(got, [b"v0"] + sent)
        self.assertTrue(all(e.handle is h for e in responses(net, C)))
        received = out = 0
        for _, src, _dst, raw, _ in net.log:
            if src == C:
                received += len(raw)
                if Message.decode(raw).opt(ECHO) is not None:
                    break
            else:
                out += len(raw)
                self.assertLessEqual(out, 3 * received)


class TestBlock2Errors(unittest.TestCase):
    def test_error_on_follow_up_is_delivered(self):
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        h = ep.send_request(request(GET, "/v"), S, 0.0)
        req = Message.decode(ep.datagrams_to_send(0.0)[0][0])
        ep.receive_datagram(Message(ACK, CONTENT, req.mid, req.token,
                                    [(ETAG, b"\x01"), (BLOCK2, encode_block(0, True, 0))],
                                    b"x" * 16).encode(), S, 0.1)
        req = Message.decode(ep.datagrams_to_send(0.1)[0][0])
        self.assertEqual(decode_block(req.opt(BLOCK2)), (1, False, 0))
        ep.receive_datagram(Message(ACK, 163, req.mid, req.token).encode(), S, 0.2)
        ev = ep.next_event()
        self.assertIsInstance(ev, ResponseReceived)
        self.assertIs(ev.handle, h)
        self.assertEqual((ev.response.code, ev.response.payload), (163, b""))

    def test_fetch_follow_ups_carry_the_body(self):
        from mxcoap.coap import FETCH

        net = Net(seed=6)
        calls = []
        data = body(2500, 4)
        net.add(C)
        net.add(S, handler=collector(calls, lambda r: data + r.payload)).mark_verified(C)
        m = Message(CON, FETCH, 0, b"", None, b"query")
        m.set_uri_path("/f")
        net.endpoints[C].send_request(m, S, 0.0)
        net.run()
        self.assertEqual(responses(net, C)[0].response.payload, data + b"query")
        self.assertEqual(len(calls), 1)
        self.assertTrue(all(m.payload == b"query" for m in wire(net, C, S)))

    def test_post_response_changing_mid_transfer_fails(self):
        ep = Endpoint(rand=lambda n: b"\x00" * n)
        h = ep.send_request(request(POST, "/p", b"x"), S, 0.0)
        req = Message.decode(ep.datagrams_to_send(0.0)[0][0])
        ep.receive_datagram(Message(ACK, CHANGED, req.mid, req.token,
                                    [(ETAG, b"\x01"), (BLOCK2, encode_block(0, True, 0))],
                                    b"a" * 16).encode(), S, 0.1)
        req = Message.decode(ep.datagrams_to_send(0.1)[0][0])
        self.assertEqual(req.payload, b"")  # a POST follow-up carries no body
        ep.receive_datagram(Message(ACK, CHANGED, req.mid, req.token,
                                    [(ETAG, b"\x02"), (BLOCK2, encode_block(1, False, 0))],
                                    b"b").encode(), S, 0.2)
        ev = ep.next_event()
        self.assertIsInstance(ev, RequestFailed)
        self.assertIs(ev.handle, h)
        self.assertEqual(ep.datagrams_to_send(0.2), [])  # not re-run
