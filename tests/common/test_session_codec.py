"""Session header codec, counter reconstruction, replay window, record layer, payload codecs.
Portable."""

import unittest

from mxcoap.session import header as H
from mxcoap.session.errors import AuthenticationError, HeaderError
from mxcoap.session.handshake import (
    decode_ik1,
    decode_reply,
    decode_xx1,
    decode_xx3,
    encode_ik1,
    encode_reply,
    encode_xx1,
    encode_xx3,
)
from mxcoap.session.params import SessionParams
from mxcoap.session.record import Record, ReplayedError, derive_keys, make_nonce
from mxcoap.session.replay import ReplayWindow, expand_counter


class TestTransportHeader(unittest.TestCase):
    def test_round_trip(self):
        for sid in (0, 1, 30, 31, 255, 65535):
            for nlen in (1, 2, 4):
                for counter in (0, 1, 0xFF, 0x1234, 0xDEADBEEF, (1 << 40) + 7):
                    head = H.encode_transport_header(sid, nlen, counter)
                    self.assertEqual(len(head), (1 if sid <= 30 else 3) + nlen)
                    data = head + bytes(H.TAG_LEN)
                    got = H.decode_transport_header(data)
                    mask = (1 << (8 * nlen)) - 1
                    self.assertEqual(got, (sid, nlen, counter & mask, len(head)))
                    self.assertEqual(H.kind(data), 0)

    def test_bytes(self):
        # 0 LL SSSSS: sid 5, 1-byte nonce 0x2a.
        self.assertEqual(H.encode_transport_header(5, 1, 0x2A), b"\x05\x2a")
        self.assertEqual(H.encode_transport_header(5, 2, 0x1234), b"\x25\x12\x34")
        self.assertEqual(H.encode_transport_header(300, 4, 1), b"\x5f\x01\x2c\x00\x00\x00\x01")

    def test_compact(self):
        # 0 11 SSS NN: session id 0..7 and the counter's low 2 bits in byte 0, no nonce byte.
        self.assertEqual(H.encode_transport_header(5, 0, 0x2A), b"\x76")
        self.assertEqual(H.decode_transport_header(b"\x76" + bytes(8)), (5, 0, 2, 1))
        for sid in range(8):
            for counter in range(9):
                head = H.encode_transport_header(sid, 0, counter)
                self.assertEqual(H.decode_transport_header(head + bytes(8)),
                                 (sid, 0, counter & 3, 1))
        with self.assertRaises(HeaderError):
            H.encode_transport_header(8, 0, 0)  # only ids 0..7
        self.assertEqual(H.nonce_length_for(1, 96, 24000, 2), 0)
        self.assertEqual(H.nonce_length_for(2, 96, 24000, 2), 1)
        self.assertEqual(H.nonce_length_for(0, 96, 24000), 1)

    def test_malformed(self):
        with self.assertRaises(HeaderError):
            H.decode_transport_header(b"\x60" + bytes(7))  # compact, one byte short of a tag
        with self.assertRaises(HeaderError):
            H.decode_transport_header(b"\x05\x00" + bytes(7))  # one byte short of a tag
        with self.assertRaises(HeaderError):
            H.decode_transport_header(b"\x1f\x00")
        with self.assertRaises(HeaderError):
            H.decode_transport_header(b"")

    def test_kind(self):
        self.assertIsNone(H.kind(b""))
        self.assertIsNone(H.kind(b"\x80" + bytes(200)))  # type 0 with bit 7: not ours
        self.assertEqual(H.kind(b"\x90" + bytes(200)), H.IK1)
        self.assertEqual(H.kind(b"\x91" + bytes(200)), H.IK1)
        self.assertIsNone(H.kind(b"\x92" + bytes(200)))  # undefined flag
        self.assertIsNone(H.kind(b"\xa1" + bytes(200)))  # IK2 has no flags
        self.assertIsNone(H.kind(b"\x90" + bytes(50)))  # too short for IK1
        self.assertEqual(H.kind(H.encode_retry(bytes(8), bytes(8))), H.RETRY)
        self.assertIsNone(H.kind(H.encode_retry(bytes(8), bytes(8))[:-1]))
        self.assertEqual(H.kind(b"\xf0" + bytes(10)), H.RESET)

    def test_reset_retry_cookie(self):
        dgram = b"\x03\x07" + bytes(range(20))
        r = H.encode_reset(3, dgram)
        self.assertEqual(len(r), H.RESET_LEN)
        self.assertEqual(H.decode_reset(r), (3, dgram[-8:]))
        r = H.encode_retry(b"C" * 8, b"E" * 8)
        self.assertEqual(H.decode_retry(r), (b"C" * 8, b"E" * 8))
        d = H.encode_hello(H.IK1, b"noise", b"K" * 8)
        self.assertEqual(d[0], 0x91)
        self.assertEqual(H.split_cookie(d), (b"K" * 8, b"noise"))
        self.assertEqual(H.split_cookie(H.encode_hello(H.XX1, b"n")), (None, b"n"))
        d = H.encode_with_sid(H.XX3, 0x1234, b"m")
        self.assertEqual(d, b"\xd0\x12\x34m")
        self.assertEqual(H.decode_with_sid(d), (0x1234, b"m"))

    def test_nonce_length_choice(self):
        self.assertEqual(H.nonce_length_for(0, 96, 24000), 1)
        self.assertEqual(H.nonce_length_for(95, 96, 24000), 1)
        self.assertEqual(H.nonce_length_for(96, 96, 24000), 2)
        self.assertEqual(H.nonce_length_for(23999, 96, 24000), 2)
        self.assertEqual(H.nonce_length_for(24000, 96, 24000), 4)


class TestCounterReconstruction(unittest.TestCase):
    def test_rfc9000_example(self):
        # RFC 9000 Appendix A.3: largest 0xa82f30ea, 16-bit 0x9b32 -> 0xa82f9b32.
        self.assertEqual(expand_counter(0x9B32, 2, 0xA82F30EA + 1), 0xA82F9B32)

    def test_exact_and_small(self):
        for n in range(0, 300):
            self.assertEqual(expand_counter(n & 0xFF, 1, n), n)
        self.assertEqual(expand_counter(0, 1, 0), 0)

    def test_wrap(self):
        self.assertEqual(expand_counter(3, 1, 250), 259)  # just past a 1-byte wrap
        self.assertEqual(expand_counter(250, 1, 259), 250)  # reordered from before the wrap
        self.assertEqual(expand_counter(0xFFFF, 2, 0x10001), 0xFFFF)
        self.assertEqual(expand_counter(2, 2, 0xFFFE), 0x10002)

    def test_never_negative(self):
        self.assertEqual(expand_counter(250, 1, 5), 250)
        self.assertEqual(expand_counter(0xFFFFFFFF, 4, 0), 0xFFFFFFFF)

    def test_far_behind_and_ahead(self):
        # Within half a window either way the guess is exact; beyond it, it is wrong by one
        # window (and authentication fails, which is safe).
        e = 10000
        for d in (-127, -1, 0, 1, 128):
            self.assertEqual(expand_counter((e + d) & 0xFF, 1, e), e + d)
        self.assertNotEqual(expand_counter((e + 129) & 0xFF, 1, e), e + 129)
        self.assertNotEqual(expand_counter((e - 129) & 0xFF, 1, e), e - 129)
        self.assertEqual(expand_counter((e + 20000) & 0xFFFF, 2, e), e + 20000)
        self.assertEqual(expand_counter((e + 3000000) & 0xFFFFFFFF, 4, e), e + 3000000)


class TestReplayWindow(unittest.TestCase):
    def test_window(self):
        w = ReplayWindow()
        self.assertFalse(w.is_replay(0))
        w.mark(0)
        self.assertTrue(w.is_replay(0))
        w.mark(5)
        for n in (1, 2, 3, 4):
            self.assertFalse(w.is_replay(n))
        w.mark(3)
        self.assertTrue(w.is_replay(3))
        self.assertTrue(w.is_replay(5))
        w.mark(100)
        self.assertTrue(w.is_replay(36))  # 100 - 64: outside the window
        self.assertFalse(w.is_replay(37))
        self.assertFalse(w.is_replay(99))
        w.mark(99)
        self.assertTrue(w.is_replay(99))
        w.mark(1000)  # a jump wider than the window clears it
        self.assertTrue(w.is_replay(100))
        self.assertFalse(w.is_replay(999))
        self.assertEqual(w.expected(), 1001)


def _pair(params=None):
    p = params or SessionParams()
    i2r, r2i = derive_keys(b"h" * 32, b"1" * 32, b"2" * 32)
    return Record(i2r, r2i, p), Record(r2i, i2r, p)


def _open(rec, data):
    sid, nlen, trunc, hlen = H.decode_transport_header(data)
    return rec.open(data, nlen, trunc, hlen)


class TestRecord(unittest.TestCase):
    def test_keys_and_nonce(self):
        (k1, iv1), (k2, iv2) = derive_keys(b"h" * 32, b"1" * 32, b"2" * 32)
        self.assertEqual((len(k1), len(iv1), len(k2), len(iv2)), (16, 13, 16, 13))
        self.assertNotEqual(k1, k2)
        self.assertEqual(make_nonce(bytes(13), 1), bytes(12) + b"\x01")
        self.assertEqual(make_nonce(b"\xff" * 13, 0x0102), b"\xff" * 11 + b"\xfe\xfd")

    def test_round_trip_and_overhead(self):
        a, b = _pair()
        d = a.seal(4, b"hello")
        self.assertEqual(len(d), 1 + 5 + 8)  # compact byte 0: 9 bytes of overhead
        self.assertEqual(_open(b, d), b"hello")
        d = a.seal(9, b"hello")
        self.assertEqual(len(d), 1 + 1 + 5 + 8)  # id 9: byte 0 and a 1-byte nonce
        self.assertEqual(_open(b, d), b"hello")
        d2 = b.seal(7, b"")
        self.assertEqual(_open(a, d2), b"")

    def test_replay_and_tamper(self):
        a, b = _pair()
        d = a.seal(4, b"data")
        for i in range(len(d)):
            bad = bytearray(d)
            bad[i] ^= 0x04
            try:
                _open(b, bytes(bad))
            except (AuthenticationError, HeaderError):
                continue
            self.fail("byte " + str(i) + " flipped and accepted")
        self.assertEqual(_open(b, d), b"data")
        with self.assertRaises(ReplayedError):
            _open(b, d)

    def test_compact_survives_a_few_losses(self):
        a, b = _pair()
        for lost in range(6):  # the peer missed `lost` datagrams, then answered an older one
            for _ in range(lost):
                a.seal(1, b"lost")
            _open(a, b.seal(2, b"ack"))  # the sender's gap is 0 again: compact
            d = a.seal(1, b"x")
            self.assertEqual(len(d), 1 + 1 + 8)
            self.assertEqual(_open(b, d), b"x")
        # A late compact datagram, overtaken by four: still found (one window below).
        old = a.seal(1, b"old")
        _open(a, b.seal(2, b"ack"))
        for _ in range(4):
            _open(b, a.seal(1, b"new"))
            _open(a, b.seal(2, b"ack"))
        self.assertEqual(_open(b, old), b"old")
        with self.assertRaises(ReplayedError):
            _open(b, old)

    def test_nonce_grows_when_unanswered(self):
        a, b = _pair(SessionParams(compact_nonce_gap=0))
        sent = [a.seal(1, bytes((i & 0xFF,))) for i in range(300)]
        self.assertEqual(len(sent[0]), 1 + 1 + 1 + 8)
        self.assertEqual(len(sent[96]), 1 + 2 + 1 + 8)
        # The receiver gets only every 50th: the nonce carries enough bits each time.
        for i in range(0, 300, 50):
            self.assertEqual(_open(b, sent[i]), bytes((i & 0xFF,)))
        # After an answer the sender is back to one byte, across the 1-byte wrap.
        _open(a, b.seal(2, b"ack"))
        d = a.seal(1, b"x")
        self.assertEqual(len(d), 1 + 1 + 1 + 8)
        self.assertEqual(_open(b, d), b"x")

    def test_compact_alternating_and_swapped(self):
        a, b = _pair()
        for i in range(20):  # request/answer: always compact, across the 2-bit wrap
            d = a.seal(1, bytes((i,)))
            self.assertEqual(len(d), 1 + 1 + 8)
            self.assertEqual(_open(b, d), bytes((i,)))
            self.assertEqual(_open(a, b.seal(2, b"ok")), b"ok")
        d1, d2 = a.seal(1, b"1"), a.seal(1, b"2")
        self.assertEqual(_open(b, d2), b"2")  # overtaken by one: still found
        self.assertEqual(_open(b, d1), b"1")

    def test_reordering_within_window(self):
        # With 1-byte nonces (the compact form tolerates reordering by one datagram only).
        a, b = _pair(SessionParams(compact_nonce_gap=0))
        sent = [a.seal(1, bytes((i,))) for i in range(40)]
        order = list(range(40))
        order.reverse()
        for i in order:
            self.assertEqual(_open(b, sent[i]), bytes((i,)))
        for i in order:
            with self.assertRaises(ReplayedError):
                _open(b, sent[i])

    def test_recent_tags(self):
        p = SessionParams(reset_tags=4)
        a, _ = _pair(p)
        sent = [a.seal(1, b"m") for _ in range(6)]
        self.assertTrue(a.sent_tag(sent[5][-8:]))
        self.assertTrue(a.sent_tag(sent[2][-8:]))
        self.assertFalse(a.sent_tag(sent[1][-8:]))


class TestPayloads(unittest.TestCase):
    def test_ik1(self):
        p = encode_ik1(0x0102, 77, b"maps", b"coap")
        self.assertEqual(p[:2], b"\x01\x02")
        self.assertEqual(decode_ik1(p), (0x0102, 77, b"maps", b"coap"))
        self.assertEqual(decode_ik1(encode_ik1(0, 1, b"", b"")), (0, 1, b"", b""))
        with self.assertRaises(HeaderError):
            decode_ik1(p[:10])
        with self.assertRaises(HeaderError):
            decode_ik1(encode_ik1(0, 1, b"", b"")[:-1] + b"\x05")

    def test_reply_xx(self):
        self.assertEqual(decode_reply(encode_reply(9, b"m", b"c")), (9, b"m", b"c"))
        self.assertEqual(decode_xx1(encode_xx1(31, b"offer")), (31, b"offer"))
        with self.assertRaises(HeaderError):
            decode_xx1(encode_xx1(31, b"offer") + b"x")
        self.assertEqual(decode_xx3(encode_xx3(5, b"req")), (5, b"req"))
        with self.assertRaises(HeaderError):
            encode_reply(1, bytes(256))


if __name__ == "__main__":
    unittest.main()
