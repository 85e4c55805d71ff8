"""`make bench`: the bandwidth benchmark on the recorded Synapse traffic.

Runs coap-proxy-bench on tests/vectors/synapse/scenario.har on a link with the CoAP default
transmission parameters (1024-byte blocks, 50 ms one way) and on a simulated 100 bit/s link
(TransmissionParams.for_link(100): 64-byte blocks, serialisation delay), each with the built-in
map set mx1 (no DEFLATE dictionary) and with the trained set maps/mx1d.json. Writes
build/bench/bandwidth[-mx1d][-100bps].json and .png (the chart needs matplotlib).
Usage: python tools/bench_bandwidth.py [HAR ...]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "common"), str(ROOT / "cpython")]

from mxcoap_host.bench import cli  # noqa: E402

HAR = ROOT / "tests" / "vectors" / "synapse" / "scenario.har"
OUT = ROOT / "build" / "bench"


def main(argv):
    hars = argv or [str(HAR)]
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib  # noqa: F401

        chart = True
    except ImportError:
        print("matplotlib not installed: no charts")
        chart = False
    status = 0
    trained = ["--maps", str(ROOT / "maps" / "mx1d.json")]
    runs = (("", []), ("-100bps", ["--link-bps", "100"]),
            ("-mx1d", trained), ("-mx1d-100bps", trained + ["--link-bps", "100"]))
    for suffix, extra in runs:
        args = hars + extra + ["--json", str(OUT / ("bandwidth" + suffix + ".json"))]
        if chart:
            args += ["--png", str(OUT / ("bandwidth" + suffix + ".png"))]
        print("$ coap-proxy-bench " + " ".join(str(a) for a in args), flush=True)
        status = cli.main(args) or status
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
