"""Property tests of the Matrix mapping (hypothesis): arbitrary JSON bodies, paths, queries and
session histories round-trip losslessly."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mxcoap import maps
from mxcoap.coap import Message
from mxcoap.matrix import (
    MATRIX_OPTIONS,
    HttpRequest,
    HttpResponse,
    MatrixError,
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from mxcoap.matrix.request import STYLES, pct_encode

MS = maps.builtin()
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Full Unicode (emoji and other astral characters included), but no lone surrogates: Python's
# json would write them as \ud800 escapes, which the mapping carries verbatim (tested apart).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ids = st.sampled_from(["!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870", "@alice:localhost",
                       "$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs", "#room:localhost",
                       "@bob:elsewhere.example", "mxc://localhost/abc", "m.room.message", "",
                       "m.text", "body", "type", "8", "931ce58c-3849-456d-a0ca-c982d4781234",
                       "s25_3_3_3_1", "t12-345_6", "s01_2", "m1795626574841.2", "m01.2"])
strings = st.one_of(text, ids)
scalars = st.one_of(st.none(), st.booleans(), st.integers(),
                    st.integers(min_value=-(2**200), max_value=2**200),
                    st.floats(allow_nan=False, allow_infinity=False), strings)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(strings, inner, max_size=5)),
    max_leaves=30,
)


def wire(msg, mtype=0):
    msg.mtype, msg.mid, msg.token = mtype, 1, b"\x01"
    return Message.decode(msg.encode())


def roundtrip_request(req, edge=None, host=None):
    edge = edge or Session(MS)
    host = host or Session(MS)
    msg, ex = encode_request(req, edge)
    back = decode_request(wire(msg), host)
    assert (back.method, back.path, back.query) == (req.method, req.path, req.query)
    return back, ex


@SETTINGS
@given(json_values, st.booleans(), st.sampled_from([0, 2, 6]))
def test_json_bodies_round_trip_as_data(value, ascii_only, route):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    path = MS.route_table.get(route).template.replace("{roomId}", "!r:localhost")
    path = path.replace("{txnId}", "1").replace("{eventType}", "m.x").replace("{stateKey}", "")
    req = HttpRequest("PUT", path, None, [("Content-Type", "application/json")], body)
    back, ex = roundtrip_request(req)
    assert json.loads(back.body) == json.loads(body)
    resp = HttpResponse(200, [("Content-Type", "application/json")], body)
    host = Session(MS)
    rmsg = encode_response(resp, host, back.route)
    rback = decode_response(wire(rmsg, 2), Session(MS), ex)
    assert json.loads(rback.body) == json.loads(body)


@SETTINGS
@given(st.text(max_size=30))
def test_lone_surrogates_and_odd_json_are_carried_verbatim(s):
    body = json.dumps({"body": s + "\ud800"}).encode()  # \ud800 escape: not carried as data
    req = HttpRequest("POST", "/_matrix/client/v3/keys/query", None,
                      [("Content-Type", "application/json")], body)
    back, ex = roundtrip_request(req)
    assert back.body == body


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from([None, "image/png", "application/json",
                                                   "text/plain; charset=utf-8", "x/y"]))
def test_any_bytes_of_any_type(body, content_type):
    headers = [("Content-Type", content_type)] if content_type else []
    req = HttpRequest("POST", "/_matrix/media/v3/upload", None, headers, body)
    back, ex = roundtrip_request(req)
    if content_type == "application/json" and back.body != body:
        assert json.loads(back.body) == json.loads(body)
    else:
        assert back.body == body


def _raw_segment():
    decoded = st.text(max_size=12).map(lambda s: (s, None))
    raw = st.text(alphabet="%25AFaf!@#:$/?&=+ x\u00e9", max_size=10).map(lambda s: (None, s))
    # forms that would be 16 bytes long in a txnId slot (K_PAD there), and a UUID
    odd = st.sampled_from(["abcdefghijkl%7e", "%40abcdefghijklmn%3Alocalhost",
                           "931ce58c-3849-456d-a0ca-c982d4781234"]).map(lambda s: (None, s))
    return st.one_of(decoded, raw, ids.map(lambda s: (s, None)), odd)


@SETTINGS
@given(st.integers(min_value=0, max_value=len(MS.routes) - 1), st.data())
def test_paths_round_trip_exactly(code, data):
    route = MS.route_table.get(code)
    style = data.draw(st.integers(min_value=0, max_value=len(STYLES) - 1))
    segs = []
    for lit in route.literals:
        if lit is not None:
            segs.append(lit)
            continue
        decoded, raw = data.draw(_raw_segment())
        segs.append(raw.replace("/", "%2F") if raw is not None else pct_encode(decoded, style))
    path = "/" + "/".join(segs)
    roundtrip_request(HttpRequest("GET", path))


@SETTINGS
@given(st.one_of(st.none(), st.text(max_size=600),
                 st.lists(st.tuples(st.sampled_from(MS.query + ("x", "")), st.text(max_size=300)),
                          max_size=6).map(lambda kv: "&".join(k + "=" + v for k, v in kv))),
       st.text(max_size=80).map(lambda s: "/" + s))
def test_queries_and_unknown_paths_round_trip(query, path):
    roundtrip_request(HttpRequest("GET", path, query))


@SETTINGS
@given(st.data())
def test_session_history_with_loss_and_reordering(data):
    """Requests and answers are lost, delayed and reordered; every request the host decodes is
    the one the client sent, and every answer the edge decodes is the one the host sent."""
    edge, host = Session(MS), Session(MS)
    rooms = ["!room" + str(i) + ":localhost" for i in range(4)]
    users = ["@user" + str(i) + ":elsewhere.example" for i in range(4)]
    tokens = ["tok_a", "tok_b"]
    in_flight = []  # (request, msg, exchange)
    answers = []  # (exchange, response message, expected response)
    for _ in range(data.draw(st.integers(min_value=1, max_value=25))):
        action = data.draw(st.sampled_from(["send", "send", "deliver", "answer", "drop"]))
        if action == "send":
            room = data.draw(st.sampled_from(rooms))
            user = data.draw(st.sampled_from(users))
            token = data.draw(st.sampled_from(tokens + [None]))
            headers = [("Content-Type", "application/json")]
            if token:
                headers.append(("Authorization", "Bearer " + token))
            body = json.dumps({"user_id": user, "room_id": room}).encode()
            req = HttpRequest("POST", "/_matrix/client/v3/rooms/" + room + "/invite", None,
                              headers, body)
            msg, ex = encode_request(req, edge)
            in_flight.append((req, msg.encode(), ex))
        elif action == "deliver" and in_flight:
            i = data.draw(st.integers(min_value=0, max_value=len(in_flight) - 1))
            req, raw, ex = in_flight[i]
            if data.draw(st.booleans()):
                in_flight.pop(i)  # else: delivered again later (a duplicate)
            back = decode_request(Message.decode(raw), host)
            assert back.path == req.path
            assert back.header("Authorization") == req.header("Authorization")
            assert json.loads(back.body) == json.loads(req.body)
            status = data.draw(st.sampled_from([200, 200, 403]))
            rbody = json.dumps({"chunk": [{"sender": data.draw(st.sampled_from(users)),
                                           "room_id": data.draw(st.sampled_from(rooms))}]})
            resp = HttpResponse(status, [("Content-Type", "application/json")], rbody.encode())
            answers.append((ex, encode_response(resp, host, back.route).encode(), resp))
        elif action == "answer" and answers:
            i = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
            ex, raw, resp = answers.pop(i)
            got = decode_response(Message.decode(raw), edge, ex)
            assert got.status == resp.status
            assert json.loads(got.body) == json.loads(resp.body)
        elif action == "drop" and (in_flight or answers):
            (in_flight or answers).pop(0)


OPTION_NUMBERS = [11, 11, 12, 15, 15] + list(MATRIX_OPTIONS)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=255),
       st.lists(st.tuples(st.sampled_from(OPTION_NUMBERS),
                          st.one_of(st.binary(max_size=40),
                                    st.sampled_from([b"\x00", b"\x01", b"\x06\x00\x00a",
                                                     b"\x07\x00", b"/x", b"\x82\x00\x00"]))),
                max_size=6),
       st.binary(max_size=60))
def test_hostile_messages_only_raise_matrix_errors(code, options, payload):
    """Whatever a peer sends, decoding either works or raises a MatrixError (the proxy then
    answers it); nothing else escapes."""
    msg = Message(0, code, 1, b"", options, payload)
    for decode in (lambda m: decode_request(m, Session(MS)),
                   lambda m: decode_response(m, Session(MS), None)):
        try:
            decode(msg)
        except MatrixError:
            pass
