"""`make bench`: run every benchmark in tools/ and print its figures.

Each tools/bench_<area>.py prints its own table (on CPython, and under MicroPython where the
area is portable). Benchmarks print figures and never fail a build on a figure (some check
that what they measure is correct, e.g. that an echoed body came back whole).
Pass area names to run a subset: `python tools/bench.py cbor deflate`.
"""

import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent


def main(argv):
    names = sorted(p.stem[len("bench_"):] for p in TOOLS.glob("bench_*.py"))
    if argv:
        names = [n for n in names if n in argv]
    status = 0
    for name in names:
        print(f"== {name} ==", flush=True)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, str(TOOLS / f"bench_{name}.py")], cwd=ROOT)
        print(f"   ({name}: {time.monotonic() - t0:.1f} s, exit {r.returncode})\n", flush=True)
        status = status or r.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
