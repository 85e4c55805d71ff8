"""asyncio UDP driver for the sans-IO CoAP endpoint (mxcoap.coap.Endpoint).

The core does all of CoAP (retransmission, de-duplication, separate responses, blockwise, Echo,
Observe numbering); this file only owns the socket and the clock, in the shape of aioquic's asyncio
adapter: every input (a datagram, a timer, an API call) is fed to the core, then `_pump` delivers
the core's events, sends its datagrams and re-arms the one timer at `core.get_timer()`.
The clock is `loop.time()` (monotonic), passed to the core as `now`.
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

__all__ = ["CoapUdpEndpoint", "Observation", "Observer", "DriverClosed"]


class DriverClosed(CoapError):
    """The endpoint was closed while a request was outstanding."""


def normalize_addr(addr):
    """IPv6 sockets report (host, port, flowinfo, scope_id); the core compares addresses, so a
    peer named ("::1", port) by the application must equal what recvfrom reports."""
    if len(addr) == 4 and not addr[2] and not addr[3]:
        return (addr[0], addr[1])
    return tuple(addr)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, owner):
        self.owner = owner

    def datagram_received(self, data, addr):
        self.owner.datagram_received(data, addr)

    def error_received(self, exc):
        # ICMP port unreachable and the like: the core's retransmission timer decides.
        pass


class Observation:
    """Client side of an Observe registration (RFC 7641): an async iterator of notifications."""

    def __init__(self, endpoint, handle):
        self._endpoint = endpoint
        self.handle = handle
        self._queue = asyncio.Queue()

    def _push(self, item):
        self._queue.put_nowait(item)

    async def next(self, timeout=None):
        """The next notification (the first is the registration response)."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if isinstance(item, Exception):
            self._queue.put_nowait(item)  # every later call fails the same way
            raise item
        return item

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.next()
        except DriverClosed:
            raise StopAsyncIteration

    def cancel(self):
        """Forget the observation; the server's next notification gets a RST (RFC 7641 §3.6)."""
        self._endpoint._cancel_observe(self)


class Observer:
    """Server side of an Observe registration: `notify(message)` sends a further notification."""

    def __init__(self, endpoint, handle, addr):
        self._endpoint = endpoint
        self.handle = handle
        self.addr = addr
        self.active = True

    def notify(self, message):
        """Send a notification now; False once the observation is over (then stop)."""
        ep = self._endpoint
        if not self.active or ep.closed:
            return False
        try:
            ep.core.notify(self.handle, message, ep.now())
        except CoapUsageError:
            self.active = False  # the observer went away (RST, deregistration, timeout)
            return False
        ep._pump()
        return True


class CoapUdpEndpoint:
    """A CoAP endpoint on one UDP socket: client (`request`, `observe`, `ping`) and server
    (`handler(request, addr) -> response`, called once per request)."""

    def __init__(self, handler=None, params=None, rand=None):
        self.core = Endpoint(params=params, rand=rand)
        self.handler = handler
        self._loop = asyncio.get_running_loop()
        self._transport = None
        self._timer = None
        self._timer_at = None
        self._waiters = {}  # handle -> Future or Observation
        self._tasks = set()
        self._serving = {}  # id(request) -> [handle, addr, accepted] while its handler runs
        self.closed = False

    @classmethod
    async def create(cls, bind_host, bind_port, params=None, handler=None, rand=None):
        self = cls(handler, params, rand)
        family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
        self._transport, _ = await self._loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(bind_host, bind_port), family=family
        )
        return self

    @property
    def address(self):
        return normalize_addr(self._transport.get_extra_info("sockname"))

    @property
    def port(self):
        return self.address[1]

    def now(self):
        return self._loop.time()

    # -- client ------------------------------------------------------------------------------

    async def request(self, message, addr, timeout=None):
        """Send a request and return the (whole, reassembled) response Message.
        Raises a CoapError (RequestTimeout, ResetReceived, ...) or TimeoutError."""
        fut = self._loop.create_future()
        return await self._wait(self._start(message, addr, fut), fut, timeout)

    def observe(self, message, addr):
        """Register an observation (adds Observe=0); iterate the returned Observation."""
        message.set_option(OBSERVE, b"")
        obs = Observation(self, None)
        obs.handle = self._start(message, addr, obs)
        return obs

    async def ping(self, addr, timeout=None):
        """CoAP ping (an empty CON, RFC 7252 §4.3); returns the round-trip time in seconds."""
        fut = self._loop.create_future()
        return await self._wait(self._start(None, addr, fut), fut, timeout)

    def _start(self, message, addr, waiter):
        if self.closed:
            raise DriverClosed("endpoint closed")
        if message is None:
            handle = self.core.ping(normalize_addr(addr), self.now())
        else:
            handle = self.core.send_request(message, normalize_addr(addr), self.now())
        self._waiters[handle] = waiter
        self._pump()
        return handle

    async def _wait(self, handle, fut, timeout):
        try:
            return await asyncio.wait_for(fut, timeout)
        except (TimeoutError, asyncio.CancelledError):
            if not self.closed and handle in self._waiters:
                self.core.cancel(handle, self.now())  # no event will follow
                self._pump()
            raise
        finally:
            self._waiters.pop(handle, None)

    def _cancel_observe(self, obs):
        if self._waiters.pop(obs.handle, None) is not None and not self.closed:
            self.core.cancel_observe(obs.handle, self.now())
            self._pump()

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
            self.core.respond(handle, response, self.now())
            self._pump()

    # -- the sans-IO plumbing ----------------------------------------------------------------

    def datagram_received(self, data, addr):
        self.core.receive_datagram(data, normalize_addr(addr), self.now())
        self._pump()

    def _on_timer(self):
        self._timer = self._timer_at = None
        self.core.handle_timer(self.now())
        self._pump()

    def _pump(self):
        if self.closed:
            return
        core = self.core
        while True:
            event = core.next_event()
            if event is None:
                break
            self._dispatch(event)
        for data, addr in core.datagrams_to_send(self.now()):
            self._transport.sendto(data, addr)
        at = core.get_timer()
        if at != self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = at
            self._timer = None if at is None else self._loop.call_at(at, self._on_timer)

    def _dispatch(self, event):
        if isinstance(event, RequestReceived):
            task = self._loop.create_task(self._serve(event.handle, event.request, event.addr))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        waiter = self._waiters.get(event.handle)
        if waiter is None:
            return
        if isinstance(event, ResponseReceived):
            result = event.response
        elif isinstance(event, Pong):
            result = event.rtt
        else:  # RequestFailed
            result = event.error
        if isinstance(waiter, Observation):
            waiter._push(result)
            if isinstance(event, RequestFailed):
                self._waiters.pop(event.handle, None)
        elif not waiter.done():
            if isinstance(event, RequestFailed):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)

    def close(self):
        """Stop the timer and handlers, fail outstanding requests, close the socket."""
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        for waiter in self._waiters.values():
            if isinstance(waiter, Observation):
                waiter._push(DriverClosed("endpoint closed"))
            elif not waiter.done():
                waiter.set_exception(DriverClosed("endpoint closed"))
        self._waiters.clear()
        if self._transport is not None:
            self._transport.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
