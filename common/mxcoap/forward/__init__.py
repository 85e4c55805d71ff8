"""The proxy pipeline written once (DESIGN.md, layer 8; docs/forward.md): an edge turns
HTTP requests into matrix-mapped CoAP over a secure session and the answers back, a host does
the reverse. Sans-IO: bytes, HTTP objects and `now` in; datagrams, events and timers out."""

from .edge import EdgeForwarder, EdgeRequest  # noqa: F401
from .errors import ForwardError  # noqa: F401
from .events import HttpRequestFailed, HttpRequestReady, HttpResponseReady, LogEvent  # noqa: F401
from .host import HostForwarder, HostRequest  # noqa: F401
