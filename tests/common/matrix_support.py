"""Helpers shared by the test_matrix_* modules (both interpreters)."""

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
    jsontext,
)
from mxcoap.matrix.session import Exchange

MS = maps.builtin()
ROOM = "!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870"
EVENT = "$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"
TOKEN = "syt_YWxpY2U_abcdefghijklmnopqrst_0AbCdE"
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")


def pair(ms=MS):
    return Session(ms), Session(ms)


def carried(headers):
    """The headers the mapping promises to carry, as a sorted comparable list."""
    out = [(k.lower(), v) for k, v in headers if k.lower() in CARRIED]
    out.sort()
    return out


def over_the_wire(msg, token=b"\x01", mid=1, mtype=0):
    """Encode and decode as a datagram would (the endpoint sets type, mid and token)."""
    msg.token = token
    msg.mid = mid
    msg.mtype = mtype
    wire = msg.encode()
    return Message.decode(wire), len(wire)


def request_roundtrip(tc, req, edge, host):
    msg, ex = encode_request(req, edge)
    got, size = over_the_wire(msg)
    back = decode_request(got, host)
    tc.assertEqual(back.method, req.method)
    tc.assertEqual(back.path, req.path)
    tc.assertEqual(back.query, req.query)
    same_body(tc, back, req)
    tc.assertEqual(carried(back.headers), carried(req.headers))
    return back, ex, size


def same_body(tc, back, orig):
    """Exact bytes, or equal JSON data when the original is compactable JSON."""
    if orig.header("Content-Type") == "application/json" and orig.body:
        try:
            value = jsontext.loads(orig.body)
        except jsontext.JsonError:
            value = None
        if value is not None:
            tc.assertEqual(jsontext.loads(back.body), value)
            return
    tc.assertEqual(back.body, orig.body)


def response_roundtrip(tc, resp, edge, host, route=None, ex=None):
    if ex is None:
        ex = Exchange()
        ex.route = route
    msg = encode_response(resp, host, route)
    got, size = over_the_wire(msg, mtype=2)
    back = decode_response(got, edge, ex)
    tc.assertEqual(back.status, resp.status)
    tc.assertEqual(carried(back.headers), carried(resp.headers))
    same_body(tc, back, resp)
    return back, size


def send_hello(txn):
    return HttpRequest(
        "PUT",
        "/_matrix/client/v3/rooms/" + ROOM + "/send/m.room.message/" + txn,
        None,
        [("Authorization", "Bearer " + TOKEN), ("Content-Type", "application/json")],
        b'{"msgtype":"m.text","body":"Hello world"}',
    )


def sent_response():
    return HttpResponse(200, [("Content-Type", "application/json")],
                        b'{"event_id":"' + EVENT.encode() + b'"}')
