"""Our MicroPython CoAP driver (unix port, subprocess) against our CPython driver over 127.0.0.1:
the MicroPython client against the CPython echo server, and the CPython client against the
MicroPython server (tests/interop/mp_coap_peer.py)."""

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

from mxcoap.coap import (
    ACK,
    CHANGED,
    CON,
    CONTENT,
    DELETED,
    GET,
    OBSERVE,
    POST,
)
from mxcoap_host.coap_udp import CoapUdpEndpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests/interop"))
from coap_support import (  # noqa: E402
    BODY,
    LARGE_BODY,
    MICROPYTHON,
    MP_ENV,
    MP_PEER,
    QUERY,
    Received,
    check_echo_resources,
    digest_reply,
    free_udp_ports,
    load_echo_server,
    req,
    stop_process,
)

echo = load_echo_server()


def test_micropython_client_against_cpython_server():
    async def main():
        server = echo.EchoServer()
        ep = await server.start("127.0.0.1", 0)
        local, local2, silent_port = free_udp_ports(3)
        # A bound socket that never reads: requests to it go unanswered and draw no ICMP.
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", silent_port))
        try:
            proc = await asyncio.create_subprocess_exec(
                str(MICROPYTHON), str(MP_PEER), "client", str(ep.port), str(local), str(local2),
                str(silent_port), env=MP_ENV,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), 60)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        finally:
            silent.close()
            server.close()
        return out.decode()

    out = asyncio.run(main())
    assert "DONE" in out, out
    results, observe = {}, []
    for line in out.splitlines():
        if line.startswith("RESULT"):
            _, name, code, payload = line.split(" ")
            results[name] = (int(code), bytes.fromhex(payload))
        elif line.startswith("OBSERVE"):
            observe.append(int(line.split()[2]))
    assert results == {
        "get": (CONTENT, b"hello"),
        "post": (CHANGED, b"posted"),
        "put": (CHANGED, b"put value"),
        "get2": (CONTENT, b"put value"),
        "delete": (DELETED, b""),
        "get3": (CONTENT, b""),
        "large_get": (CONTENT, LARGE_BODY),
        "large_put": (CHANGED, digest_reply(BODY)),
        "large_echo": (CHANGED, BODY),
        "query": (CONTENT, "&".join(QUERY).encode()),
        "obs0": (CONTENT, b"obs 0"),
        "obs1": (CONTENT, b"obs 1"),
        "obs2": (CONTENT, b"obs 2"),
        "ping": (0, b"pong"),
        "timeout": (0, b"RequestTimeout"),
    }, out
    assert observe == sorted(observe) and len(set(observe)) == 3, observe


def test_cpython_client_against_micropython_server():
    (port,) = free_udp_ports(1)
    proc = subprocess.Popen([str(MICROPYTHON), str(MP_PEER), "server", str(port)], env=MP_ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on"), line + proc.stdout.read()

        async def main():
            client = await CoapUdpEndpoint.create("127.0.0.1", 0)
            addr = ("127.0.0.1", port)

            async def call(message):
                return await client.request(message, addr, timeout=10)

            try:
                await check_echo_resources(call)
                # A slow handler: the MicroPython timer task sends the empty ACK first.
                with Received(client) as seen:
                    r = await call(req(GET, "/slow"))
                assert (r.code, r.payload) == (CONTENT, b"slow")
                assert (seen[0].mtype, seen[0].code) == (ACK, 0), seen
                assert (seen[-1].mtype, seen[-1].payload) == (CON, b"slow"), seen
                obs = client.observe(req(GET, "/obs"), addr)
                got = [await obs.next(timeout=5) for _ in range(3)]
                assert [g.payload for g in got] == [b"obs 0", b"obs 1", b"obs 2"]
                numbers = [g.opt_uint(OBSERVE) for g in got]
                assert numbers == sorted(numbers) and len(set(numbers)) == 3
                obs.cancel()
                assert await client.ping(addr, timeout=5) >= 0
                r = await call(req(POST, "/stop"))
                assert r.code == DELETED
            finally:
                client.close()

        asyncio.run(asyncio.wait_for(main(), 60))
        proc.wait(10)
        assert proc.stdout.read().strip().endswith("stopped")
    finally:
        stop_process(proc)
        proc.stdout.close()
