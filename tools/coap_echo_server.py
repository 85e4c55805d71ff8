"""A CoAP echo server on our CPython driver, for interop tests and the benchmark.

Resources:
  /echo   GET: the stored value; POST/PUT: store the payload and echo it (2.04);
          DELETE: clear it (2.02)
  /large  GET: a 5120-byte body (Block2); POST/PUT: 2.04 with "<length> <sha256 hex>" of the body
  /obs    GET with Observe=0: "obs 0", then a notification "obs N" every 0.2 s (RFC 7641);
          /obs?period=S another period (0.05 to 60 s)
  /q      GET: the Uri-Query options joined with "&"
Usage: python tools/coap_echo_server.py --port PORT [--host 127.0.0.1] [--amplification-factor N]
Prints "listening on HOST PORT" once bound (port 0 picks a free one).
"""

import argparse
import asyncio
import hashlib
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "common"), os.path.join(ROOT, "cpython")]

from mxcoap.coap import (  # noqa: E402
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
    TransmissionParams,
)
from mxcoap_host.coap_udp import CoapUdpEndpoint  # noqa: E402

LARGE_BODY = b"".join(b"line %04d of the large body\n" % i for i in range(183))[:5120]
INITIAL_VALUE = b"hello"
OBSERVE_PERIOD = 0.2
TEXT_PLAIN = b""  # Content-Format 0 (text/plain; charset=utf-8) as a minimal uint


def text(code, payload):
    return Message(code=code, options=[(CONTENT_FORMAT, TEXT_PLAIN)], payload=payload)


class EchoServer:
    def __init__(self):
        self.value = INITIAL_VALUE
        self.endpoint = None
        self.tasks = set()

    async def start(self, host, port, params=None):
        self.endpoint = await CoapUdpEndpoint.create(host, port, params=params,
                                                     handler=self.handle)
        return self.endpoint

    def close(self):
        for task in list(self.tasks):
            task.cancel()
        if self.endpoint is not None:
            self.endpoint.close()

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
                digest = hashlib.sha256(request.payload).hexdigest()
                return text(CHANGED, b"%d %s" % (len(request.payload), digest.encode()))
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
                    task = asyncio.create_task(self.notify_loop(observer, period))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                return text(CONTENT, b"obs 0")
        else:
            return Message(code=NOT_FOUND)
        return Message(code=METHOD_NOT_ALLOWED)

    async def notify_loop(self, observer, period):
        n = 0
        while True:
            await asyncio.sleep(period)
            n += 1
            if not observer.notify(text(CONTENT, b"obs %d" % n)):
                return


async def serve(host, port, params=None):
    server = EchoServer()
    ep = await server.start(host, port, params)
    print("listening on", ep.address[0], ep.port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--amplification-factor", type=int, default=None,
                        help="RFC 9175 §2.4 limit for unverified peers (0: off)")
    args = parser.parse_args(argv)
    params = None
    if args.amplification_factor is not None:
        params = TransmissionParams(amplification_factor=args.amplification_factor)
    asyncio.run(serve(args.host, args.port, params))


if __name__ == "__main__":
    main()
