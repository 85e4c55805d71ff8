"""tools/train_maps.py: reproducible output, the committed maps/mx1d.json is what the documented
command writes, the trained set round-trips the evaluation capture exactly and costs fewer bytes
than mx1, DEFLATE is used only when it wins, and the COVER dictionary's own rules."""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys

from mxcoap import cbor, deflate, maps
from mxcoap.matrix import payload
from mxcoap.matrix.numbers import OPT_DEFLATE

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "tools", "train_maps.py")
EVAL_HAR = os.path.join(ROOT, "tests", "vectors", "synapse", "scenario.har")
TRAINING = [os.path.join(ROOT, "maps", "training", n) for n in ("capture1.har", "capture2.har")]
COMMITTED = os.path.join(ROOT, "maps", "mx1d.json")
_spec = importlib.util.spec_from_file_location("train_maps", TOOL)
tm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tm)

def trained():
    with open(COMMITTED, "rb") as f:
        return maps.load(f.read())


def train_cli(out, *extra):
    """The documented command (tools/train_maps without arguments), writing to `out`."""
    cmd = [sys.executable, TOOL]
    for har in TRAINING:
        cmd += ["--har", har]
    cmd += ["--out", str(out), "--name", "mx1d"] + list(extra)
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    with open(out, "rb") as f:
        return f.read()


def test_reproducible_and_committed_file_is_the_documented_output(tmp_path):
    a = train_cli(tmp_path / "a.json")
    b = train_cli(tmp_path / "b.json")
    assert a == b
    with open(COMMITTED, "rb") as f:
        assert f.read() == a, "maps/mx1d.json is stale: run tools/train_maps"
    # The wrapper holds the same command.
    with open(os.path.join(ROOT, "tools", "train_maps")) as f:
        wrapper = f.read()
    assert "maps/training/capture1.har" in wrapper and "maps/mx1d.json" in wrapper


def test_id_is_derived_from_content_and_differs_from_mx1():
    t = trained()
    assert t.id == hashlib.sha256(cbor.dumps(t.content())).digest()[:4]
    assert t.id != maps.builtin().id
    with open(os.path.join(ROOT, "maps", "README.md")) as f:
        assert t.id.hex() in f.read()


def test_tables_extend_mx1_and_dictionary_is_bounded():
    t, mx1 = trained(), maps.builtin()
    assert t.keys[: len(mx1.keys)] == mx1.keys
    assert t.values[: len(mx1.values)] == mx1.values
    assert t.content()["routes"] == mx1.content()["routes"]
    assert (t.query, t.servers) == (mx1.query, mx1.servers)
    assert 0 < len(t.dictionary) <= tm.DEFAULT_DICT_SIZE  # it stops when no common string is left
    # Masking kept the scripted chat lines and the room alias out of the set.
    for typed in (b"Hello world", b"field station", b"Are you there", b"field-station"):
        assert typed not in t.dictionary
    assert not any("field-station" in v or "Hello" in v for v in t.values)


def test_evaluation_capture_round_trips_and_costs_less():
    exchanges = tm.load_har(EVAL_HAR)
    assert len(exchanges) == 69
    t = trained()
    q = r = 0
    for trip in tm.run_exchanges(exchanges, t):
        assert tm.difference(trip.req, trip.req_back) is None, trip.req
        assert tm.difference(trip.resp, trip.resp_back) is None, trip.req
        q += trip.req_size
        r += trip.resp_size
    q1, r1 = tm.measure(exchanges, maps.builtin())
    print("\n69 exchanges of scenario.har, compact CoAP bytes: mx1 " + str(q1) + " + " + str(r1)
          + " = " + str(q1 + r1) + "; " + t.name + " " + t.id.hex() + " " + str(q) + " + "
          + str(r) + " = " + str(q + r) + " (" + str(round(100.0 * (q + r) / (q1 + r1), 1))
          + "%)")
    assert q + r < 0.9 * (q1 + r1)


def test_deflate_only_when_it_wins():
    t = trained()
    deflated = kept = 0
    for trip in tm.run_exchanges(tm.load_har(EVAL_HAR), t):
        for msg, data in ((trip.req_msg, trip.req_input), (trip.resp_msg, trip.resp_input)):
            if msg.opt(OPT_DEFLATE) is not None:
                deflated += 1
                assert len(msg.payload) + payload.DEFLATE_COST < len(data)
            elif data is not None and payload.MIN_DEFLATE <= len(data):
                kept += 1
                packed = deflate.compress(data, zdict=t.dictionary)
                assert len(packed) + payload.DEFLATE_COST >= len(data)
    assert deflated > 10 and kept > 0


def test_cover_puts_the_most_valuable_segment_last():
    common = b"<<the string every sample holds>>"
    rarer = b"[[in a few samples]]"
    groups = []
    for g in range(2):
        group = []
        for i in range(10):
            noise = hashlib.sha256(b"%d/%d" % (g, i)).digest()
            group.append(noise[:8] + common + noise[8:16] + (rarer if i < 3 else b"") + noise[16:])
        groups.append(group)
    d = tm.cover_dictionary(groups, 200, 6, 48)
    assert common in d[-48:]  # chosen first, so placed last
    for j in range(len(rarer) - 5):  # the rarer string too, perhaps in two segments
        assert rarer[j : j + 6] in d
    assert len(d) <= 200
    # Random bytes differ between captures: none of them is kept, not even between two
    # useful strings of one segment.
    for g in range(2):
        for i in range(10):
            noise = hashlib.sha256(b"%d/%d" % (g, i)).digest()
            for j in range(0, 27):
                assert noise[j : j + 6] not in d
    assert tm.cover_dictionary(groups, 200, 6, 48) == d
    assert len(tm.cover_dictionary(groups, 20, 6, 48)) <= 20


def test_dict_size_option(tmp_path):
    text = train_cli(tmp_path / "small.json", "--dict-size", "512", "--no-tables")
    small = maps.load(text)
    assert len(small.dictionary) <= 512
    assert small.keys == maps.builtin().keys
    assert small.id != trained().id


def test_difference_sees_every_change():
    req, resp = tm.load_har(EVAL_HAR)[2]  # login: a JSON body both ways
    assert tm.difference(req, req) is None
    for attr, value in (("path", req.path + "x"), ("query", "a=1"), ("body", req.body + b" "),
                        ("headers", [("Content-Type", "text/plain")])):
        other = tm.load_har(EVAL_HAR)[2][0]
        setattr(other, attr, value)
        assert tm.difference(req, other) == attr
    other = tm.load_har(EVAL_HAR)[2][1]
    other.status = 201
    assert tm.difference(resp, other) == "status"


def test_full_form_is_the_same_set(tmp_path):
    text = train_cli(tmp_path / "full.json", "--full")
    full = maps.load(text)
    assert full.id == trained().id
    assert b'"base"' not in text and len(json.loads(text)["keys"]) == len(trained().keys)
    with open(COMMITTED, "rb") as f:
        assert json.loads(f.read())["base"] == maps.builtin().id.hex()
