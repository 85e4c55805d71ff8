"""The resources of our CoAP echo server, portable: served by tools/coap_echo_server.py on the
CPython driver and by tests/interop/mp_coap_peer.py on the MicroPython one, so both drivers are
tested against the same answers.

  /echo   GET: the stored value; POST/PUT: store the payload and echo it (2.04);
          DELETE: clear it (2.02)
  /large  GET: a 5120-byte body (Block2); POST/PUT: 2.04 with "<length> <sha256 hex>" of the body
  /obs    GET with Observe=0: "obs 0", then a notification "obs N" every 0.2 s (RFC 7641);
          /obs?period=S another period (0.05 to 60 s)
  /q      GET: the Uri-Query options joined with "&"
"""

import asyncio
from binascii import hexlify
from hashlib import sha256

from mxcoap.coap import (
    CHANGED,
    CONTENT,
    CONTENT_FORMAT,
    DELETE,
    DELETED,
    GET,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    OBSERVE,
    POST,
    PUT,
    Message,
)

LARGE_BODY = b"".join(b"line %04d of the large body\n" % i for i in range(183))[:5120]
INITIAL_VALUE = b"hello"
OBSERVE_PERIOD = 0.2
TEXT_PLAIN = b""  # Content-Format 0 (text/plain; charset=utf-8) as a minimal uint


def text(code, payload):
    return Message(code=code, options=[(CONTENT_FORMAT, TEXT_PLAIN)], payload=payload)


class EchoResources:
    """`handle` is the endpoint's handler; set `endpoint` before the first /obs request.
    A subclass adds resources by overriding `extra(request)` (None: not found)."""

    def __init__(self):
        self.value = INITIAL_VALUE
        self.endpoint = None
        self.tasks = {}  # number -> running notification task (each removes itself when done)
        self._task_number = 0

    def close_tasks(self):
        for task in list(self.tasks.values()):
            task.cancel()

    async def extra(self, request):
        return None

    async def handle(self, request, addr):
        path, code = request.path, request.code
        if path == "/echo":
            if code == GET:
                return text(CONTENT, self.value)
            if code in (POST, PUT):
                self.value = request.payload
                return text(CHANGED, request.payload)
            if code == DELETE:
                self.value = b""
                return Message(code=DELETED)
        elif path == "/large":
            if code == GET:
                return text(CONTENT, LARGE_BODY)
            if code in (POST, PUT):
                digest = hexlify(sha256(request.payload).digest())
                return text(CHANGED, b"%d %s" % (len(request.payload), digest))
        elif path == "/q":
            if code == GET:
                return text(CONTENT, "&".join(request.uri_query).encode())
        elif path == "/obs":
            if code == GET:
                if request.opt(OBSERVE) is not None and request.opt_uint(OBSERVE) == 0:
                    observer = self.endpoint.observer(request)
                    period = OBSERVE_PERIOD
                    for q in request.uri_query:
                        if q.startswith("period="):
                            period = min(max(float(q[7:]), 0.05), 60.0)
                    self._task_number += 1
                    key = self._task_number
                    self.tasks[key] = asyncio.create_task(self.notify_loop(observer, period, key))
                return text(CONTENT, b"obs 0")
        else:
            response = await self.extra(request)
            return Message(code=NOT_FOUND) if response is None else response
        return Message(code=METHOD_NOT_ALLOWED)

    async def notify_loop(self, observer, period, key):
        n = 0
        try:
            while True:
                await asyncio.sleep(period)
                n += 1
                if not observer.notify(text(CONTENT, b"obs %d" % n)):
                    return
        finally:
            self.tasks.pop(key, None)
