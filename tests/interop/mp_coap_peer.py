"""Our MicroPython CoAP driver (micropython/mxcoap_edge/coap_udp.py) as a test peer; runs under
the MicroPython unix port with MICROPYPATH=common:micropython:tools (coap_support.MP_ENV).

  mp_coap_peer.py client PORT LOCAL_PORT [LOCAL_PORT2 SILENT_PORT]: exchanges with the echo
      server at 127.0.0.1:PORT and prints one line per result, "RESULT name code payload_hex",
      then "DONE"; with SILENT_PORT, also a request that must time out (retransmissions driven
      by the timer task) from a second endpoint on LOCAL_PORT2
  mp_coap_peer.py libcoap PORT LOCAL_PORT: the same kind of lines for exchanges with libcoap's
      coap-server-notls (-d) at 127.0.0.1:PORT
  mp_coap_peer.py server PORT: serves the resources of tools/coap_echo_resources.py, and /slow
      and /stop, on 127.0.0.1:PORT; prints "listening on 127.0.0.1 PORT"; stops after its idle
      time or on a request to /stop
"""

import asyncio
import sys
from binascii import hexlify

from coap_echo_resources import EchoResources
from mxcoap.coap import (
    CONTENT,
    DELETE,
    DELETED,
    GET,
    OBSERVE,
    POST,
    PUT,
    Message,
    RequestTimeout,
    TransmissionParams,
)
from mxcoap_edge.coap_udp import CoapUdpEndpoint, resolve

IDLE_LIMIT_MS = 60000


def req(code, path, payload=b"", query=None):
    m = Message(code=code, payload=payload)
    m.set_uri_path(path)
    if query:
        m.set_uri_query(query)
    return m


def show(name, value):
    if isinstance(value, Message):
        print("RESULT", name, value.code, hexlify(value.payload).decode())
    else:
        print("RESULT", name, 0, hexlify(str(value).encode()).decode())


async def client(port, local_port, local2=None, silent=None):
    ep = await CoapUdpEndpoint.create("127.0.0.1", local_port)
    server = resolve("127.0.0.1", port)
    body = bytes(i * 7 % 256 for i in range(5000))
    query = ["k{:02d}={}".format(i, "v" * 40) for i in range(8)]
    steps = [
        ("get", req(GET, "/echo")),
        ("post", req(POST, "/echo", b"posted")),
        ("put", req(PUT, "/echo", b"put value")),
        ("get2", req(GET, "/echo")),
        ("delete", req(DELETE, "/echo")),
        ("get3", req(GET, "/echo")),
        ("large_get", req(GET, "/large")),
        ("large_put", req(PUT, "/large", body)),
        ("large_echo", req(POST, "/echo", body)),
        ("query", req(GET, "/q", query=query)),
    ]
    try:
        for name, message in steps:
            show(name, await ep.request(message, server, timeout=10))
        obs = ep.observe(req(GET, "/obs"), server)
        for i in range(3):
            r = await obs.next(timeout=5)
            show("obs" + str(i), r)
            print("OBSERVE", i, r.opt_uint(OBSERVE))
        obs.cancel()
        rtt = await ep.ping(server, timeout=5)
        show("ping", "pong" if rtt >= 0 else "bad")
        if silent:
            params = TransmissionParams(ack_timeout=0.05, max_retransmit=2)
            fast = await CoapUdpEndpoint.create("127.0.0.1", local2, params=params)
            try:
                await fast.request(req(GET, "/x"), resolve("127.0.0.1", silent), timeout=10)
                show("timeout", "answered")
            except RequestTimeout:
                show("timeout", "RequestTimeout")
            finally:
                fast.close()
    finally:
        ep.close()
    print("DONE")


async def libcoap(port, local_port):
    ep = await CoapUdpEndpoint.create("127.0.0.1", local_port)
    server = resolve("127.0.0.1", port)
    body = bytes(i * 7 % 256 for i in range(5000))
    steps = [
        ("index", req(GET, "/")),
        ("put", req(PUT, "/example_data", body)),
        ("get", req(GET, "/example_data")),
        ("post", req(POST, "/mp", b"posted")),
        ("get_posted", req(GET, "/mp")),
        ("delete", req(DELETE, "/mp")),
        ("gone", req(GET, "/mp")),
    ]
    try:
        for name, message in steps:
            show(name, await ep.request(message, server, timeout=10))
        obs = ep.observe(req(GET, "/time"), server)
        for i in range(2):
            r = await obs.next(timeout=5)
            print("OBSERVE", i, r.code, r.opt_uint(OBSERVE))
        obs.cancel()
        rtt = await ep.ping(server, timeout=5)
        show("ping", "pong" if rtt >= 0 else "bad")
    finally:
        ep.close()
    print("DONE")


async def serve_extra(echo, request):
    """Beside tools/coap_echo_resources.py: /slow and /stop, for the driver tests."""
    if request.path == "/slow":
        await asyncio.sleep_ms(1500)  # past separate_delay: empty ACK, then a separate CON
        return Message(code=CONTENT, payload=b"slow")
    if request.path == "/stop":
        echo.stop.set()
        return Message(code=DELETED)
    return None


async def server(port):
    echo = EchoResources()
    echo.stop = asyncio.Event()
    echo.extra = lambda request: serve_extra(echo, request)
    echo.endpoint = await CoapUdpEndpoint.create("127.0.0.1", port, handler=echo.handle)
    print("listening on 127.0.0.1", port)
    try:
        await asyncio.wait_for_ms(echo.stop.wait(), IDLE_LIMIT_MS)
    except asyncio.TimeoutError:  # noqa: UP041 (MicroPython has no builtin TimeoutError)
        pass
    await asyncio.sleep_ms(100)  # let the answer to /stop go out
    echo.close_tasks()
    echo.endpoint.close()
    print("stopped")


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "client":
        extra = [int(a) for a in sys.argv[3:6]]
        asyncio.run(client(port, *extra))
    elif mode == "libcoap":
        asyncio.run(libcoap(port, int(sys.argv[3])))
    else:
        asyncio.run(server(port))


main()
