"""The 2019 coap-proxy (modelled, cpython/mxcoap_host/bench/legacy2019.py) beside mxcoap on the
same HAR exchanges: per exchange and in total, and the "Hello world" send.

mxcoap's figures come from the benchmark itself (`python -m mxcoap_host.bench.cli HAR --json`),
run here in a subprocess; the exchanges are counted as it counts them (status 0 and non-Matrix
entries left out). Assumptions of the model: docs/legacy2019.md.
Then the whole-session totals for both map sets, with an edge per user and with one edge for all
users (a site with one radio), beside the 3x goal and a floor under which no lossless encoding
of the traffic can go (tools/har_random_strings.py).
Usage: python tools/bench_legacy.py [HAR] [--mx-json FILE] [--json OUT] [--no-configurations]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "common"), str(ROOT / "cpython")]

from mxcoap_host.bench import legacy2019  # noqa: E402
from mxcoap_host.bench.har import load  # noqa: E402

HAR = ROOT / "tests" / "vectors" / "synapse" / "scenario.har"
HELLO_LABEL = "send-hello"
MATRIX_PREFIXES = ("/_matrix/",)  # what the proxies carry (as the benchmark counts)
PUBLISHED_HELLO = (173, 97)  # the 2019 proxy's published "Hello world" send, UDP payload
MXCOAP_TARGET = (48, 56)  # DESIGN.md budget
# The published figure's case: a 40-character access token and a 43-character room id.
CAL_TOKEN = "syt_YWxpY2U_cCTMrSsywWeEusWkxWPk_1XmWwWx"
CAL_ROOM = "!BRUi-mqY92RAUw927c4zB-o-WgXVE39pqvzRuNACmu8"


def mxcoap_rows(har, mx_json=None, extra=()):
    """The benchmark's --json document for `har` (run now, with `extra` arguments, unless
    mx_json is given)."""
    if mx_json:
        with open(mx_json) as f:
            return json.load(f)
    env = dict(os.environ)
    paths = [str(ROOT / "common"), str(ROOT / "cpython")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "mx.json")
        p = subprocess.run([sys.executable, "-m", "mxcoap_host.bench.cli", str(har), "--json",
                            out, *extra], env=env, capture_output=True, text=True, timeout=600)
        if not os.path.exists(out):
            raise SystemExit("mxcoap benchmark wrote no JSON (exit " + str(p.returncode) + "):\n"
                             + p.stderr)
        with open(out) as f:
            return json.load(f)


def counted(exchanges):
    return [ex for ex in exchanges if ex.status != 0 and ex.path.startswith(MATRIX_PREFIXES)]


def compare(har, mx_doc):
    """Rows: label, name, 2019 (req, resp, dgrams), mxcoap (req, resp, dgrams or None)."""
    exchanges = counted(load(har))
    mx = mx_doc["exchanges"]
    if len(mx) != len(exchanges):
        raise SystemExit("mxcoap JSON has {} exchanges, the HAR {}".format(len(mx),
                                                                          len(exchanges)))
    rows = []
    for ex, old, m in zip(exchanges, legacy2019.cost_2019(exchanges), mx, strict=True):
        new = None
        if m["mxcoap_request"] is not None:
            new = (m["mxcoap_request"], m["mxcoap_response"], m["datagrams"])
        rows.append({"label": ex.name, "name": m["name"], "ex": ex, "legacy": old, "mxcoap": new})
    return rows


def _ratio(a, b):
    return "n/a" if not b else "{:.2f}x".format(a / b)


def report(rows, out):
    w = max(len(r["label"]) for r in rows)
    out.write(("{:>3} {:<" + str(w) + "} {:>8} {:>8} {:>4} {:>8} {:>8} {:>4} {:>7}\n").format(
        "#", "entry", "2019_req", "2019_rsp", "dg", "mx_req", "mx_rsp", "dg", "2019/mx"))
    for i, r in enumerate(rows, 1):
        o, m = r["legacy"], r["mxcoap"]
        mm = m or (None, None, None)
        out.write(("{:>3} {:<" + str(w) + "} {:>8} {:>8} {:>4} {:>8} {:>8} {:>4} {:>7}\n").format(
            i, r["label"], o[0], o[1], o[2], *[("n/a" if v is None else v) for v in mm],
            _ratio(o[0] + o[1], m and m[0] + m[1])))
    old = sum(r["legacy"][0] + r["legacy"][1] for r in rows)
    n = len(rows)
    out.write("\nTotals over {} exchanges (every datagram + 28 B IPv4/UDP, handshakes"
              " included):\n".format(n))
    out.write("  2019 coap-proxy (model): {:>7} B  ({:.0f} B per exchange; edge->host {},"
              " host->edge {})\n".format(old, old / n, sum(r["legacy"][0] for r in rows),
                                        sum(r["legacy"][1] for r in rows)))
    if all(r["mxcoap"] for r in rows):
        new = sum(r["mxcoap"][0] + r["mxcoap"][1] for r in rows)
        out.write("  mxcoap:                  {:>7} B  ({:.0f} B per exchange; edge->host {},"
                  " host->edge {})\n".format(new, new / n, sum(r["mxcoap"][0] for r in rows),
                                            sum(r["mxcoap"][1] for r in rows)))
        out.write("  2019 / mxcoap: {}\n".format(_ratio(old, new)))
    else:
        new = None
        out.write("  mxcoap: not computed for every exchange (see the benchmark's errors)\n")
    hello = next((r for r in rows if r["label"] == HELLO_LABEL), None)
    out.write("\n\"Hello world\" send, UDP payload, steady state (no handshake):\n")
    if hello is not None:
        req, resp = legacy2019.steady_state(hello["ex"])
        out.write("  {} ({}): 2019 model {} B / {} B".format(HELLO_LABEL, hello["name"], req,
                                                            resp))
        m = hello["mxcoap"]
        if m and m[2] == 2:
            out.write(";  mxcoap {} B / {} B;  2019/mxcoap {} / {}".format(
                m[0] - 28, m[1] - 28, _ratio(req, m[0] - 28), _ratio(resp, m[1] - 28)))
        out.write("\n")
    cal = legacy2019.steady_state(legacy2019.hello_exchange(CAL_TOKEN, CAL_ROOM))
    out.write("  calibration (40-char token, 43-char room id, {{msgtype, body}}): 2019 model {} B"
              " / {} B;  published {} B / {} B;  model - published: {:+d} / {:+d}\n".format(
                  cal[0], cal[1], PUBLISHED_HELLO[0], PUBLISHED_HELLO[1],
                  cal[0] - PUBLISHED_HELLO[0], cal[1] - PUBLISHED_HELLO[1]))
    return {"exchanges": [{"name": r["name"], "entry": r["label"],
                           "legacy_request": r["legacy"][0], "legacy_response": r["legacy"][1],
                           "legacy_datagrams": r["legacy"][2],
                           "mxcoap_request": r["mxcoap"] and r["mxcoap"][0],
                           "mxcoap_response": r["mxcoap"] and r["mxcoap"][1],
                           "mxcoap_datagrams": r["mxcoap"] and r["mxcoap"][2]} for r in rows],
            "totals": {"legacy": old, "mxcoap": new},
            "calibration": {"request": cal[0], "response": cal[1],
                            "published": list(PUBLISHED_HELLO)}}


CONFIGURATIONS = (  # (label, map set file or None, all users behind one edge)
    ("mx1 (built-in), an edge per user", None, False),
    ("mx1 (built-in), one edge for all", None, True),
    ("mx1d (trained), an edge per user", "maps/mx1d.json", False),
    ("mx1d (trained), one edge for all", "maps/mx1d.json", True),
)
MIN_DATAGRAM = 28 + 9 + 4  # IPv4+UDP, transport header and tag, CoAP header with empty token


def configurations(har, out):
    """Session totals of the 2019 model and of mxcoap for each configuration, beside the 3x
    goal and a floor no lossless encoding of this traffic can go under."""
    sys.path.insert(0, str(ROOT / "tools"))
    import har_random_strings

    exchanges = counted(load(har))
    out.write("\nWhole session, by configuration (2019 model: one session per user, or one for"
              " all, as mxcoap):\n")
    out.write("  {:<34} {:>7} {:>7} {:>7} {:>10}\n".format("configuration", "2019", "mxcoap",
                                                          "2019/mx", "3x needs"))
    rows = []
    for label, map_file, one in CONFIGURATIONS:
        extra = (["--maps", str(ROOT / map_file)] if map_file else []) + (
            ["--one-session"] if one else [])
        doc = mxcoap_rows(har, extra=extra)
        old = sum(a + b for a, b, *_ in legacy2019.cost_2019(exchanges, one_session=one))
        new = doc["totals"]["mxcoap"]
        rows.append({"configuration": label, "legacy": old, "mxcoap": new,
                     "handshake": doc["totals"]["handshake"]})
        out.write("  {:<34} {:>7} {:>7} {:>7} {:>8} B\n".format(label, old, new,
                                                               _ratio(old, new), old // 3))
    _, _, _, unique, media = har_random_strings.measure(har)
    hs = min(r["handshake"] for r in rows)
    floor = unique + media + 2 * len(exchanges) * MIN_DATAGRAM + hs
    out.write("  floor: {} B = distinct random-looking strings {} + media {} + 2 datagrams of"
              " {} B per exchange {} + one handshake {} (before any JSON structure, typed text,"
              " timestamp or option)\n".format(floor, unique, media, MIN_DATAGRAM,
                                                2 * len(exchanges) * MIN_DATAGRAM, hs))
    return {"configurations": rows, "floor": floor}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("har", nargs="?", default=str(HAR))
    p.add_argument("--mx-json", metavar="FILE",
                   help="use this coap-proxy-bench --json output instead of running it")
    p.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    p.add_argument("--no-configurations", action="store_true",
                   help="skip the whole-session totals for each map set and session layout")
    args = p.parse_args(argv)
    doc = report(compare(args.har, mxcoap_rows(args.har, args.mx_json)), sys.stdout)
    if not args.no_configurations:
        doc.update(configurations(args.har, sys.stdout))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
