"""The benchmark's composed stack: the "Hello world" budget, the first flight with tables and its
retry, the address proof, and the CoAP RTO of a request that starts a handshake at 100 bit/s
(no retransmission)."""

import os

import pytest
from mxcoap import maps
from mxcoap.coap import TransmissionParams
from mxcoap_host.bench import cli, mxcoap_cost
from mxcoap_host.bench.har import load

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")
with open(os.path.join(ROOT, "maps", "mx1d.json"), "rb") as f:
    TRAINED = maps.load(f.read())


def run_all(sim):
    return [(ex, mxcoap_cost.run_exchange(sim, ex)) for ex in load(HAR)]


def test_hello_world_within_the_budget(capsys):
    # docs/benchmark.md: 48 B request, 56 B response, UDP payload, steady state.
    rows = run_all(mxcoap_cost.Simulation())
    hello = [r for ex, r in rows if ex.name == "send-hello"][0]
    assert sum(hello.up) <= 48 and sum(hello.down) <= 56
    assert len(hello.up) == 1 and len(hello.down) == 1
    # The CLI prints the same figures.
    assert cli.main([HAR]) == 0
    text = capsys.readouterr().out
    assert ("request " + str(sum(hello.up)) + " B, response " + str(sum(hello.down)) + " B"
            in text)


def test_first_answer_released_by_the_address_proof():
    sim = mxcoap_cost.Simulation()
    ex = load(HAR)[0]  # versions: 1.5 KB answer, more than 3x the IK1
    r = mxcoap_cost.run_exchange(sim, ex)
    assert r.retransmissions == 0
    assert len(r.up) == 2 and len(r.down) == 2  # IK1, proof; IK2, the answer once
    assert r.up[1] <= 10


@pytest.mark.parametrize("host_sets,retries", [([TRAINED, maps.builtin()], 0),
                                               ([maps.builtin()], 1)], ids=["same", "lacks"])
def test_first_flight_with_tables_and_one_retry(host_sets, retries):
    sim = mxcoap_cost.Simulation(edge_sets=[TRAINED, maps.builtin()], host_sets=host_sets)
    rows = run_all(sim)  # every exchange round-trips (RoundTripError otherwise)
    firsts = [r for _, r in rows if r.handshake]
    assert len(firsts) == 2  # one per user session
    assert sum(r.map_retries for _, r in rows) == retries * 2
    assert len(sim.host_reasons) == 2


def test_first_request_not_retransmitted_at_100_bps():
    # The edge forwarder tells the CoAP endpoint of the IK1/IK2 bytes around the first request
    # (Endpoint.add_overhead), so its RTO allows for them at the link rate.
    sim = mxcoap_cost.Simulation(params=TransmissionParams.for_link(100), link_bps=100)
    r = mxcoap_cost.run_exchange(sim, load(HAR)[0])
    assert r.retransmissions == 0
