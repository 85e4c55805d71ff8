"""CoAP message encoding and decoding (RFC 7252 §3), on both interpreters."""

import unittest

from mxcoap.coap import (
    ACK,
    BLOCK1,
    CON,
    CONTENT,
    ECHO,
    ETAG,
    GET,
    NON,
    OBSERVE,
    PROXY_URI,
    REQUEST_TAG,
    RST,
    URI_PATH,
    URI_QUERY,
    Message,
    MessageFormatError,
    code_str,
    decode_block,
    decode_uint,
    encode_block,
    encode_uint,
    option_is_critical,
    option_is_no_cache_key,
    option_is_unsafe,
    size_to_szx,
    szx_to_size,
)


class TestAppendixA(unittest.TestCase):
    """Byte-exact encodings of the examples in RFC 7252 Appendix A (Figures 16-18)."""

    def test_get_temperature(self):
        req = Message(CON, GET, 0x7D34, b"", [(URI_PATH, b"temperature")])
        wire = bytes.fromhex("40017d34bb74656d7065726174757265")
        self.assertEqual(req.encode(), wire)
        back = Message.decode(wire)
        self.assertEqual((back.mtype, back.code, back.mid, back.token), (CON, GET, 0x7D34, b""))
        self.assertEqual(back.uri_path, ["temperature"])
        self.assertEqual(back.path, "/temperature")

    def test_piggybacked_content(self):
        resp = Message(ACK, CONTENT, 0x7D34, b"", None, b"22.3 C")
        wire = bytes.fromhex("60457d34ff32322e332043")
        self.assertEqual(resp.encode(), wire)
        self.assertEqual(Message.decode(wire).payload, b"22.3 C")

    def test_with_token(self):
        req = Message(CON, GET, 0x7D35, b"\x20", [(URI_PATH, b"temperature")])
        self.assertEqual(req.encode(), bytes.fromhex("41017d3520bb74656d7065726174757265"))
        resp = Message(ACK, CONTENT, 0x7D35, b"\x20", None, b"22.3 C")
        self.assertEqual(resp.encode(), bytes.fromhex("61457d3520ff32322e332043"))

    def test_empty_ack_and_rst(self):
        self.assertEqual(Message.empty(ACK, 0x1234).encode(), b"\x60\x00\x12\x34")
        self.assertEqual(Message.empty(RST, 1).encode(), b"\x70\x00\x00\x01")
        m = Message.decode(b"\x70\x00\x00\x01")
        self.assertTrue(m.is_empty())
        self.assertEqual(m.mtype, RST)


class TestOptionForms(unittest.TestCase):
    """Every delta/length form: 0-12 inline, 13 + 1 byte, 14 + 2 bytes (RFC 7252 §3.1)."""

    def _first_option_header(self, number, length):
        wire = Message(NON, GET, 1, b"", [(number, b"x" * length)]).encode()
        return wire[4:]

    def test_length_forms(self):
        cases = [
            (0, b"\xb0"), (1, b"\xb1"), (12, b"\xbc"), (13, b"\xbd\x00"), (14, b"\xbd\x01"),
            (268, b"\xbd\xff"), (269, b"\xbe\x00\x00"), (270, b"\xbe\x00\x01"),
            (65804, b"\xbe\xff\xff"),
        ]
        for length, head in cases:
            with self.subTest(length=length):
                body = self._first_option_header(URI_PATH, length)
                self.assertEqual(body[:len(head)], head)
                self.assertEqual(len(body), len(head) + length)
                back = Message.decode(Message(NON, GET, 1, b"", [(URI_PATH, b"x" * length)])
                                      .encode())
                self.assertEqual(back.options, [(URI_PATH, b"x" * length)])

    def test_delta_forms(self):
        cases = [
            (0, b"\x00"), (12, b"\xc0"), (13, b"\xd0\x00"), (268, b"\xd0\xff"),
            (269, b"\xe0\x00\x00"), (292, b"\xe0\x00\x17"), (65535, b"\xe0\xfe\xf2"),
        ]
        for number, head in cases:
            with self.subTest(number=number):
                wire = Message(NON, GET, 1, b"", [(number, b"")]).encode()
                self.assertEqual(wire[4:], head)
                self.assertEqual(Message.decode(wire).options, [(number, b"")])

    def test_delta_and_length_extended_together(self):
        opts = [(ECHO, b"e" * 20), (REQUEST_TAG, b"t" * 300)]
        wire = Message(CON, GET, 7, b"ab", opts, b"body").encode()
        # Echo: delta 252 -> 13 (+239), len 20 -> 13 (+7); Request-Tag: delta 40 -> 13 (+27),
        # len 300 -> 14 (+31).
        self.assertEqual(wire[6:9], b"\xdd\xef\x07")
        self.assertEqual(wire[29:33], b"\xde\x1b\x00\x1f")
        back = Message.decode(wire)
        self.assertEqual(back.options, opts)
        self.assertEqual(back.payload, b"body")
        self.assertEqual(back.token, b"ab")

    def test_sorted_stably(self):
        m = Message(CON, GET, 1, b"", [(URI_QUERY, b"b"), (URI_PATH, b"p1"), (URI_QUERY, b"a"),
                                       (URI_PATH, b"p2"), (OBSERVE, b"")])
        back = Message.decode(m.encode())
        self.assertEqual(back.options, [(OBSERVE, b""), (URI_PATH, b"p1"), (URI_PATH, b"p2"),
                                        (URI_QUERY, b"b"), (URI_QUERY, b"a")])
        self.assertEqual(back.uri_query, ["b", "a"])
        self.assertEqual(m, back)

    def test_long_sequences_roundtrip(self):
        opts = []
        for i in range(40):
            opts.append(((i * 37) % 300 + 1, bytes((i,)) * (i * 7 % 30)))
        m = Message(NON, GET, 65535, b"12345678", opts, b"\xff\x00")
        back = Message.decode(m.encode())
        self.assertEqual(back, m)
        self.assertEqual(back.encode(), m.encode())


class TestFormatErrors(unittest.TestCase):
    def assertFormatError(self, data, mid=None):
        with self.assertRaises(MessageFormatError) as cm:
            Message.decode(data)
        self.assertEqual(cm.exception.mid, mid)

    def test_short(self):
        for data in (b"", b"\x40", b"\x40\x01\x00"):
            self.assertFormatError(data)

    def test_version(self):
        self.assertFormatError(b"\x80\x01\x00\x01")
        self.assertFormatError(b"\x00\x01\x00\x01")

    def test_token_length_9_to_15(self):
        for tkl in range(9, 16):
            self.assertFormatError(bytes((0x40 | tkl, 1, 0, 5)) + b"x" * 16, 5)

    def test_truncated_token(self):
        self.assertFormatError(b"\x44\x01\x00\x05ab", 5)

    def test_marker_with_empty_payload(self):
        self.assertFormatError(b"\x40\x01\x00\x05\xff", 5)

    def test_empty_message_with_content(self):
        self.assertFormatError(b"\x41\x00\x00\x05a", 5)
        self.assertFormatError(b"\x40\x00\x00\x05\xb0", 5)
        self.assertFormatError(b"\x60\x00\x00\x05\xffx", 5)

    def test_reserved_nibbles(self):
        self.assertFormatError(b"\x40\x01\x00\x05\xf0", 5)
        self.assertFormatError(b"\x40\x01\x00\x05\x0f", 5)

    def test_truncated_extensions_and_values(self):
        for tail in (b"\xd0", b"\xe0\x00", b"\x0d", b"\x0e\x01", b"\x03ab", b"\x0e\xff\xffabc"):
            self.assertFormatError(b"\x40\x01\x00\x09" + tail, 9)

    def test_option_number_overflow(self):
        self.assertFormatError(b"\x40\x01\x00\x09\xe0\xfe\xf2\xe0\xfe\xf2", 9)

    def test_encode_rejects(self):
        with self.assertRaises(ValueError):
            Message(CON, GET, 1, b"123456789").encode()
        with self.assertRaises(ValueError):
            Message(CON, GET, 1, b"", [(1, b"x" * 65805)]).encode()


class TestValues(unittest.TestCase):
    def test_uint(self):
        for n, b in ((0, b""), (1, b"\x01"), (255, b"\xff"), (256, b"\x01\x00"),
                     (0xFFFFFF, b"\xff\xff\xff")):
            self.assertEqual(encode_uint(n), b)
            self.assertEqual(decode_uint(b), n)
        self.assertEqual(decode_uint(b"\x00\x05"), 5)

    def test_block(self):
        # RFC 7959 §2.2: NUM|M|SZX; block 0 of 64 B with more -> 0x0a.
        self.assertEqual(encode_block(0, False, 0), b"")
        self.assertEqual(encode_block(0, True, 2), b"\x0a")
        self.assertEqual(encode_block(1, False, 6), b"\x16")
        self.assertEqual(encode_block(16, True, 6), b"\x01\x0e")
        self.assertEqual(decode_block(b"\x01\x0e"), (16, True, 6))
        self.assertEqual(decode_block(encode_block(0xFFFFF, True, 5)), (0xFFFFF, True, 5))
        with self.assertRaises(MessageFormatError):
            decode_block(b"\x0f")
        with self.assertRaises(MessageFormatError):
            decode_block(b"\x00\x00\x00\x01")
        self.assertEqual(szx_to_size(6), 1024)
        self.assertEqual(size_to_szx(1024), 6)
        self.assertEqual(size_to_szx(100), 2)
        self.assertEqual(size_to_szx(5), 0)

    def test_properties_and_codes(self):
        self.assertTrue(option_is_critical(URI_PATH))
        self.assertFalse(option_is_critical(ETAG))
        self.assertTrue(option_is_unsafe(URI_PATH))
        self.assertTrue(option_is_unsafe(PROXY_URI))
        self.assertFalse(option_is_unsafe(ETAG))
        self.assertTrue(option_is_no_cache_key(60))  # Size1
        self.assertFalse(option_is_no_cache_key(BLOCK1))
        self.assertEqual(code_str(CONTENT), "2.05")
        self.assertEqual(code_str(141), "4.13")
        self.assertEqual(code_str(0), "0.00")

    def test_helpers(self):
        m = Message(CON, GET)
        m.set_uri_path("/a/b/")
        self.assertEqual(m.uri_path, ["a", "b", ""])
        m.set_uri_path("/")
        self.assertEqual(m.uri_path, [])
        m.set_uri_path(["x", "y"])
        m.set_uri_query(["k=v"])
        m.add_uint_option(OBSERVE, 0)
        self.assertEqual(m.opt_uint(OBSERVE), 0)
        self.assertIsNone(m.opt(ETAG))
        self.assertEqual(m.opts(URI_PATH), [b"x", b"y"])
        m.set_uint_option(OBSERVE, 300)
        self.assertEqual(m.opts(OBSERVE), [b"\x01\x2c"])
        self.assertEqual(Message.decode(m.encode()).path, "/x/y")
