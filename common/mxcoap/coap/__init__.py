"""CoAP (RFC 7252) for mxcoap, sans-IO: messages, an endpoint with CoCoA retransmission,
blockwise transfer (RFC 7959), Echo and Request-Tag (RFC 9175). See API.md beside this file."""

from mxcoap.coap.client import ClientRequest  # noqa: F401
from mxcoap.coap.endpoint import Endpoint, Ping  # noqa: F401
from mxcoap.coap.errors import (  # noqa: F401
    BadOption,
    BlockwiseError,
    CoapError,
    CoapUsageError,
    LimitExceeded,
    MessageFormatError,
    RequestTimeout,
    ResetReceived,
)
from mxcoap.coap.events import Pong, RequestFailed, RequestReceived, ResponseReceived  # noqa: F401
from mxcoap.coap.message import Message  # noqa: F401
from mxcoap.coap.numbers import *  # noqa: F401,F403
from mxcoap.coap.options import (  # noqa: F401
    decode_block,
    decode_uint,
    encode_block,
    encode_uint,
    size_to_szx,
    szx_to_size,
)
from mxcoap.coap.params import TransmissionParams  # noqa: F401
from mxcoap.coap.server import ServerExchange  # noqa: F401
