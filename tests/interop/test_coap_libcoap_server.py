"""Our CPython client, and our MicroPython client (unix port, tests/interop/mp_coap_peer.py),
against libcoap's coap-server-notls (Debian libcoap3-bin) over 127.0.0.1: its example resources
(/, /example_data, /time, /async) and, with -d, resources created by PUT or POST. Codes and bodies
are checked, so a wrong answer fails."""

import asyncio
import subprocess
import time

import pytest
from coap_support import (
    BODY,
    MICROPYTHON,
    MP_ENV,
    MP_PEER,
    QUERY,
    Received,
    free_udp_ports,
    libcoap_tool,
    req,
    stop_process,
)
from mxcoap.coap import (
    ACK,
    CHANGED,
    CONTENT,
    CREATED,
    DELETE,
    DELETED,
    GET,
    LOCATION_PATH,
    NOT_FOUND,
    OBSERVE,
    POST,
    PUT,
)
from mxcoap_host.coap_udp import CoapUdpEndpoint

COAP_SERVER = "coap-server-notls"


@pytest.fixture
def libcoap_server():
    path = libcoap_tool(COAP_SERVER)
    (port,) = free_udp_ports(1)
    # -d 10: PUT/POST may create up to 10 resources.
    proc = subprocess.Popen([path, "-A", "127.0.0.1", "-p", str(port), "-d", "10"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield port
    stop_process(proc)


def test_our_client_against_libcoap_server(libcoap_server):
    addr = ("127.0.0.1", libcoap_server)

    async def main():
        client = await CoapUdpEndpoint.create("127.0.0.1", 0)

        async def call(message):
            return await client.request(message, addr, timeout=10)

        try:
            deadline = time.monotonic() + 10
            while True:  # the server is up once it answers a ping
                try:
                    await client.ping(addr, timeout=0.5)
                    break
                except Exception:  # not up yet: no answer (timeout) or an ICMP error
                    if time.monotonic() > deadline:
                        raise
            r = await call(req(GET, "/"))
            assert r.code == CONTENT
            assert r.payload.startswith(b"This is a test server made with libcoap"), r.payload
            # Block2 down (the 1500-byte example), Block1 up, Block2 down again.
            r = await call(req(GET, "/example_data"))
            assert (r.code, len(r.payload)) == (CONTENT, 1500), r
            r = await call(req(PUT, "/example_data", BODY))
            assert r.code in (CHANGED, CREATED), r
            r = await call(req(GET, "/example_data"))
            assert (r.code, r.payload) == (CONTENT, BODY)
            # POST creates (2.01 with Location-Path), GET, DELETE, then 4.04.
            r = await call(req(POST, "/made", b"posted"))
            assert r.code == CREATED and r.opts(LOCATION_PATH) == [b"made"], r
            r = await call(req(GET, "/made"))
            assert (r.code, r.payload) == (CONTENT, b"posted")
            r = await call(req(PUT, "/made", b"put value"))
            assert r.code == CHANGED
            r = await call(req(GET, "/made"))
            assert r.payload == b"put value"
            r = await call(req(DELETE, "/made"))
            assert r.code == DELETED
            r = await call(req(GET, "/made"))
            assert r.code == NOT_FOUND
            # More than 255 bytes of Uri-Query: libcoap parses the options and answers.
            r = await call(req(GET, "/", query=QUERY))
            assert r.code == CONTENT
            r = await call(req(GET, "/time", query=["ticks"]))
            assert r.code == CONTENT and r.payload.isdigit(), r
            # /async?1: an empty ACK now, the response a second later as a separate CON.
            with Received(client) as seen:
                r = await call(req(GET, "/async", query=["1"]))
            assert r.code == CONTENT, r
            assert (seen[0].mtype, seen[0].code) == (ACK, 0), seen
            # Observe /time: libcoap notifies once a second.
            obs = client.observe(req(GET, "/time"), addr)
            got = [await obs.next(timeout=5) for _ in range(3)]
            assert all(g.code == CONTENT for g in got)
            numbers = [g.opt_uint(OBSERVE) for g in got]
            assert numbers == sorted(numbers) and len(set(numbers)) == 3, numbers
            assert len({g.payload for g in got}) >= 2  # the time moved on
            obs.cancel()
            rtt = await client.ping(addr, timeout=5)
            assert 0 <= rtt < 5
        finally:
            client.close()

    asyncio.run(asyncio.wait_for(main(), 40))


def test_micropython_client_against_libcoap_server(libcoap_server):
    (local,) = free_udp_ports(1)
    r = subprocess.run([str(MICROPYTHON), str(MP_PEER), "libcoap", str(libcoap_server),
                        str(local)], env=MP_ENV, capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    assert "DONE" in out, out
    results = {}
    observe = []
    for line in out.splitlines():
        if line.startswith("RESULT"):
            _, name, code, payload = line.split(" ")
            results[name] = (int(code), bytes.fromhex(payload))
        elif line.startswith("OBSERVE"):
            observe.append(tuple(int(x) for x in line.split()[2:]))
    out = out[:2000]  # enough to read a failure by
    assert results["index"][0] == CONTENT
    assert results["index"][1].startswith(b"This is a test server made with libcoap")
    del results["index"]
    # libcoap answers the first PUT to its example resource 2.01, later ones 2.04.
    assert results["put"] in ((CREATED, b""), (CHANGED, b"")), out
    del results["put"]
    assert results == {
        "get": (CONTENT, BODY),
        "post": (CREATED, b""),
        "get_posted": (CONTENT, b"posted"),
        "delete": (DELETED, b""),
        "gone": (NOT_FOUND, b"Not Found"),
        "ping": (0, b"pong"),
    }, out
    assert [o[0] for o in observe] == [CONTENT, CONTENT], out
    assert observe[0][1] < observe[1][1], out
