"""Compact Matrix identifiers (mxcoap.matrix.ids): exact forms only, lossless."""

import unittest

from mxcoap import maps
from mxcoap.matrix import ids
from mxcoap.matrix.errors import MatrixDecodeError

MS = maps.builtin()
ROOM = "!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870"
EVENT = "$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"


def roundtrip(s):
    form = ids.compact(s, MS.server_index)
    if form is None:
        return None, s
    kind, rest = ids.split_kind(form)
    return form, ids.expand(kind, rest, MS.servers)


class TestHashIds(unittest.TestCase):
    def test_room_and_event(self):
        form, back = roundtrip(ROOM)
        self.assertEqual(len(form), 33)
        self.assertEqual(form[0], ids.K_ROOM)
        self.assertEqual(back, ROOM)
        form, back = roundtrip(EVENT)
        self.assertEqual(len(form), 32)  # an event id is the bare hash
        self.assertEqual(back, EVENT)

    def test_standard_base64_event_id(self):
        ev = "$" + "A+/" * 14 + "A"
        form, back = roundtrip(ev)
        self.assertEqual(form[0], ids.K_EVENT_STD)
        self.assertEqual(back, ev)

    def test_non_canonical_base64_is_not_normalised(self):
        # The last character of 43 encodes 4 data bits and 2 spare bits; "B" sets a spare bit.
        bad = EVENT[:-1] + "t"
        self.assertIsNone(ids.b64_hash(bad[1:], True))
        self.assertIsNone(ids.compact(bad, MS.server_index))
        self.assertIsNone(ids.compact("!" + ROOM[1:-1] + "1", MS.server_index))

    def test_wrong_lengths_and_alphabets(self):
        for s in (ROOM[:-1], ROOM + "A", "$" + "=" * 43, "$" + "+" * 42 + "-", "!", "$"):
            self.assertIsNone(ids.compact(s, MS.server_index), s)


class TestServerIds(unittest.TestCase):
    def test_user_alias_roomsrv_mxc(self):
        for s in ("@alice:localhost", "#field-station:localhost", "!opaque:matrix.org",
                  "$old:matrix.org", "mxc://localhost/ACDAFqxhwxQBdnSCnEZALIDX",
                  "@ünïcode:localhost", "@:localhost"):
            form, back = roundtrip(s)
            self.assertIsNotNone(form, s)
            self.assertEqual(back, s)
            self.assertTrue(len(form) < len(s.encode()))

    def test_unknown_server_stays_text(self):
        for s in ("@alice:unknown.example", "@alice:localhost:8448", "@alice", "mxc://x.y/z",
                  "@a:b:localhost"):
            self.assertIsNone(ids.compact(s, MS.server_index), s)

    def test_server_port_in_table(self):
        ms = maps.MapSet("t", (), (), (), (), ("hs.example:8448",))
        form = ids.compact("@bob:hs.example:8448", ms.server_index)
        kind, rest = ids.split_kind(form)
        self.assertEqual(ids.expand(kind, rest, ms.servers), "@bob:hs.example:8448")

    def test_uuid(self):
        u = "931ce58c-3849-456d-a0ca-c982d4781234"
        form, back = roundtrip(u)
        self.assertEqual(len(form), 17)
        self.assertEqual(back, u)
        self.assertIsNone(ids.compact(u.upper(), MS.server_index))  # only the lowercase form

    def test_element_transaction_ids(self):
        form, back = roundtrip("m1795626574841.2")
        self.assertEqual(len(form), 8)
        self.assertEqual(back, "m1795626574841.2")
        for s in ("m0.0", "m1.18446744073709551615", "m281474976710655.7"):
            self.assertEqual(roundtrip(s)[1], s)
        for s in ("m01.2", "m1.02", "m1.", "m.1", "m1.2.3", "m-1.2", "m281474976710656.1",
                  "m1.18446744073709551616", "m1,2", "mx.1"):
            self.assertIsNone(ids.compact(s, MS.server_index), s)
        with self.assertRaises(MatrixDecodeError):
            ids.expand(ids.K_TXN_M, b"\x00" * 6 + b"\x00\x01", MS.servers)  # leading zero

    def test_synapse_stream_tokens(self):
        form, back = roundtrip("s25_3_3_3_3_1_1_7_0_1_1_1_1_1")
        self.assertEqual(len(form), 16)
        self.assertEqual(back, "s25_3_3_3_3_1_1_7_0_1_1_1_1_1")
        for s in ("t12-345_6_7", "s300_18446744073709551615", "t1-2", "s1234567"):
            self.assertEqual(roundtrip(s)[1], s)
        for s in ("s1", "s01_2", "t5", "t-1_2", "s1__2", "s1_", "sx", "s18446744073709551616",
                  "state", "t1_2-3", "s" + "_1" * 40):
            self.assertIsNone(ids.compact(s, MS.server_index), s)
        for bad in (b"s", b"x\x01", b"s\x80", b"t\x01", b"s" + b"\xff" * 11 + b"\x01"):
            with self.assertRaises(MatrixDecodeError):
                ids.expand(ids.K_STREAM, bad, MS.servers)

    def test_forms_are_never_longer_than_the_text(self):
        for s in ("s1", "m1.2", "@a:localhost", "!a:localhost"):
            form = ids.compact(s, MS.server_index)
            self.assertTrue(form is None or len(form) < len(s.encode()), s)

    def test_padding_keeps_32_for_event_ids(self):
        # K_USER + server index + 30-byte localpart would be 32 bytes: it gets K_PAD.
        s = "@" + "a" * 30 + ":localhost"
        form = ids.compact(s, MS.server_index)
        self.assertEqual(len(form), 33)
        self.assertEqual(form[0], ids.K_PAD)
        self.assertEqual(roundtrip(s)[1], s)


class TestDecodeErrors(unittest.TestCase):
    def test_bad_forms(self):
        bad = (b"", bytes((ids.K_ROOM,)) + b"x" * 5, bytes((ids.K_USER,)),
               bytes((ids.K_USER, 250)) + b"a", bytes((ids.K_USER, 1, 0xFF)), bytes((0x7F, 1)),
               bytes((ids.K_PAD,)) + b"\x03" * 10, bytes((ids.K_UUID,)) + b"x")
        for form in bad:
            with self.assertRaises(MatrixDecodeError):
                kind, rest = ids.split_kind(form)
                ids.expand(kind, rest, MS.servers)


if __name__ == "__main__":
    unittest.main()
