"""The resources of tools/coap_echo_server.py, served by aiocoap: the independent peer that our
client is tested against (tests/interop) and the reference for tools/bench_coap_udp.py.

Usage: python tests/interop/aiocoap_server.py --port PORT  (prints "listening on HOST PORT")
"""

import argparse
import asyncio
import hashlib
import signal

import aiocoap
import aiocoap.resource as resource
from aiocoap.numbers.contentformat import ContentFormat

LARGE_BODY = b"".join(b"line %04d of the large body\n" % i for i in range(183))[:5120]
OBSERVE_PERIOD = 0.2


def text(code, payload):
    return aiocoap.Message(code=code, payload=payload, content_format=ContentFormat.TEXT)


class Echo(resource.Resource):
    def __init__(self):
        super().__init__()
        self.value = b"hello"

    async def render_get(self, request):
        return text(aiocoap.CONTENT, self.value)

    async def render_post(self, request):
        self.value = request.payload
        return text(aiocoap.CHANGED, request.payload)

    render_put = render_post

    async def render_delete(self, request):
        self.value = b""
        return aiocoap.Message(code=aiocoap.DELETED)


class Large(resource.Resource):
    async def render_get(self, request):
        return text(aiocoap.CONTENT, LARGE_BODY)

    async def render_post(self, request):
        digest = hashlib.sha256(request.payload).hexdigest()
        return text(aiocoap.CHANGED, b"%d %s" % (len(request.payload), digest.encode()))

    render_put = render_post


class Query(resource.Resource):
    async def render_get(self, request):
        return text(aiocoap.CONTENT, "&".join(request.opt.uri_query).encode())


class Obs(resource.ObservableResource):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.task = None

    def update_observation_count(self, count):
        if count and self.task is None:
            self.task = asyncio.create_task(self.tick())
        elif not count and self.task is not None:
            self.task.cancel()
            self.task = None

    async def tick(self):
        while True:
            await asyncio.sleep(OBSERVE_PERIOD)
            self.n += 1
            self.updated_state()

    async def render_get(self, request):
        return text(aiocoap.CONTENT, b"obs %d" % self.n)


def site():
    root = resource.Site()
    root.add_resource(["echo"], Echo())
    root.add_resource(["large"], Large())
    root.add_resource(["q"], Query())
    root.add_resource(["obs"], Obs())
    return root


async def serve(host, port):
    ctx = await aiocoap.Context.create_server_context(site(), bind=(host, port))
    print("listening on", host, port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await ctx.shutdown()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
