"""coap-proxy-bench end to end: the JSON schema, the chart, the mxcoap round trip through the real
stack, and a non-zero exit when the round trip does not give back what went in."""

import json
import os
import sys

import pytest
from mxcoap.maps import ID_LEN
from mxcoap.session.handshake import IK1_OVERHEAD, IK2_OVERHEAD
from mxcoap_host.bench import cli, mxcoap_cost

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # pytest's importlib mode
from test_bench_har import browser_har_file  # noqa: E402

HAR = os.path.join(os.path.dirname(__file__), "..", "vectors", "synapse", "scenario.har")
ROW_KEYS = {"name", "https_warm", "https_cold", "mxcoap_request", "mxcoap_response",
            "datagrams"}
TOTAL_KEYS = {"https_warm", "https_cold", "mxcoap", "handshake"}


def check_schema(doc, n):
    assert set(doc) == {"exchanges", "totals"}
    assert len(doc["exchanges"]) == n
    for row in doc["exchanges"]:
        assert set(row) == ROW_KEYS
        assert isinstance(row["name"], str) and row["name"]
        for k in ROW_KEYS - {"name"}:
            assert isinstance(row[k], int) and row[k] > 0, (k, row)
    t = doc["totals"]
    assert set(t) == TOTAL_KEYS
    assert all(isinstance(t[k], int) for k in TOTAL_KEYS)
    assert t["https_warm"] == sum(r["https_warm"] for r in doc["exchanges"])
    assert t["https_cold"] == sum(r["https_cold"] for r in doc["exchanges"])
    assert t["mxcoap"] == sum(r["mxcoap_request"] + r["mxcoap_response"]
                              for r in doc["exchanges"])
    assert 0 < t["handshake"] < t["mxcoap"]


def test_browser_har_json(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert cli.main([browser_har_file(tmp_path), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    check_schema(doc, 2)
    assert doc["exchanges"][0]["name"].startswith("PUT /_matrix/client/v3/rooms/{roomId}/send/")
    captured = capsys.readouterr()
    text = captured.out
    assert "added Host (2x)" in text  # HTTP/2 export: the HTTP/1.1 request needs a Host
    assert "skipped 1 HAR entries: not Matrix traffic" in captured.err
    assert "skipped 1 HAR entries: no response (status 0)" in captured.err
    # One session: the first exchange carries the handshake (IK1 and IK2), whose own bytes are
    # IPv4+UDP, the header byte(s), Noise's overhead, the payload fields and the hellos: the
    # 4-byte offer of one map set, the 1-byte reply (both sides prefer it).
    assert doc["exchanges"][0]["mxcoap_request"] > doc["exchanges"][1]["mxcoap_request"]
    ik1 = 28 + 1 + IK1_OVERHEAD + (2 + 8 + 1 + ID_LEN)
    ik2 = 28 + 3 + IK2_OVERHEAD + (2 + 1 + 1)
    assert doc["totals"]["handshake"] == ik1 + ik2


def test_all_keeps_other_traffic(tmp_path):
    out = tmp_path / "b.json"
    assert cli.main([browser_har_file(tmp_path), "--all", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    check_schema(doc, 3)
    assert doc["exchanges"][2]["name"] == "GET /config.json"  # carried as a raw path


def test_long_poll_costs_separate_ack(tmp_path):
    """The /sync answered after 1.5 s (timings.wait) exceeds the separate-response delay: the
    host sends an empty ACK, then a CON response that the edge ACKs: more than 2 datagrams."""
    out = tmp_path / "b.json"
    assert cli.main([browser_har_file(tmp_path), "--json", str(out)]) == 0
    sync = json.loads(out.read_text())["exchanges"][1]
    assert sync["datagrams"] >= 4


def test_capture_json_png_and_figures(tmp_path, capsys):
    out, chart = tmp_path / "s.json", tmp_path / "s.png"
    # matplotlib is in the test extras (pyproject.toml): the chart is always drawn and checked.
    args = [HAR, "--json", str(out), "--png", str(chart)]
    assert cli.main(args) == 0
    doc = json.loads(out.read_text())
    check_schema(doc, len(doc["exchanges"]))
    assert len(doc["exchanges"]) >= 60
    t = doc["totals"]
    assert t["https_cold"] > t["https_warm"] > t["mxcoap"]
    text = capsys.readouterr().out
    assert "Hello world" in text and "173 B / 97 B" in text and "9.3 KB" in text
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _broken_response_decoder(real):
    def decode(msg, session, exchange):
        resp = real(msg, session, exchange)
        resp.body = resp.body[:-1] + b" "  # one byte off
        return resp

    return decode


def _broken_request_decoder(real):
    def decode(msg, session):
        req = real(msg, session)
        req.method = "DELETE"
        return req

    return decode


@pytest.mark.parametrize("which", ["request", "response"])
def test_round_trip_mismatch_exits_non_zero(tmp_path, monkeypatch, capsys, which):
    if which == "response":
        monkeypatch.setattr(mxcoap_cost, "decode_response",
                            _broken_response_decoder(mxcoap_cost.decode_response))
    else:
        monkeypatch.setattr(mxcoap_cost, "decode_request",
                            _broken_request_decoder(mxcoap_cost.decode_request))
    out = tmp_path / "b.json"
    assert cli.main([browser_har_file(tmp_path), "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ERROR" in err and which + " differs after the round trip" in err
    doc = json.loads(out.read_text())
    assert doc["totals"]["mxcoap"] is None  # no figure is given for a failed round trip
    assert doc["exchanges"][0]["mxcoap_request"] is None


def test_missing_stack_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_stack", lambda: (None, "mxcoap stack not importable: test"))
    out = tmp_path / "b.json"
    assert cli.main([browser_har_file(tmp_path), "--json", str(out)]) == 1
    doc = json.loads(out.read_text())
    assert doc["totals"]["mxcoap"] is None
    assert all(r["mxcoap_request"] is None for r in doc["exchanges"])
    captured = capsys.readouterr()
    assert "could not be computed" in captured.out and "could not be computed" in captured.err


def test_unreadable_har_exits_2(tmp_path):
    p = tmp_path / "x.har"
    p.write_text("{}")
    assert cli.main([str(p)]) == 2
    p.write_text('{"log": {"entries": []}}')
    assert cli.main([str(p)]) == 2  # nothing to count


def test_one_session(tmp_path):
    out = tmp_path / "s.json"
    assert cli.main([HAR, "--one-session", "--json", str(out)]) == 0
    t = json.loads(out.read_text())["totals"]
    # IK1 (offer of one id), IK2 (1-byte reply) and the edge's empty address proof: the first
    # answer (/versions) does not fit the host's 3x allowance, so IK2 goes without it.
    assert t["handshake"] == ((28 + 1 + IK1_OVERHEAD + 11 + ID_LEN) + (28 + 3 + IK2_OVERHEAD + 3
                                                                         + 1) + (28 + 9))
