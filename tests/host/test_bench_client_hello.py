"""The "Hello world" budget (48 B request, 56 B response, UDP payload, steady state) for both
client styles of the recorded scenario: Element (alice: `m<ms>.<n>` txn ids, `!` raw in paths)
and matrix-nio (bob: uuid4 txn ids, `!` as `%21`). Bob never sent "Hello world" in the capture,
so a copy of the HAR made here gives his `send-emoji` entry that body and the name send-hello."""

import json
import os

from mxcoap_host.bench import cli, mxcoap_cost
from mxcoap_host.bench.har import load

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")
HELLO = '{"msgtype":"m.text","body":"Hello world"}'


def har_with_nio_hello(tmp_path):
    with open(HAR, "rb") as f:
        har = json.loads(f.read())
    found = 0
    for e in har["log"]["entries"]:
        if e.get("_name") == "send-emoji" and e.get("_user") == "bob":
            e["_name"] = "send-hello"
            e["request"]["postData"]["text"] = HELLO
            e["request"]["bodySize"] = len(HELLO)
            for h in e["request"]["headers"]:
                if h["name"].lower() == "content-length":
                    h["value"] = str(len(HELLO))
            found += 1
    assert found == 1
    path = tmp_path / "scenario-nio-hello.har"
    path.write_text(json.dumps(har))
    return str(path)


def test_hello_world_within_the_budget_for_element_and_nio(tmp_path, capsys):
    path = har_with_nio_hello(tmp_path)
    sim = mxcoap_cost.Simulation()
    sends = {}
    for ex in load(path):
        r = mxcoap_cost.run_exchange(sim, ex)
        if ex.name == "send-hello":
            sends[ex.user] = r
            assert "%21" in ex.path if ex.user == "bob" else "!" in ex.path
    assert sorted(sends) == ["alice", "bob"]
    for user, r in sends.items():
        assert len(r.up) == 1 and len(r.down) == 1, user
        assert sum(r.up) <= 48 and sum(r.down) <= 56, (user, r.up, r.down)
    # The CLI prints one line per client with the same figures.
    assert cli.main([path]) == 0
    text = capsys.readouterr().out
    for user, r in sends.items():
        line = ("\"Hello world\" send (send-hello, " + user + "), UDP payload, encrypted, steady"
                " state: request " + str(sum(r.up)) + " B, response " + str(sum(r.down)) + " B")
        assert line in text, line
