"""The asyncio half of the CoAP UDP drivers, shared by cpython/mxcoap_host/coap_udp.py and
micropython/mxcoap_edge/coap_udp.py.

The sans-IO core (mxcoap.coap.Endpoint) has no asyncio at all; both drivers wrapped it the same
way (request/observe waiters, handler tasks, Observe accept/notify, dispatch of core events), so
that logic lives here once. It uses only the asyncio both interpreters have (Event, create_task,
wait_for, sleep: no Queue, Future, get_running_loop or DatagramProtocol) and owns no socket and no
clock. A driver subclasses CoapAsyncEndpoint and provides:

    now()              the clock passed to the core as `now` (seconds, monotonic)
    _send(data, addr)  send one datagram
    _arm(at)           (re)arm the one timer for `core.get_timer()` (None: no timer)
    _close_io()        stop its socket and its tasks or timer
    _peer(addr)        optional: the address form the core compares (default: as given)

and calls `_pump()` after feeding the core a datagram, `_fire_timer()` when the timer expires.
"""

import asyncio

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


class DriverClosed(CoapError):
    """The endpoint was closed while a request was outstanding."""


class Waiter:
    """A one-shot or (for Observe) many-shot result slot: an Event and a list, because MicroPython
    has no Future or Queue. An exception stays at the head of a many-shot slot, so every later
    get() fails the same way."""

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
    """Client side of an Observe registration (RFC 7641): `await obs.next()` per notification, or
    `async for`. The first item is the registration response."""

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
            ep.core.cancel_observe(self.handle, ep.now())
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


class CoapAsyncEndpoint:
    """A CoAP endpoint: client (`request`, `observe`, `ping`) and server (`handler(request, addr)
    -> response`, called once per request in its own task). Abstract: see the module docstring."""

    def __init__(self, handler=None, params=None, rand=None):
        self.core = Endpoint(params=params, rand=rand)
        self.handler = handler
        self._waiters = {}  # handle -> Waiter
        self._serving = {}  # id(request) -> [handle, addr, accepted] while its handler runs
        self._handlers = []  # handler tasks, pruned of finished ones at each new request
        self.closed = False

    def _peer(self, addr):
        return addr

    # -- client ------------------------------------------------------------------------------

    async def request(self, message, addr, timeout=None):
        """Send a request and return the (whole, reassembled) response Message.
        Raises a CoapError (RequestTimeout, ResetReceived, ...) or asyncio.TimeoutError."""
        waiter = Waiter()
        return await self._wait(self._start(message, addr, waiter), waiter, timeout)

    def observe(self, message, addr):
        """Register an observation (adds Observe=0); iterate the returned Observation."""
        message.set_option(OBSERVE, b"")
        waiter = Waiter(many=True)
        obs = Observation(self, waiter)
        obs.handle = self._start(message, addr, waiter)
        return obs

    async def ping(self, addr, timeout=None):
        """CoAP ping (an empty CON, RFC 7252 §4.3); returns the round-trip time in seconds."""
        waiter = Waiter()
        return await self._wait(self._start(None, addr, waiter), waiter, timeout)

    def _start(self, message, addr, waiter):
        if self.closed:
            raise DriverClosed("endpoint closed")
        if message is None:
            handle = self.core.ping(self._peer(addr), self.now())
        else:
            handle = self.core.send_request(message, self._peer(addr), self.now())
        self._waiters[handle] = waiter
        self._pump()
        return handle

    async def _wait(self, handle, waiter, timeout):
        try:
            return await waiter.get(timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            if not self.closed and handle in self._waiters:
                self.core.cancel(handle, self.now())  # no event will follow
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
        if not self.closed:
            try:
                if not entry[2] and request.opt(OBSERVE) is not None:
                    # RFC 7641 §4.1: the handler did not accept it: no observation.
                    self.core.decline_observe(handle)
                self.core.respond(handle, response, self.now())
            except CoapUsageError as exc:
                # The handler's answer cannot go on the wire (a handler bug): 5.00 instead. An
                # exchange that ended while the handler ran refuses that too; nothing to send.
                if handle.state in ("pending", "acked"):
                    self.core.respond(handle, Message(code=INTERNAL_SERVER_ERROR,
                                                      payload=str(exc).encode()[:100]),
                                      self.now())
            self._pump()

    # -- the sans-IO plumbing ----------------------------------------------------------------

    def _fire_timer(self):
        self.core.handle_timer(self.now())
        self._pump()

    def _pump(self):
        """Deliver the core's events, send its datagrams, re-arm the timer: after every input."""
        if self.closed:
            return
        core = self.core
        while True:
            event = core.next_event()
            if event is None:
                break
            self._dispatch(event)
        for data, addr in core.datagrams_to_send(self.now()):
            self._send(data, addr)
        self._arm(core.get_timer())

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
        """Stop the timer and handlers, fail outstanding requests, close the socket."""
        if self.closed:
            return
        self.closed = True
        for task in self._handlers:
            if not task.done():
                task.cancel()
        for waiter in self._waiters.values():
            waiter.push(DriverClosed("endpoint closed"))
        self._waiters.clear()
        self._close_io()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
