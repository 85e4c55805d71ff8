"""Session + CoAP stacks over a lossy in-memory network, many seeds (CPython only: the portable
suite runs two seeds of the same scenario). 30 % loss, 10 % duplicates, reordering, a client
port change mid-exchange and a responder restart between requests: every request is answered
and executed exactly once."""

import pytest
from mxcoap.coap import RequestFailed, TransmissionParams
from mxcoap.noise import public_key
from mxcoap.session import KnownPeers
from session_net import SecureNet, echo_handler
from test_session_endpoint import CKEY, SKEY, C, S, request, responses


@pytest.mark.parametrize("seed", range(1, 13))
@pytest.mark.parametrize("ik", [True, False])
def test_lossy_rebinding_restart(seed, ik):
    params = TransmissionParams(max_retransmit=12, ack_timeout=1.0)
    net = SecureNet(seed=seed, loss=0.3, dup=0.1, reorder=0.8)
    store = KnownPeers()
    server = net.add(
        S, SKEY, handler=echo_handler, seed=11 + seed, coap_params=params, known_peers=store
    )
    client = net.add(C, CKEY, seed=22 + seed, coap_params=params)
    pid = client.secure.connect(S, 0.0, remote_static=public_key(SKEY) if ik else None, name="h")
    sent = []
    executed = []
    for i in range(8):
        body = b"req-" + str(i).encode()
        sent.append(body)
        client.coap.send_request(request(body), pid, net.now)
        if i == 3:
            net.run(until=net.now + 0.3)
            net.move(client, ("10.0.0.1", 41000 + seed))  # mid-exchange port change
        done = len(sent)
        net.run(until=net.now + 600, stop=lambda n=done: len(responses(client)) >= n)
        if i == 5:
            # Between requests: the responder restarts with its persisted store.
            executed += [e[1] for e in server.executed]
            server.executed = []
            server.start(known_peers=KnownPeers.parse(store.serialise()))
            store = server.secure.known_peers
    executed += [e[1] for e in server.executed]
    assert [e for e in client.app_events if isinstance(e, RequestFailed)] == []
    assert sorted(r.response.payload for r in responses(client)) == sorted(b"re:" + b for b in sent)
    for b in sent:
        assert executed.count(b) == 1, b
