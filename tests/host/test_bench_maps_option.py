"""coap-proxy-bench --maps: both peers load the given map set files instead of the built-in mx1."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAR = ROOT / "tests/vectors/synapse/scenario.har"


def bench(tmp_path, *args):
    out = tmp_path / f"b{len(list(tmp_path.iterdir()))}.json"
    r = subprocess.run([sys.executable, "-m", "mxcoap_host.bench.cli", str(HAR), "--json",
                        str(out), *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(out.read_text())


def test_trained_map_set_is_used_and_round_trips(tmp_path):
    plain = bench(tmp_path)
    trained = bench(tmp_path, "--maps", str(ROOT / "maps/mx1d.json"))
    # Every exchange still went through and came back equal (exit 0 above); the trained
    # dictionary must show in the bytes, or the option did nothing.
    assert all(e["mxcoap_response"] for e in trained["exchanges"])
    assert trained["totals"]["mxcoap"] < plain["totals"]["mxcoap"] * 0.95


def test_unreadable_map_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "keys": 5}')
    r = subprocess.run([sys.executable, "-m", "mxcoap_host.bench.cli", str(HAR), "--maps",
                        str(bad)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "map set " + str(bad) + ": keys must be a list" in r.stderr
    assert "Traceback" not in r.stderr
