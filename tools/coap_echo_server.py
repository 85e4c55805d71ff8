"""A CoAP echo server on our CPython driver, for interop tests and the benchmark.

Resources: see tools/coap_echo_resources.py (the MicroPython test peer serves the same).
Usage: python tools/coap_echo_server.py --port PORT [--host 127.0.0.1] [--amplification-factor N]
Prints "listening on HOST PORT" once bound (port 0 picks a free one).
"""

import argparse
import asyncio
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# tools/ too: the tests load this file by its path, not as a script.
sys.path[:0] = [os.path.join(ROOT, "common"), os.path.join(ROOT, "cpython"),
                os.path.join(ROOT, "tools")]

from coap_echo_resources import EchoResources  # noqa: E402
from mxcoap.coap import TransmissionParams  # noqa: E402
from mxcoap_host.coap_udp import CoapUdpEndpoint  # noqa: E402


class EchoServer(EchoResources):
    async def start(self, host, port, params=None):
        self.endpoint = await CoapUdpEndpoint.create(host, port, params=params,
                                                     handler=self.handle)
        return self.endpoint

    def close(self):
        self.close_tasks()
        if self.endpoint is not None:
            self.endpoint.close()


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
