"""The Matrix mapping: HTTP+JSON requests and responses <-> compact CoAP messages.

    session = Session(maps.builtin())            # one per secure session, on both peers
    msg, exchange = encode_request(http_request, session)        # edge
    http_request = decode_request(msg, session)                   # host
    msg = encode_response(http_response, session, http_request.route)   # host
    http_response = decode_response(msg, session, exchange)       # edge

Wire format: docs/protocol.md (Part 3).
"""

from mxcoap.matrix.errors import (  # noqa: F401
    MapError,
    MapRetry,
    MapUnknown,
    MatrixDecodeError,
    MatrixEncodeError,
    MatrixError,
    PeerLostState,
    UnknownReference,
)
from mxcoap.matrix.numbers import MATRIX_OPTIONS  # noqa: F401
from mxcoap.matrix.request import HttpRequest, decode_request, encode_request  # noqa: F401
from mxcoap.matrix.response import (  # noqa: F401
    HttpResponse,
    decode_response,
    encode_response,
    error_response,
    is_proxy_error,
)
from mxcoap.matrix.session import Session  # noqa: F401
