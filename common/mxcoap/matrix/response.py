"""HTTP response <-> compact CoAP response (docs/protocol.md (Part 3), "Responses").

    CoAP code   the status (status.py), with Mx-Status when the code cannot say it exactly
    Mx-Header   Retry-After, Location, Content-Disposition (and `extra` headers) (headers.py)
    body        payload.py, with the request's route schema for compact JSON
    Mx-Error    set only on answers the proxy makes itself (error_response): the request never
                reached the HTTP server
"""

from mxcoap.coap import Message
from mxcoap.coap.options import decode_uint, encode_uint
from mxcoap.matrix import headers as _headers
from mxcoap.matrix import history, ids, jsontext, status
from mxcoap.matrix.body import Decoder, Encoder
from mxcoap.matrix.errors import (
    REASON_MAP_UNKNOWN,
    REASON_UNKNOWN_REFERENCE,
    MapRetry,
    MatrixDecodeError,
    PeerLostState,
)
from mxcoap.matrix.numbers import OPT_ERROR, OPT_HEADER, OPT_HISTORY, OPT_STATUS
from mxcoap.matrix.payload import decode_body, encode_body


class HttpResponse:
    """status (int), header list of (name, value), body bytes."""

    def __init__(self, status, headers=None, body=b""):
        self.status = status
        self.headers = list(headers or ())
        self.body = bytes(body)

    def header(self, name):
        return _headers.find(self.headers, name)

    def __repr__(self):
        return "<HttpResponse " + str(self.status) + " " + str(len(self.body)) + "B>"


def encode_response(resp, session, route=None, extra_headers=(), request=None):
    """The compact CoAP response (code, options, payload; the endpoint fills type, mid, token)
    for an HttpResponse answering a request that used `route` (HttpRequest.route). `request`,
    the decoded HttpRequest, lets a 2xx JSON answer join the response history (history.py)."""
    code, exact = status.to_coap(resp.status)
    opts = []
    if exact is not None:
        opts.append((OPT_STATUS, encode_uint(exact)))
    hopts, content_type, bearer = _headers.encode_headers(resp.headers, extra_headers)
    opts.extend(hopts)
    if bearer is not None:  # a response never carries a session token: keep it as a header
        opts.append((OPT_HEADER, b"\x05Bearer " + bearer.encode("utf-8")))
    # Responses intern nothing: the history finds their repeats (session.py).
    enc = Encoder(session.maps)
    schema = route.resp_schema if route else None
    hist = session.history_tx
    if request is not None and 200 <= resp.status < 300 and history.eligible(resp.body):
        e = hist.next
        n = hist.base(e)
        bopts, payload, compact = encode_body(resp.body, content_type, enc, schema,
                                              hist.dictionary(n))
        if compact:
            hist.add(request.payload + compact)
            bopts.append((OPT_HISTORY, history.encode_option(e, n)))
    else:
        bopts, payload, compact = encode_body(resp.body, content_type, enc, schema)
    opts.extend(bopts)
    return Message(code=code, options=opts, payload=payload)


def decode_response(msg, session, exchange):
    """The HttpResponse behind a compact CoAP response (edge side). Confirms what the request
    defined when the status is 2xx. Raises PeerLostState when the host did not know a
    reference (resend the request: the host did not forward it), MapRetry when it did not
    hold the map set a first-flight request was encoded with (resend it likewise)."""
    err = msg.opt(OPT_ERROR)
    if err is not None:
        try:
            diag = ids.text(msg.payload)
        except MatrixDecodeError:
            diag = repr(msg.payload)
        if err == bytes((REASON_UNKNOWN_REFERENCE,)):
            session.peer_lost_state()
            raise PeerLostState("peer lost session state: " + diag)
        if err == bytes((REASON_MAP_UNKNOWN,)):
            # First flight encoded with a set the host lacks: it forwarded nothing.
            session.first_flight = False
            raise MapRetry("peer does not hold the map set offered first (" + diag
                           + "): sending the request again with the agreed set")
        body = jsontext.dumps({"errcode": "M_UNKNOWN", "error": "mxcoap proxy: " + diag})
        return HttpResponse(502, [("Content-Type", "application/json")], body)
    exact = msg.opt(OPT_STATUS)
    code = status.from_coap(msg.code, decode_uint(exact) if exact is not None else None)
    dec = Decoder(session.maps, session.rx)
    route = exchange.route if exchange is not None else None
    headers = []
    for value in msg.opts(OPT_HEADER):
        if value and value[0] < 2:
            continue  # body typing, read by decode_body
        headers.append(_headers.decode_header(value))
    entry = msg.opt(OPT_HISTORY)
    hist = session.history_rx
    if entry is None:
        body_headers, body, _ = decode_body(msg, dec, route.resp_schema if route else None)
    else:
        e, n = history.decode_option(entry)
        body_headers, body, compact = decode_body(msg, dec, route.resp_schema if route else None,
                                                  hist.dictionary(n))
        if not compact:
            raise MatrixDecodeError("Mx-History on a body that is not compact JSON")
        if exchange is not None:  # without its request the entry cannot be formed: not acked
            hist.add(e, exchange.payload + compact)
    if exchange is not None:
        session.answered(exchange, code)
    return HttpResponse(code, body_headers + headers, body)


def error_response(error):
    """The answer a proxy makes itself to a request it could not decode (a MatrixError)."""
    code, _ = status.to_coap(error.status if error.status in (400, 405, 500, 502) else 400)
    diag = error.message.encode("utf-8")[:120]
    return Message(code=code, options=[(OPT_ERROR, bytes((error.reason,)))], payload=diag)


def is_proxy_error(msg):
    return msg.opt(OPT_ERROR) is not None


