"""SecureEndpoint in memory with a fake clock: IK and XX, loss, replay, tampering, rebinding,
restarts, pinning, RETRY and amplification; CoAP on top where the test needs exactly-once.
Portable."""

import unittest

from mxcoap.coap import CON, POST, Message, RequestFailed, ResponseReceived, TransmissionParams
from mxcoap.noise import public_key
from mxcoap.noise import x25519 as _x25519
from mxcoap.session import (
    KnownPeers,
    MessageReceived,
    PeerHandle,
    PeerKeyError,
    PeerRejected,
    SecureEndpoint,
    SessionClosed,
    SessionEstablished,
    SessionParams,
)
from mxcoap.session import header as H
from session_net import SecureNet, echo_handler, key_from

C = ("10.0.0.1", 40000)
S = ("10.0.0.2", 5683)
SKEY = key_from(1001)
CKEY = key_from(2002)


def request(payload, path="/r", code=POST):
    m = Message(CON, code, 0, b"", None, payload)
    m.set_uri_path(path)
    return m


def responses(node):
    return [e for e in node.app_events if isinstance(e, ResponseReceived)]


def of_type(events, cls):
    return [e for e in events if isinstance(e, cls)]


def pair(net=None, ik=True, server_kw=None, client_kw=None, name="host"):
    net = net or SecureNet()
    server = net.add(S, SKEY, handler=echo_handler, seed=11, **(server_kw or {}))
    client = net.add(C, CKEY, seed=22, **(client_kw or {}))
    rs = public_key(SKEY) if ik else None
    pid = client.secure.connect(S, net.now, remote_static=rs, name=name)
    return net, client, server, pid


class _Pair:
    """Two bare SecureEndpoints and a list-based wire (no CoAP)."""

    def __init__(self, ik=True, **kw):
        self.a = SecureEndpoint(CKEY, rand=key_rng(5))
        self.b = SecureEndpoint(SKEY, rand=key_rng(6), **kw)
        self.pid = self.a.connect(S, 0.0, remote_static=public_key(SKEY) if ik else None)
        self.wire = []

    def move(self, now, src_ep, src_addr, dst_ep):
        out = src_ep.datagrams_to_send(now)
        for d, _ in out:
            self.wire.append(d)
            dst_ep.receive_datagram(d, src_addr, now)
        return [d for d, _ in out]

    def establish(self):
        """An IK session up by t=5 (IK2 sent after ik2_wait, without a CoAP answer)."""
        self.a.send(self.pid, b"q", 0.0)
        self.settle()
        self.b.handle_timer(5.0)
        self.settle(5.0)

    def settle(self, now=0.0):
        for _ in range(10):
            if not (self.move(now, self.a, C, self.b) or self.move(now, self.b, S, self.a)):
                return


def key_rng(seed):
    from coap_net import XorShift

    return XorShift(seed).bytes


def drain(ep):
    out = []
    ev = ep.next_event()
    while ev is not None:
        out.append(ev)
        ev = ep.next_event()
    return out


class TestHandshakes(unittest.TestCase):
    def test_ik_request_rides_in_ik1_response_in_ik2(self):
        net, client, server, pid = pair()
        client.coap.send_request(request(b"hello"), pid, 0.0)
        net.run(until=30)
        self.assertEqual([r.response.payload for r in responses(client)], [b"re:hello"])
        kinds = [e[3][0] & 0xF0 for e in net.log]
        self.assertEqual(kinds, [H.IK1, H.IK2])  # one round trip, no transport datagram
        self.assertEqual(server.executed, [(public_key(CKEY), b"hello")])
        # The next exchange is two transport datagrams of 10 bytes overhead each.
        client.coap.send_request(request(b"again"), pid, net.now)
        net.run(until=60)
        tail = net.log[2:]
        self.assertEqual(len(tail), 2)
        for e in tail:
            self.assertEqual(e[3][0] & 0x80, 0)

    def test_xx_first_contact_then_ik_after_restart(self):
        store = KnownPeers()
        net, client, server, pid = pair(ik=False, client_kw={"known_peers": store})
        self.assertIsInstance(pid, PeerHandle)
        client.coap.send_request(request(b"one"), pid, 0.0)
        net.run(until=30)
        self.assertEqual([r.response.payload for r in responses(client)], [b"re:one"])
        kinds = [e[3][0] & 0xF0 for e in net.log]
        self.assertEqual(kinds[:3], [H.XX1, H.XX2, H.XX3])
        self.assertEqual(pid.static_key, public_key(SKEY))
        self.assertEqual(store.key_for("host"), public_key(SKEY))  # trust on first use
        text = store.serialise()
        # A restarted client with the persisted store goes straight to IK.
        client.start(known_peers=KnownPeers.parse(text))
        pid2 = client.secure.connect(S, net.now, name="host")
        self.assertEqual(pid2, public_key(SKEY))
        n = len(net.log)
        client.coap.send_request(request(b"two"), pid2, net.now)
        net.run(until=60)
        self.assertEqual(net.log[n][3][0] & 0xF0, H.IK1)
        self.assertEqual(responses(client)[-1].response.payload, b"re:two")

    def test_hello_exchange(self):
        p = _Pair(hello=lambda offered: b"chose:" + offered)
        p.a.connect(S, 0.0, remote_static=public_key(SKEY), hello=b"m1,m2")
        p.a.send(p.pid, b"", 0.0)
        p.settle()
        ev_b = of_type(drain(p.b), SessionEstablished)
        self.assertEqual(ev_b[0].hello, b"m1,m2")
        p.b.handle_timer(10.0)  # no CoAP answer: IK2 goes after ik2_wait
        p.settle(10.0)
        ev_a = of_type(drain(p.a), SessionEstablished)
        self.assertEqual(ev_a[0].hello, b"chose:m1,m2")
        self.assertTrue(p.a.is_established(p.pid))

    def test_xx_hello(self):
        p = _Pair(ik=False, hello=lambda offered: b"ok:" + offered)
        pid = p.a.connect(S, 0.0, hello=b"maps")
        p.a.send(pid, b"first", 0.0)
        p.settle()
        ev_a = of_type(drain(p.a), SessionEstablished)
        self.assertEqual(ev_a[0].hello, b"ok:maps")
        evs = drain(p.b)
        self.assertEqual(of_type(evs, SessionEstablished)[0].hello, b"maps")
        self.assertEqual([e.data for e in of_type(evs, MessageReceived)], [b"first"])

    def test_connect_twice_same_handle(self):
        ep = SecureEndpoint(CKEY, rand=key_rng(1))
        h1 = ep.connect(S, 0.0, name="host")
        self.assertIs(ep.connect(S, 1.0, name="host"), h1)
        self.assertIsNot(ep.connect(S, 1.0, name="other"), h1)
        h3 = ep.connect(("10.9.9.9", 1), 1.0)
        self.assertIs(ep.connect(("10.9.9.9", 1), 2.0), h3)
        k = ep.connect(S, 0.0, remote_static=public_key(SKEY))
        self.assertEqual(k, public_key(SKEY))
        self.assertEqual(ep.connect(S, 0.0, remote_static=public_key(SKEY)), k)

    def test_wrong_pinned_key_refused_by_name(self):
        other = key_from(999)
        net, client, server, pid = pair(ik=False, client_kw={"pinned": public_key(other)})
        client.coap.send_request(request(b"secret"), pid, 0.0)
        net.run(until=200)
        rejected = of_type(client.events, PeerRejected)
        self.assertEqual(len(rejected), 1)
        self.assertEqual(rejected[0].key, public_key(SKEY))
        self.assertIsInstance(rejected[0].error, PeerKeyError)
        self.assertIn(public_key(SKEY).hex(), rejected[0].reason)
        self.assertEqual(server.executed, [])  # the request never left the client
        self.assertEqual(responses(client), [])

    def test_known_name_with_other_key_refused(self):
        store = KnownPeers()
        store.pin("host", public_key(key_from(4242)))
        p = _Pair(ik=False)
        p.a.known_peers = store
        pid = p.a.connect(S, 0.0, name="host")
        # The store names a key: IK to it; the real responder cannot read it; after
        # IK_ATTEMPTS the client falls back to XX, which reveals the key and refuses it.
        for i in range(5):
            p.a.send(pid, b"req", float(i))
            p.settle(float(i))
        rejected = of_type(drain(p.a), PeerRejected)
        self.assertEqual(len(rejected), 1)
        self.assertIn(public_key(SKEY).hex(), rejected[0].reason)
        self.assertEqual(of_type(drain(p.b), MessageReceived), [])


class TestLossyNetwork(unittest.TestCase):
    def _run_lossy(self, ik, seed):
        params = TransmissionParams(max_retransmit=10, ack_timeout=1.0)
        net = SecureNet(seed=seed, loss=0.3, dup=0.1, reorder=0.5)
        net, client, server, pid = pair(
            net, ik=ik, client_kw={"coap_params": params}, server_kw={"coap_params": params}
        )
        sent = []
        for i in range(6):
            body = b"msg-" + str(i).encode()
            sent.append(body)
            client.coap.send_request(request(body), pid, net.now)
            net.run(until=net.now + 2.0)
        net.run(until=net.now + 400)
        got = sorted(r.response.payload for r in responses(client))
        self.assertEqual(got, sorted(b"re:" + b for b in sent))
        self.assertEqual(of_type(client.app_events, RequestFailed), [])
        bodies = [e[1] for e in server.executed]
        for b in sent:
            self.assertEqual(bodies.count(b), 1)  # exactly once despite loss and duplicates
        return net, client, server

    def test_ik_30_percent_loss(self):
        self._run_lossy(True, 7)

    def test_xx_30_percent_loss(self):
        self._run_lossy(False, 8)


class TestAttacks(unittest.TestCase):
    def test_replayed_datagrams_rejected(self):
        net, client, server, pid = pair()
        for i in range(3):
            client.coap.send_request(request(b"r" + bytes((48 + i,))), pid, net.now)
            net.run(until=net.now + 10)
        self.assertEqual(len(server.executed), 3)
        before_c = len(client.events)
        before_s = len(server.events)
        for e in list(net.log):
            dst = net.nodes[e[2]]
            dst.secure.receive_datagram(e[3], e[1], net.now)
        net.run(until=net.now + 100)
        self.assertEqual(len(server.executed), 3)
        self.assertEqual(of_type(server.events[before_s:], MessageReceived), [])
        self.assertEqual(of_type(client.events[before_c:], MessageReceived), [])
        self.assertGreater(server.secure.stats["replays"], 0)

    def test_every_byte_flipped_is_rejected(self):
        p = _Pair(params=SessionParams(handshakes_per_second=1000))  # every IK1 reaches Noise
        p.a.send(p.pid, b"request-in-ik1", 0.0)
        ik1 = p.a.datagrams_to_send(0.0)[0][0]
        for i in range(len(ik1)):
            bad = bytearray(ik1)
            bad[i] ^= 0x20
            p.b.receive_datagram(bytes(bad), C, 0.0)
        self.assertEqual(of_type(drain(p.b), MessageReceived), [])
        p.b.receive_datagram(ik1, C, 0.0)
        self.assertEqual(
            [e.data for e in of_type(drain(p.b), MessageReceived)], [b"request-in-ik1"]
        )
        p.b.send(public_key(CKEY), b"answer", 0.0)
        p.move(0.0, p.b, S, p.a)
        drain(p.a)
        p.a.send(p.pid, b"transport-payload", 1.0)
        d = p.a.datagrams_to_send(1.0)[0][0]
        for i in range(len(d)):
            for bit in (0x01, 0x80):
                bad = bytearray(d)
                bad[i] ^= bit
                p.b.receive_datagram(bytes(bad), C, 1.0)
        self.assertEqual(of_type(drain(p.b), MessageReceived), [])
        self.assertEqual(p.b.session_count(), 1)
        p.b.receive_datagram(d, C, 1.0)
        self.assertEqual(
            [e.data for e in of_type(drain(p.b), MessageReceived)], [b"transport-payload"]
        )

    def test_ik1_replay_not_executed_twice_even_after_restart(self):
        store = KnownPeers()
        net, client, server, pid = pair(server_kw={"known_peers": store})
        client.coap.send_request(request(b"pay 10"), pid, 0.0)
        net.run(until=30)
        ik1 = net.log[0][3]
        self.assertEqual(ik1[0], H.IK1)
        attacker = ("10.6.6.6", 1)
        net.inject(ik1, attacker, S)
        net.run(until=60)
        self.assertEqual(server.executed, [(public_key(CKEY), b"pay 10")])
        # The responder restarts with its persisted known-peers store.
        # (The running responder answered the duplicate from its cache: the same IK2 bytes.)
        self.assertEqual(net.sent(src=S, dst=attacker)[0][3], net.log[1][3])
        server.start(known_peers=KnownPeers.parse(store.serialise()))
        n = len(net.log)
        net.inject(ik1, attacker, S)
        net.inject(ik1, C, S)
        net.run(until=90)
        self.assertEqual(server.executed, [(public_key(CKEY), b"pay 10")])
        self.assertEqual(server.secure.stats["ik1_replays"], 2)
        self.assertEqual(net.log[n:], [])  # dropped without an answer

    def test_amplification_limit(self):
        # An attacker replays a captured IK1 from the victim's address: the answers to the
        # unverified address stay within 3x what came from it.
        p = _Pair()
        p.a.send(p.pid, b"x" * 10, 0.0)
        p.settle(0.0)
        p.b.send(public_key(CKEY), b"big answer " * 100, 0.0)
        p.settle(0.0)
        ik1 = p.wire[0]
        victim = ("192.0.2.7", 9)
        received = 0
        sent = 0
        for i in range(5):
            p.b.receive_datagram(ik1, victim, 1.0 + i)
            received += len(ik1)
            for d, addr in p.b.datagrams_to_send(1.0 + i):
                self.assertEqual(addr, victim)
                sent += len(d)
            self.assertLessEqual(sent, 3 * received)
        # Transport garbage to an unknown session id: a RESET never larger than the datagram.
        junk = b"\x1e" + bytes(30)
        p.b.receive_datagram(junk, victim, 9.0)
        out = p.b.datagrams_to_send(9.0)
        self.assertEqual(len(out), 1)
        self.assertLessEqual(len(out[0][0]), len(junk))


class TestRebindingAndRestart(unittest.TestCase):
    def test_client_port_change_keeps_session(self):
        net, client, server, pid = pair()
        client.coap.send_request(request(b"a"), pid, 0.0)
        net.run(until=20)
        handshakes = server.secure.stats["handshakes"]
        new_addr = ("10.0.0.1", 40001)
        # A forged datagram from the new address does not move the session.
        net.inject(b"\x00\x05" + bytes(20), new_addr, S)
        net.run(until=25)
        s = server.secure._by_key[public_key(CKEY)].session
        self.assertEqual(s.addr, C)
        net.move(client, new_addr)
        client.coap.send_request(request(b"b"), pid, net.now)
        net.run(until=60)
        self.assertEqual(responses(client)[-1].response.payload, b"re:b")
        self.assertEqual(server.secure.stats["handshakes"], handshakes)
        self.assertEqual(s.addr, new_addr)
        self.assertEqual(net.log[-1][2], new_addr)  # the answer went to the new port

    def test_responder_restart_rehandshakes_and_delivers_once(self):
        store = KnownPeers()
        net, client, server, pid = pair(server_kw={"known_peers": store})
        client.coap.send_request(request(b"first"), pid, 0.0)
        net.run(until=20)
        server.start(known_peers=KnownPeers.parse(store.serialise()))
        server.executed = []
        client.coap.send_request(request(b"second"), pid, net.now)
        net.run(until=80)
        self.assertEqual(responses(client)[-1].response.payload, b"re:second")
        self.assertEqual(server.executed, [(public_key(CKEY), b"second")])
        self.assertTrue(of_type(client.events, SessionClosed))
        self.assertEqual(client.secure.stats["resets_accepted"], 1)
        kinds = [e[3][0] & 0xF0 for e in net.log]
        self.assertEqual(kinds.count(H.IK1), 2)

    def test_forged_reset_ignored(self):
        p = _Pair()
        p.establish()
        s = p.a._peers[p.pid].session
        p.a.receive_datagram(H.encode_reset(s.remote_sid, bytes(30)), S, 6.0)
        self.assertIs(p.a._peers[p.pid].session, s)


class TestRetry(unittest.TestCase):
    def test_no_x25519_before_cookie_under_load(self):
        server = SecureEndpoint(
            SKEY, rand=key_rng(3), params=SessionParams(handshakes_per_second=2)
        )
        clients = []
        for i in range(8):
            ep = SecureEndpoint(key_from(500 + i), rand=key_rng(600 + i))
            pid = ep.connect(S, 0.0, remote_static=public_key(SKEY))
            ep.send(pid, b"req" + bytes((48 + i,)), 0.0)
            clients.append((ep, pid, ("10.1.0." + str(i), 1000 + i)))
        calls = [0]
        real_dh = _x25519.dh

        def counting_dh(a, b):
            calls[0] += 1
            return real_dh(a, b)

        _x25519.dh = counting_dh
        try:
            answers = []
            for ep, _pid, addr in clients:
                for d, _ in ep.datagrams_to_send(0.0):
                    server.receive_datagram(d, addr, 0.0)
                answers.append(server.datagrams_to_send(0.0))
            # IK1 read costs 2 DH (es, ss): only the first two handshakes did X25519 work.
            self.assertEqual(calls[0], 4)
            self.assertEqual(server.stats["retries_sent"], 6)
            for out in answers[2:]:
                self.assertEqual(len(out), 1)
                self.assertEqual(out[0][0][0], H.RETRY)
                self.assertEqual(len(out[0][0]), H.RETRY_LEN)
            # Each client echoes the cookie; the server now does the work at once.
            for i in range(2, 8):
                ep, _pid, addr = clients[i]
                out = answers[i]
                ep.receive_datagram(out[0][0], S, 0.1)
                again = ep.datagrams_to_send(0.1)
                self.assertEqual(again[0][0][0], H.IK1 | H.FLAG_COOKIE)
                server.receive_datagram(again[0][0], addr, 0.1)
            got = [e.data for e in of_type(drain(server), MessageReceived)]
            self.assertEqual(sorted(got), sorted(b"req" + bytes((48 + i,)) for i in range(8)))
            # A cookie for another address is refused without X25519 work.
            ep2 = SecureEndpoint(key_from(77), rand=key_rng(78))
            pid2 = ep2.connect(S, 0.2, remote_static=public_key(SKEY))
            ep2.send(pid2, b"x", 0.2)
            d = ep2.datagrams_to_send(0.2)[0][0]
            before = calls[0]
            cookie = H.decode_retry(answers[3][0][0])[0]
            server.receive_datagram(H.encode_hello(H.IK1, d[1:], cookie), ("10.9.9.9", 1), 0.3)
            self.assertEqual(calls[0], before)
        finally:
            _x25519.dh = real_dh


if __name__ == "__main__":
    unittest.main()


class TestFlows(unittest.TestCase):
    def test_ik2_waits_for_the_response_then_goes_without(self):
        p = _Pair()
        p.a.send(p.pid, b"slow request", 0.0)
        p.move(0.0, p.a, C, p.b)
        drain(p.b)
        self.assertEqual(p.b.datagrams_to_send(0.0), [])  # IK2 held back for the response
        wait = p.b.params.ik2_wait
        self.assertEqual(p.b.get_timer(), wait)
        p.b.handle_timer(wait)
        out = p.move(wait, p.b, S, p.a)
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0][0], H.IK2)
        self.assertEqual(of_type(drain(p.a), MessageReceived), [])
        p.b.send(public_key(CKEY), b"late answer", wait + 1)
        out = p.move(wait + 1, p.b, S, p.a)
        self.assertEqual(out[0][0] & 0x80, 0)  # a transport datagram
        self.assertEqual([e.data for e in of_type(drain(p.a), MessageReceived)], [b"late answer"])

    def test_duplicate_ik1_gets_cached_ik2(self):
        p = _Pair()
        p.a.send(p.pid, b"req", 0.0)
        p.move(0.0, p.a, C, p.b)
        p.b.send(public_key(CKEY), b"resp", 0.1)
        ik2 = p.b.datagrams_to_send(0.1)[0][0]  # lost
        self.assertEqual(len(of_type(drain(p.b), MessageReceived)), 1)
        p.a.send(p.pid, b"req", 2.0)  # CoAP retransmission: the same IK1 again
        again = p.move(2.0, p.a, C, p.b)
        self.assertEqual(again, [p.wire[0]])
        self.assertEqual(of_type(drain(p.b), MessageReceived), [])  # not handed up twice
        self.assertEqual(p.move(2.0, p.b, S, p.a), [ik2])
        self.assertEqual([e.data for e in of_type(drain(p.a), MessageReceived)], [b"resp"])

    def test_second_message_waits_for_the_handshake(self):
        p = _Pair()
        p.a.send(p.pid, b"one", 0.0)
        p.a.send(p.pid, b"two", 0.0)
        self.assertEqual(len(p.a.datagrams_to_send(0.0)), 1)
        p.a.send(p.pid, b"one", 0.0)
        out = p.a.datagrams_to_send(0.0)
        p.b.receive_datagram(out[0][0], C, 0.0)
        p.b.send(public_key(CKEY), b"r1", 0.0)
        p.settle()
        self.assertEqual([e.data for e in of_type(drain(p.b), MessageReceived)], [b"one", b"two"])

    def test_handshake_timeout(self):
        p = _Pair()
        p.a.send(p.pid, b"into the void", 0.0)
        p.a.datagrams_to_send(0.0)
        t = p.a.get_timer()
        self.assertEqual(t, p.a.params.handshake_timeout)
        p.a.handle_timer(t)
        closed = of_type(drain(p.a), SessionClosed)
        self.assertEqual([c.reason for c in closed], ["handshake timeout"])
        p.a.send(p.pid, b"again", t + 1)  # a new handshake starts
        self.assertEqual(p.a.datagrams_to_send(t + 1)[0][0][0], H.IK1)

    def test_xx3_duplicate_hands_the_message_up_again(self):
        p = _Pair(ik=False)
        p.a.send(p.pid, b"first", 0.0)
        p.move(0.0, p.a, C, p.b)  # XX1
        p.move(0.0, p.b, S, p.a)  # XX2
        xx3 = p.move(0.0, p.a, C, p.b)[0]
        self.assertEqual(xx3[0], H.XX3)
        self.assertEqual(len(of_type(drain(p.b), MessageReceived)), 1)
        p.b.send(public_key(CKEY), b"answer", 0.0)
        p.b.datagrams_to_send(0.0)  # lost
        p.a.send(p.pid, b"first", 2.0)  # retransmission: XX3 again (not yet confirmed)
        self.assertEqual(p.move(2.0, p.a, C, p.b), [xx3])
        self.assertEqual([e.data for e in of_type(drain(p.b), MessageReceived)], [b"first"])
        self.assertEqual(p.b.session_count(), 1)

    def test_stale_session_rehandshakes(self):
        p = _Pair()
        p.establish()
        stale = p.a.params.stale_sends
        for i in range(stale):
            p.a.send(p.pid, b"unanswered", 6.0 + i)
            self.assertEqual(p.a.datagrams_to_send(6.0)[0][0][0] & 0x80, 0)
        p.a.send(p.pid, b"unanswered", 20.0)
        self.assertEqual(p.a.datagrams_to_send(20.0)[0][0][0], H.IK1)
        self.assertIn("stale", [c.reason for c in of_type(drain(p.a), SessionClosed)])

    def test_keepalive_not_passed_up(self):
        p = _Pair()
        p.establish()
        drain(p.b)
        p.a.send(p.pid, b"", 6.0)
        out = p.move(6.0, p.a, C, p.b)
        self.assertEqual(len(out[0]), 1 + 8)  # compact byte 0 and the tag
        self.assertEqual(drain(p.b), [])

    def test_usage_errors(self):
        from mxcoap.session import SessionUsageError

        p = _Pair()
        with self.assertRaises(SessionUsageError):
            p.a.send(b"\x00" * 32, b"x", 0.0)
        with self.assertRaises(SessionUsageError):
            p.a.send(p.pid, bytes(1280), 0.0)

    def test_two_byte_session_ids(self):
        server = SecureEndpoint(
            SKEY, rand=key_rng(9), params=SessionParams(handshakes_per_second=100)
        )
        for i in range(33):
            ep = SecureEndpoint(key_from(3000 + i), rand=key_rng(4000 + i))
            pid = ep.connect(S, 0.0, remote_static=public_key(SKEY))
            ep.send(pid, b"hi", 0.0)
            addr = ("10.2.0." + str(i), 7)
            for d, _ in ep.datagrams_to_send(0.0):
                server.receive_datagram(d, addr, 0.0)
            drain(server)
            server.send(ep.static_public, b"ok", 0.0)
            for d, _ in server.datagrams_to_send(0.0):
                ep.receive_datagram(d, S, 0.0)
            self.assertEqual([e.data for e in of_type(drain(ep), MessageReceived)], [b"ok"])
            ep.send(pid, b"more", 1.0)
            d = ep.datagrams_to_send(1.0)[0][0]
            server.receive_datagram(d, addr, 1.0)
            self.assertEqual([e.data for e in of_type(drain(server), MessageReceived)], [b"more"])
        # 31 ids fit in byte 0; the rest cost 2 more bytes.
        self.assertEqual(len(d), 1 + 2 + 1 + 4 + 8)
        self.assertEqual(server.session_count(), 33)


class TestEvictionAndRekey(unittest.TestCase):
    def test_xx1_flood_does_not_lock_out(self):
        server = SecureEndpoint(
            SKEY, rand=key_rng(9), params=SessionParams(max_pending=4, handshakes_per_second=100)
        )
        for i in range(10):  # spoofed XX1s that never continue
            ep = SecureEndpoint(key_from(7000 + i), rand=key_rng(7100 + i))
            ep.send(ep.connect(S, 0.0), b"", 0.0)
            server.receive_datagram(ep.datagrams_to_send(0.0)[0][0], ("10.7.0." + str(i), 1), 0.0)
        server.datagrams_to_send(0.0)
        p = _Pair(ik=False)
        p.b = server
        p.a.send(p.pid, b"real", 1.0)
        p.settle(1.0)
        self.assertEqual([e.data for e in of_type(drain(server), MessageReceived)], [b"real"])
        pending = [o for o in server._sids.values() if o.__class__.__name__ == "Answer"]
        self.assertLessEqual(len(pending), 4)

    def test_evicted_session_reset_rehandshake_answered_from_cache(self):
        # The responder executes A, its answer is lost, and a second client's session evicts the
        # first one's. The retransmission of A draws a RESET, the client re-handshakes with A
        # in IK1, and CoAP de-duplication (keyed by static key) answers without executing again.
        net = SecureNet()
        server = net.add(
            S, SKEY, handler=echo_handler, seed=11, params=SessionParams(max_sessions=1)
        )
        c1 = net.add(C, CKEY, seed=22)
        c2_addr = ("10.0.0.3", 40002)
        c2 = net.add(c2_addr, key_from(3003), seed=33)
        p1 = c1.secure.connect(S, 0.0, remote_static=public_key(SKEY))
        p2 = c2.secure.connect(S, 0.0, remote_static=public_key(SKEY))
        c1.coap.send_request(request(b"warm-up"), p1, 0.0)
        net.run(until=10)
        lost = []

        def drop_first_answer(src, dst, data):
            if src == S and dst == C and not lost and data[0] & 0x80 == 0:
                lost.append(data)
                return True
            return False

        net.drop = drop_first_answer
        c1.coap.send_request(request(b"transfer A"), p1, net.now)
        net.run(until=net.now + 0.5)
        self.assertEqual(len(lost), 1)
        c2.coap.send_request(request(b"other"), p2, net.now)  # evicts c1's session
        net.run(until=net.now + 0.2)
        self.assertEqual(server.secure.session_count(), 1)
        net.run(until=net.now + 120)
        answers = [r.response.payload for r in responses(c1)]
        self.assertEqual(answers, [b"re:warm-up", b"re:transfer A"])
        bodies = [e[1] for e in server.executed]
        self.assertEqual(bodies.count(b"transfer A"), 1)
        self.assertGreaterEqual(c1.secure.stats["resets_accepted"], 1)

    def test_rekey_at_ends_the_session(self):
        p = _Pair()
        p.establish()
        p.a._peers[p.pid].session.record.params = SessionParams(rekey_at=4)
        for i in range(4):
            p.a.send(p.pid, b"m", 6.0 + i)
        self.assertIn("rekey", [c.reason for c in of_type(drain(p.a), SessionClosed)])
        p.a.send(p.pid, b"next", 10.0)
        self.assertEqual(p.a.datagrams_to_send(10.0)[-1][0][0], H.IK1)


class TestLimits(unittest.TestCase):
    def test_auth_failures_end_the_session(self):
        p = _Pair(params=SessionParams(max_auth_failures=3))
        p.establish()
        p.a.send(p.pid, b"good", 6.0)
        d = p.a.datagrams_to_send(6.0)[0][0]
        bad = d[:-1] + bytes((d[-1] ^ 1,))
        for _ in range(3):
            p.b.receive_datagram(bad, C, 7.0)
        self.assertEqual(p.b.session_count(), 0)
        reasons = [c.reason for c in of_type(drain(p.b), SessionClosed)]
        self.assertEqual(reasons, ["too many authentication failures"])

    def test_idle_session_forgotten(self):
        p = _Pair(params=SessionParams(session_idle_timeout=100.0))
        p.establish()
        self.assertEqual(p.b.session_count(), 1)
        t = p.b.get_timer()
        self.assertEqual(t, 105.0)  # the session began when IK2 went, at t=5
        p.b.handle_timer(t)
        self.assertEqual(p.b.session_count(), 0)
        self.assertEqual([c.reason for c in of_type(drain(p.b), SessionClosed)], ["idle"])

    def test_oversized_datagram_dropped(self):
        p = _Pair()
        p.b.receive_datagram(b"\x90" + bytes(1400), C, 0.0)
        self.assertEqual(p.b.datagrams_to_send(0.0), [])
        self.assertEqual(p.b.stats["dropped"], 1)

    def test_xx1_retry_cookie_flow(self):
        server = SecureEndpoint(
            SKEY, rand=key_rng(3), params=SessionParams(handshakes_per_second=1)
        )
        results = []
        for i in range(2):
            ep = SecureEndpoint(key_from(800 + i), rand=key_rng(900 + i))
            pid = ep.connect(S, 0.0)
            ep.send(pid, b"first contact", 0.0)
            addr = ("10.3.0." + str(i), 5)
            d = ep.datagrams_to_send(0.0)[0][0]
            self.assertEqual(d[0], H.XX1)
            server.receive_datagram(d, addr, 0.0)
            results.append((ep, pid, addr, server.datagrams_to_send(0.0)))
        self.assertEqual(results[0][3][0][0][0], H.XX2)
        ep, pid, addr, out = results[1]
        self.assertEqual(out[0][0][0], H.RETRY)
        ep.receive_datagram(out[0][0], S, 0.1)
        d = ep.datagrams_to_send(0.1)[0][0]
        self.assertEqual(d[0], H.XX1 | H.FLAG_COOKIE)
        for _ in range(3):
            server.receive_datagram(d, addr, 0.1)
            out = server.datagrams_to_send(0.1)
            if not out:
                break
            ep.receive_datagram(out[0][0], S, 0.1)
            d = ep.datagrams_to_send(0.1)[0][0]
        got = [e.data for e in of_type(drain(server), MessageReceived)]
        self.assertEqual(got, [b"first contact"])

    def test_forged_ik2_only_costs_a_new_handshake(self):
        p = _Pair()
        p.a.send(p.pid, b"req", 0.0)
        ik1 = p.a.datagrams_to_send(0.0)[0][0]
        sid = p.a._peers[p.pid].pending.local_sid
        forged = H.encode_with_sid(H.IK2, sid, bytes(60))
        p.a.receive_datagram(forged, ("10.6.6.6", 1), 0.1)
        self.assertFalse(p.a.is_established(p.pid))
        p.a.send(p.pid, b"req", 2.0)  # the retransmission starts a fresh IK1
        again = p.a.datagrams_to_send(2.0)[0][0]
        self.assertEqual(again[0], H.IK1)
        self.assertNotEqual(again, ik1)
        p.b.receive_datagram(again, C, 2.0)
        p.b.send(public_key(CKEY), b"resp", 2.0)
        p.move(2.0, p.b, S, p.a)
        self.assertEqual([e.data for e in of_type(drain(p.a), MessageReceived)], [b"resp"])


class TestLostResponderHalf(unittest.TestCase):
    def test_xx3_into_a_restarted_responder_falls_back_to_ik(self):
        p = _Pair(ik=False)
        p.a.send(p.pid, b"first", 0.0)
        p.move(0.0, p.a, C, p.b)  # XX1
        p.move(0.0, p.b, S, p.a)  # XX2
        p.b = SecureEndpoint(SKEY, rand=key_rng(66))  # restarts before XX3 arrives
        for i in range(4):
            p.a.send(p.pid, b"first", 1.0 + i)  # CoAP retransmissions
            out = p.move(1.0 + i, p.a, C, p.b)
        self.assertEqual(out[0][0], H.IK1)  # after IK_ATTEMPTS XX3s, a new IK handshake
        self.assertIn("unconfirmed", [c.reason for c in of_type(drain(p.a), SessionClosed)])
        self.assertEqual([e.data for e in of_type(drain(p.b), MessageReceived)], [b"first"])
        p.b.send(public_key(CKEY), b"answer", 5.0)
        p.move(5.0, p.b, S, p.a)
        self.assertEqual([e.data for e in of_type(drain(p.a), MessageReceived)], [b"answer"])
        self.assertTrue(p.a.is_established(p.pid))
