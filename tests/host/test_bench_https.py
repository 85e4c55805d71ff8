"""HTTPS+JSON cost: hand-made exchanges computed by hand from the measured constants in
https_measured.json equal what the code returns; the model agrees with the measured records."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mxcoap_host.bench import har, https_cost

ROOT = Path(__file__).resolve().parents[2]
HAR = os.path.join(os.path.dirname(__file__), "..", "vectors", "synapse", "scenario.har")


@pytest.fixture(scope="module")
def data():
    with open(https_cost.DEFAULT_FILE) as f:
        return json.load(f)


def exchange(method="GET", url="https://h/a", req_headers=(("Host", "h"),), req_body=b"",
             status=200, reason="OK", resp_headers=(("Content-Length", "2"),), resp_body=b"{}",
             wait_ms=5.0):
    return har.Exchange(1, "x", None, method, url, list(req_headers), req_body, status, reason,
                        list(resp_headers), resp_body, wait_ms)


def test_measured_file_is_tls13_and_complete(data):
    assert data["measured"] and data["command"] and data["versions"]["openssl"]
    assert data["model"]["mss"] == 1460
    assert data["model"]["tls_record_overhead"] == 5 + 1 + 16  # RFC 8446 §5.2
    for name in ("ecdsa", "rsa"):
        p = data["profiles"][name]
        assert p["tls_version"] == "TLSv1.3"
        assert p["tcp"]["ip_header"] == 20
        assert p["tcp"]["tcp_header_data"] >= 20
        assert p["tls_handshake"]["c2s_records"][0][0] == 22  # ClientHello
        assert p["tls_handshake"]["s2c_records"][0][0] == 22  # ServerHello
        for phase in ("tcp", "tls", "close"):
            assert p["loopback_phases"][phase]
    # The RSA chain is the larger one.
    assert (data["profiles"]["rsa"]["tls_handshake"]["s2c_bytes"]
            > data["profiles"]["ecdsa"]["tls_handshake"]["s2c_bytes"])


def test_tiny_exchange_by_hand(data):
    model = https_cost.HttpsModel(data)
    tcp = data["profiles"][data["default_profile"]]["tcp"]
    h = tcp["ip_header"] + tcp["tcp_header_data"]  # 20 + 20 + 12 (timestamps)
    rec = data["model"]["tls_record_overhead"]
    req = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    assert (len(req), len(resp)) == (28, 40)
    c = https_cost.cost(exchange(), model)
    assert (c["request"], c["response"], c["notes"]) == (28, 40, [])
    # One record and one segment each way; the server answers within 40 ms, so its ACK of the
    # request rides on the response; the client ACKs the response alone.
    c2s = (28 + rec) + h + h
    s2c = (40 + rec) + h
    assert c["c2s"] == c2s and c["s2c"] == s2c
    assert c["warm"] == c2s + s2c == 28 + 40 + 2 * 22 + 3 * h
    assert c["segments"] == 2 and c["acks"] == 1
    # A server slower than the delayed-ACK timer: the request gets its own ACK.
    late = https_cost.cost(exchange(wait_ms=100.0), model)
    assert late["warm"] == c["warm"] + h and late["acks"] == 2


def _phase_by_hand(packets, payload):
    """Sum of IPv4 + TCP header + payload per packet; a packet above one segment gets one
    more header per extra segment (the flights measured split into at most 2 segments, and
    each of those was ACKed alone, so no ACK is added)."""
    total = 0
    for i, p in enumerate(packets):
        h = p["ip_header"] + p["tcp_header"]
        total += h + p["payload"]
        if p["payload"] > payload:
            assert p["payload"] <= 2 * payload
            nxt = [q for q in packets[i + 1:] if q["dir"] != p["dir"]][0]
            assert nxt["payload"] == 0 and nxt["flags"] == "ACK"
            total += h
    return total


def test_cold_adds_the_measured_connection(data):
    model = https_cost.HttpsModel(data)
    phases = data["profiles"][data["default_profile"]]["loopback_phases"]
    syn = [p for p in phases["tcp"] if "SYN" in p["flags"]]
    assert len(syn) == 2 and len(phases["tcp"]) == 3
    assert model.tcp_open == sum(p["ip_header"] + p["tcp_header"] for p in phases["tcp"])
    payload = data["model"]["segment_payload"]
    assert model.tls_handshake == _phase_by_hand(phases["tls"], payload)
    assert model.close == _phase_by_hand(phases["close"], payload)
    c = https_cost.cost(exchange(), model)
    assert c["cold"] - c["warm"] == model.tcp_open + model.tls_handshake + model.close


def test_multi_segment_by_hand(data):
    model = https_cost.HttpsModel(data)
    h = model.header
    p = data["model"]["segment_payload"]
    body = b"x" * 5000
    ex = exchange(resp_headers=[("Content-Length", "5000")], resp_body=body, wait_ms=100.0)
    resp_len = len(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n") + 5000
    c = https_cost.cost(ex, model)
    tls = resp_len + 22
    n = -(-tls // p)
    assert n == 4
    # Client: ACKs every second segment (2). Server: the request's ACK alone (late answer).
    assert c["s2c"] == tls + n * h + 1 * h
    assert c["c2s"] == 28 + 22 + h + 2 * h


def test_records_match_measurement(data):
    model = https_cost.HttpsModel(data)
    for w in data["profiles"][data["default_profile"]]["warm_exchanges"]:
        assert model.tls_bytes(w["request_plaintext"]) == sum(r[1] for r in w["c2s_records"])
        assert model.tls_bytes(w["response_plaintext"]) == sum(r[1] for r in w["s2c_records"])


def test_missing_headers_are_added():
    model = https_cost.HttpsModel.load()
    ex = exchange(method="PUT", req_headers=[], req_body=b"{}", reason="",
                  resp_headers=[("Transfer-Encoding", "chunked")], resp_body=b"{}")
    req, notes = https_cost.request_bytes(ex)
    assert req == b"PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
    assert notes == ["added Host", "added Content-Length"]
    n, rnotes = https_cost.response_bytes(ex)
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert n == len(head) + len(b"2\r\n{}\r\n0\r\n\r\n")
    assert "reason phrase from RFC 9110" in rnotes
    assert https_cost.cost(ex, model)["notes"] == notes + rnotes


def test_compressed_body_from_a_browser():
    body = b'{"chunk":[' + b'{"type":"m.room.message","content":{"body":"hi"}},' * 40 + b'{}]}'
    ex = exchange(resp_headers=[("content-encoding", "gzip"),
                                ("content-length", "0")], resp_body=body)
    n, notes = https_cost.response_bytes(ex)
    head = b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 0\r\n\r\n"
    assert notes == ["body gzip-compressed here (level 6)"]
    assert len(head) < n < len(head) + len(body) // 4
    ex.resp_headers = [("content-encoding", "br")]
    n, notes = https_cost.response_bytes(ex)
    assert "body counted decoded (br size unknown)" in notes
    ex.resp_body_size = 120  # a transferred size in the HAR wins
    n, notes = https_cost.response_bytes(ex)
    assert notes[0] == "body as transferred (br)"


def test_real_capture_heads_are_exact():
    """The capture records headersSize and the chunked wire size: the HTTP bytes computed from
    its headers equal them, with nothing added."""
    model = https_cost.HttpsModel.load()
    for ex in har.load(HAR):
        req, notes = https_cost.request_bytes(ex)
        assert notes == [] and len(req) == ex.req_head_size + ex.req_body_size
        n, rnotes = https_cost.response_bytes(ex)
        assert rnotes == [] and n == ex.resp_head_size + ex.resp_body_size
        c = https_cost.cost(ex, model)
        assert c["cold"] > c["warm"] > n + len(req)


@pytest.mark.skipif(shutil.which("tcpdump") is None or os.geteuid() != 0,
                    reason="tools/measure_https.py needs tcpdump (Debian package) and root")
def test_measure_https_runs(tmp_path):
    """The measurement itself: a fresh run gives a file the model reads, with the same record
    overhead and TCP header sizes as the committed one."""
    out = tmp_path / "m.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "measure_https.py"), "--out",
                        str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    fresh = json.loads(out.read_text())
    model = https_cost.HttpsModel(fresh)
    committed = https_cost.HttpsModel.load()
    assert model.header == committed.header == 52
    assert model.tcp_open == committed.tcp_open
    for w in fresh["profiles"]["ecdsa"]["warm_exchanges"]:
        assert model.tls_bytes(w["response_plaintext"]) == sum(r[1] for r in w["s2c_records"])
        assert w["acks"]["c2s_pure_acks"] >= 1  # the client ACKs the response alone
    # Certificates differ by a byte or two between runs (DER integers): the handshake with it.
    assert abs(model.tls_handshake - committed.tls_handshake) < 64
