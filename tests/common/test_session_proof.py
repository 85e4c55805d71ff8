"""Address proof after IK2 (docs/protocol.md (Part 1), "Address validation and amplification"): an
answer too big for the responder's 3x budget is held, the initiator's empty transport datagram
releases it once, at once, without a CoAP retransmission. Portable."""

import unittest

from mxcoap.coap import CONTENT, Message
from mxcoap.noise import public_key
from mxcoap.session import header as H
from session_net import SecureNet
from test_session_endpoint import CKEY, SKEY, C, S, request, responses

BIG = b"v" * 600  # > 3 x IK1 - IK2: the answer cannot ride in IK2 nor follow it unproven


def big_handler(node, ev, now):
    node.coap.respond(ev.handle, Message(code=CONTENT, payload=BIG), now)


def small_handler(node, ev, now):
    node.coap.respond(ev.handle, Message(code=CONTENT, payload=b"ok"), now)


def run(handler, ik=True):
    net = SecureNet()
    server = net.add(S, SKEY, handler=handler, seed=11)
    client = net.add(C, CKEY, seed=22)
    pid = client.secure.connect(S, net.now, remote_static=public_key(SKEY) if ik else None)
    client.coap.send_request(request(b"first"), pid, 0.0)
    net.run(until=60)
    return net, client, server


class TestAddressProof(unittest.TestCase):
    def test_big_first_answer_released_by_the_proof(self):
        net, client, server = run(big_handler)
        self.assertEqual([r.response.payload for r in responses(client)], [BIG])
        up = [e for e in net.log if e[1] == C]
        down = [e for e in net.log if e[1] == S]
        # IK1; the empty proof (header, nonce, tag: nothing else); nothing more from the edge.
        self.assertEqual(up[0][3][0], H.IK1)
        self.assertEqual(up[1][3][0] & 0x80, 0)  # transport
        self.assertEqual(len(up[1][3]), 9)  # compact byte 0 and the tag: nothing else
        # IK2 without the answer, then the answer once (released by the proof).
        self.assertEqual(len(down), 2)
        self.assertEqual(down[0][3][0], H.IK2)
        self.assertEqual(down[1][3][0] & 0x80, 0)
        # At once: one round trip after IK2, long before the CoAP ACK_TIMEOUT (2 s).
        self.assertLess(down[1][0], 0.2)
        self.assertEqual(server.coap.stats["retransmissions"], 0)
        self.assertEqual(client.coap.stats["retransmissions"], 0)
        self.assertEqual(len(server.executed), 1)

    def test_answer_in_ik2_needs_no_proof(self):
        net, client, server = run(small_handler)
        self.assertEqual([r.response.payload for r in responses(client)], [b"ok"])
        self.assertEqual([e[3][0] & 0xF0 for e in net.log], [H.IK1, H.IK2])

    def test_xx3_is_the_proof(self):
        net, client, server = run(big_handler, ik=False)
        self.assertEqual([r.response.payload for r in responses(client)], [BIG])
        kinds = [e[3][0] & 0xF0 if e[3][0] & 0x80 else 0 for e in net.log]
        self.assertEqual(kinds, [H.XX1, H.XX2, H.XX3, 0])
        self.assertEqual(client.coap.stats["retransmissions"], 0)


if __name__ == "__main__":
    unittest.main()
