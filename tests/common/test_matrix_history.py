"""Response history (mxcoap.matrix.history, docs/protocol.md Part 3 "Response history"): later
responses compress against earlier exchanges, and the two sides never disagree on the dictionary
under loss, duplication and reordering; what cannot be decoded is an error, never a guess."""

import unittest

from coap_net import XorShift
from matrix_support import ROOM, TOKEN, over_the_wire, pair, send_hello
from mxcoap.coap import Message
from mxcoap.matrix import (
    HttpRequest,
    HttpResponse,
    MatrixDecodeError,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
    history,
    jsontext,
)
from mxcoap.matrix.numbers import OPT_ACK, OPT_HISTORY

JSON = [("Content-Type", "application/json")]


def sync_request(since):
    return HttpRequest("GET", "/_matrix/client/v3/sync", "since=" + since + "&timeout=30000",
                       [("Authorization", "Bearer " + TOKEN)])


def sync_body(i):
    """A /sync answer that shares most of its text with the previous ones."""
    events = []
    for k in range(3):
        events.append({"type": "m.room.message", "sender": "@alice:localhost",
                       "event_id": "$event" + str(i * 3 + k) + "AbCdEfGhIjKlMnOpQrStUvWxYz01234",
                       "origin_server_ts": 1795626574841 + i * 1000 + k,
                       "content": {"msgtype": "m.text", "body": "message number " + str(k)}})
    body = {"next_batch": "s" + str(i + 1) + "_7_0_1_1_1_1_1_1",
            "rooms": {"join": {ROOM: {"timeline": {"events": events, "limited": False,
                                                   "prev_batch": "s" + str(i) + "_7_0_1"}}}}}
    return jsontext.dumps(body)


def respond(host, back, body, status=200, headers=JSON):
    return encode_response(HttpResponse(status, headers, body), host, back.route, request=back)


def roundtrip(tc, edge, host, req, body):
    """One exchange with the history in use: (request msg, response msg, decoded answer)."""
    msg, ex = encode_request(req, edge)
    got, _ = over_the_wire(msg)
    back = decode_request(got, host)
    rmsg, _ = over_the_wire(respond(host, back, body), mtype=2)
    out = decode_response(rmsg, edge, ex)
    tc.assertEqual(jsontext.loads(out.body), jsontext.loads(body))
    return msg, rmsg, out


def entry(msg):
    value = msg.opt(OPT_HISTORY)
    return None if value is None else history.decode_option(value)


def acks(msg):
    value = msg.opt(OPT_ACK)
    return [] if value is None else history.decode_uints(value, history.MAX_ACKS)


class TestOption(unittest.TestCase):
    def test_values_round_trip_in_shortest_form(self):
        for e, n in ((0, 0), (1, 1), (5, 0), (23, 20), (24, 24), (300, 292), (70000, 69992)):
            value = history.encode_option(e, n)
            self.assertEqual(history.decode_option(value), (e, n))
        self.assertEqual(history.encode_option(7, 7), b"\x07")  # base = itself: one byte
        self.assertEqual(history.encode_option(30, 29), b"\x18\x1e\x01")

    def test_bad_values_are_refused(self):
        for value in (b"", b"\x18\x05", b"\x19\x00\x10", b"\x05\x06", b"\x05\x00", b"\x1b",
                      b"\x18", b"\x30\x02\x11", b"\x01\x01\x01", b"\x20"):
            with self.assertRaises(MatrixDecodeError, msg=value.hex()):
                history.decode_option(value)
        # Base 0 (no history) is always allowed; another base at most MAX_LAG entries back.
        self.assertEqual(history.decode_option(b"\x18\x28\x18\x28"), (40, 0))
        with self.assertRaises(MatrixDecodeError):
            history.decode_option(b"\x18\x28\x09")

    def test_ack_lists_are_bounded(self):
        with self.assertRaises(MatrixDecodeError):
            history.decode_uints(bytes(range(history.MAX_ACKS + 1)), history.MAX_ACKS)
        self.assertEqual(history.decode_uints(b"\x01\x18\x20\x19\x01\x00", 4), [1, 32, 256])


class TestHistory(unittest.TestCase):
    def test_repeats_shrink_once_acknowledged(self):
        edge, host = pair()
        sizes = []
        for i in range(4):
            msg, rmsg, _ = roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i))
            sizes.append(len(rmsg.encode()))
            self.assertEqual(entry(rmsg)[0], i)
            self.assertEqual(acks(msg), [i - 1] if i else [])  # a GET acknowledges at once
        self.assertEqual(entry(rmsg), (3, 3))  # the base is the entry itself: all before it
        self.assertTrue(sizes[2] < sizes[0] * 0.6, sizes)
        # The acknowledgements stop once a 2xx answered them.
        self.assertEqual(edge.history_rx.unacked, {3})

    def test_without_the_history_the_same_answers_cost_more(self):
        edge, host = pair()
        plain = 0
        for i in range(4):
            msg, ex = encode_request(sync_request("s" + str(i)), edge)
            back = decode_request(msg, host)
            rmsg = encode_response(HttpResponse(200, JSON, sync_body(i)), host, back.route)
            self.assertIsNone(rmsg.opt(OPT_HISTORY))  # no request given: no entry
            decode_response(rmsg, edge, ex)
            plain += len(rmsg.encode())
        edge, host = pair()
        used = 0
        for i in range(4):
            used += len(roundtrip(self, edge, host, sync_request("s" + str(i)),
                                  sync_body(i))[1].encode())
        self.assertTrue(used < plain * 0.75, (used, plain))

    def test_a_lost_answer_is_never_referred_to(self):
        edge, host = pair()
        roundtrip(self, edge, host, sync_request("s0"), sync_body(0))
        msg, ex = encode_request(sync_request("s1"), edge)
        back = decode_request(msg, host)
        lost = respond(host, back, sync_body(1))  # entry 1 never reaches the edge
        self.assertEqual(entry(lost)[0], 1)
        for i in range(2, 2 + history.ENTRIES + 3):
            _, rmsg, _ = roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i))
            e, n = entry(rmsg)
            self.assertEqual(e, i)
            # Bases that would include entry 1 are never used; once K entries above it are
            # acknowledged the history is whole again.
            self.assertTrue(n <= 1 or n - history.ENTRIES > 1, (e, n))
            self.assertTrue(n == 0 or e - n <= history.MAX_LAG, (e, n))
        self.assertEqual(n, e)
        self.assertNotIn(1, edge.history_rx.entries)

    def test_reordered_and_duplicated_answers(self):
        edge, host = pair()
        roundtrip(self, edge, host, sync_request("s0"), sync_body(0))
        pending = []
        for i in (1, 2, 3):
            msg, ex = encode_request(sync_request("s" + str(i)), edge)
            back = decode_request(msg, host)
            pending.append((respond(host, back, sync_body(i)), ex, i))
        # The answers arrive newest first, the middle one twice.
        for rmsg, ex, i in (pending[2], pending[1], pending[1], pending[0]):
            out = decode_response(Message.decode(rmsg.encode()), edge, ex)
            self.assertEqual(jsontext.loads(out.body), jsontext.loads(sync_body(i)))
        self.assertEqual(sorted(edge.history_rx.entries), [0, 1, 2, 3])
        msg, rmsg, _ = roundtrip(self, edge, host, sync_request("s4"), sync_body(4))
        self.assertEqual(acks(msg), [1, 2, 3])
        self.assertEqual(entry(rmsg), (4, 4))

    def test_an_answer_overtaken_by_the_most_answers_the_lag_allows(self):
        """Base e - MAX_LAG (a gap above it), then K - MAX_LAG - 1 later answers arrive first:
        the edge still holds every entry the late answer names."""
        edge, host = pair()
        for i in range(history.ENTRIES + 1):
            roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i % 5))
        g = history.ENTRIES + 1
        msg, ex = encode_request(sync_request("gap"), edge)
        respond(host, decode_request(msg, host), sync_body(1))  # entry g: lost
        pending = []
        for i in range(history.MAX_LAG - 1):
            msg, ex = encode_request(sync_request("q" + str(i)), edge)
            pending.append((respond(host, decode_request(msg, host), sync_body(i % 5)), ex, i))
        msg, ex = encode_request(sync_request("late"), edge)
        late = respond(host, decode_request(msg, host), sync_body(2))
        self.assertEqual(entry(late), (g + history.MAX_LAG, g))
        more = []
        for i in range(history.ENTRIES - history.MAX_LAG - 1):  # answers after the late one
            m2, ex2 = encode_request(sync_request("m" + str(i)), edge)
            more.append((respond(host, decode_request(m2, host), sync_body(3)), ex2))
        for rmsg, ex2 in more:  # they overtake it
            decode_response(rmsg, edge, ex2)
        out = decode_response(late, edge, ex)
        self.assertEqual(jsontext.loads(out.body), jsontext.loads(sync_body(2)))

    def test_a_redefined_entry_is_refused(self):
        edge, host = pair()
        msg, ex = encode_request(sync_request("s0"), edge)
        back = decode_request(msg, host)
        decode_response(respond(host, back, sync_body(0)), edge, ex)
        _, other = pair()
        other.tokens_rx, other.rx = host.tokens_rx, host.rx  # only the history differs
        msg, ex = encode_request(sync_request("s0"), edge)
        back = decode_request(msg, other)
        with self.assertRaises(MatrixDecodeError):  # entry 0 of another host: not this one
            decode_response(respond(other, back, sync_body(5)), edge, ex)

    def test_an_entry_the_edge_no_longer_holds_is_an_error(self):
        edge, host = pair()
        for i in range(3):
            roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i))
        msg, ex = encode_request(sync_request("s3"), edge)
        back = decode_request(msg, host)
        rmsg = respond(host, back, sync_body(3))
        del edge.history_rx.entries[1]
        with self.assertRaises(MatrixDecodeError) as cm:
            decode_response(rmsg, edge, ex)
        self.assertEqual(cm.exception.status, 502)

    def test_the_edge_keeps_a_bounded_number_of_entries(self):
        edge, host = pair()
        for i in range(history.KEEP + 5):
            roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i % 3))
        self.assertEqual(len(edge.history_rx.entries), history.KEEP)
        self.assertEqual(len(host.history_tx.entries), history.KEEP)
        self.assertTrue(min(edge.history_rx.entries) > 4)

    def test_an_edge_short_of_memory_holds_less_and_still_decodes(self):
        edge, host = pair()
        edge.history_rx = history.HistoryDecoder(budget=700)
        for i in range(12):
            roundtrip(self, edge, host, sync_request("s" + str(i)), sync_body(i % 4))
        self.assertTrue(edge.history_rx.size <= 700, edge.history_rx.size)
        held = set(edge.history_rx.entries)
        self.assertTrue(0 < len(held) < 12, held)
        # What the edge did not hold it never acknowledged, so the host never named it.
        self.assertEqual(host.history_tx.acked - held, set())

    def test_what_never_becomes_an_entry(self):
        edge, host = pair()
        login = HttpRequest("POST", "/_matrix/client/v3/login", None, JSON,
                            b'{"type":"m.login.password","user":"alice","password":"pw"}')
        cases = [
            (login, 200, JSON, b'{"user_id":"@alice:localhost","access_token":"syt_secret",'
                               b'"device_id":"DEV"}'),
            (sync_request("s0"), 404, JSON, b'{"errcode":"M_NOT_FOUND","error":"no"}'),
            (sync_request("s0"), 200, [("Content-Type", "text/plain")], b"plain text " * 5),
        ]
        for req, status, headers, body in cases:
            msg, ex = encode_request(req, edge)
            back = decode_request(msg, host)
            rmsg = respond(host, back, body, status, headers)
            self.assertIsNone(rmsg.opt(OPT_HISTORY), body)
            out = decode_response(rmsg, edge, ex).body
            if headers is JSON:
                self.assertEqual(jsontext.loads(out), jsontext.loads(body))
            else:
                self.assertEqual(out, body)
        self.assertEqual(host.history_tx.next, 0)

    def test_acknowledgements_wait_while_they_cost_more_than_they_bring(self):
        edge, host = pair()
        roundtrip(self, edge, host, sync_request("s0"), sync_body(0))
        msg, _, _ = roundtrip(self, edge, host, send_hello("1"), b'{"event_id":"$e1"}')
        self.assertEqual(acks(msg), [])  # a short PUT: one entry waits
        msg, _, _ = roundtrip(self, edge, host, sync_request("s1"), sync_body(1))
        self.assertEqual(acks(msg), [0, 1])  # a GET: at once

    def test_host_state_loss_starts_the_history_again(self):
        edge, host = pair()
        roundtrip(self, edge, host, sync_request("s0"), sync_body(0))
        edge.peer_lost_state()
        self.assertEqual(edge.history_rx.entries, {})
        _, fresh = pair()
        fresh.tokens_rx = host.tokens_rx
        roundtrip(self, edge, fresh, sync_request("s1"), sync_body(1))


class TestLossyLink(unittest.TestCase):
    def test_random_loss_duplication_and_reordering(self):
        """Exchanges in flight several at a time; answers dropped, doubled and shuffled. Every
        answer that arrives decodes to what the host sent, and both sides' tables agree."""
        rng = XorShift(7)

        def below(n):
            return rng.next() % n

        edge, host = pair()
        flight = []
        delivered = 0
        for i in range(60):
            msg, ex = encode_request(sync_request("s" + str(i)), edge)
            back = decode_request(Message.decode(msg.encode()), host)
            body = sync_body(below(6))
            flight.append((respond(host, back, body).encode(), ex, body))
            while flight and (len(flight) > 3 or rng.random() < 0.4):
                data, ex, body = flight.pop(below(len(flight)))
                if rng.random() < 0.25:
                    continue  # lost for good: the exchange fails
                copies = 2 if rng.random() < 0.2 else 1
                for _ in range(copies):
                    out = decode_response(Message.decode(data), edge, ex)
                    self.assertEqual(jsontext.loads(out.body), jsontext.loads(body))
                delivered += 1
        self.assertTrue(delivered > 30, delivered)
        for e, data in edge.history_rx.entries.items():
            if e in host.history_tx.entries:
                self.assertEqual(data, host.history_tx.entries[e])
        # The history was in use, not merely harmless.
        self.assertTrue(len(host.history_tx.acked) > 10)


if __name__ == "__main__":
    unittest.main()
