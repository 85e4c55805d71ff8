"""mxcoap.drivers.coap_async, the asyncio half shared by the CoAP UDP drivers: two endpoints
joined in memory (no socket), a clock the test sets, on both interpreters."""

import asyncio
import unittest

from mxcoap.coap import CONTENT, GET, INTERNAL_SERVER_ERROR, OBSERVE, Message, RequestTimeout
from mxcoap.drivers.coap_async import CoapAsyncEndpoint, DriverClosed

C = ("10.0.0.1", 5683)
S = ("10.0.0.2", 5683)


class Loopback(CoapAsyncEndpoint):
    """Datagrams wait in `sent` until shuttle() hands them to the peer; time is `t`."""

    def __init__(self, addr, handler=None):
        CoapAsyncEndpoint.__init__(self, handler)
        self.addr = addr
        self.peer = None
        self.t = 0.0
        self.sent = []
        self.armed = None
        self.io_closed = False

    def now(self):
        return self.t

    def _send(self, data, addr):
        self.sent.append(data)

    def _arm(self, at):
        self.armed = at

    def _close_io(self):
        self.io_closed = True


def pair(handler=None):
    client, server = Loopback(C), Loopback(S, handler)
    client.peer, server.peer = server, client
    return client, server


async def shuttle(a, b, rounds=20):
    """Let tasks run and carry datagrams both ways for a few rounds."""
    for _ in range(rounds):
        await asyncio.sleep(0)
        for ep in (a, b):
            out, ep.sent = ep.sent, []
            for data in out:
                ep.peer.core.receive_datagram(data, ep.addr, ep.peer.now())
            ep.peer._pump()


def get(path):
    m = Message(code=GET)
    m.set_uri_path(path)
    return m


async def hello(request, addr):
    if request.path == "/boom":
        raise ValueError("handler bug")
    if request.path == "/unencodable":
        return Message(code=CONTENT, options=[(2048, b"x" * 70000)])  # over 65804 bytes
    return Message(code=CONTENT, payload=b"hi " + request.path.encode())


class TestCoapAsync(unittest.TestCase):
    def test_request_gets_the_handlers_response(self):
        async def main():
            client, server = pair(hello)
            task = asyncio.create_task(client.request(get("/a"), S, timeout=5))
            await shuttle(client, server)
            r = await task
            self.assertEqual((r.code, r.payload), (CONTENT, b"hi /a"))
            self.assertEqual(client._waiters, {})

        asyncio.run(main())

    def test_handler_exception_is_500(self):
        async def main():
            client, server = pair(hello)
            task = asyncio.create_task(client.request(get("/boom"), S, timeout=5))
            await shuttle(client, server)
            self.assertEqual((await task).code, INTERNAL_SERVER_ERROR)

        asyncio.run(main())

    def test_unencodable_handler_response_is_500(self):
        async def main():
            client, server = pair(hello)
            task = asyncio.create_task(client.request(get("/unencodable"), S, timeout=5))
            await shuttle(client, server)
            self.assertEqual((await task).code, INTERNAL_SERVER_ERROR)

        asyncio.run(main())

    def test_unanswered_request_arms_the_timer_then_fails(self):
        async def main():
            client, _ = pair()
            task = asyncio.create_task(client.request(get("/a"), S))
            await asyncio.sleep(0)
            self.assertEqual(len(client.sent), 1)
            self.assertTrue(client.armed is not None and client.armed > 0)
            for _ in range(10):  # RFC 7252 §4.2: MAX_RETRANSMIT retransmissions, then failure
                client.t = client.armed
                client._fire_timer()
                if client.armed is None:
                    break
            with self.assertRaises(RequestTimeout):
                await task
            self.assertEqual(len(client.sent), 5)

        asyncio.run(main())

    def test_local_timeout_cancels_in_the_core(self):
        async def main():
            client, _ = pair()
            with self.assertRaises(asyncio.TimeoutError):
                await client.request(get("/a"), S, timeout=0.01)
            self.assertEqual(client._waiters, {})
            self.assertIsNone(client.core.get_timer())

        asyncio.run(main())

    def test_close_fails_pending_request(self):
        async def main():
            client, _ = pair()
            task = asyncio.create_task(client.request(get("/a"), S, timeout=5))
            await asyncio.sleep(0)
            client.close()
            self.assertTrue(client.io_closed)
            with self.assertRaises(DriverClosed):
                await task
            with self.assertRaises(DriverClosed):
                client.observe(get("/a"), S)

        asyncio.run(main())

    def test_observe_notifications(self):
        observers = []

        async def handler(request, addr):
            observers.append(server.observer(request))
            return Message(code=CONTENT, payload=b"0")

        async def main():
            obs = client.observe(get("/obs"), S)
            await shuttle(client, server)
            self.assertEqual((await obs.next(timeout=5)).payload, b"0")
            server.t = client.t = 1.0
            self.assertTrue(observers[0].notify(Message(code=CONTENT, payload=b"1")))
            await shuttle(client, server)
            r = await obs.next(timeout=5)
            self.assertEqual(r.payload, b"1")
            self.assertIsNotNone(r.opt(OBSERVE))
            obs.cancel()
            self.assertEqual(client._waiters, {})
            server.close()
            self.assertFalse(observers[0].notify(Message(code=CONTENT, payload=b"2")))

        client, server = pair(handler)
        asyncio.run(main())


if __name__ == "__main__":
    unittest.main()
