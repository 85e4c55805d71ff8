"""Recorded Synapse exchanges: both interpreters produce the same compact messages (DEFLATE
undone) and decode the recorded bytes back exactly (tests/vectors/matrix/har-exchanges.json,
made by tools/make_matrix_vectors.py)."""

import unittest

from mxcoap import deflate, maps
from mxcoap.coap import Message
from mxcoap.matrix import (
    HttpRequest,
    HttpResponse,
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from mxcoap.matrix.numbers import OPT_DEFLATE
from mxcoap.matrix.session import Exchange
from support import load_json_vector


def normal(data):
    """A message's code, options and payload with DEFLATE undone: the compressor's choice of
    matches may change between versions without changing the mapping."""
    msg = Message.decode(data)
    payload = msg.payload
    if msg.opt(OPT_DEFLATE) is not None:
        payload = deflate.decompress(payload, zdict=maps.builtin().dictionary)
        msg.remove_option(OPT_DEFLATE)
    return msg.code, sorted(msg.options), payload


def carried(headers):
    out = [(k.lower(), v) for k, v in headers]
    out.sort()
    return out


class TestRecordedExchanges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = load_json_vector("matrix/har-exchanges.json")

    def test_map_set_id(self):
        self.assertEqual(maps.builtin().id.hex(), self.doc["map_set_id"])

    def test_encode_gives_the_recorded_bytes(self):
        edge, host = Session(maps.builtin()), Session(maps.builtin())
        for v in self.doc["exchanges"]:
            q = v["request"]
            req = HttpRequest(q["method"], q["path"], q["query"], q["headers"],
                              bytes.fromhex(q["body"]))
            msg, ex = encode_request(req, edge)
            self.assertEqual(normal(msg.encode()), normal(bytes.fromhex(v["compact_request"])),
                             q["path"])
            back = decode_request(msg, host)
            r = v["response"]
            resp = HttpResponse(r["status"], r["headers"], bytes.fromhex(r["body"]))
            rmsg = encode_response(resp, host, back.route)
            self.assertEqual(normal(rmsg.encode()),
                             normal(bytes.fromhex(v["compact_response"])), q["path"])
            decode_response(rmsg, edge, ex)

    def test_decode_gives_the_http_messages(self):
        edge, host = Session(maps.builtin()), Session(maps.builtin())
        for v in self.doc["exchanges"]:
            q = v["request"]
            back = decode_request(Message.decode(bytes.fromhex(v["compact_request"])), host)
            self.assertEqual((back.method, back.path, back.query),
                             (q["method"], q["path"], q["query"]))
            self.assertEqual(carried(back.headers), carried(q["headers"]))
            self.assertEqual(back.body.hex(), v["decoded_request_body"])
            ex = Exchange()
            ex.route = back.route
            r = v["response"]
            rback = decode_response(Message.decode(bytes.fromhex(v["compact_response"])), edge,
                                    ex)
            self.assertEqual(rback.status, r["status"])
            self.assertEqual(carried(rback.headers), carried(r["headers"]))
            self.assertEqual(rback.body.hex(), v["decoded_response_body"])


if __name__ == "__main__":
    unittest.main()
