"""Map agreement on a full in-memory stack: Noise session (IK and XX) with the map offer and reply
in its hello, CoAP endpoints, and a matrix Session on each side, driven with a fake clock. Peers
with the same sets, with one set in common, and with none in common all carry the recorded
Synapse traffic exactly; the reason strings name both sides' ids. First flight: the request in
IK1 (or XX3) is encoded with the set offered first (Mx-Maps); a host without it answers Mx-Error
4 and the edge sends it once more with the agreed set (exactly once forwarded)."""

import importlib.util
import json
import os
from urllib.parse import quote

import pytest
from coap_net import XorShift
from forward_net import Link
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mxcoap import maps
from mxcoap.coap import Message
from mxcoap.forward import (
    EdgeForwarder,
    HostForwarder,
    HttpRequestReady,
    HttpResponseReady,
    LogEvent,
)
from mxcoap.matrix import HttpRequest, decode_request, encode_request
from mxcoap.matrix import Session as MatrixSession
from mxcoap.noise import public_key
from mxcoap.session import KnownPeers
from session_net import key_from

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")
_spec = importlib.util.spec_from_file_location("train_maps",
                                               os.path.join(ROOT, "tools", "train_maps.py"))
train_maps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_maps)

EDGE, HOST = ("10.0.0.1", 40000), ("10.0.0.2", 5683)
EDGE_KEY, HOST_KEY = key_from(3003), key_from(4004)

MX1 = maps.builtin()
with open(os.path.join(ROOT, "maps", "mx1d.json"), "rb") as f:
    TRAINED = maps.load(f.read())
EXCHANGES = train_maps.load_har(HAR)  # all 69: the whole stack takes ~0.5 s per run


class Host:
    """The host: a HostForwarder (mxcoap.forward) that answers the recorded responses in order."""

    def __init__(self, link, sets):
        self.fwd = link.add(HOST, HostForwarder(HOST_KEY, sets, rand=XorShift(11).bytes))
        link.on_events[HOST] = self.on_event
        self.link = link
        self.sessions = self.fwd.sessions  # peer id -> matrix Session
        self.reasons = []
        self.received = []
        self.refused = []  # MatrixErrors answered with Mx-Error (nothing forwarded)
        self.answers = []  # HttpResponses to give, in order

    def on_event(self, ev):
        if isinstance(ev, HttpRequestReady):
            self.received.append(ev.http_request)
            self.fwd.respond(ev.handle, self.answers.pop(0), self.link.now)
        elif isinstance(ev, LogEvent) and ev.kind == "maps":
            self.reasons.append(ev.reason)
        elif isinstance(ev, LogEvent) and ev.kind == "refused":
            self.refused.append(ev.error)


class Edge:
    """The edge: an EdgeForwarder offering its sets (the host's last pick first); it encodes the
    first flight with the set offered first and Mx-Maps, and sends once more on MapRetry."""

    def __init__(self, link, sets, ik, last=None):
        self.link = link
        known = KnownPeers()
        if last is not None:
            known.set_note(public_key(HOST_KEY), last)
        self.fwd = link.add(EDGE, EdgeForwarder(
            EDGE_KEY, HOST, sets, rand=XorShift(22).bytes, known_peers=known,
            remote_static=public_key(HOST_KEY) if ik else None))
        self.fwd.last = last  # XX: the key (and so its note) is not known before the handshake
        self.fwd.encode_request = self._encode
        link.on_events[EDGE] = self.on_event
        self.first_msgs = []  # CoAP messages the first request was encoded as
        self.retries = []  # MapRetry messages (the driver's log)
        self.results = {}

    def _encode(self, req, session):
        msg, ex = encode_request(req, session)
        if not self.results and len(self.first_msgs) < 2:
            self.first_msgs.append(msg)
        return msg, ex

    def on_event(self, ev):
        if isinstance(ev, LogEvent):
            if ev.kind == "map-retry":
                self.retries.append(ev.reason)
        else:
            self.results[ev.handle] = ev

    @property
    def map_set(self):
        return self.fwd.map_set

    @property
    def reason(self):
        return self.fwd.reason

    @property
    def session(self):
        return self.fwd.session

    def exchange(self, req):
        handle = self.fwd.submit(req, self.link.now)
        self.link.run(lambda: handle in self.results, self.link.now + 600)
        done = self.results.get(handle)
        assert isinstance(done, HttpResponseReady), done
        return done.http_response


def run(edge_sets, host_sets, ik=True, last=None):
    link = Link(seed=7)
    host = Host(link, host_sets)
    edge = Edge(link, edge_sets, ik, last)
    for req, resp in EXCHANGES:
        host.answers.append(resp)
        back = edge.exchange(req)
        assert train_maps.difference(req, host.received[-1]) is None, req
        assert train_maps.difference(resp, back) is None, req
    assert len(host.received) == len(EXCHANGES)  # each request forwarded exactly once
    edge.link_bytes = link_bytes = sum(len(e[3]) + 28 for e in link.sent)
    return edge, host, link_bytes


def test_same_sets_agree_on_the_trained_set():
    edge, host, link = run([TRAINED, MX1], [TRAINED, MX1])
    assert edge.map_set is TRAINED and host.sessions[public_key(EDGE_KEY)].maps is TRAINED
    assert "agreed" in edge.reason and "agreed" in host.reasons[0]
    print("\nagreed on " + TRAINED.id.hex() + ": " + str(link) + " B on the link for "
          + str(len(EXCHANGES)) + " exchanges")


@pytest.mark.parametrize("ik", [True, False], ids=["IK", "XX"])
def test_one_common_set(ik):
    edge, host, link = run([TRAINED, MX1], [MX1], ik)
    assert edge.map_set is MX1
    assert host.sessions[public_key(EDGE_KEY)].maps is MX1
    for reason in (edge.reason, host.reasons[0]):
        assert "differ" in reason and TRAINED.id.hex() in reason and MX1.id.hex() in reason
    print("\n" + host.reasons[0] + "\n" + edge.reason + "\n" + str(link) + " B on the link")


@pytest.mark.parametrize("ik", [True, False], ids=["IK", "XX"])
def test_no_common_set_everything_verbatim(ik):
    edge, host, link = run([TRAINED], [MX1], ik)
    assert edge.map_set.keys == () and edge.map_set.dictionary == b""
    assert host.sessions[public_key(EDGE_KEY)].maps.keys == ()
    for reason in (edge.reason, host.reasons[0]):
        assert "no common map set" in reason and "none" in reason
        assert TRAINED.id.hex() in reason and MX1.id.hex() in reason
    print("\n" + host.reasons[0] + "\n" + edge.reason + "\n" + str(link) + " B on the link")


def test_agreed_set_costs_fewer_bytes_than_none():
    _, _, with_trained = run([TRAINED, MX1], [TRAINED, MX1])
    _, _, with_mx1 = run([MX1], [MX1])
    _, _, with_none = run([TRAINED], [MX1])
    print("\nlink bytes, " + str(len(EXCHANGES)) + " exchanges: trained " + str(with_trained)
          + ", mx1 " + str(with_mx1) + ", none " + str(with_none))
    assert with_trained < with_mx1 < with_none


# -- first flight: the set offered first, Mx-Maps, one retry when the host lacks it ------------

OPT_MAPS = 65031


@pytest.mark.parametrize("ik", [True, False], ids=["IK", "XX"])
def test_first_flight_uses_the_offered_set_when_both_hold_it(ik):
    edge, host, _ = run([TRAINED, MX1], [TRAINED, MX1], ik)
    first = edge.first_msgs[0]
    assert first.opt(OPT_MAPS) == b""  # marked, encoded with TRAINED: tables used at once
    assert first.opt(11)[0:1] != b"/"  # a route code, not a verbatim path
    assert edge.retries == [] and host.refused == []
    # Later requests carry no marker (the switch happened at SessionEstablished).
    msg, _ = encode_request(EXCHANGES[1][0], edge.session)
    assert msg.opt(OPT_MAPS) is None


def test_first_flight_with_one_common_set_other_first():
    # The host holds TRAINED too but prefers MX1: it still decodes the first flight with
    # TRAINED (the set offered first), then both use the common pick.
    edge, host, _ = run([TRAINED, MX1], [MX1, TRAINED])
    assert edge.retries == [] and host.refused == []


@pytest.mark.parametrize("ik", [True, False], ids=["IK", "XX"])
def test_first_flight_retried_once_when_the_host_lacks_the_set(ik):
    edge, host, _ = run([TRAINED, MX1], [MX1], ik)
    assert len(edge.retries) == 1 and len(host.refused) == 1
    assert "map set offered first" in edge.retries[0]
    assert host.refused[0].reason == 4
    # Exactly once: run() checked one forwarded request per exchange.
    # The next session offers the set the host picked: no retry.
    edge2, host2, _ = run([TRAINED, MX1], [MX1], ik, last=MX1.id)
    assert edge2.retries == [] and host2.refused == []
    assert edge2.link_bytes < edge.link_bytes


def test_first_flight_costs_less_than_verbatim():
    # The IK1 of the same first exchange, with tables (TRAINED) and without (no common set:
    # the offer's first set is still used, so compare against maps.empty() encoding).
    req = EXCHANGES[0][0]
    with_tables, _ = encode_request(req, _flight(TRAINED))
    verbatim, _ = encode_request(req, MatrixSession(maps.empty()))
    assert len(with_tables.encode()) < len(verbatim.encode())


def _flight(map_set):
    s = MatrixSession(map_set)
    s.first_flight = True
    return s


# -- requests encoded with maps.empty() decode the same under every set ------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
words = st.sampled_from(["!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870", "@alice:localhost",
                         "$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs", "#room:matrix.org",
                         "mxc://matrix.org/abc", "m.room.message", "type", "body", "8",
                         "s25_3_3_3_1", "m1795626574841.2", ".m.rule.master",
                         "signed_curve25519:AAAAAQ", "\x1e", "\x00x", "é"])
strings = st.one_of(text, words)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(strings, inner, max_size=4)),
    max_leaves=20)
segments = st.one_of(words, st.text(alphabet="abc%2F!:@$#é", min_size=1, max_size=8))
queries = st.one_of(st.none(), st.lists(st.one_of(words, text), max_size=4).map("&".join))


def early_request(req, later):
    """Encode with maps.empty(), decode with `later`; the rebuilt request must be the same."""
    msg, _ = encode_request(req, MatrixSession(maps.empty()))
    msg.mtype, msg.mid, msg.token = 0, 1, b"\x01"
    back = decode_request(Message.decode(msg.encode()), MatrixSession(later))
    assert train_maps.difference(req, back) is None, (req, back.path, back.query, back.body)


def test_recorded_requests_encoded_early_decode_under_every_set():
    for req, _ in EXCHANGES:
        for later in (MX1, TRAINED):
            early_request(req, later)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values, seg=segments, query=queries,
       template=st.sampled_from(["/_matrix/client/v3/rooms/{}/send/m.room.message/1",
                                 "/_matrix/client/v3/profile/{}", "/_matrix/client/v3/sync",
                                 "/_matrix/media/v3/download/matrix.org/{}", "/x/{}"]))
def test_any_request_encoded_early_decodes_under_every_set(body, seg, query, template):
    path = template.replace("{}", quote(seg, safe="!:@$"))
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    req = HttpRequest("PUT", path, query, [("Content-Type", "application/json"),
                                           ("Authorization", "Bearer syt_abc")], data)
    for later in (MX1, TRAINED):
        early_request(req, later)
