"""The 2019 coap-proxy model (mxcoap_host.bench.legacy2019) and tools/bench_legacy.py: the
"Hello world" figure near the published 173 B / 97 B, the CBOR and DEFLATE parts real (cbor2,
zlib) and decodable, the CoAP messages valid, the handshake and blockwise accounting."""

import base64
import json
import os
import random
import shutil
import subprocess
import sys

import cbor2
import pytest
from mxcoap.coap import Message
from mxcoap_host.bench import legacy2019 as L
from mxcoap_host.bench.har import load

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")
TOKEN = "syt_YWxpY2U_cCTMrSsywWeEusWkxWPk_1XmWwWx"  # 40 characters
ROOM = "!BRUi-mqY92RAUw927c4zB-o-WgXVE39pqvzRuNACmu8"  # sigil + 43 characters
PUBLISHED = (173, 97)
# How far the model may sit from the published figure: docs/legacy2019.md explains the
# +9 / +6 it gives (the published request's exact txn id, dictionary and Go's compressor).
TOLERANCE = (10, 8)


def uint(b):
    return int.from_bytes(b, "big") if b else 0


def test_hello_near_published_figure():
    assert len(TOKEN) == 40 and len(ROOM) == 44
    req, resp = L.steady_state(L.hello_exchange(TOKEN, ROOM))
    assert abs(req - PUBLISHED[0]) <= TOLERANCE[0], req
    assert abs(resp - PUBLISHED[1]) <= TOLERANCE[1], resp


def test_token_sent_in_every_request():
    base = L.steady_state(L.hello_exchange(TOKEN, ROOM))[0]
    longer = L.steady_state(L.hello_exchange(TOKEN + "Q7xZp2Lk9R", ROOM))[0]
    assert longer - base >= 9  # random characters barely compress, even deflated twice


def test_request_datagram_decodes():
    ex = L.hello_exchange(TOKEN, ROOM)
    s = L.Session2019()
    s.handshaken = True
    up, down = s.exchange(ex)
    assert up.up and not down.up
    # the UDP payload: 4-byte header + 2-byte token + sequence number in clear, the DEFLATEd
    # CoAP message, the 16-byte AES-GCM tag
    assert up.size == 4 + 2 + 1 + len(up.deflated) + 16
    assert L.inflate(up.deflated) == up.coap
    m = Message.decode(up.coap)
    assert (m.mtype, m.code, len(m.token)) == (0, 3, 2)  # CON PUT, 2-byte token
    paths = [v.decode() for n, v in m.options if n == 11]
    assert paths == ["1", ROOM[1:], str(L.EVENT_TYPES.index("m.room.message")),
                     "m1795627361361.0?access_token=" + TOKEN]
    opts = dict((n, v) for n, v in m.options if n != 11)
    assert uint(opts[12]) == 42  # application/octet-stream
    assert uint(opts[27]) == 6  # Block1 num 0, no more, szx 6 (1024), on a single block
    assert uint(opts[60]) == len(m.payload)  # Size1
    cbor = L.inflate(m.payload)
    assert cbor2.loads(cbor) == json.loads(ex.req_body)
    # canonical CBOR, string keys: "body" before "msgtype"
    assert cbor == cbor2.dumps({"body": "Hello world", "msgtype": "m.text"})


def test_response_datagram_decodes():
    ex = L.hello_exchange(TOKEN, ROOM)
    s = L.Session2019()
    s.handshaken = True
    _, down = s.exchange(ex)
    m = Message.decode(L.inflate(down.deflated))
    assert (m.mtype, m.code, len(m.token)) == (2, 69, 2)  # piggybacked ACK 2.05
    opts = dict(m.options)
    assert uint(opts[12]) == 42 and uint(opts[23]) == 6 and uint(opts[28]) == len(m.payload)
    assert cbor2.loads(L.inflate(m.payload)) == json.loads(ex.resp_body)


def test_deflate_is_raw_with_dictionary():
    data = b'{"event_id":"$abc","origin_server_ts":1}'
    d = L.deflate(data)
    assert d.endswith(b"\x00\x00\xff\xff")  # the empty stored block Go's Close() writes
    assert L.inflate(d) == data
    plain = L.deflate(data, zdict=b"")
    assert len(d) < len(plain)  # the dictionary holds "event_id", "origin_server_ts"


def test_first_exchange_carries_the_xx_handshake():
    ex = L.hello_exchange(TOKEN, ROOM)
    s = L.Session2019()
    grams = s.exchange(ex)
    assert [g.kind for g in grams] == ["xx1", "xx2", "xx3", "response"]
    assert [g.up for g in grams] == [True, False, True, False]
    assert grams[0].size == 5 + 32  # -> e
    assert grams[1].size == 5 + 32 + 48 + 16  # <- e, ee, s, es
    assert grams[2].size == 5 + 48 + len(grams[2].deflated) + 16  # -> s, se + request
    assert [g.kind for g in s.exchange(ex)] == ["request", "response"]


def test_blockwise_request_and_response():
    rng = random.Random(7)
    blob = base64.b64encode(bytes(rng.randrange(256) for _ in range(2500))).decode()
    ex = L.hello_exchange(TOKEN, ROOM, body=json.dumps({"body": blob}).encode())
    ex.resp_body = json.dumps({"chunk": blob}).encode()
    s = L.Session2019()
    s.handshaken = True
    grams = s.exchange(ex)
    kinds = [g.kind for g in grams]
    assert kinds == ["request", "continue", "request", "continue", "request", "response",
                     "block-request", "response", "block-request", "response"]
    blocks = [Message.decode(g.coap) for g in grams if g.kind == "request"]
    nums = [uint(dict(m.options)[27]) for m in blocks]
    assert nums == [(0 << 4) | 8 | 6, (1 << 4) | 8 | 6, (2 << 4) | 6]
    body = b"".join(m.payload for m in blocks)
    assert all(len(m.payload) == 1024 for m in blocks[:-1])
    assert cbor2.loads(L.inflate(body)) == {"body": blob}
    # every block repeats the path with the access token
    assert all(any(v.endswith(TOKEN.encode()) for n, v in m.options if n == 11) for m in blocks)
    follow = [Message.decode(g.coap) for g in grams if g.kind == "block-request"]
    assert all(12 not in dict(m.options) for m in follow)  # no Content-Format on follow-ups
    parts = [Message.decode(g.coap) for g in grams if g.kind == "response"]
    assert cbor2.loads(L.inflate(b"".join(m.payload for m in parts))) == {"chunk": blob}


def test_cost_on_recorded_traffic():
    exchanges = [ex for ex in load(HAR) if ex.status and ex.path.startswith("/_matrix/")]
    costs = L.cost_2019(exchanges)
    assert len(costs) == len(exchanges) == 69
    users = set()
    for ex, (up, down, n) in zip(exchanges, costs, strict=True):
        assert up > 28 and down > 28 and n >= 2
        if ex.user not in users:  # one XX handshake per session
            users.add(ex.user)
            assert n >= 4
    # the 2019 proxy sends the token in every authenticated request
    authed = [c for ex, c in zip(exchanges, costs, strict=True)
              if any(k.lower() == "authorization" for k, _ in ex.req_headers)]
    assert all(c[0] > 28 + 7 + 16 + 39 for c in authed)
    assert costs == L.cost_2019(exchanges)  # reproducible


def test_tool_prints_totals(tmp_path):
    out = tmp_path / "legacy.json"
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench_legacy.py"), HAR,
                        "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "2019 / mxcoap:" in p.stdout and "calibration" in p.stdout
    doc = json.loads(out.read_text())
    assert len(doc["exchanges"]) == 69
    assert doc["totals"]["legacy"] == sum(r["legacy_request"] + r["legacy_response"]
                                          for r in doc["exchanges"])
    assert doc["totals"]["mxcoap"] and doc["totals"]["mxcoap"] < doc["totals"]["legacy"]
    # The whole-session table: four configurations, each a real run of the benchmark, and the
    # floor, which no configuration goes under (it would mean a lossy or broken count).
    confs = doc["configurations"]
    assert len(confs) == 4 and "3x needs" in p.stdout and "floor:" in p.stdout
    assert confs[0]["mxcoap"] == doc["totals"]["mxcoap"]
    assert all(doc["floor"] < c["mxcoap"] < c["legacy"] for c in confs)
    one = [c for c in confs if "one edge" in c["configuration"]]
    assert len(one) == 2 and all(c["handshake"] < confs[0]["handshake"] for c in one)


# Against the Go libraries the 2019 proxy used (Debian's golang-go and
# golang-github-ugorji-go-codec-dev, which `make setup` installs): tools/legacy2019_go.
GOPATH_2019 = "/usr/share/gocode"
UGORJI = os.path.join(GOPATH_2019, "src", "github.com", "ugorji", "go", "codec")


@pytest.fixture(scope="module")
def go_tool(tmp_path_factory):
    if shutil.which("go") is None or not os.path.isdir(UGORJI):
        pytest.fail("needs go and golang-github-ugorji-go-codec-dev: run `make setup` "
                    "(apt-get install golang-go golang-github-ugorji-go-codec-dev)")
    d = tmp_path_factory.mktemp("go")
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH_2019, GOFLAGS="")
    env.setdefault("GOCACHE", str(d / "cache"))
    exe = str(d / "legacy2019_go")
    subprocess.run(["go", "build", "-o", exe, "./tools/legacy2019_go"], cwd=ROOT, env=env,
                   check=True, timeout=300, capture_output=True)

    def run(mode, doc):
        p = subprocess.run([exe, mode], input=json.dumps(doc), capture_output=True, text=True,
                           timeout=120, check=True)
        return [bytes.fromhex(h) for h in json.loads(p.stdout)]
    return run


def har_bodies():
    exchanges = [ex for ex in load(HAR) if ex.status and ex.path.startswith("/_matrix/")]
    return exchanges, [b for ex in exchanges for b in (ex.req_body, ex.resp_body)
                       if b and L.cbor_body(b)[1]]


def test_cbor_byte_identical_to_ugorji(go_tool):
    _, bodies = har_bodies()
    extra = b'{"f":1.5,"n":-3,"big":18446744073709551615,"s":"\\ud83d\\ude00","z":null,' \
            b'"t":true,"a":[],"o":{},"bb":1,"a2":2,"\xc3\xa9":3}'
    bodies.append(extra)
    go = go_tool("cbor", [b.decode() for b in bodies])
    assert len(go) == len(bodies) > 100
    for b, g in zip(bodies, go, strict=True):
        assert L.cbor_body(b)[0] == g, b[:80]


def test_zlib_stands_in_for_go_flate(go_tool):
    exchanges, bodies = har_bodies()
    inputs = [L.cbor_body(b)[0] for b in bodies]
    s = L.Session2019()
    s.handshaken = True
    inputs += [g.coap for ex in exchanges for g in s.exchange(ex) if g.coap is not None]
    go = go_tool("flate", {"dict": L.dictionary().hex(), "inputs": [i.hex() for i in inputs]})
    ours = [L.deflate(i) for i in inputs]
    for g, o, i in zip(go, ours, inputs, strict=True):
        assert L.inflate(g) == i  # the same raw DEFLATE with the same dictionary
        assert g.endswith(b"\x00\x00\xff\xff") and o.endswith(b"\x00\x00\xff\xff")
        assert abs(len(g) - len(o)) <= 12, (len(i), len(g), len(o))
    total_go, total_ours = sum(map(len, go)), sum(map(len, ours))
    assert abs(total_go - total_ours) <= total_go // 100, (total_go, total_ours)


def test_incompressible_data_goes_as_fixed_huffman():
    data = random.Random(3).randbytes(600)
    d = L.deflate(data)
    assert (d[0] >> 1) & 3 == 1  # fixed Huffman, not stored (Go with a dictionary)
    assert L.inflate(d) == data
    assert len(d) > len(data) + 10
    plain = L.deflate(data, zdict=b"")
    assert (plain[0] >> 1) & 3 == 0 and len(plain) == len(data) + 10  # stored without one
