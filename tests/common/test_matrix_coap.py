"""Compact Matrix messages through two real mxcoap.coap endpoints (in memory, lossy link):
binary Uri-Path, private options and block-wise bodies all survive the CoAP layer."""

import unittest

from coap_net import Net
from matrix_support import MS, ROOM, TOKEN, carried, same_body, send_hello
from mxcoap.coap import RequestReceived, ResponseReceived
from mxcoap.matrix import (
    MATRIX_OPTIONS,
    HttpRequest,
    HttpResponse,
    MatrixDecodeError,
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
    error_response,
)

C = ("edge", 1)
S = ("host", 2)


def big_sync_body(n):
    events = []
    for i in range(n):
        events.append('{"type":"m.room.message","sender":"@u' + str(i % 7) + ':localhost",'
                      '"content":{"msgtype":"m.text","body":"message number ' + str(i) + '"},'
                      '"event_id":"$' + ("A" * 43 + str(i))[-43:] + '",'
                      '"origin_server_ts":' + str(1795626574841 + i) + '}')
    return ('{"next_batch":"s1_2","rooms":{"join":{"' + ROOM + '":{"timeline":{"events":['
            + ",".join(events) + ']}}}}}').encode()


class TestThroughEndpoints(unittest.TestCase):
    def test_requests_and_responses_survive_a_lossy_link(self):
        net = Net(seed=5, loss=0.2)
        edge_session, host_session = Session(MS), Session(MS)
        answers = {}

        def host(ep, ev, now):
            if isinstance(ev, RequestReceived):
                try:
                    req = decode_request(ev.request, host_session)
                except MatrixDecodeError as e:
                    ep.respond(ev.handle, error_response(e), now)
                    return
                resp = answers[req.path]
                ep.respond(ev.handle, encode_response(resp, host_session, req.route), now)

        edge_ep = net.add(C)
        host_ep = net.add(S, handler=host)
        edge_ep.known_options.update(MATRIX_OPTIONS)
        host_ep.known_options.update(MATRIX_OPTIONS)
        upload = bytes(range(256)) * 12
        cases = [
            (send_hello("1"), HttpResponse(200, [("Content-Type", "application/json")],
                                           b'{"event_id":"$ev1"}')),
            (HttpRequest("GET", "/_matrix/client/v3/sync", "since=s1_1&timeout=30000",
                         [("Authorization", "Bearer " + TOKEN)]),
             HttpResponse(200, [("Content-Type", "application/json")], big_sync_body(60))),
            (HttpRequest("POST", "/_matrix/media/v3/upload", "filename=a.png",
                         [("Authorization", "Bearer " + TOKEN), ("Content-Type", "image/png")],
                         upload),
             HttpResponse(200, [("Content-Type", "application/json")],
                          b'{"content_uri":"mxc://localhost/abc"}')),
            (HttpRequest("GET", "/_matrix/client/v1/media/download/localhost/abc", None,
                         [("Authorization", "Bearer " + TOKEN)]),
             HttpResponse(200, [("Content-Type", "image/png"),
                                ("Content-Disposition", "inline; filename=a.png")], upload)),
            (HttpRequest("GET", "/_matrix/client/v3/directory/room/%23a%3Alocalhost", None,
                         [("Authorization", "Bearer " + TOKEN)]),
             HttpResponse(404, [("Content-Type", "application/json")],
                          b'{"errcode":"M_NOT_FOUND","error":"Room alias not found"}')),
            (send_hello("2"), HttpResponse(429, [("Content-Type", "application/json"),
                                                 ("Retry-After", "3")],
                                           b'{"errcode":"M_LIMIT_EXCEEDED"}')),
        ]
        for req, resp in cases:
            answers[req.path] = resp
            msg, ex = encode_request(req, edge_session)
            handle = edge_ep.send_request(msg, S, net.now)
            net.run()
            got = [e for e in net.events[C]
                   if isinstance(e, ResponseReceived) and e.handle is handle]
            self.assertEqual(len(got), 1, req.path)
            back = decode_response(got[0].response, edge_session, ex)
            self.assertEqual(back.status, resp.status)
            self.assertEqual(carried(back.headers), carried(resp.headers))
            same_body(self, back, resp)
        lost = [e for e in net.log if not e[4]]
        self.assertTrue(lost)  # the link did lose datagrams
        self.assertTrue(len(net.sent(S, C)) > 2 * len(cases))  # block-wise transfers happened


if __name__ == "__main__":
    unittest.main()
