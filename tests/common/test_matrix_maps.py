"""Map sets: content-derived ids, loading, limits, and choosing one both peers hold."""

import unittest

from matrix_support import ROOM, TOKEN, pair, request_roundtrip, response_roundtrip
from mxcoap import cbor, maps
from mxcoap.matrix import HttpRequest, HttpResponse
from mxcoap.matrix.errors import MapError
from support import IS_MICROPYTHON, read_vector


class TestMapSets(unittest.TestCase):
    def test_file_matches_builtin(self):
        data = read_vector("../../maps/mx1.json")
        loaded = maps.load(data)
        self.assertEqual(loaded.id, maps.builtin().id)
        self.assertEqual(loaded.name, "mx1")

    def test_cbor_form_has_the_same_id(self):
        ms = maps.builtin()
        obj = ms.content()
        obj["name"] = "another name"
        self.assertEqual(maps.load(cbor.dumps(obj)).id, ms.id)

    def test_any_change_changes_the_id(self):
        ms = maps.builtin()
        keys = list(ms.keys)
        keys[0], keys[1] = keys[1], keys[0]
        other = maps.MapSet("mx1", ms.routes, keys, ms.values, ms.query, ms.servers)
        self.assertNotEqual(other.id, ms.id)
        other = maps.MapSet("mx1", ms.routes, ms.keys, ms.values, ms.query, ms.servers, b"d")
        self.assertNotEqual(other.id, ms.id)
        self.assertEqual(len(ms.id), 4)

    def test_limits_and_malformed_files(self):
        ms = maps.builtin()
        bad = (
            lambda: maps.MapSet("x", (), (), ["v" + str(i) for i in range(245)], (), ()),
            lambda: maps.MapSet("x", (), (), (), ["q" + str(i) for i in range(31)], ()),
            lambda: maps.MapSet("x", (), ["a", "a"], (), (), ()),
            lambda: maps.MapSet("x", [["no-slash", None, None]], (), (), (), ()),
            lambda: maps.MapSet("x", [["/a"]], (), (), (), ()),
            lambda: maps.MapSet("x", (), [1], (), (), ()),
            lambda: maps.MapSet("x", (), (), (), (), ["s"] * 2),
            lambda: maps.MapSet("x", ms.routes, ms.keys, ms.values, ms.query, ms.servers, "s"),
            lambda: maps.load(b"{not json"),
            lambda: maps.load(b"\xa1\x01"),
            lambda: maps.load(b"[]"),
        )
        for make in bad:
            with self.assertRaises(MapError):
                make()

    def test_device_memory_of_a_map_set(self):
        if not IS_MICROPYTHON:
            self.skipTest("gc.mem_alloc is MicroPython's")
        import gc

        ms = maps.builtin()
        gc.collect()
        before = gc.mem_alloc()
        copy = maps.MapSet("copy", ms.routes, ms.keys, ms.values, ms.query, ms.servers)
        gc.collect()
        used = gc.mem_alloc() - before
        self.assertTrue(copy.route_table.match("/_matrix/client/v3/sync") is not None)
        self.assertTrue(used < 32768, used)  # 13 KB on the 64-bit unix port

    def test_empty_map_set_still_carries_everything(self):
        edge, host = pair(maps.empty())
        req = HttpRequest("PUT", "/_matrix/client/v3/rooms/" + ROOM + "/send/m.room.message/1",
                          None, [("Authorization", "Bearer " + TOKEN),
                                 ("Content-Type", "application/json")],
                          b'{"msgtype":"m.text","body":"Hello world"}')
        for _ in range(2):
            back, ex, size = request_roundtrip(self, req, edge, host)
            self.assertIsNone(ex.route)
            resp = HttpResponse(200, [("Content-Type", "application/json")], b'{"event_id":"$x"}')
            response_roundtrip(self, resp, edge, host, back.route, ex)


class TestChooseMap(unittest.TestCase):
    A, B, C, D = b"AAAA", b"BBBB", b"CCCC", b"DDDD"

    def test_agreed(self):
        mid, reason = maps.choose_map([self.A, self.B], [self.A])
        self.assertEqual(mid, self.A)
        self.assertIn("agreed", reason)

    def test_fallback_to_common(self):
        mid, reason = maps.choose_map([self.A, self.B], [self.C, self.B])
        self.assertEqual(mid, self.B)
        self.assertIn("differ", reason)
        self.assertIn(self.B.hex(), reason)

    def test_none_in_common(self):
        mid, reason = maps.choose_map([self.A], [self.B, self.C])
        self.assertIsNone(mid)
        self.assertIn("no common map set", reason)
        self.assertEqual(maps.choose_map([], [])[0], None)

    def test_both_sides_choose_the_same(self):
        lists = ([self.A, self.B, self.C], [self.C, self.B, self.A], [self.B, self.D, self.A],
                 [self.D], [self.C, self.A], [self.B, self.A, self.C, self.D])
        for x in lists:
            for y in lists:
                self.assertEqual(maps.choose_map(x, y)[0], maps.choose_map(y, x)[0], (x, y))


if __name__ == "__main__":
    unittest.main()
