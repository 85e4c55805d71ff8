"""Benchmark mxcoap.deflate: speed on CPython and MicroPython, size against zlib level 9.

    .venv/bin/python tools/bench_deflate.py

Speed: each recorded Synapse sample (tests/vectors/synapse/samples) compressed and
decompressed one by one, as the proxy does with messages, and one > 64 KB document; KB/s of
uncompressed data. The MicroPython figures come from the unix port (.venv/bin/micropython),
which runs at desktop speed: a board is much slower (not measured here).
Size: our level 9 against zlib level 9 on the samples as JSON and as CBOR (mxcoap.cbor),
without and with a simple dictionary built from the samples' common substrings (in-sample:
an upper bound of what a trained dictionary gives, not a measurement of one).
Prints figures; asserts nothing.
"""

import json
import os
import sys
import tempfile
import zlib
from pathlib import Path

# benchlib first: it puts common/ on sys.path for mxcoap.
from benchlib import clock, elapsed, micropython_path, run_micropython
from mxcoap import deflate

ROOT = Path(__file__).resolve().parents[1]

SAMPLES = ROOT / "tests" / "vectors" / "synapse" / "samples"
BIG = ROOT / "tests" / "vectors" / "deflate" / "plain-big.bin"


def load_samples():
    return [f.read_bytes() for f in sorted(SAMPLES.glob("*.json"))]


def sample_dictionary(items, gram=16, top=250, min_docs=3):
    """A simple preset dictionary: the `top` `gram`-byte strings found in at least `min_docs`
    samples, weighted by the number of samples; most valuable last, because the end of a
    dictionary is closest to the data and cheapest to reach (RFC 1951 distances)."""
    counts = {}
    for data in items:
        seen = set()
        for i in range(len(data) - gram):
            s = data[i:i + gram]
            if s not in seen:
                seen.add(s)
                counts[s] = counts.get(s, 0) + 1
    best = sorted((c, s) for s, c in counts.items() if c >= min_docs)[-top:]
    return b"".join(s for _, s in best)


def zlib9(data, zdict):
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    return c.compress(data) + c.flush()


def speed(items, level, zdict=b""):
    total = sum(len(x) for x in items)
    t0 = clock()
    streams = [deflate.compress(x, zdict, level=level) for x in items]
    t_compress = elapsed(t0)
    t1 = clock()
    for s in streams:
        deflate.decompress(s, zdict, max_size=1 << 20)
    return total / 1024 / t_compress, total / 1024 / elapsed(t1)


MP_SCRIPT = """
import time, gc
from mxcoap import deflate
items = []
for name in NAMES:
    with open(name, "rb") as f:
        items.append(f.read())
def run(items, level, zdict, label):
    total = 0
    for x in items:
        total += len(x)
    t0 = time.ticks_us()
    streams = [deflate.compress(x, zdict, level=level) for x in items]
    t1 = time.ticks_us()
    for s in streams:
        deflate.decompress(s, zdict, max_size=1 << 20)
    t2 = time.ticks_us()
    c = total / 1024 / (time.ticks_diff(t1, t0) / 1e6)
    d = total / 1024 / (time.ticks_diff(t2, t1) / 1e6)
    print("%-34s compress %8.1f KB/s   decompress %8.1f KB/s" % (label, c, d))
with open(DICT, "rb") as f:
    zd = f.read()
for level in (1, 6, 9):
    run(items, level, b"", "micropython samples level %d" % level)
run(items, 9, zd, "micropython samples level 9 + dict")
with open(BIG, "rb") as f:
    big = f.read()
run([big], 6, b"", "micropython %d B document level 6" % len(big))
gc.collect()
print("micropython gc.mem_alloc after run:", gc.mem_alloc(), "free:", gc.mem_free())
"""


def micropython_speed(zdict):
    if not micropython_path():
        print("(no .venv/bin/micropython: skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        dict_path = os.path.join(tmp, "dict.bin")
        with open(dict_path, "wb") as f:
            f.write(zdict)
        names = [str(p) for p in sorted(SAMPLES.glob("*.json"))]
        script = ("NAMES = " + repr(names) + "\nDICT = " + repr(dict_path) + "\nBIG = "
                  + repr(str(BIG)) + "\n" + MP_SCRIPT)
        r = run_micropython(["-c", script], heap="4M", capture=True, timeout=600)
        print(r.stdout.rstrip())
        if r.returncode:
            print("micropython failed:", r.stderr.strip()[-500:])


def cbor_samples(items):
    from mxcoap import cbor

    out = []
    for x in items:
        try:
            out.append(cbor.dumps(json.loads(x)))
        except (ValueError, TypeError):
            pass  # a sample that is not JSON (none expected)
    return out


def row(label, c, d):
    print(f"{label:<34} compress {c:8.1f} KB/s   decompress {d:8.1f} KB/s")


def size_table(label, items, zdict):
    ours = theirs = raw = 0
    for x in items:
        raw += len(x)
        ours += len(deflate.compress(x, zdict, level=9))
        theirs += len(zlib9(x, zdict))
    print(f"{label:<22} {len(items):4d} msgs {raw:7d} B raw   ours-9 {ours:6d} B   "
          + f"zlib-9 {theirs:6d} B   ratio {ours / theirs:.4f}")


def main():
    items = load_samples()
    if not items:
        print("no samples in", SAMPLES)
        return 1
    zdict = sample_dictionary(items)
    big = BIG.read_bytes()
    print(f"samples: {len(items)} messages, {sum(len(x) for x in items)} bytes; "
          + f"dictionary {len(zdict)} bytes")
    for level in (1, 6, 9):
        row(f"cpython samples level {level}", *speed(items, level))
    row("cpython samples level 9 + dict", *speed(items, 9, zdict))
    row(f"cpython {len(big)} B document level 6", *speed([big], 6))
    micropython_speed(zdict)
    cbor_items = cbor_samples(items)
    cbor_dict = sample_dictionary(cbor_items)
    size_table("JSON, no dictionary", items, b"")
    size_table("JSON, dictionary", items, zdict)
    size_table("CBOR, no dictionary", cbor_items, b"")
    size_table("CBOR, dictionary", cbor_items, cbor_dict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
