import unittest

from mxcoap import compat


class TestIntHelpers(unittest.TestCase):
    def test_bit_length(self):
        for n, bits in [(0, 0), (1, 1), (255, 8), (256, 9), (-5, 3), (1 << 100, 101)]:
            self.assertEqual(compat.bit_length(n), bits)

    def test_signed_round_trip(self):
        for n, length, raw in [(-1, 1, b"\xff"), (-128, 1, b"\x80"), (127, 1, b"\x7f"),
                               (-2, 2, b"\xff\xfe"), (0, 2, b"\x00\x00")]:
            self.assertEqual(compat.int_to_bytes(n, length, signed=True), raw)
            self.assertEqual(compat.int_from_bytes(raw, signed=True), n)

    def test_overflow(self):
        with self.assertRaises(OverflowError):
            compat.int_to_bytes(256, 1)
        with self.assertRaises(OverflowError):
            compat.int_to_bytes(-129, 1, signed=True)

    def test_const(self):
        self.assertEqual(compat.const(7), 7)


class TestText(unittest.TestCase):
    def test_is_ascii(self):
        self.assertTrue(compat.is_ascii("abc"))
        self.assertFalse(compat.is_ascii("\u00e9"))
        self.assertFalse(compat.is_ascii(b"a\x80"))

    def test_utf8_valid(self):
        for s in ["", "a", "\u00e9", "\u20ac", "\U0001f600"]:
            self.assertEqual(compat.decode_utf8(s.encode("utf-8")), s)

    def test_utf8_invalid(self):
        bad = [b"\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
               b"\xe2\x82", b"\xff", b"a\xc3"]
        for raw in bad:
            with self.assertRaises(compat.UnicodeError):
                compat.decode_utf8(raw)

    def test_struct_errors(self):
        import struct

        with self.assertRaises(compat.STRUCT_ERRORS):
            struct.unpack(">H", b"\x00")


class TestClock(unittest.TestCase):
    def test_monotonic_grows(self):
        a = compat.monotonic()
        b = compat.monotonic()
        self.assertGreaterEqual(b, a)
