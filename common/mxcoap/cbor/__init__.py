"""CBOR (RFC 8949) for mxcoap: deterministic encoder, hardened decoder, both interpreters.

dumps(obj) -> bytes and loads(data) -> obj; docs/protocol.md (Part 5) has the profile and limits.
"""

from mxcoap.cbor.decode import loads
from mxcoap.cbor.encode import dumps
from mxcoap.cbor.values import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_SIZE,
    UNDEFINED,
    CBORDecodeError,
    CBOREncodeError,
    CBORError,
    Simple,
    Tag,
)

__all__ = [
    "dumps",
    "loads",
    "CBORError",
    "CBOREncodeError",
    "CBORDecodeError",
    "Tag",
    "Simple",
    "UNDEFINED",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_SIZE",
]
