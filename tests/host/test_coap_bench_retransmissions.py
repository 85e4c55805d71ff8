"""No CoAP retransmission on the benchmark's loss-free link (docs/protocol.md Part 2 §4): the
recorded Synapse exchanges through the whole stack, retransmissions printed per exchange
(pytest -s)."""

import os

from mxcoap.coap import TransmissionParams
from mxcoap_host.bench import mxcoap_cost
from mxcoap_host.bench.har import load

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")


def per_exchange(sim):
    rows = []
    for ex in load(HAR):
        if ex.status == 0 or not ex.path.startswith("/_matrix/"):
            continue
        r = mxcoap_cost.run_exchange(sim, ex)
        print("exchange", ex.name, "retransmissions", r.retransmissions,
              "bytes", r.request + r.response)
        rows.append((ex.name, r.retransmissions))
    return rows


def test_default_link_no_retransmission():
    # Before the RTO floor and the early empty ACK: send-encrypted (server 96 ms after ~60 ms
    # answers) and sync-longpoll-bob (answered after 1.075 s) were each sent twice.
    rows = per_exchange(mxcoap_cost.Simulation())
    assert len(rows) == 69
    assert [r for r in rows if r[1]] == []


def test_100_bps_no_retransmission():
    # The first exchange's request rides in the session handshake; the edge forwarder tells
    # the CoAP endpoint of its bytes (Endpoint.add_overhead), so it too goes once.
    sim = mxcoap_cost.Simulation(params=TransmissionParams.for_link(100), link_bps=100)
    rows = per_exchange(sim)
    assert len(rows) == 69
    assert [r for r in rows if r[1]] == []
