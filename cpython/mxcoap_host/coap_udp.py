"""asyncio UDP driver for the sans-IO CoAP endpoint (mxcoap.coap.Endpoint).

The core does all of CoAP (retransmission, de-duplication, separate responses, blockwise, Echo,
Observe numbering); mxcoap.drivers.coap_async holds the asyncio glue shared with the MicroPython
driver (waiters, handler tasks, `_pump`). This file only owns the socket and the clock, in the
shape of aioquic's asyncio adapter: a datagram or the timer is fed to the core, then `_pump`
delivers the core's events, sends its datagrams and re-arms the one timer (`loop.call_at`) at
`core.get_timer()`. The clock is `loop.time()` (monotonic), passed to the core as `now`.
"""

import asyncio
import socket

from mxcoap.drivers.coap_async import CoapAsyncEndpoint, DriverClosed, Observation, Observer

__all__ = ["CoapUdpEndpoint", "Observation", "Observer", "DriverClosed"]


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


class CoapUdpEndpoint(CoapAsyncEndpoint):
    """A CoAP endpoint on one UDP socket: client (`request`, `observe`, `ping`) and server
    (`handler(request, addr) -> response`, called once per request)."""

    def __init__(self, handler=None, params=None, rand=None):
        CoapAsyncEndpoint.__init__(self, handler, params, rand)
        self._loop = asyncio.get_running_loop()
        self._transport = None
        self._timer = None
        self._timer_at = None

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

    def _peer(self, addr):
        return normalize_addr(addr)

    def datagram_received(self, data, addr):
        self.core.receive_datagram(data, normalize_addr(addr), self.now())
        self._pump()

    def _send(self, data, addr):
        self._transport.sendto(data, addr)

    def _arm(self, at):
        if at != self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = at
            self._timer = None if at is None else self._loop.call_at(at, self._on_timer)

    def _on_timer(self):
        self._timer = self._timer_at = None
        self._fire_timer()

    def _close_io(self):
        if self._timer is not None:
            self._timer.cancel()
        if self._transport is not None:
            self._transport.close()
