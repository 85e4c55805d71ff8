"""mxcoap: Matrix over CoAP+CBOR+DEFLATE+Noise, the portable core (CPython and MicroPython)."""

__version__ = "0.1.0"
