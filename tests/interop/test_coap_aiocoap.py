"""Interop with aiocoap over 127.0.0.1: the aiocoap library (in-process) and the aiocoap-client
CLI against our echo server (tools/coap_echo_server.py), and our client against an aiocoap server
(tests/interop/aiocoap_server.py). Each checks codes and bodies, so a wrong answer fails.

aiocoap 0.4.17 does not answer a 4.01+Echo challenge (RFC 9175 §2.4) by itself, and our core
challenges an unverified client whose answers would exceed 3x what it sent (a 1024-byte Block2
block to a 20-byte request). So the aiocoap clients talk to our server with that limit off
(`our_server_without_echo`), and test_aiocoap_answers_echo_challenge_by_hand shows the challenge
itself working with aiocoap under the default parameters."""

import asyncio
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiocoap
from coap_support import (
    BODY,
    LARGE_BODY,
    QUERY,
    check_echo_resources,
    digest_reply,
    req,
    stop_process,
)
from mxcoap.coap import (
    DELETE,
    GET,
    OBSERVE,
    Message,
)
from mxcoap_host.coap_udp import CoapUdpEndpoint

ROOT = Path(__file__).resolve().parents[2]
CLIENT = Path(sys.executable).parent / "aiocoap-client"
TIMEOUT = 30.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


# -- the aiocoap library as client, our server ------------------------------------------------

def test_aiocoap_library_against_our_server(our_server_without_echo):
    base = f"coap://127.0.0.1:{our_server_without_echo.port}"

    async def main():
        ctx = await aiocoap.Context.create_client_context()
        try:
            async def call(code, path, payload=b"", **kw):
                msg = aiocoap.Message(code=code, uri=base + path, payload=payload, **kw)
                return await asyncio.wait_for(ctx.request(msg).response, 10)

            r = await call(aiocoap.GET, "/echo")
            assert (r.code, r.payload) == (aiocoap.CONTENT, b"hello")
            r = await call(aiocoap.POST, "/echo", b"posted")
            assert (r.code, r.payload) == (aiocoap.CHANGED, b"posted")
            r = await call(aiocoap.PUT, "/echo", b"put value")
            assert (r.code, r.payload) == (aiocoap.CHANGED, b"put value")
            r = await call(aiocoap.GET, "/echo")
            assert r.payload == b"put value"
            r = await call(aiocoap.DELETE, "/echo")
            assert r.code == aiocoap.DELETED
            r = await call(aiocoap.GET, "/echo")
            assert (r.code, r.payload) == (aiocoap.CONTENT, b"")
            # Block2 download, Block1 upload, and both in one exchange.
            r = await call(aiocoap.GET, "/large")
            assert (r.code, r.payload) == (aiocoap.CONTENT, LARGE_BODY)
            r = await call(aiocoap.PUT, "/large", BODY)
            assert (r.code, r.payload) == (aiocoap.CHANGED, digest_reply(BODY))
            r = await call(aiocoap.POST, "/echo", BODY)
            assert (r.code, r.payload) == (aiocoap.CHANGED, BODY)
            # More than 255 bytes of query in several Uri-Query options.
            msg = aiocoap.Message(code=aiocoap.GET, uri=base + "/q")
            msg.opt.uri_query = tuple(QUERY)
            r = await asyncio.wait_for(ctx.request(msg).response, 10)
            assert r.payload == "&".join(QUERY).encode()
            assert len(r.payload) > 255
            # Observe: the registration response and two notifications, in order.
            msg = aiocoap.Message(code=aiocoap.GET, uri=base + "/obs", observe=0)
            pr = ctx.request(msg)
            first = await asyncio.wait_for(pr.response, 10)
            assert first.payload == b"obs 0" and first.opt.observe is not None
            got = []
            async for n in pr.observation:
                got.append((n.opt.observe, n.payload))
                if len(got) == 2:
                    pr.observation.cancel()
                    break
            assert [g[1] for g in got] == [b"obs 1", b"obs 2"]
            assert first.opt.observe < got[0][0] < got[1][0]
        finally:
            await ctx.shutdown()

    run(main())


def test_raw_ping_gets_rst(our_server):
    """RFC 7252 §4.3: an empty CON is answered with an RST carrying its Message ID (aiocoap has no
    ping API for UDP, so a socket sends it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(bytes([0x40, 0x00, 0x12, 0x34]), ("127.0.0.1", our_server.port))
        data, _ = s.recvfrom(100)
    assert data == bytes([0x70, 0x00, 0x12, 0x34])


# -- the aiocoap-client CLI, our server -------------------------------------------------------

def cli(port, path, *args, timeout=20):
    r = subprocess.run([str(CLIENT), "--no-color", "--no-pretty-print", *args,
                        f"coap://127.0.0.1:{port}{path}"],
                       capture_output=True, timeout=timeout)
    assert r.returncode == 0, r
    return r.stdout


def test_aiocoap_client_cli_against_our_server(our_server_without_echo, tmp_path):
    port = our_server_without_echo.port
    assert cli(port, "/echo").rstrip(b"\n") == b"hello"
    assert cli(port, "/echo", "-m", "POST", "--payload", "posted").rstrip(b"\n") == b"posted"
    assert cli(port, "/echo", "-m", "PUT", "--payload", "put value").rstrip(b"\n") == b"put value"
    assert cli(port, "/echo").rstrip(b"\n") == b"put value"
    cli(port, "/echo", "-m", "DELETE")
    assert cli(port, "/echo").rstrip(b"\n") == b""
    assert cli(port, "/large").rstrip(b"\n") == LARGE_BODY.rstrip(b"\n")
    upload = tmp_path / "upload.bin"
    text_body = LARGE_BODY.replace(b"large", b"upload")
    upload.write_bytes(text_body)
    out = cli(port, "/large", "-m", "PUT", "--payload", "@" + str(upload))
    assert out.rstrip(b"\n") == digest_reply(text_body)
    out = cli(port, "/q?" + "&".join(QUERY))
    assert out.rstrip(b"\n") == "&".join(QUERY).encode()


def read_until(proc, done, timeout):
    """proc's output until done(output) or `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not done(buf) and time.monotonic() < deadline:
            if sel.select(max(0.0, deadline - time.monotonic())):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
    return buf


def test_aiocoap_client_cli_observe(our_server_without_echo):
    """aiocoap-client 0.4.17 --observe registers, but cancels its observation as soon as the first
    response is in (cli/client.py, the `finally` after `await requester.response`), so it never
    prints a notification, against aiocoap's own server too. What it can show: our registration
    response carries an Observe option. The library test above follows the notifications."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(CLIENT), "-v", "--no-color", "--no-pretty-print", "--observe",
                             f"coap://127.0.0.1:{our_server_without_echo.port}/obs"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        out = read_until(proc, lambda b: b"obs 0" in b, 10)
        assert b"Received response" in out and b"obs 0" in out, out
        response = out[out.index(b"Received response"):]
        assert re.search(rb"- Observe \(6\): \d+", response), out
    finally:
        stop_process(proc, signal.SIGINT)
        proc.stdout.close()


def test_aiocoap_answers_echo_challenge_by_hand(our_server):
    """Default parameters: a 5 KB Block2 body to an unverified aiocoap client is held behind a
    4.01 with an 8-byte Echo (RFC 9175 §2.4); the same request with that Echo gets it whole."""
    uri = f"coap://127.0.0.1:{our_server.port}/large"

    async def main():
        ctx = await aiocoap.Context.create_client_context()
        try:
            r = await asyncio.wait_for(
                ctx.request(aiocoap.Message(code=aiocoap.GET, uri=uri)).response, 10)
            if r.code != aiocoap.CONTENT:  # the core may instead start with a smaller block
                assert r.code == aiocoap.UNAUTHORIZED and len(r.opt.echo) == 8, r
                msg = aiocoap.Message(code=aiocoap.GET, uri=uri, echo=r.opt.echo)
                r = await asyncio.wait_for(ctx.request(msg).response, 10)
            assert (r.code, r.payload) == (aiocoap.CONTENT, LARGE_BODY)
        finally:
            await ctx.shutdown()

    run(main())


# -- our client, the aiocoap server -----------------------------------------------------------

def test_our_client_against_aiocoap_server(aiocoap_server):
    addr = ("127.0.0.1", aiocoap_server.port)

    async def main():
        client = await CoapUdpEndpoint.create("127.0.0.1", 0)

        async def call(message):
            return await client.request(message, addr, timeout=10)

        try:
            await check_echo_resources(call)
            obs = client.observe(req(GET, "/obs"), addr)
            got = [await obs.next(timeout=5) for _ in range(3)]
            numbers = [int(g.payload.split()[1]) for g in got]
            assert numbers == sorted(numbers) and len(set(numbers)) == 3, got
            observes = [g.opt_uint(OBSERVE) for g in got]
            assert observes == sorted(observes) and len(set(observes)) == 3
            obs.cancel()
            rtt = await client.ping(addr, timeout=5)
            assert 0 <= rtt < 5
        finally:
            client.close()

    run(main())


def test_our_client_gets_404_and_405_from_aiocoap(aiocoap_server):
    addr = ("127.0.0.1", aiocoap_server.port)

    async def main():
        client = await CoapUdpEndpoint.create("127.0.0.1", 0)
        try:
            m = Message(code=GET)
            m.set_uri_path("/echo/missing")
            r = await client.request(m, addr, timeout=10)
            assert r.code == 132  # 4.04
            m = Message(code=DELETE)
            m.set_uri_path("/q")
            r = await client.request(m, addr, timeout=10)
            assert r.code == 133  # 4.05
        finally:
            client.close()

    run(main())
