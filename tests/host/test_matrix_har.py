"""Every exchange of the recorded Synapse traffic round-trips exactly through the compact form
(tests/vectors/synapse/scenario.har, HAR 1.2), with the built-in map set and with none."""

import importlib.util
import json
import os

import pytest
from mxcoap import maps
from mxcoap.coap import Message
from mxcoap.matrix import (
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)

HAR = os.path.join(os.path.dirname(__file__), "..", "vectors", "synapse", "scenario.har")
_TOOL = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "make_matrix_vectors.py")
_spec = importlib.util.spec_from_file_location("make_matrix_vectors", _TOOL)
_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tool)


def load_exchanges():
    return _tool.load_har(HAR)
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")


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


@pytest.mark.parametrize("name", ["builtin", "empty"])
def test_har_round_trips(name):
    map_set = maps.builtin() if name == "builtin" else maps.empty()
    q, r, qb, rb = run(map_set)
    n = len(load_exchanges())
    print("\n" + name + ": " + str(n) + " exchanges; compact CoAP requests " + str(q)
          + " B (HTTP bodies alone " + str(qb) + " B), responses " + str(r)
          + " B (HTTP bodies alone " + str(rb) + " B)")
    assert q < qb + 200 * n
