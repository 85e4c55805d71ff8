"""Every exchange of the recorded Synapse traffic round-trips exactly through the compact form
(tests/vectors/synapse/scenario.har, HAR 1.2), with the built-in map set and with none."""

import base64
import json
import os

import pytest
from mxcoap import maps
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

HAR = os.path.join(os.path.dirname(__file__), "..", "vectors", "synapse", "scenario.har")
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")


def load_exchanges():
    with open(HAR) as f:
        entries = json.load(f)["log"]["entries"]
    out = []
    for e in entries:
        r = e["request"]
        target = "/" + r["url"].split("/", 3)[3]
        path, sep, query = target.partition("?")
        body = b""
        post = r.get("postData")
        if post and post.get("text") is not None:
            enc = post.get("encoding") or post.get("_encoding")
            body = base64.b64decode(post["text"]) if enc == "base64" else post["text"].encode()
        headers = [(h["name"], h["value"]) for h in r["headers"]]
        req = HttpRequest(r["method"], path, query if sep else None, headers, body)
        s = e["response"]
        c = s["content"]
        rbody = b""
        if c.get("text") is not None:
            rbody = base64.b64decode(c["text"]) if c.get("encoding") == "base64" else \
                c["text"].encode()
        resp = HttpResponse(s["status"], [(h["name"], h["value"]) for h in s["headers"]], rbody)
        out.append((req, resp))
    return out


def carried(headers):
    return sorted((k.lower(), v) for k, v in headers if k.lower() in CARRIED)


def same_body(back, orig):
    if orig.header("Content-Type") == "application/json" and orig.body:
        try:
            value = json.loads(orig.body)
        except ValueError:
            value = None
        if value is not None:
            assert json.loads(back.body) == value
            canonical = json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                   sort_keys=True).encode()
            # Re-serialising as canonical JSON gives the same bytes (signed JSON verifies).
            assert back.body == canonical
            if orig.body == canonical:
                assert back.body == orig.body
            return
    assert back.body == orig.body


def wire(msg, mtype):
    msg.mtype = mtype
    msg.mid = 1
    msg.token = b"\x01"
    data = msg.encode()
    return Message.decode(data), len(data)


def run(map_set):
    edge, host = Session(map_set), Session(map_set)
    totals = [0, 0, 0, 0]
    for req, resp in load_exchanges():
        msg, ex = encode_request(req, edge)
        got, qsize = wire(msg, 0)
        back = decode_request(got, host)
        assert (back.method, back.path, back.query) == (req.method, req.path, req.query)
        assert carried(back.headers) == carried(req.headers)
        same_body(back, req)
        rmsg, rsize = wire(encode_response(resp, host, back.route), 2)
        rback = decode_response(rmsg, edge, ex)
        assert rback.status == resp.status
        assert carried(rback.headers) == carried(resp.headers)
        same_body(rback, resp)
        totals[0] += qsize
        totals[1] += rsize
        totals[2] += len(req.body)
        totals[3] += len(resp.body)
    return totals


@pytest.mark.skipif(not os.path.exists(HAR), reason="no recorded traffic")
@pytest.mark.parametrize("name", ["builtin", "empty"])
def test_har_round_trips(name):
    map_set = maps.builtin() if name == "builtin" else maps.empty()
    q, r, qb, rb = run(map_set)
    n = len(load_exchanges())
    print("\n" + name + ": " + str(n) + " exchanges; compact CoAP requests " + str(q)
          + " B (HTTP bodies alone " + str(qb) + " B), responses " + str(r)
          + " B (HTTP bodies alone " + str(rb) + " B)")
    assert q < qb + 200 * n
