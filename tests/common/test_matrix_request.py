"""HTTP requests <-> compact CoAP requests: routes, percent-encoding, query, method, headers."""

import unittest

from matrix_support import EVENT, MS, ROOM, TOKEN, pair, request_roundtrip
from mxcoap.coap.numbers import URI_PATH, URI_QUERY
from mxcoap.matrix import HttpRequest, MatrixDecodeError, decode_request, encode_request
from mxcoap.matrix.numbers import OPT_METHOD
from mxcoap.matrix.request import STYLES, pct_encode

SAMPLE_PARAMS = {
    "roomId": ROOM, "eventId": EVENT, "userId": "@alice:localhost", "txnId": "m1795626574841.2",
    "roomIdOrAlias": "#field-station:localhost", "roomAlias": "#field-station:localhost",
    "eventType": "m.room.message", "stateKey": "", "serverName": "localhost",
    "mediaId": "ACDAFqxhwxQBdnSCnEZALIDX", "fileName": "ridge photo.png",
}


def fill(template, style):
    out = []
    for seg in template.split("/"):
        if seg.startswith("{") and seg.endswith("}"):
            out.append(pct_encode(SAMPLE_PARAMS.get(seg[1:-1], "x y/z%"), style))
        else:
            out.append(seg)
    return "/".join(out)


def path_options(msg):
    return b"".join(msg.opts(URI_PATH))


class TestRoutes(unittest.TestCase):
    def test_every_route_round_trips_compactly_in_every_style(self):
        edge, host = pair()
        for code in range(len(MS.routes)):
            template = MS.routes[code][0]
            for style in range(len(STYLES)):
                path = fill(template, style)
                req = HttpRequest("GET", path, None, [("Authorization", "Bearer " + TOKEN)])
                back, ex, size = request_roundtrip(self, req, edge, host)
                self.assertIsNotNone(ex.route, path)
                # this template or a specialised one listed before it (send/m.room.message)
                self.assertTrue(back.route.code <= code, path)

    def test_first_routes_cost_one_byte(self):
        edge, host = pair()
        msg, ex = encode_request(HttpRequest("GET", "/_matrix/client/v3/sync"), edge)
        self.assertEqual(path_options(msg), b"\x01")

    def test_unknown_routes_travel_verbatim(self):
        edge, host = pair()
        for path in ("/_matrix/client/unstable/org.example/thing/%23a%3Ab", "/", "/a//b/",
                     "/_matrix/client/v3/sync/", "/_matrix/client/v3/rooms/" + ROOM,
                     "/_matrix/client/v3/rooms/" + ROOM + "/send/m.room.message/1/extra",
                     "/caf\u00e9/\u6771"):
            req = HttpRequest("POST", path)
            back, ex, size = request_roundtrip(self, req, edge, host)
            self.assertIsNone(ex.route)
            self.assertIsNone(back.route)

    def test_room_alias_is_never_a_fragment(self):
        edge, host = pair()
        for path in ("/_matrix/client/v3/directory/room/%23field-station%3Alocalhost",
                     "/_matrix/client/v3/join/%23field-station%3alocalhost",
                     "/_matrix/client/v3/directory/room/%23a%23b%3Alocalhost",
                     "/_matrix/client/v3/directory/room/#room:localhost"):
            back, ex, size = request_roundtrip(self, HttpRequest("GET", path), edge, host)
            self.assertIsNotNone(ex.route)
            self.assertEqual(back.path, path)

    def test_mixed_and_odd_percent_encoding_is_exact(self):
        edge, host = pair()
        base = "/_matrix/client/v3/rooms/"
        for tail in ("%21abc%3Alocalhost/typing/@alice:localhost",
                     "!abc:localhost/typing/%40alice%3Alocalhost",
                     "%21abc%3alocalhost/typing/%40alice%3Alocalhost",
                     "%2521/typing/%2F%2f", "%/typing/%zz", "%C3%A9/typing/%C3",
                     "\u00e9/typing/x", "/typing/"):
            back, ex, size = request_roundtrip(self, HttpRequest("PUT", base + tail), edge, host)
            self.assertIsNotNone(ex.route, tail)

    def test_long_paths_split_into_several_options(self):
        edge, host = pair()
        path = "/_matrix/client/v3/rooms/" + "x" * 600 + "/typing/" + "y" * 300
        req = HttpRequest("PUT", path)
        msg, ex = encode_request(req, edge)
        self.assertTrue(len(msg.opts(URI_PATH)) >= 4)
        for v in msg.opts(URI_PATH):
            self.assertTrue(len(v) <= 255)
        request_roundtrip(self, req, edge, host)
        request_roundtrip(self, HttpRequest("GET", "/unknown/" + "z" * 1000), edge, host)

    def test_transaction_ids(self):
        edge, host = pair()
        for txn in ("0", "1", "42", "18446744073709551615", "007", "m1795626574841.2",
                    "931ce58c-3849-456d-a0ca-c982d4781234", "x y", "1" * 40, "-1"):
            path = "/_matrix/client/v3/rooms/" + ROOM + "/send/m.reaction/" + pct_encode(txn, 0)
            request_roundtrip(self, HttpRequest("PUT", path), edge, host)

    def test_uuid_txn_is_bare_and_other_16_byte_forms_are_padded(self):
        edge, host = pair()
        base = "/_matrix/client/v3/rooms/" + ROOM + "/send/m.reaction/"
        uuid = "931ce58c-3849-456d-a0ca-c982d4781234"
        msg, _ = encode_request(HttpRequest("PUT", base + uuid), edge)
        # route 2, room as text, "m.reaction" (a value), the UUID as 16 bare bytes, style 0
        # said (the room's "!" is raw, and a UUID txnId defaults to the strict style)
        tail = b"\x50" + bytes.fromhex(uuid.replace("-", "")) + b"\x00"
        self.assertTrue(path_options(msg).endswith(tail))
        request_roundtrip(self, HttpRequest("PUT", base + uuid), edge, host)
        # A raw segment of 15 bytes (no style gives "%7e") and a user id form of 16 bytes:
        # both would be 16 bytes long, so they travel behind K_PAD (17 bytes).
        for txn in ("abcdefghijkl%7e", "%40abcdefghijklmn%3Alocalhost"):
            msg, _ = encode_request(HttpRequest("PUT", base + txn), edge)
            self.assertIn(b"\x51\x0b", path_options(msg))
            back, ex, size = request_roundtrip(self, HttpRequest("PUT", base + txn), edge, host)
            self.assertEqual(back.path, base + txn)

    def test_uuid_with_its_kind_in_a_txn_slot_is_refused(self):
        edge, host = pair()
        raw = bytes.fromhex("931ce58c3849456da0cac982d4781234")

        def with_txn(item):
            msg, _ = encode_request(HttpRequest("PUT", "/_matrix/client/v3/sync"), edge)
            msg.options = [(n, v) for n, v in msg.options if n != URI_PATH]
            msg.options.insert(0, (URI_PATH, b"\x02\x61x\xe0" + item))
            return msg

        back = decode_request(with_txn(b"\x50" + raw), host)  # the canonical spelling
        self.assertTrue(back.path.endswith("/x/send/m.room.message/931ce58c-3849-456d-a0ca-"
                                           + "c982d4781234"), back.path)
        for item in (b"\x51\x0d" + raw, b"\x51\x0b\x0b" + raw[:15]):
            with self.assertRaises(MatrixDecodeError):
                decode_request(with_txn(item), host)
        # A style item equal to the default (1 with a UUID), out of range, or not an integer
        # (a CBOR float 1.0, true) is refused.
        for style in (b"\x01", b"\x03", b"\xf9\x00\x00", b"\xf9\x3c\x00", b"\xf5"):
            with self.assertRaises(MatrixDecodeError):
                decode_request(with_txn(b"\x50" + raw + style), host)
        self.assertTrue("/x/" in decode_request(with_txn(b"\x50" + raw + b"\x02"), host).path)


class TestQuery(unittest.TestCase):
    def test_queries_round_trip(self):
        edge, host = pair()
        for query in ("", "since=s72594_4483_1934&timeout=30000&full_state=false",
                      "timeout=0&timeout=00&limit=18446744073709551616", "a&&b=&=c&",
                      "filter=%7B%22room%22%3A%7B%7D%7D&set_presence=offline",
                      "\x01odd=1&\x85x&\x9ey&\xffz&caf\u00e9=\u00e9", "dir=b&from=t1-2&via=x",
                      "&", "=", "%", "since=s25_3_3_3_3_1_1_7_0_1_1_1_1_1&from=t12-345_6",
                      "from=s1_" + "_".join(["18446744073709551615"] * 31) + "&to=t1-2"):
            req = HttpRequest("GET", "/_matrix/client/v3/sync", query)
            request_roundtrip(self, req, edge, host)

    def test_no_query_and_empty_query_differ(self):
        edge, host = pair()
        a, _ = encode_request(HttpRequest("GET", "/_matrix/client/v3/sync", None), edge)
        b, _ = encode_request(HttpRequest("GET", "/_matrix/client/v3/sync", ""), edge)
        self.assertEqual(a.opts(URI_QUERY), [])
        self.assertEqual(b.opts(URI_QUERY), [b""])

    def test_known_keys_by_code(self):
        edge, host = pair()
        msg, _ = encode_request(HttpRequest("GET", "/_matrix/client/v3/sync",
                                            "timeout=30000&since=s1&from=s25_3_3_3_1"), edge)
        self.assertEqual(msg.opts(URI_QUERY), [b"\x80\x75\x30", b"\x01s1",
                                               b"\xa7\x0fs\x19\x03\x03\x03\x01"])

    def test_long_query_split_never_refused(self):
        edge, host = pair()
        query = "filter=" + "%7B" * 400 + "&" + "x" * 700 + "&since=" + "s" * 255
        req = HttpRequest("GET", "/_matrix/client/v3/sync", query)
        msg, _ = encode_request(req, edge)
        values = msg.opts(URI_QUERY)
        self.assertTrue(len(values) >= 8)
        for v in values:
            self.assertTrue(len(v) <= 255)
        request_roundtrip(self, req, edge, host)


class TestMethodsAndHeaders(unittest.TestCase):
    def test_methods(self):
        edge, host = pair()
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND"):
            req = HttpRequest(method, "/_matrix/client/v3/devices/ABC")
            msg, _ = encode_request(req, edge)
            self.assertEqual(msg.opt(OPT_METHOD) is not None,
                             method in ("HEAD", "OPTIONS", "PROPFIND"))
            request_roundtrip(self, req, edge, host)

    def test_federation_authorization_and_other_headers(self):
        edge, host = pair()
        xm = 'X-Matrix origin="a.example",destination="localhost",key="ed25519:1",sig="s+/="'
        req = HttpRequest("PUT", "/_matrix/federation/v1/send/1700000000000",
                          None, [("Authorization", xm), ("Content-Type", "application/json"),
                                 ("User-Agent", "dropped"), ("Content-Disposition", "inline")],
                          b'{"origin":"a.example","pdus":[],"edus":[]}')
        back, ex, size = request_roundtrip(self, req, edge, host)
        self.assertIsNone(back.header("User-Agent"))

    def test_raw_bodies(self):
        edge, host = pair()
        png = bytes(range(256)) * 3
        for ct, body in (("image/png", png), ("application/octet-stream", b""),
                         ("text/plain; charset=utf-8", "\u00e9".encode()), (None, b"raw"),
                         ("application/x-strange; q=1", b"\x00\x01"),
                         ("application/json", b'{"a":"\\ud800"}'),
                         ("application/json", b'{"a":1,"a":2}'), ("application/json", b"not json"),
                         ("application/json", b""), ("application/json; charset=utf-8", b"{}")):
            headers = [("Content-Type", ct)] if ct is not None else []
            req = HttpRequest("POST", "/_matrix/media/v3/upload", "filename=x.png", headers, body)
            back, ex, size = request_roundtrip(self, req, edge, host)
            self.assertEqual(back.body, body)


if __name__ == "__main__":
    unittest.main()
