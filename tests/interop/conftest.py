"""Fixtures for the CoAP interop tests: our echo server and the aiocoap server as real processes
on 127.0.0.1, each on a free port, each stopped at the end of the test."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # coap_support, for the test modules
from coap_support import ROOT, free_udp_ports, stop_process  # noqa: E402

PYTHON = sys.executable
STARTUP_TIMEOUT = 20.0


class Server:
    """A server process that prints "listening on HOST PORT" once it is ready."""

    def __init__(self, argv):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, cwd=ROOT, env=env)
        self.port = None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("listening on"):
                self.port = int(line.split()[-1])
                return
        self.stop()
        raise RuntimeError(f"server did not start: {argv!r}\n" + "".join(lines))

    def stop(self):
        stop_process(self.proc)
        self.proc.stdout.close()


def our_server_process(*args):
    return Server([PYTHON, str(ROOT / "tools/coap_echo_server.py"), "--port", "0", *args])


@pytest.fixture
def our_server():
    """tools/coap_echo_server.py (our CPython driver) with the core's default parameters, on a
    port it picks itself."""
    server = our_server_process()
    yield server
    server.stop()


@pytest.fixture
def our_server_without_echo():
    """The same without the RFC 9175 §2.4 amplification limit, for clients that cannot answer
    an Echo challenge (aiocoap 0.4.17 has no client-side Echo retry)."""
    server = our_server_process("--amplification-factor", "0")
    yield server
    server.stop()


@pytest.fixture
def aiocoap_server():
    """tests/interop/aiocoap_server.py: the same resources served by aiocoap."""
    (port,) = free_udp_ports(1)
    server = Server([PYTHON, str(ROOT / "tests/interop/aiocoap_server.py"), "--port", str(port)])
    yield server
    server.stop()
