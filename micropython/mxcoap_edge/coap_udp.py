"""MicroPython asyncio UDP driver for the sans-IO CoAP endpoint (mxcoap.coap.Endpoint).

The asyncio glue shared with cpython/mxcoap_host/coap_udp.py lives in mxcoap.drivers.coap_async;
this file holds what MicroPython's asyncio needs instead of DatagramProtocol and call_at: one task
waits for the non-blocking socket to become readable through asyncio's own poller and drains it;
one task sleeps until `core.get_timer()` and is woken early when an input moves the deadline.
Clock: mxcoap.compat.monotonic.

Addresses are what the port's socket uses: raw sockaddr bytes on the unix port (from
`resolve(host, port)`), (ip, port) tuples on a board. The unix port has no getsockname, so bind
to an explicit port.
"""

import asyncio
import socket

from mxcoap.compat import monotonic
from mxcoap.drivers.coap_async import (  # noqa: F401 (re-exported)
    CoapAsyncEndpoint,
    DriverClosed,
    Observation,
    Observer,
)

try:
    from asyncio.core import _io_queue
except ImportError:  # pragma: no cover - every MicroPython asyncio has it
    _io_queue = None

_RX_BUFFER = 1280  # RFC 7252 §4.6: a CoAP datagram fits an IPv6 minimum MTU


def resolve(host, port):
    """The socket address for host:port as this port's sockets want it (hashable)."""
    addr = socket.getaddrinfo(host, port)[0][-1]
    return bytes(addr) if isinstance(addr, bytearray) else addr


def _readable(sock):
    # A generator is awaitable in MicroPython: park this task in asyncio's poller until the socket
    # has data (what asyncio.StreamReader does internally).
    yield _io_queue.queue_read(sock)


class CoapUdpEndpoint(CoapAsyncEndpoint):
    """A CoAP endpoint on one UDP socket: client (`request`, `observe`, `ping`) and server
    (`handler(request, addr) -> response`, called once per request)."""

    def __init__(self, sock, handler=None, params=None, rand=None):
        CoapAsyncEndpoint.__init__(self, handler, params, rand)
        self.sock = sock
        self._wake = asyncio.Event()
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

    def now(self):
        return monotonic()

    def _send(self, data, addr):
        try:
            self.sock.sendto(data, addr)
        except OSError:
            pass  # a full send buffer is a lost datagram: retransmission covers it

    def _arm(self, at):
        self._wake.set()  # the timer task reads core.get_timer() itself

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
            self._fire_timer()
            await asyncio.sleep_ms(0)  # never starve the loop, even if the deadline did not move

    def _close_io(self):
        for task in (self._rx_task, self._timer_task):
            if not task.done():
                task.cancel()
        self.sock.close()
