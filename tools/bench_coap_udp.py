"""Requests per second through our CPython CoAP driver on loopback, beside aiocoap.

Each server runs in its own process on 127.0.0.1 (a free port): tools/coap_echo_server.py (ours)
and tests/interop/aiocoap_server.py (aiocoap, the same resources). Each client (ours, aiocoap) runs
in this process and sends POST /echo with a 32-byte body, one at a time and then 16 at a time,
and GET /large (5120 bytes, 5 Block2 blocks) one at a time. Our server runs with the RFC 9175
amplification limit off, as aiocoap's does (aiocoap's client cannot answer an Echo challenge).
Usage: python tools/bench_coap_udp.py [--requests N] [--seconds S]
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "common"), os.path.join(ROOT, "cpython")]

import aiocoap  # noqa: E402
from mxcoap.coap import CHANGED, CONTENT, GET, POST, Message  # noqa: E402
from mxcoap_host.coap_udp import CoapUdpEndpoint  # noqa: E402

PAYLOAD = b"0123456789abcdef0123456789abcdef"
LARGE_SIZE = 5120


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script, *extra):
    port = free_udp_port()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, script), "--port", str(port),
                             *extra], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on"):
        proc.kill()
        raise SystemExit(f"server {script} did not start: {line!r}")
    return proc, port


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


class OurClient:
    name = "mxcoap"

    async def open(self, port):
        self.ep = await CoapUdpEndpoint.create("127.0.0.1", 0)
        self.addr = ("127.0.0.1", port)

    async def post(self):
        m = Message(code=POST, payload=PAYLOAD)
        m.set_uri_path("/echo")
        r = await self.ep.request(m, self.addr, timeout=10)
        assert r.code == CHANGED and r.payload == PAYLOAD, r

    async def large(self):
        m = Message(code=GET)
        m.set_uri_path("/large")
        r = await self.ep.request(m, self.addr, timeout=10)
        assert r.code == CONTENT and len(r.payload) == LARGE_SIZE, r

    async def close(self):
        self.ep.close()


class AiocoapClient:
    name = "aiocoap"

    async def open(self, port):
        self.ctx = await aiocoap.Context.create_client_context()
        self.base = f"coap://127.0.0.1:{port}"

    async def post(self):
        m = aiocoap.Message(code=aiocoap.POST, uri=self.base + "/echo", payload=PAYLOAD)
        r = await asyncio.wait_for(self.ctx.request(m).response, 10)
        assert r.code == aiocoap.CHANGED and r.payload == PAYLOAD, r

    async def large(self):
        m = aiocoap.Message(code=aiocoap.GET, uri=self.base + "/large")
        r = await asyncio.wait_for(self.ctx.request(m).response, 10)
        assert r.code == aiocoap.CONTENT and len(r.payload) == LARGE_SIZE, r

    async def close(self):
        await self.ctx.shutdown()


async def measure(op, total, concurrency, seconds):
    """Operations per second: `total` operations (or fewer if `seconds` runs out)."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def worker():
        nonlocal done
        while done < total and time.perf_counter() < deadline:
            done += 1
            await op()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start), done


async def bench_pair(client, port, args):
    await client.open(port)
    try:
        await client.post()  # warm up (and check) before timing
        rows = []
        for label, op, n, conc in (("POST /echo 32 B, 1 in flight", client.post, args.requests, 1),
                                   ("POST /echo 32 B, 16 in flight", client.post, args.requests,
                                    16),
                                   ("GET /large 5 KB, 1 in flight", client.large,
                                    args.requests // 5, 1)):
            rate, n_done = await measure(op, n, conc, args.seconds)
            rows.append((label, rate, n_done))
        return rows
    finally:
        await client.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0, help="cap per measurement")
    args = parser.parse_args(argv)
    servers = {"mxcoap": ("tools/coap_echo_server.py", "--amplification-factor", "0"),
               "aiocoap": ("tests/interop/aiocoap_server.py",)}
    print(f"CoAP over UDP on 127.0.0.1, {args.requests} requests per row"
          f" (capped at {args.seconds:.0f} s)")
    print(f"{'client':8} -> {'server':8}  {'workload':31} {'req/s':>10} {'n':>7}")
    for server_name, script in servers.items():
        proc, port = start_server(*script)
        try:
            for client in (OurClient(), AiocoapClient()):
                rows = asyncio.run(bench_pair(client, port, args))
                for label, rate, n_done in rows:
                    print(f"{client.name:8} -> {server_name:8}  {label:31} {rate:10.0f}"
                          f" {n_done:7d}", flush=True)
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
