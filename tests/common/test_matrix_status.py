"""Responses: every HTTP status arrives unchanged; headers and bodies of any type preserved."""

import unittest

from matrix_support import EVENT, MS, pair, response_roundtrip
from mxcoap.coap import Message
from mxcoap.matrix import HttpResponse, Session, decode_response, error_response
from mxcoap.matrix import status as st
from mxcoap.matrix.errors import MatrixDecodeError, MatrixEncodeError, UnknownReference
from mxcoap.matrix.numbers import OPT_STATUS


class TestStatusMapping(unittest.TestCase):
    def test_every_status_round_trips(self):
        codes = set()
        for status in range(100, 1000):
            code, exact = st.to_coap(status)
            self.assertEqual(st.from_coap(code, exact), status)
            if exact is None:
                self.assertNotIn(code, codes)  # native codes are one-to-one
                codes.add(code)

    def test_common_statuses_are_native(self):
        for status, code in ((200, 69), (201, 65), (204, 68), (400, 128), (401, 129),
                             (403, 131), (404, 132), (409, 137), (429, 157), (500, 160),
                             (502, 162), (503, 163), (504, 164)):
            self.assertEqual(st.to_coap(status), (code, None))

    def test_codes_the_coap_layer_acts_on_are_not_used_natively(self):
        for status in (205, 231, 408, 413, 304, 302, 101, 499, 599, 600, 999):
            code, exact = st.to_coap(status)
            self.assertEqual(exact, status)
            self.assertIn(code, (69, 128, 160))
        for code in (95, 136, 141, 64):  # 2.31, 4.08, 4.13, 2.00
            with self.assertRaises(MatrixDecodeError):
                st.from_coap(code)

    def test_bad_statuses(self):
        for status in (0, 99, 1000, -200, "200", None):
            with self.assertRaises(MatrixEncodeError):
                st.to_coap(status)
        with self.assertRaises(MatrixDecodeError):
            st.from_coap(69, 404)  # Mx-Status for a natively mapped status
        with self.assertRaises(MatrixDecodeError):
            st.from_coap(160, 413)  # wrong fallback class


class TestResponses(unittest.TestCase):
    def test_statuses_through_messages(self):
        edge, host = pair()
        for status in (200, 201, 202, 204, 205, 301, 302, 304, 400, 401, 403, 404, 408, 413,
                       418, 429, 451, 500, 502, 503, 504, 599, 600, 999):
            back, size = response_roundtrip(self, HttpResponse(status), edge, host)
            self.assertEqual(back.body, b"")

    def test_headers_preserved(self):
        edge, host = pair()
        resp = HttpResponse(429, [("Content-Type", "application/json"), ("Retry-After", "5"),
                                  ("Server", "Synapse"), ("Date", "dropped")],
                            b'{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests",'
                            b'"retry_after_ms":5000}')
        back, size = response_roundtrip(self, resp, edge, host)
        self.assertIsNone(back.header("Server"))
        self.assertTrue(size < len(resp.body), size)
        resp = HttpResponse(302, [("Location", "https://example.org/_matrix/a?b=%23c#frag"),
                                  ("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")])
        response_roundtrip(self, resp, edge, host)

    def test_media_bodies_as_they_are(self):
        edge, host = pair()
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        for ct, body in (("image/png", png), ("image/jpeg", b"\xff\xd8\xff"),
                         ("application/octet-stream", b"\x00" * 100),
                         ("text/plain; charset=utf-8", b"plain " * 30), ("video/x-odd", b"v"),
                         (None, b"untyped"), ("application/json", b"[not json"),
                         ("application/json", b"")):
            headers = [("Content-Disposition", 'inline; filename="ridge.png"')]
            if ct is not None:
                headers.append(("Content-Type", ct))
            back, size = response_roundtrip(self, HttpResponse(200, headers, body), edge, host)
            self.assertEqual(back.body, body)

    def test_send_response_schema(self):
        edge, host = pair()
        route = MS.route_table.get(0)
        resp = HttpResponse(200, [("Content-Type", "application/json")],
                            b'{"event_id":"' + EVENT.encode() + b'"}')
        back, size = response_roundtrip(self, resp, edge, host, route)
        self.assertTrue(size <= 41, size)

    def test_proxy_error_answers(self):
        edge = Session(MS)
        err = error_response(MatrixDecodeError("bad compact path"))
        msg = Message.decode(Message(2, err.code, 1, b"\x01", err.options, err.payload).encode())
        back = decode_response(msg, edge, None)
        self.assertEqual(back.status, 502)
        self.assertIn(b"bad compact path", back.body)
        lost = error_response(UnknownReference("unknown interned index 3"))
        from mxcoap.matrix import PeerLostState

        with self.assertRaises(PeerLostState):
            decode_response(lost, edge, None)

    def test_bad_status_option(self):
        edge = Session(MS)
        msg = Message(2, 69, 1, b"", [(OPT_STATUS, b"\x00\xc8")])  # 2.05 + "200"
        with self.assertRaises(MatrixDecodeError):
            decode_response(msg, edge, None)


if __name__ == "__main__":
    unittest.main()
