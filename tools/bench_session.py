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

# benchlib first: on CPython it puts common/ on sys.path for mxcoap.
from benchlib import cpu_ms, fmt, median, micropython_path, option, run_micropython, smallest_heap
from mxcoap.noise import public_key
from mxcoap.session import SecureEndpoint

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
    kib, stdout = smallest_heap(("noise", "session"), PROBE, scripts=(__file__,),
                                kibs=range(32, 513, 8))
    if kib is None:
        print("micropython: no heap up to 512 KiB completed the handshakes")
        return
    modules = stdout.split()[1]
    print(
        "micropython smallest heap for IK and XX handshakes: "
        + str(kib)
        + " KiB (of which "
        + str(int(modules) // 1024)
        + " KiB are the loaded .mpy modules)"
    )


def main(argv):
    runs = option("--runs", 5, int)
    if "--child" in argv:
        run(runs)
        return
    sizes()
    run(runs)
    if not micropython_path():
        print("micropython not found beside " + sys.executable + ": MicroPython figures skipped")
        return
    proc = run_micropython([__file__, "--child", "--runs", str(runs)], capture=True, timeout=600)
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        sys.stdout.write("micropython failed: " + proc.stderr[-500:] + "\n")
        return
    min_heap()


if __name__ == "__main__":
    main(sys.argv)
