"""The known-peers store: text format, trust on first use, pinning, IK1 replay counters.
Portable."""

import unittest

from mxcoap.session import KnownPeers, PeerKeyError
from mxcoap.session.errors import KeyStoreError

K1 = bytes(range(32))
K2 = bytes(range(1, 33))
K3 = b"\xaa" * 32


class TestFormat(unittest.TestCase):
    def test_round_trip(self):
        s = KnownPeers()
        s.pin("host:5683", K1)
        self.assertTrue(s.accept_fresh(K2, 17))
        self.assertEqual(s.next_fresh(K1), 1)
        text = s.serialise()
        self.assertTrue(text.startswith("# mxcoap known peers v1"))
        self.assertIn(K1.hex() + " 0 1 host:5683\n", text)
        self.assertIn(K2.hex() + " 17 0 -\n", text)
        t = KnownPeers.parse(text)
        self.assertEqual(t.key_for("host:5683"), K1)
        self.assertEqual(t.name_for(K1), "host:5683")
        self.assertEqual(t.rx_fresh(K2), 17)
        self.assertEqual(t.serialise(), text)
        self.assertFalse(t.dirty)
        self.assertEqual(KnownPeers.parse(text.encode()).serialise(), text)

    def test_malformed(self):
        good = K1.hex() + " 0 0 -"
        KnownPeers.parse(good + "\n\n# comment\n")
        for bad in (
            K1.hex()[:-2] + " 0 0 -",
            K1.hex() + " -1 0 -",
            K1.hex() + " x 0 -",
            K1.hex() + " 0 0",
            K1.hex() + " 0 0 a b",
            good + "\n" + good,
            good.replace(" -", " n") + "\n" + K2.hex() + " 0 0 n",
        ):
            with self.assertRaises(KeyStoreError):
                KnownPeers.parse(bad)

    def test_names(self):
        s = KnownPeers()
        for bad in ("", "-", "a b", "a#b", "x" * 256):
            with self.assertRaises(KeyStoreError):
                s.pin(bad, K1)


class TestNote(unittest.TestCase):
    def test_note_round_trip(self):
        # The application's note (mxcoap: the map set id the responder picked last).
        s = KnownPeers()
        self.assertIsNone(s.note(K1))
        s.dirty = False
        s.set_note(K1, b"\x83\x99\x2a\x5f")
        self.assertTrue(s.dirty)
        text = s.serialise()
        self.assertIn(K1.hex() + " 0 0 - 83992a5f\n", text)
        back = KnownPeers.parse(text)
        self.assertEqual(back.note(K1), b"\x83\x99\x2a\x5f")
        back.dirty = False
        back.set_note(K1, b"\x83\x99\x2a\x5f")
        self.assertFalse(back.dirty)  # unchanged: nothing to save
        # Four fields (no note) still parse; a bad note does not.
        self.assertIsNone(KnownPeers.parse(K2.hex() + " 1 2 -\n").note(K2))
        for bad in (" zz", " " + "00" * 65):
            with self.assertRaises(KeyStoreError):
                KnownPeers.parse(K2.hex() + " 1 2 -" + bad + "\n")
        with self.assertRaises(KeyStoreError):
            s.set_note(K1, bytes(65))


class TestTrust(unittest.TestCase):
    def test_tofu_then_refuse_other_key(self):
        s = KnownPeers()
        s.check("host", K1)
        self.assertEqual(s.key_for("host"), K1)
        self.assertTrue(s.dirty)
        s.check("host", K1)
        with self.assertRaises(PeerKeyError) as cm:
            s.check("host", K2)
        e = cm.exception
        self.assertEqual(e.key, K2)
        self.assertEqual(e.expected, K1)
        self.assertIn(K2.hex(), e.message)
        self.assertIn("host", e.message)
        s.check(None, K3)  # no name: nothing to pin

    def test_repin_moves_name(self):
        s = KnownPeers()
        s.pin("host", K1)
        s.pin("host", K2)
        self.assertEqual(s.key_for("host"), K2)
        self.assertIsNone(s.name_for(K1))


class TestFresh(unittest.TestCase):
    def test_strictly_increasing(self):
        s = KnownPeers()
        self.assertFalse(s.accept_fresh(K1, 0))
        self.assertTrue(s.accept_fresh(K1, 5))
        self.assertFalse(s.accept_fresh(K1, 5))
        self.assertFalse(s.accept_fresh(K1, 4))
        self.assertTrue(s.accept_fresh(K1, 6))
        self.assertFalse(s.accept_fresh(K1, 1 << 64))

    def test_next_fresh_floor(self):
        s = KnownPeers()
        self.assertEqual(s.next_fresh(K1), 1)
        self.assertEqual(s.next_fresh(K1), 2)
        self.assertEqual(s.next_fresh(K1, floor=1000), 1000)
        self.assertEqual(s.next_fresh(K1, floor=10), 1001)

    def test_eviction_keeps_named(self):
        s = KnownPeers(max_peers=3)
        s.pin("host", K1)
        s.accept_fresh(K2, 1)
        s.accept_fresh(K3, 1)
        s.accept_fresh(b"\x01" * 32, 1)  # evicts K2, the least recently used unnamed entry
        self.assertEqual(len(s), 3)
        self.assertTrue(s.knows(K1))
        self.assertFalse(s.knows(K2))
        self.assertTrue(s.knows(K3))


if __name__ == "__main__":
    unittest.main()
