"""Shared by the CoAP driver and interop tests (tests/host/test_coap_udp*.py, tests/interop):
what the echo resources must answer, request building, free ports, process clean-up.

The expected bodies are written here independently of tools/coap_echo_resources.py, so that a
server that serves the wrong bytes fails the tests."""

import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from mxcoap.coap import CHANGED, CONTENT, DELETE, DELETED, GET, POST, PUT, Message

ROOT = Path(__file__).resolve().parents[2]
LARGE_BODY = b"".join(b"line %04d of the large body\n" % i for i in range(183))[:5120]
BODY = bytes(i * 7 % 256 for i in range(5000))  # uploaded: every byte value, 5 blocks of 1024
QUERY = [f"k{i:02d}={'v' * 40}" for i in range(8)]  # 8 Uri-Query options, 351 bytes joined

# Our MicroPython driver as a peer process: the interpreter beside this one, and the path for
# tests/interop/mp_coap_peer.py (it serves the resources of tools/coap_echo_resources.py).
MICROPYTHON = Path(sys.executable).parent / "micropython"
MP_PEER = ROOT / "tests/interop/mp_coap_peer.py"
MP_ENV = dict(os.environ, MICROPYPATH=":".join(
    [".frozen", str(ROOT / "common"), str(ROOT / "micropython"), str(ROOT / "tools")]))


def digest_reply(body):
    """What /large answers to a POST or PUT of `body`."""
    return b"%d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())


def req(code, path, payload=b"", query=()):
    m = Message(code=code, payload=payload)
    m.set_uri_path(path)
    if query:
        m.set_uri_query(list(query))
    return m


async def check_echo_resources(call):
    """The /echo, /large and /q exchanges against a server of the echo resources (ours on either
    driver, or tests/interop/aiocoap_server.py); call(message) -> response."""
    r = await call(req(GET, "/echo"))
    assert (r.code, r.payload) == (CONTENT, b"hello")
    r = await call(req(POST, "/echo", b"posted"))
    assert (r.code, r.payload) == (CHANGED, b"posted")
    r = await call(req(PUT, "/echo", b"put value"))
    assert (r.code, r.payload) == (CHANGED, b"put value")
    r = await call(req(GET, "/echo"))
    assert r.payload == b"put value"
    r = await call(req(DELETE, "/echo"))
    assert r.code == DELETED
    r = await call(req(GET, "/echo"))
    assert (r.code, r.payload) == (CONTENT, b"")
    r = await call(req(GET, "/large"))
    assert (r.code, r.payload) == (CONTENT, LARGE_BODY)
    r = await call(req(PUT, "/large", BODY))
    assert (r.code, r.payload) == (CHANGED, digest_reply(BODY))
    r = await call(req(POST, "/echo", BODY))
    assert (r.code, r.payload) == (CHANGED, BODY)
    r = await call(req(GET, "/q", query=QUERY))
    assert (r.code, r.payload) == (CONTENT, "&".join(QUERY).encode())


def free_udp_ports(n=1):
    """n distinct free UDP ports on 127.0.0.1 (held together while chosen)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def stop_process(proc, sig=None):
    """SIGTERM (or `sig`), then SIGKILL after 5 s; always reaped."""
    if proc.poll() is None:
        if sig is None:
            proc.terminate()
        else:
            proc.send_signal(sig)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def load_echo_server():
    """tools/coap_echo_server.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("coap_echo_server",
                                                  ROOT / "tools/coap_echo_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Received:
    """`with Received(ep) as seen:` the datagrams our endpoint `ep` receives, decoded, in order."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.messages = []

    def __enter__(self):
        original = self.endpoint.datagram_received

        def spy(data, addr):
            self.messages.append(Message.decode(data))
            original(data, addr)

        self.endpoint.datagram_received = spy
        return self.messages

    def __exit__(self, *exc):
        del self.endpoint.datagram_received  # the class's method again


def libcoap_tool(name):
    """Path of a libcoap example program; a test that needs one fails (never skips) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package libcoap3-bin "
                    "(apt-get install -y libcoap3-bin; `make setup` does it)")
    return path
