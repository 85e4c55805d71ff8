"""Map-set agreement in the session hello (mxcoap.mapagree): the offer, the reply, fallbacks,
hostile hellos, requests encoded with maps.empty() decoding under any set, and the first flight
(the set offered first, Mx-Maps, Mx-Error 4 and one retry)."""

import unittest

from matrix_support import ROOM, TOKEN, request_roundtrip, response_roundtrip
from mxcoap import cbor, maps
from mxcoap.coap import Message
from mxcoap.coap.numbers import URI_PATH
from mxcoap.mapagree import MAX_OFFER, NO_SET, MapAgreement, decode_ids, encode_ids
from mxcoap.matrix import (
    HttpRequest,
    HttpResponse,
    Session,
    decode_request,
    decode_response,
    encode_request,
    error_response,
)
from mxcoap.matrix.errors import (
    REASON_MAP_UNKNOWN,
    MapError,
    MapRetry,
    MapUnknown,
    MatrixDecodeError,
)
from mxcoap.matrix.numbers import OPT_AUTH, OPT_ERROR, OPT_MAPS
from support import read_vector

MX1 = maps.builtin()
_TRAINED = []


def trained():
    """maps/mx1d.json, the trained set (loaded once: its id hashes every table)."""
    if not _TRAINED:
        _TRAINED.append(maps.load(read_vector("../../maps/mx1d.json")))
    return _TRAINED[0]


def other():
    """A third set, held by nobody else."""
    return maps.MapSet("x", MX1.routes, MX1.keys, MX1.values, MX1.query, ("x.example",))


def agree(initiator_sets, responder_sets):
    """(initiator result, responder result, reply bytes): one hello exchange."""
    a, b = MapAgreement(initiator_sets), MapAgreement(responder_sets)
    reply, b_set, b_reason = b.answer(a.offer())
    a_set, a_reason = a.accept(reply)
    return (a_set, a_reason), (b_set, b_reason), reply


class TestIds(unittest.TestCase):
    def test_ids_round_trip_and_limits(self):
        ids = [MX1.id, trained().id]
        self.assertEqual(encode_ids(ids), MX1.id + trained().id)
        self.assertEqual(decode_ids(encode_ids(ids)), ids)
        self.assertEqual(decode_ids(b""), [])
        for bad in (b"\x00", b"\x00" * 5, b"\x00" * (4 * MAX_OFFER + 4)):
            with self.assertRaises(MapError):
                decode_ids(bad)
        with self.assertRaises(MapError):
            encode_ids([MX1.id] * (MAX_OFFER + 1))

    def test_trained_id_differs_and_is_derived_from_content(self):
        t = trained()
        self.assertNotEqual(t.id, MX1.id)
        self.assertEqual(t.name, "mx1d")
        self.assertTrue(0 < len(t.dictionary) <= 8192)
        renamed = maps.MapSet("renamed", t.routes, t.keys, t.values, t.query, t.servers,
                              t.dictionary)
        self.assertEqual(renamed.id, t.id)
        changed = maps.MapSet("mx1d", t.routes, t.keys, t.values, t.query, t.servers,
                              t.dictionary[1:])
        self.assertNotEqual(changed.id, t.id)
        # The trained set extends mx1: every existing code keeps its meaning.
        self.assertEqual(t.keys[: len(MX1.keys)], MX1.keys)
        self.assertEqual(t.values[: len(MX1.values)], MX1.values)


class TestBaseFiles(unittest.TestCase):
    """A file with "base" holds only what it appends to the base set's tables."""

    def test_base_file_is_the_same_set_as_the_full_one(self):
        t = trained()
        full = t.content()
        full["name"] = "mx1d"
        self.assertEqual(maps.load(cbor.dumps(full)).id, t.id)
        self.assertEqual(len(t.keys), len(MX1.keys) + 6)
        self.assertIs(t.routes, MX1.routes)  # nothing appended: the base's own tuple

    def test_base_must_be_known(self):
        data = b'{"name": "d", "base": "00000000", "keys": ["k1"]}'
        with self.assertRaises(MapError):
            maps.load(data)
        # ... unless the caller holds it.
        x = maps.MapSet("x", (), ("a",), (), (), ())
        data = b'{"name": "d", "base": "' + x.id.hex().encode() + b'", "keys": ["k1"]}'
        self.assertEqual(maps.load(data, bases=(x,)).keys, ("a", "k1"))
        with self.assertRaises(MapError):
            maps.load(b'{"name": "d", "base": "' + MX1.id.hex().encode() + b'", "keys": 5}')
        with self.assertRaises(MapError):  # appending a key mx1 has is a duplicate
            maps.load(b'{"name": "d", "base": "' + MX1.id.hex().encode() + b'", "keys": ["type"]}')


class TestAgreement(unittest.TestCase):
    def test_same_sets_one_byte_reply(self):
        (a_set, a_reason), (b_set, b_reason), reply = agree([trained(), MX1], [trained(), MX1])
        self.assertIs(a_set, trained())
        self.assertIs(b_set, trained())
        self.assertEqual(reply, b"\x00")
        self.assertIn("agreed", a_reason)
        self.assertIn(trained().id.hex(), b_reason)

    def test_fallback_to_common_set(self):
        # The initiator prefers the trained set; the responder has only mx1.
        (a_set, a_reason), (b_set, b_reason), reply = agree([trained(), MX1], [MX1])
        self.assertIs(a_set, MX1)
        self.assertIs(b_set, MX1)
        self.assertEqual(reply, b"\x01" + MX1.id)
        for reason in (a_reason, b_reason):
            self.assertIn("differ", reason)
            self.assertIn(trained().id.hex(), reason)
            self.assertIn(MX1.id.hex(), reason)

    def test_responder_preference_counts_too(self):
        # Rank sums tie (0+1 and 1+0): the smaller id wins, on both sides.
        x = other()
        (a_set, _), (b_set, _), _ = agree([MX1, x], [x, MX1])
        self.assertIs(a_set, b_set if b_set is MX1 else x)
        self.assertEqual(a_set.id, min(MX1.id, x.id))

    def test_no_common_set_falls_back_to_none(self):
        (a_set, a_reason), (b_set, b_reason), reply = agree([trained()], [MX1])
        self.assertEqual(a_set.keys, ())
        self.assertEqual(b_set.keys, ())
        self.assertEqual(reply, bytes((NO_SET,)) + MX1.id)
        for reason in (a_reason, b_reason):
            self.assertIn("no common map set", reason)
            self.assertIn(trained().id.hex(), reason)
            self.assertIn(MX1.id.hex(), reason)
            self.assertIn("none", reason)

    def test_empty_offer_and_empty_reply(self):
        b = MapAgreement([MX1])
        reply, b_set, reason = b.answer(b"")
        self.assertEqual(reply, b"")
        self.assertEqual(b_set.keys, ())
        self.assertIn("offered no map set", reason)
        a_set, reason = MapAgreement([MX1]).accept(b"")
        self.assertEqual(a_set.keys, ())
        self.assertIn("answered no map set", reason)

    def test_hostile_hellos(self):
        b = MapAgreement([MX1])
        reply, b_set, reason = b.answer(b"\x01\x02\x03")
        self.assertEqual(reply, bytes((NO_SET,)) + MX1.id)
        self.assertEqual(b_set.keys, ())
        self.assertIn("malformed", reason)
        a = MapAgreement([MX1])
        for bad in (b"\x01", b"\x05" + MX1.id, b"\x00\x01\x02"):
            with self.assertRaises(MapError):
                a.accept(bad)

    def test_peer_pick_is_binding(self):
        # A responder that does not follow choose_map: the initiator uses its pick, and says so.
        x = other()
        a = MapAgreement([x, MX1])
        a_set, reason = a.accept(b"\x01" + x.id + MX1.id)
        self.assertIs(a_set, MX1)
        self.assertIn("peer picked " + MX1.id.hex(), reason)


class TestEarlyRequests(unittest.TestCase):
    """A request encoded with maps.empty() (before the reply) decodes under any set."""

    def check(self, host_set):
        edge, host = Session(maps.empty()), Session(host_set)
        auth = [("Authorization", "Bearer " + TOKEN), ("Content-Type", "application/json")]
        reqs = [
            HttpRequest("PUT", "/_matrix/client/v3/rooms/" + ROOM.replace("!", "%21")
                        + "/send/m.room.message/m1732550000000.0", None, auth,
                        b'{"msgtype":"m.text","body":"Hello world, and more words to deflate"}'),
            HttpRequest("GET", "/_matrix/client/v3/sync", "since=s25_3_3_3_1&timeout=30000",
                        auth[:1], b""),
        ]
        for req in reqs:
            back, ex, _ = request_roundtrip(self, req, edge, host)
            # The answer comes back under the agreed set: the edge switched on the reply.
            edge.maps = host_set
            resp = HttpResponse(200, [("Content-Type", "application/json")],
                                b'{"event_id":"$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"}')
            response_roundtrip(self, resp, edge, host, back.route, ex)
            edge.maps = maps.empty()
        # After the switch: the token defined early is referred to (no Mx-Auth), the path is
        # compact (a route code, not "/"), and the request still decodes exactly.
        edge.maps = host_set
        msg, _ = encode_request(reqs[0], edge)
        self.assertIsNone(msg.opt(OPT_AUTH))
        self.assertNotEqual(msg.opts(URI_PATH)[0][:1], b"/")
        request_roundtrip(self, reqs[0], edge, host)

    def test_under_mx1(self):
        self.check(MX1)

    def test_under_trained(self):
        self.check(trained())


HELLO = HttpRequest("PUT", "/_matrix/client/v3/rooms/" + ROOM + "/send/m.room.message/3", None,
                    [("Authorization", "Bearer " + TOKEN), ("Content-Type", "application/json")],
                    b'{"msgtype":"m.text","body":"Hello world"}')


def wire(msg):
    msg.mid, msg.token = 1, b"\x01"
    return Message.decode(msg.encode())


class TestFirstFlight(unittest.TestCase):
    """docs/protocol.md (Part 4), "First flight"."""

    def test_offer_leads_with_the_last_pick(self):
        a = MapAgreement([trained(), MX1])
        self.assertEqual(a.offer(), trained().id + MX1.id)
        self.assertEqual(a.offer(MX1.id), MX1.id + trained().id)
        self.assertEqual(a.offer(other().id), trained().id + MX1.id)  # not held: ignored
        self.assertIs(a.early(), trained())
        self.assertIs(a.early(MX1.id), MX1)
        self.assertEqual(MapAgreement([]).early().dictionary, b"")
        # The reply's position refers to the reordered offer.
        b = MapAgreement([MX1])
        reply, b_set, _ = b.answer(a.offer(MX1.id))
        self.assertEqual(reply, b"\x00")
        a_set, reason = a.accept(reply, MX1.id)
        self.assertIs(a_set, MX1)
        self.assertIn("agreed", reason)

    def test_held(self):
        b = MapAgreement([MX1, trained()])
        self.assertIs(b.held(trained().id + MX1.id), trained())
        self.assertIsNone(b.held(other().id + MX1.id))
        self.assertIsNone(b.held(b""))
        self.assertIsNone(b.held(b"\x01\x02"))

    def test_same_set_decoded_with_tables(self):
        edge, host = Session(trained()), Session(trained())
        edge.first_flight = True
        host.first_maps = trained()
        msg, ex = encode_request(HELLO, edge)
        self.assertEqual(msg.opt(OPT_MAPS), b"")
        self.assertNotEqual(msg.opts(URI_PATH)[0][:1], b"/")  # a route code: tables used
        flight = len(msg.encode())
        verbatim, _ = encode_request(HELLO, Session(maps.empty()))
        self.assertLess(flight, len(verbatim.encode()) - 40)
        back = decode_request(wire(msg), host)
        self.assertEqual(back.path, HELLO.path)

    def test_host_with_another_first_set_still_decodes(self):
        # The host picked MX1 but holds the trained set offered first: it decodes with it.
        edge, host = Session(trained()), Session(MX1)
        edge.first_flight = True
        host.first_maps = trained()
        msg, _ = encode_request(HELLO, edge)
        self.assertEqual(decode_request(wire(msg), host).path, HELLO.path)

    def test_unknown_set_answered_then_sent_again(self):
        edge, host = Session(trained()), Session(MX1)
        edge.first_flight = True
        msg, ex = encode_request(HELLO, edge)
        with self.assertRaises(MapUnknown) as cm:
            decode_request(wire(msg), host)
        self.assertEqual(host.tokens_rx.values, {})  # nothing learned from the refused request
        answer = error_response(cm.exception)
        self.assertEqual(answer.opt(OPT_ERROR), bytes((REASON_MAP_UNKNOWN,)))
        self.assertEqual(answer.code >> 5, 4)
        edge.maps = MX1  # the reply arrived before the answer
        with self.assertRaises(MapRetry) as cm2:
            decode_response(wire(answer), edge, ex)
        self.assertIn("agreed set", cm2.exception.message)
        self.assertFalse(edge.first_flight)
        msg2, _ = encode_request(HELLO, edge)
        self.assertIsNone(msg2.opt(OPT_MAPS))
        back = decode_request(wire(msg2), host)
        self.assertEqual(back.path, HELLO.path)
        self.assertEqual(back.header("Authorization"), "Bearer " + TOKEN)

    def test_mx_maps_with_a_value_refused(self):
        host = Session(MX1)
        host.first_maps = MX1
        msg, _ = encode_request(HELLO, Session(MX1))
        msg.options.append((OPT_MAPS, b"\x01"))
        with self.assertRaises(MatrixDecodeError):
            decode_request(wire(msg), host)


if __name__ == "__main__":
    unittest.main()
