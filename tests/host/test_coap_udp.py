"""The asyncio CoAP driver (cpython/mxcoap_host/coap_udp.py): two of our endpoints over
127.0.0.1, the server being tools/coap_echo_server.py's EchoServer in-process."""

import asyncio
import socket
import sys
from pathlib import Path

import pytest
from mxcoap.coap import (
    ACK,
    CHANGED,
    CON,
    CONTENT,
    DELETE,
    DELETED,
    ECHO,
    GET,
    INTERNAL_SERVER_ERROR,
    NOT_FOUND,
    OBSERVE,
    POST,
    PUT,
    UNAUTHORIZED,
    Message,
    RequestTimeout,
    TransmissionParams,
)
from mxcoap_host.coap_udp import CoapUdpEndpoint, DriverClosed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))
from coap_support import (  # noqa: E402
    LARGE_BODY,
    QUERY,
    Received,
    digest_reply,
    load_echo_server,
    req,
)

echo = load_echo_server()

TEST_TIMEOUT = 20.0
FAST = dict(ack_timeout=0.2, separate_delay=0.05)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT))


class Pair:
    """An EchoServer and a client endpoint on 127.0.0.1 (or ::1), both closed on exit."""

    def __init__(self, host="127.0.0.1", server_params=None, client_params=None):
        self.host = host
        self.server_params = server_params
        self.client_params = client_params

    async def __aenter__(self):
        self.server = echo.EchoServer()
        await self.server.start(self.host, 0, params=self.server_params)
        self.client = await CoapUdpEndpoint.create(self.host, 0, params=self.client_params)
        self.addr = (self.host, self.server.endpoint.port)
        return self

    async def __aexit__(self, *exc):
        self.client.close()
        self.server.close()

    async def request(self, message, timeout=10):
        return await self.client.request(message, self.addr, timeout=timeout)


def test_methods():
    async def main():
        async with Pair() as p:
            r = await p.request(req(GET, "/echo"))
            assert (r.code, r.payload) == (CONTENT, b"hello")
            r = await p.request(req(POST, "/echo", b"posted"))
            assert (r.code, r.payload) == (CHANGED, b"posted")
            r = await p.request(req(PUT, "/echo", b"put value"))
            assert (r.code, r.payload) == (CHANGED, b"put value")
            r = await p.request(req(GET, "/echo"))
            assert r.payload == b"put value"
            r = await p.request(req(DELETE, "/echo"))
            assert r.code == DELETED
            r = await p.request(req(GET, "/echo"))
            assert (r.code, r.payload) == (CONTENT, b"")
            r = await p.request(req(GET, "/nowhere"))
            assert r.code == NOT_FOUND
    run(main())


def test_blockwise_both_ways():
    async def main():
        async with Pair() as p:
            r = await p.request(req(GET, "/large"))
            assert (r.code, r.payload) == (CONTENT, LARGE_BODY)
            body = bytes(i * 7 % 256 for i in range(5000))
            r = await p.request(req(PUT, "/large", body))
            assert r.code == CHANGED
            assert r.payload == digest_reply(body)
            # Block1 up and Block2 down in one exchange.
            r = await p.request(req(POST, "/echo", body))
            assert (r.code, r.payload) == (CHANGED, body)
    run(main())


def test_long_query():
    assert len("&".join(QUERY)) > 255

    async def main():
        async with Pair() as p:
            r = await p.request(req(GET, "/q", query=QUERY))
            assert (r.code, r.payload) == (CONTENT, "&".join(QUERY).encode())
    run(main())


def test_concurrent_requests():
    async def main():
        async with Pair() as p:
            bodies = [b"body %d" % i for i in range(20)]
            rs = await asyncio.gather(*(p.request(req(POST, "/echo", b)) for b in bodies))
            assert [r.payload for r in rs] == bodies
    run(main())


def test_observe_and_cancel():
    async def main():
        async with Pair() as p:
            obs = p.client.observe(req(GET, "/obs"), p.addr)
            seen = []
            for _ in range(3):
                r = await obs.next(timeout=5)
                assert r.code == CONTENT
                seen.append((r.opt_uint(OBSERVE), r.payload))
            assert [s[1] for s in seen] == [b"obs 0", b"obs 1", b"obs 2"]
            numbers = [s[0] for s in seen]
            assert numbers == sorted(numbers) and len(set(numbers)) == 3
            obs.cancel()
            # The server's next notification gets a RST; its notify loop then ends.
            for _ in range(50):
                if not p.server.tasks:
                    break
                await asyncio.sleep(0.1)
            assert not p.server.tasks, "server kept notifying a cancelled observer"
    run(main())


def test_ping():
    async def main():
        async with Pair() as p:
            rtt = await p.client.ping(p.addr, timeout=5)
            assert 0 <= rtt < 5
    run(main())


def test_slow_handler_gets_empty_ack_and_separate_response():
    async def main():
        async with Pair(server_params=TransmissionParams(**FAST)) as p:
            async def slow(request, addr):
                await asyncio.sleep(0.5)
                return Message(code=CONTENT, payload=b"late")

            p.server.endpoint.handler = slow
            with Received(p.client) as seen:
                r = await p.request(req(GET, "/slow"))
            assert (r.code, r.payload) == (CONTENT, b"late")
            assert seen[0].mtype == ACK and seen[0].code == 0, seen
            assert seen[1].code == CONTENT and seen[1].mtype == CON, seen
    run(main())


def test_handler_exception_is_500():
    async def main():
        async with Pair() as p:
            async def broken(request, addr):
                raise ValueError("boom")

            p.server.endpoint.handler = broken
            r = await p.request(req(GET, "/x"))
            assert r.code == INTERNAL_SERVER_ERROR

            async def forgetful(request, addr):
                return None

            p.server.endpoint.handler = forgetful
            r = await p.request(req(GET, "/x"))  # the endpoint still serves
            assert r.code == INTERNAL_SERVER_ERROR
    run(main())


def test_lost_request_is_retransmitted():
    async def main():
        params = TransmissionParams(ack_timeout=0.1)
        async with Pair(client_params=params) as p:
            ep = p.server.endpoint
            original = ep.datagram_received
            dropped = []

            def lossy(data, addr):
                if not dropped:
                    dropped.append(data)
                    return
                original(data, addr)

            ep.datagram_received = lossy
            r = await p.request(req(GET, "/echo"))
            assert r.payload == b"hello"
            assert dropped
            assert p.client.core.stats["retransmissions"] >= 1
    run(main())


def test_timeout_to_silent_port():
    async def main():
        params = TransmissionParams(ack_timeout=0.05, max_retransmit=2)
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            async with Pair(client_params=params) as p:
                with pytest.raises(RequestTimeout):
                    await p.client.request(req(GET, "/echo"), silent.getsockname(), timeout=10)
        finally:
            silent.close()
    run(main())


def test_local_timeout_cancels_and_endpoint_goes_on():
    async def main():
        async with Pair() as p:
            async def slow(request, addr):
                if request.path == "/slow":
                    await asyncio.sleep(2)
                return Message(code=CONTENT, payload=b"ok")

            p.server.endpoint.handler = slow
            with pytest.raises(asyncio.TimeoutError):
                await p.request(req(GET, "/slow"), timeout=0.2)
            r = await p.request(req(GET, "/fast"))
            assert r.payload == b"ok"
            assert not p.client._waiters
    run(main())


def test_close_fails_pending_request():
    async def main():
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            client = await CoapUdpEndpoint.create("127.0.0.1", 0)
            task = asyncio.ensure_future(client.request(req(GET, "/x"), silent.getsockname()))
            await asyncio.sleep(0.05)
            client.close()
            with pytest.raises(DriverClosed):
                await task
        finally:
            silent.close()
    run(main())


def _has_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6(), reason="no IPv6 loopback on this machine")
def test_ipv6():
    async def main():
        async with Pair(host="::1") as p:
            assert p.client.address[0] == "::1"
            r = await p.request(req(GET, "/large"))
            assert r.payload == LARGE_BODY
    run(main())


def test_observe_declined_by_a_handler_that_does_not_accept():
    """RFC 7641 §4.1: Observe=0 on a resource whose handler never calls ep.observer(): a plain
    response without an Observe option, and no observation left in the core."""
    async def main():
        async with Pair() as p:
            obs = p.client.observe(req(GET, "/echo"), p.addr)
            r = await obs.next(timeout=5)
            assert (r.code, r.payload) == (CONTENT, b"hello")
            assert r.opt(OBSERVE) is None
            assert not p.server.endpoint.core._observations
    run(main())


class RawClient:
    """A hand-driven CoAP client on a plain socket: it sends what the test says, answers one
    4.01+Echo challenge the way RFC 9175 §2.4 asks, and ACKs CON notifications."""

    def __init__(self, addr):
        self.addr = addr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.mid = 100

    async def recv(self, timeout):
        loop = asyncio.get_running_loop()
        data, _ = await asyncio.wait_for(loop.sock_recvfrom(self.sock, 2048), timeout)
        m = Message.decode(data)
        if m.mtype == CON:
            await loop.sock_sendto(self.sock, Message(ACK, 0, m.mid).encode(), self.addr)
        return m

    async def request(self, message):
        """Send a CON request; return its piggybacked answer (after one Echo retry if asked)."""
        loop = asyncio.get_running_loop()
        for _ in range(2):
            self.mid += 1
            message.mtype, message.mid = CON, self.mid
            await loop.sock_sendto(self.sock, message.encode(), self.addr)
            while True:
                r = await self.recv(5)
                if r.mtype == ACK and r.mid == self.mid:
                    break
            if r.code != UNAUTHORIZED or r.opt(ECHO) is None:
                return r
            message.set_option(ECHO, r.opt(ECHO))
        return r

    def close(self):
        self.sock.close()


def observe_request(token, observe, query=()):
    m = Message(CON, GET, 0, token)
    m.set_uri_path("/obs")
    if query:
        m.set_uri_query(list(query))
    m.add_uint_option(OBSERVE, observe)
    return m


def test_long_observation_keeps_notifying():
    """A client that follows RFC 9175 and RFC 7641 (answers an Echo challenge, and re-registers
    with the Echo on the same token when a notification is a 4.01+Echo, §3.3.1) and ACKs every
    CON notification gets every notification, in order, for as long as it stays. The default
    amplification_factor=3 would otherwise end the stream after ~17 notifications of ~14 bytes
    (3 x the registration plus 4-byte ACKs).
    Regression test for a core bug found here: before bff98b0 later notifications went out as
    CON 4.01+Echo on the observation's token, one per period, without ending it, or (4ca7795)
    were withheld while notify() still succeeded."""
    query = ["period=0.05"]

    async def main():
        server = echo.EchoServer()
        ep = await server.start("127.0.0.1", 0)
        client = RawClient(("127.0.0.1", ep.port))
        try:
            r = await client.request(observe_request(b"\x01", 0, query))
            got, challenges = [(r.code, r.payload)], 0
            while len(got) < 30:
                try:
                    m = await client.recv(2)
                except TimeoutError:
                    got.append("nothing for 2 s")
                    break
                if m.code == UNAUTHORIZED and m.opt(ECHO) is not None and challenges < 5:
                    challenges += 1
                    again = observe_request(b"\x01", 0, query)
                    again.add_option(ECHO, m.opt(ECHO))
                    m = await client.request(again)
                got.append((m.code, m.payload))
            assert got == [(CONTENT, b"obs %d" % i) for i in range(30)], (challenges, got)
        finally:
            client.close()
            server.close()
    run(main())


def test_deregistration_with_observe_1_ends_notifications():
    """RFC 7641 §3.6: a GET with Observe=1 and the same token ends the observation; the
    server's Observer then reports inactive and its notify loop stops."""
    async def main():
        async with Pair() as p:
            client = RawClient(p.addr)
            try:
                r = await client.request(observe_request(b"\x07", 0))
                assert r.payload == b"obs 0" and r.opt(OBSERVE) is not None, r
                assert len(p.server.tasks) == 1
                r = await client.request(observe_request(b"\x07", 1))
                assert r.code == CONTENT and r.opt(OBSERVE) is None, r
                for _ in range(30):
                    if not p.server.tasks:
                        break
                    await asyncio.sleep(0.1)
                assert not p.server.tasks
            finally:
                client.close()
    run(main())


def test_ping_timeout_and_failure():
    """A ping to a silent port: the local timeout cancels it; with a short MAX_RETRANSMIT the
    core's RequestTimeout comes through."""
    async def main():
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        params = TransmissionParams(ack_timeout=0.05, max_retransmit=1)
        client = await CoapUdpEndpoint.create("127.0.0.1", 0, params=params)
        try:
            with pytest.raises(TimeoutError):
                await client.ping(silent.getsockname(), timeout=0.01)
            assert not client._waiters
            with pytest.raises(RequestTimeout):
                await client.ping(silent.getsockname(), timeout=5)
        finally:
            client.close()
            silent.close()
    run(main())
