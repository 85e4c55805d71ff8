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

# benchlib first: on CPython it puts common/ on sys.path for mxcoap.
from benchlib import (
    IS_MICROPYTHON,
    ROOT,
    cpu_ms,
    fmt,
    median,
    micropython_path,
    option,
    run_micropython,
    smallest_heap,
)
from mxcoap import noise
from mxcoap.noise import x25519

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
    kib, stdout = smallest_heap(("noise",), PROBE)
    modules = None
    for line in stdout.splitlines():
        if line.startswith("modules"):
            modules = int(line.split()[1])
    return kib, modules


def main():
    runs = option("--runs", 20, int)
    if IS_MICROPYTHON:
        run(runs)
        return
    sizes()
    run(runs)
    if not micropython_path():
        print("(no MicroPython beside " + sys.executable + ")")
        return
    proc = run_micropython([__file__, "--child", "--runs", str(runs)], capture=True, timeout=600,
                          path=".frozen:" + ROOT + "/common")
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
