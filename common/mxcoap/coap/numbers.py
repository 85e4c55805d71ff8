"""CoAP protocol numbers: message types, codes and options, each with its registry and RFC.

Codes are ints, class * 32 + detail (RFC 7252 §3: "c.dd"). Option properties follow from the
number itself (RFC 7252 §5.4.6): bit 0 critical, bit 1 unsafe, bits 2-4 == 0b111 NoCacheKey.
"""

from mxcoap.compat import const

# Message types (RFC 7252 §3, §4).
CON = const(0)
NON = const(1)
ACK = const(2)
RST = const(3)
TYPE_NAMES = ("CON", "NON", "ACK", "RST")

# Method codes (IANA "CoAP Method Codes": RFC 7252 §12.1.1, RFC 8132 §2-3).
EMPTY = const(0)
GET = const(1)
POST = const(2)
PUT = const(3)
DELETE = const(4)
FETCH = const(5)  # RFC 8132
PATCH = const(6)  # RFC 8132
iPATCH = const(7)  # RFC 8132

# Response codes (IANA "CoAP Response Codes": RFC 7252 §12.1.2, RFC 7959 §2.9, RFC 8132 §5,
# RFC 8516, RFC 8768).
CREATED = const(65)  # 2.01
DELETED = const(66)  # 2.02
VALID = const(67)  # 2.03
CHANGED = const(68)  # 2.04
CONTENT = const(69)  # 2.05
CONTINUE = const(95)  # 2.31, RFC 7959 §2.9.1
BAD_REQUEST = const(128)  # 4.00
UNAUTHORIZED = const(129)  # 4.01
BAD_OPTION = const(130)  # 4.02
FORBIDDEN = const(131)  # 4.03
NOT_FOUND = const(132)  # 4.04
METHOD_NOT_ALLOWED = const(133)  # 4.05
NOT_ACCEPTABLE = const(134)  # 4.06
REQUEST_ENTITY_INCOMPLETE = const(136)  # 4.08, RFC 7959 §2.9.2
CONFLICT = const(137)  # 4.09, RFC 8132 §5
PRECONDITION_FAILED = const(140)  # 4.12
REQUEST_ENTITY_TOO_LARGE = const(141)  # 4.13, RFC 7959 §2.9.3
UNSUPPORTED_CONTENT_FORMAT = const(143)  # 4.15
UNPROCESSABLE_ENTITY = const(150)  # 4.22, RFC 8132 §5
TOO_MANY_REQUESTS = const(157)  # 4.29, RFC 8516
INTERNAL_SERVER_ERROR = const(160)  # 5.00
NOT_IMPLEMENTED = const(161)  # 5.01
BAD_GATEWAY = const(162)  # 5.02
SERVICE_UNAVAILABLE = const(163)  # 5.03
GATEWAY_TIMEOUT = const(164)  # 5.04
PROXYING_NOT_SUPPORTED = const(165)  # 5.05
HOP_LIMIT_REACHED = const(168)  # 5.08, RFC 8768

# Option numbers (IANA "CoAP Option Numbers").
IF_MATCH = const(1)  # RFC 7252 §5.10.8.1
URI_HOST = const(3)  # RFC 7252 §5.10.1
ETAG = const(4)  # RFC 7252 §5.10.6
IF_NONE_MATCH = const(5)  # RFC 7252 §5.10.8.2
OBSERVE = const(6)  # RFC 7641 §2
URI_PORT = const(7)  # RFC 7252 §5.10.1
LOCATION_PATH = const(8)  # RFC 7252 §5.10.7
OSCORE = const(9)  # RFC 8613 §2
URI_PATH = const(11)  # RFC 7252 §5.10.1
CONTENT_FORMAT = const(12)  # RFC 7252 §5.10.3
MAX_AGE = const(14)  # RFC 7252 §5.10.5
URI_QUERY = const(15)  # RFC 7252 §5.10.1
HOP_LIMIT = const(16)  # RFC 8768 §3
ACCEPT = const(17)  # RFC 7252 §5.10.4
Q_BLOCK1 = const(19)  # RFC 9177 §4
LOCATION_QUERY = const(20)  # RFC 7252 §5.10.7
EDHOC = const(21)  # RFC 9668 §3.1
BLOCK2 = const(23)  # RFC 7959 §2.1
BLOCK1 = const(27)  # RFC 7959 §2.1
SIZE2 = const(28)  # RFC 7959 §4
Q_BLOCK2 = const(31)  # RFC 9177 §4
PROXY_URI = const(35)  # RFC 7252 §5.10.2
PROXY_SCHEME = const(39)  # RFC 7252 §5.10.2
SIZE1 = const(60)  # RFC 7252 §5.10.9, RFC 7959 §4
ECHO = const(252)  # RFC 9175 §2.2.1
NO_RESPONSE = const(258)  # RFC 7967 §2
REQUEST_TAG = const(292)  # RFC 9175 §3.2.1


class OptionSpec:
    """One row of the option registry: format and value length bounds (RFC 7252 §5.10 table)."""

    def __init__(self, name, fmt, min_len, max_len, repeatable):
        self.name = name
        self.fmt = fmt  # "empty", "opaque", "uint" or "string" (RFC 7252 §3.2)
        self.min_len = min_len
        self.max_len = max_len
        self.repeatable = repeatable


# number -> OptionSpec. Explicit table (MicroPython dicts are unordered; only lookups are done).
OPTIONS = {
    IF_MATCH: OptionSpec("If-Match", "opaque", 0, 8, True),
    URI_HOST: OptionSpec("Uri-Host", "string", 1, 255, False),
    ETAG: OptionSpec("ETag", "opaque", 1, 8, True),  # repeatable in requests (§5.10.6.2)
    IF_NONE_MATCH: OptionSpec("If-None-Match", "empty", 0, 0, False),
    OBSERVE: OptionSpec("Observe", "uint", 0, 3, False),
    URI_PORT: OptionSpec("Uri-Port", "uint", 0, 2, False),
    LOCATION_PATH: OptionSpec("Location-Path", "string", 0, 255, True),
    OSCORE: OptionSpec("OSCORE", "opaque", 0, 255, False),
    URI_PATH: OptionSpec("Uri-Path", "string", 0, 255, True),
    CONTENT_FORMAT: OptionSpec("Content-Format", "uint", 0, 2, False),
    MAX_AGE: OptionSpec("Max-Age", "uint", 0, 4, False),
    URI_QUERY: OptionSpec("Uri-Query", "string", 0, 255, True),
    HOP_LIMIT: OptionSpec("Hop-Limit", "uint", 1, 1, False),
    ACCEPT: OptionSpec("Accept", "uint", 0, 2, False),
    Q_BLOCK1: OptionSpec("Q-Block1", "uint", 0, 3, False),
    LOCATION_QUERY: OptionSpec("Location-Query", "string", 0, 255, True),
    EDHOC: OptionSpec("EDHOC", "empty", 0, 0, False),
    BLOCK2: OptionSpec("Block2", "uint", 0, 3, False),
    BLOCK1: OptionSpec("Block1", "uint", 0, 3, False),
    SIZE2: OptionSpec("Size2", "uint", 0, 4, False),
    Q_BLOCK2: OptionSpec("Q-Block2", "uint", 0, 3, False),
    PROXY_URI: OptionSpec("Proxy-Uri", "string", 1, 1034, False),
    PROXY_SCHEME: OptionSpec("Proxy-Scheme", "string", 1, 255, False),
    SIZE1: OptionSpec("Size1", "uint", 0, 4, False),
    ECHO: OptionSpec("Echo", "opaque", 1, 40, False),
    NO_RESPONSE: OptionSpec("No-Response", "uint", 0, 1, False),
    REQUEST_TAG: OptionSpec("Request-Tag", "opaque", 0, 8, True),
}

# Options this core understands and acts on; any other critical option in a request is answered
# with 4.02 Bad Option (RFC 7252 §5.4.1) unless the application declares it
# (Endpoint.known_options).
KNOWN_OPTIONS = (
    IF_MATCH, URI_HOST, ETAG, IF_NONE_MATCH, OBSERVE, URI_PORT, LOCATION_PATH, URI_PATH,
    CONTENT_FORMAT, MAX_AGE, URI_QUERY, HOP_LIMIT, ACCEPT, LOCATION_QUERY, BLOCK2, BLOCK1, SIZE2,
    PROXY_URI, PROXY_SCHEME, SIZE1, ECHO, NO_RESPONSE, REQUEST_TAG,
)


def option_is_critical(number):
    """RFC 7252 §5.4.6: odd numbers are critical."""
    return bool(number & 1)


def option_is_unsafe(number):
    """RFC 7252 §5.4.6: bit 1 set means unsafe to forward."""
    return bool(number & 2)


def option_is_no_cache_key(number):
    """RFC 7252 §5.4.6: NoCacheKey when bits 2-4 are all set (only meaningful for safe options)."""
    return (number & 0x1E) == 0x1C


def option_name(number):
    spec = OPTIONS.get(number)
    return spec.name if spec is not None else "Option" + str(number)


def code_str(code):
    """The "c.dd" form of a code (RFC 7252 §3): 69 -> "2.05"."""
    detail = code & 31
    return str(code >> 5) + "." + ("0" if detail < 10 else "") + str(detail)


def is_request(code):
    """Codes 0.01-0.31 are requests (RFC 7252 §12.1)."""
    return 1 <= code <= 31


def is_response(code):
    """Classes 2-5 are responses (RFC 7252 §12.1); classes 1, 6 and 7 are reserved."""
    return 64 <= code <= 191


_CODE_NAMES = {
    0: "EMPTY", 1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 5: "FETCH", 6: "PATCH", 7: "iPATCH",
}


def code_name(code):
    name = _CODE_NAMES.get(code)
    return name if name is not None else code_str(code)
