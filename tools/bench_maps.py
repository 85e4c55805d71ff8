"""Bytes of the recorded Synapse traffic through the Matrix mapping, per map set.

    .venv/bin/python tools/bench_maps.py [--har FILE] [--quick]

Evaluation traffic: tests/vectors/synapse/scenario.har (69 exchanges); training traffic: the
captures in maps/training/ (other runs of the same scenario: other ids, keys and tokens). For
each map set, the compact CoAP bytes of every request and response (1-byte token, as on the
link, no session or UDP overhead) when one pair of matrix Sessions carries the whole capture.

Prints:
1. every map set file in maps/ (mx1 has no dictionary; mx1d is the committed trained set);
2. sets trained here with 0, 1, 2 and 4 KB dictionaries, with and without the table extension
   and the masking of typed text (the unmasked figure shows how much a dictionary would gain by
   learning the scenario's own chat lines, i.e. what masking keeps out of the evaluation);
3. one shared dictionary against one per direction (requests / responses) of the same total
   size, on the payloads before DEFLATE: the measurement behind the single dictionary;
4. time to compress the evaluation payloads with mxcoap.deflate, without and with the trained
   dictionary (CPython; a board is much slower).
--quick skips 2 and 3. Asserts nothing.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_maps as tm  # noqa: E402
from mxcoap import deflate, maps  # noqa: E402

ROOT = tm.ROOT
EVAL = ROOT / "tests" / "vectors" / "synapse" / "scenario.har"
TRAINING = sorted((ROOT / "maps" / "training").glob("*.har"))


def row(label, ms, exchanges, ref=None):
    q, r = tm.measure(exchanges, ms)
    pct = "" if ref is None else "  " + format(100.0 * (q + r) / ref, ".1f") + "%"
    print("  " + label.ljust(44) + ms.id.hex() + "  " + str(len(ms.dictionary)).rjust(5)
          + "  " + str(q).rjust(6) + "  " + str(r).rjust(6) + "  " + str(q + r).rjust(6) + pct)
    return q + r


def header():
    print("  " + "map set".ljust(44) + "id        " + " dict" + "  " + "req B".rjust(6) + "  "
          + "resp B".rjust(6) + "  " + "total".rjust(6))


def direction_split(exchanges, log):
    base = tm.train(TRAINING, "t", 0)
    caps = [tm.load_capture(TRAINING[i], True, str(i)) for i in range(len(TRAINING))]
    train = [tm.samples(ex, base) for ex in caps]
    ev = tm.samples(exchanges, base)

    def dictionary(dirs, size):
        if not size:
            return b""
        return tm.train_dictionary([[s for d, s in g if d in dirs] for g in train], size)[0]

    def cost(dq, dr):
        return sum(tm.compressed_size(s, dq if d == 0 else dr) for d, s in ev)

    log("  payloads before DEFLATE: " + str(len(ev)) + ", " + str(sum(len(s) for _, s in ev))
        + " B; each sent as min(itself, DEFLATE + 3 B option); no dictionary: "
        + str(cost(b"", b"")) + " B")
    for total in (1024, 2048, 4096):
        shared = dictionary((0, 1), total)
        line = "  " + str(total).rjust(5) + " B: shared " + str(cost(shared, shared))
        for q in (total // 4, total // 2):
            line += (", requests " + str(q) + " + responses " + str(total - q) + ": "
                     + str(cost(dictionary((0,), q), dictionary((1,), total - q))))
        log(line)


def timing(exchanges, ms):
    data = [s for _, s in tm.samples(exchanges, maps.builtin())]
    for label, zdict in (("no dictionary", b""), (ms.name + " dictionary", ms.dictionary)):
        t0 = time.perf_counter()
        out = sum(len(deflate.compress(s, zdict=zdict)) for s in data)
        dt = time.perf_counter() - t0
        print("  " + label.ljust(22) + str(len(data)) + " payloads, " + str(sum(map(len, data)))
              + " B -> " + str(out) + " B in " + format(dt * 1000, ".0f") + " ms (CPython)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--har", default=str(EVAL))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    exchanges = tm.load_har(args.har)
    print("evaluation: " + args.har + " (" + str(len(exchanges)) + " exchanges); training: "
          + ", ".join(p.name for p in TRAINING))
    print("\n1. map set files")
    header()
    ref = None
    trained = None
    for f in sorted((ROOT / "maps").glob("*.json")):
        ms = maps.load(f.read_bytes())
        total = row(f.name, ms, exchanges, ref)
        if ms.id == maps.builtin().id:
            ref = total
        elif trained is None:
            trained = ms
    if not args.quick:
        print("\n2. trained here (tools/train_maps.py options)")
        header()
        for size in (0, 1024, 2048, 4096):
            row("--dict-size " + str(size), tm.train(TRAINING, "t", size), exchanges, ref)
        row("--dict-size 2048 --no-tables", tm.train(TRAINING, "t", 2048, tables=False),
            exchanges, ref)
        row("--dict-size 2048 --no-mask (overfits)", tm.train(TRAINING, "t", 2048, mask=False),
            exchanges, ref)
        print("\n3. one dictionary or one per direction (bytes of the payloads)")
        direction_split(exchanges, print)
    if trained is not None:
        print("\n4. compression time")
        timing(exchanges, trained)


if __name__ == "__main__":
    main()
