"""Interop with libcoap: its coap-client-notls (Debian libcoap3-bin) against our echo server
(tools/coap_echo_server.py) over 127.0.0.1. Bodies come from its -o file,
response codes from its PDU log (-v 7, on stderr), so a wrong body or code fails."""

import os
import re
import subprocess
import tempfile

import pytest
from coap_support import BODY, LARGE_BODY, QUERY, digest_reply, libcoap_tool

COAP_CLIENT = "coap-client-notls"
# A received PDU as libcoap logs it: "v:1 t:ACK c:2.05 i:1234 {01} [ ... ]".
PDU_LINE = re.compile(r"^v:1 t:(CON|NON|ACK|RST) c:(\S+) i:([0-9a-f]+)")


@pytest.fixture
def coap_client():
    return libcoap_tool(COAP_CLIENT)


class Run:
    def __init__(self, proc, body):
        self.body = body
        # coap-client writes its log (-v 7) to stdout; the body goes to the -o file.
        self.log = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
        self.returncode = proc.returncode
        # The log shows each PDU after a "sent"/"received" line; keep the received ones.
        self.received = []
        direction = None
        for line in self.log.splitlines():
            if " UDP : received " in line:
                direction = "rx"
            elif " UDP : sent " in line:
                direction = "tx"
            else:
                m = PDU_LINE.match(line)
                if m and direction == "rx":
                    self.received.append((m.group(1), m.group(2)))
                direction = None if m else direction

    def codes(self):
        return [code for _, code in self.received if code != "0.00"]


def coap(client, port, path, *args, timeout=30):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "body")
        argv = [client, "-v", "7", "-B", "10", "-o", out, *args,
                f"coap://127.0.0.1:{port}{path}"]
        proc = subprocess.run(argv, capture_output=True, timeout=timeout)
        body = b""
        if os.path.exists(out):
            with open(out, "rb") as f:
                body = f.read()
    r = Run(proc, body)
    assert r.returncode == 0, r.log
    return r


def test_methods(coap_client, our_server):
    port = our_server.port
    r = coap(coap_client, port, "/echo")
    assert (r.body, r.codes()) == (b"hello", ["2.05"]), r.log
    r = coap(coap_client, port, "/echo", "-m", "post", "-e", "posted")
    assert (r.body, r.codes()) == (b"posted", ["2.04"]), r.log
    r = coap(coap_client, port, "/echo", "-m", "put", "-e", "put value")
    assert (r.body, r.codes()) == (b"put value", ["2.04"]), r.log
    r = coap(coap_client, port, "/echo")
    assert r.body == b"put value"
    r = coap(coap_client, port, "/echo", "-m", "delete")
    assert (r.body, r.codes()) == (b"", ["2.02"]), r.log
    r = coap(coap_client, port, "/echo")
    assert (r.body, r.codes()) == (b"", ["2.05"]), r.log
    r = coap(coap_client, port, "/nowhere")
    assert r.codes() == ["4.04"], r.log


def test_blockwise_download(coap_client, our_server):
    r = coap(coap_client, our_server.port, "/large")
    assert r.body == LARGE_BODY
    # 5 blocks of 1024; libcoap answers our amplification limit's 4.01+Echo (RFC 9175 §2.4).
    assert r.codes() in (["2.05"] * 5, ["4.01"] + ["2.05"] * 5), r.log


def test_blockwise_upload(coap_client, our_server, tmp_path):
    body = tmp_path / "body.bin"
    body.write_bytes(BODY)
    reply = digest_reply(BODY)
    r = coap(coap_client, our_server.port, "/large", "-m", "put", "-b", "1024", "-f", str(body))
    assert r.body == reply, r.log
    assert r.codes() == ["2.31"] * 4 + ["2.04"], r.log  # Block1: 4 x 2.31 Continue, then 2.04
    # Block1 up and Block2 down in one exchange (the 64-byte blocks libcoap was asked for).
    r = coap(coap_client, our_server.port, "/echo", "-m", "post", "-b", "64", "-f", str(body))
    assert r.body == BODY, r.log


def test_long_query(coap_client, our_server):
    # coap-client copies a URI's query into a 100-byte buffer, so give the options with -O 15.
    options = []
    for q in QUERY:
        options += ["-O", "15," + q]
    r = coap(coap_client, our_server.port, "/q", *options)
    assert r.body == "&".join(QUERY).encode(), r.log
    assert len(r.body) > 255


def test_observe(coap_client, our_server):
    # /obs?period=0.05 for 3 s: well past the point where the amplification credit of an
    # unverified observer would run out (~17 notifications), so the Echo handling is exercised.
    r = coap(coap_client, our_server.port, "/obs?period=0.05", "-s", "3", "-w")
    values = [int(x) for x in r.body.decode().split() if x.isdigit()]
    assert values[:3] == [0, 1, 2] and len(values) >= 30, r.log
    assert values == list(range(len(values))), values  # in order, none lost


def test_ping(coap_client, our_server):
    """-K 1: after a second of silence libcoap sends an empty CON (RFC 7252 §4.3) and our server
    answers with an RST. /obs?period=30 keeps the client waiting without traffic."""
    r = coap(coap_client, our_server.port, "/obs?period=30", "-s", "3", "-K", "1")
    assert r.body == b"obs 0", r.log
    assert ("RST", "0.00") in r.received, r.log


def test_lost_datagrams_are_retransmitted(coap_client, our_server, tmp_path):
    """-l 2,5: coap-client drops its own 2nd and 5th datagrams; retransmission and our
    de-duplication still give the whole body both ways."""
    r = coap(coap_client, our_server.port, "/large", "-l", "2,5", timeout=60)
    assert r.body == LARGE_BODY, r.log
    body = tmp_path / "body.bin"
    body.write_bytes(BODY)
    r = coap(coap_client, our_server.port, "/large", "-m", "put", "-b", "1024", "-f", str(body),
             "-l", "2,4", timeout=60)
    assert r.body == digest_reply(BODY), r.log
