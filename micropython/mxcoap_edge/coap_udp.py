"""MicroPython asyncio UDP driver for the sans-IO CoAP endpoint (mxcoap.coap.Endpoint).

The same shape as cpython/mxcoap_host/coap_udp.py, without what MicroPython's asyncio lacks
(DatagramProtocol, Queue, call_at): one task waits for the non-blocking socket to become readable
through asyncio's own poller and drains it; one task sleeps until `core.get_timer()` and is woken
early when an input moves the deadline. Clock: mxcoap.compat.monotonic.

Addresses are what the port's socket uses: raw sockaddr bytes on the unix port (from
`resolve(host, port)`), (ip, port) tuples on a board. The unix port has no getsockname, so bind
to an explicit port.
"""

import asyncio
import socket

from mxcoap.coap import (
    INTERNAL_SERVER_ERROR,
    NOT_IMPLEMENTED,
    OBSERVE,
    CoapError,
    CoapUsageError,
    Endpoint,
    Message,
    Pong,
    RequestFailed,
    RequestReceived,
    ResponseReceived,
)
from mxcoap.compat import monotonic

try:
    from asyncio.core import _io_queue
except ImportError:  # pragma: no cover - every MicroPython asyncio has it
    _io_queue = None

_RX_BUFFER = 1280  # RFC 7252 §4.6: a CoAP datagram fits an IPv6 minimum MTU


class DriverClosed(CoapError):
    """The endpoint was closed while a request was outstanding."""


def resolve(host, port):
    """The socket address for host:port as this port's sockets want it (hashable)."""
    addr = socket.getaddrinfo(host, port)[0][-1]
    return bytes(addr) if isinstance(addr, bytearray) else addr


def _readable(sock):
    # A generator is awaitable in MicroPython: park this task in asyncio's poller until the socket
    # has data (what asyncio.StreamReader does internally).
    yield _io_queue.queue_read(sock)


class _Waiter:
    """A one-shot or (for Observe) many-shot result slot (MicroPython has no Future/Queue)."""

    def __init__(self, many=False):
        self.many = many
        self.items = []
        self.event = asyncio.Event()

    def push(self, item):
        self.items.append(item)
        self.event.set()

    async def get(self, timeout=None):
        while not self.items:
            self.event.clear()
            if timeout is None:
                await self.event.wait()
            else:
                await asyncio.wait_for(self.event.wait(), timeout)
        item = self.items[0]
        if not self.many or not isinstance(item, Exception):
            self.items.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class Observation:
    """Client side of an Observe registration (RFC 7641): `await obs.next()` per notification."""

    def __init__(self, endpoint, waiter):
        self._endpoint = endpoint
        self._waiter = waiter
        self.handle = None

    async def next(self, timeout=None):
        return await self._waiter.get(timeout)

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self._waiter.get()
        except DriverClosed:
            raise StopAsyncIteration

    def cancel(self):
        """Forget the observation; the server's next notification gets a RST (RFC 7641 §3.6)."""
        ep = self._endpoint
        if ep._waiters.pop(self.handle, None) is not None and not ep.closed:
            ep.core.cancel_observe(self.handle, monotonic())
            ep._pump()


class Observer:
    """Server side of an Observe registration: `notify(message)` sends a further notification."""

    def __init__(self, endpoint, handle, addr):
        self._endpoint = endpoint
        self.handle = handle
        self.addr = addr
        self.active = True

    def notify(self, message):
        """Send a notification now; False once the observation is over (then stop)."""
        if not self.active or self._endpoint.closed:
            return False
        try:
            self._endpoint.core.notify(self.handle, message, monotonic())
        except CoapUsageError:
            self.active = False  # the observer went away (RST, deregistration, timeout)
            return False
        self._endpoint._pump()
        return True


class CoapUdpEndpoint:
    """A CoAP endpoint on one UDP socket: client (`request`, `observe`, `ping`) and server
    (`handler(request, addr) -> response`, called once per request)."""

    def __init__(self, sock, handler=None, params=None, rand=None):
        self.core = Endpoint(params=params, rand=rand)
        self.handler = handler
        self.sock = sock
        self._waiters = {}  # handle -> _Waiter
        self._serving = {}  # id(request) -> [handle, addr, accepted] while its handler runs
        self._handlers = []
        self._wake = asyncio.Event()
        self.closed = False
        self._rx_task = asyncio.create_task(self._rx_loop())
        self._timer_task = asyncio.create_task(self._timer_loop())

    @classmethod
    async def create(cls, bind_host, bind_port, params=None, handler=None, rand=None):
        ai = socket.getaddrinfo(bind_host, bind_port)[0]
        sock = socket.socket(ai[0], socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(ai[-1])
        sock.setblocking(False)
        return cls(sock, handler, params, rand)

    # -- client ------------------------------------------------------------------------------

    async def request(self, message, addr, timeout=None):
        """Send a request and return the (whole, reassembled) response Message.
        Raises a CoapError (RequestTimeout, ResetReceived, ...) or asyncio.TimeoutError."""
        waiter = _Waiter()
        return await self._wait(self._start(message, addr, waiter), waiter, timeout)

    def observe(self, message, addr):
        """Register an observation (adds Observe=0); await `next()` on the Observation."""
        message.set_option(OBSERVE, b"")
        waiter = _Waiter(many=True)
        obs = Observation(self, waiter)
        obs.handle = self._start(message, addr, waiter)
        return obs

    async def ping(self, addr, timeout=None):
        """CoAP ping (an empty CON, RFC 7252 §4.3); returns the round-trip time in seconds."""
        waiter = _Waiter()
        return await self._wait(self._start(None, addr, waiter), waiter, timeout)

    def _start(self, message, addr, waiter):
        if self.closed:
            raise DriverClosed("endpoint closed")
        if message is None:
            handle = self.core.ping(addr, monotonic())
        else:
            handle = self.core.send_request(message, addr, monotonic())
        self._waiters[handle] = waiter
        self._pump()
        return handle

    async def _wait(self, handle, waiter, timeout):
        try:
            return await waiter.get(timeout)
        except asyncio.TimeoutError:
            if not self.closed and handle in self._waiters:
                self.core.cancel(handle, monotonic())  # no event will follow
                self._pump()
            raise
        finally:
            self._waiters.pop(handle, None)

    # -- server ------------------------------------------------------------------------------

    def observer(self, request):
        """Inside a handler for a request with Observe=0: accept the observation and get an
        Observer for later notifications. A handler that does not call it declines."""
        entry = self._serving[id(request)]
        entry[2] = True
        return Observer(self, entry[0], entry[1])

    async def _serve(self, handle, request, addr):
        entry = self._serving[id(request)] = [handle, addr, False]
        try:
            if self.handler is None:
                response = Message(code=NOT_IMPLEMENTED)
            else:
                response = await self.handler(request, addr)
                if not isinstance(response, Message):
                    raise TypeError("handler returned " + repr(response))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a handler bug must not kill the endpoint: answer 5.00
            response = Message(code=INTERNAL_SERVER_ERROR, payload=repr(exc).encode()[:100])
        finally:
            self._serving.pop(id(request), None)
        if not entry[2] and getattr(handle, "observe", False):
            # RFC 7641 §4.1: not accepted, so no Observe option and no observation. The core has
            # no API to decline yet; its handle.observe flag is what it reads.
            handle.observe = False
        if not self.closed:
            self.core.respond(handle, response, monotonic())
            self._pump()

    # -- the sans-IO plumbing ----------------------------------------------------------------

    async def _rx_loop(self):
        sock = self.sock
        while not self.closed:
            await _readable(sock)
            while True:
                try:
                    data, addr = sock.recvfrom(_RX_BUFFER)
                except OSError:
                    # EAGAIN: drained. Others (an ICMP error reported once): the core's timers
                    # decide; the poller wakes us again if more is queued.
                    break
                self.core.receive_datagram(data, addr, monotonic())
            self._pump()

    async def _timer_loop(self):
        while not self.closed:
            at = self.core.get_timer()
            self._wake.clear()
            if at is None:
                await self._wake.wait()
                continue
            ms = int((at - monotonic()) * 1000) + 1
            if ms > 0:
                try:
                    await asyncio.wait_for_ms(self._wake.wait(), ms)
                except asyncio.TimeoutError:
                    pass
                continue
            self.core.handle_timer(monotonic())
            self._pump()
            await asyncio.sleep_ms(0)  # never starve the loop, even if the deadline did not move

    def _pump(self):
        if self.closed:
            return
        core = self.core
        while True:
            event = core.next_event()
            if event is None:
                break
            self._dispatch(event)
        for data, addr in core.datagrams_to_send(monotonic()):
            try:
                self.sock.sendto(data, addr)
            except OSError:
                pass  # a full send buffer is a lost datagram: retransmission covers it
        self._wake.set()

    def _dispatch(self, event):
        if isinstance(event, RequestReceived):
            self._handlers = [t for t in self._handlers if not t.done()]
            self._handlers.append(
                asyncio.create_task(self._serve(event.handle, event.request, event.addr)))
            return
        waiter = self._waiters.get(event.handle)
        if waiter is None:
            return
        if isinstance(event, ResponseReceived):
            waiter.push(event.response)
        elif isinstance(event, Pong):
            waiter.push(event.rtt)
        elif isinstance(event, RequestFailed):
            waiter.push(event.error)
            self._waiters.pop(event.handle, None)

    def close(self):
        """Stop the tasks, fail outstanding requests, close the socket."""
        if self.closed:
            return
        self.closed = True
        for task in [self._rx_task, self._timer_task] + self._handlers:
            if not task.done():
                task.cancel()
        for waiter in self._waiters.values():
            waiter.push(DriverClosed("endpoint closed"))
        self._waiters.clear()
        self.sock.close()
