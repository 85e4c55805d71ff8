"""Protocol numbers of the Matrix mapping: private CoAP options, content formats, header codes.

Private option numbers come from the experimental range 65000-65535 (RFC 7252 §12.2). Their low
bits carry the option properties (RFC 7252 §5.4.6): bit 0 Critical, bit 1 UnSafe. Every option
here is end-to-end between two mxcoap peers, so those a receiver must understand are
critical+unsafe (n & 3 == 3); the acknowledgement list is elective (a peer that ignores it only
loses compression). Drivers pass MATRIX_OPTIONS to the CoAP endpoint as known options so that
it does not answer them with 4.02 Bad Option (RFC 7252 §5.4.1).
"""

from mxcoap.compat import const

OPT_AUTH = const(65003)  # token: absent = slot 0, b"" none, [slot] ref, [slot]+token def
OPT_HEADER = const(65007)  # one HTTP header: [code] + value, or "Name: value" verbatim
OPT_STATUS = const(65011)  # exact HTTP status (uint) when the CoAP code cannot say it
OPT_DEFLATE = const(65015)  # empty: the payload is raw DEFLATE with the map set's dictionary
OPT_ACK = const(65018)  # elective: response history entries the edge holds (CBOR uints)
OPT_HISTORY = const(65019)  # response history: entry number [, distance to the base] (CBOR uints)
OPT_METHOD = const(65023)  # an HTTP method that has no CoAP code (the code is then 0.02)
OPT_ERROR = const(65027)  # a proxy-made error: [reason] (errors.REASON_*), not an HTTP answer
OPT_MAPS = const(65031)  # empty: encoded with the first map set of the hello's offer (first flight)

MATRIX_OPTIONS = (OPT_AUTH, OPT_HEADER, OPT_STATUS, OPT_DEFLATE, OPT_ACK, OPT_HISTORY, OPT_METHOD,
                  OPT_ERROR, OPT_MAPS)

# CoAP Content-Format numbers (IANA "CoAP Content-Formats" registry, RFC 7252 §12.3), keyed by
# the exact HTTP Content-Type string they stand for. Any other string rides in Mx-Header.
CONTENT_FORMATS = {
    "text/plain; charset=utf-8": 0,
    "image/gif": 21,
    "image/jpeg": 22,
    "image/png": 23,
    "application/link-format": 40,
    "application/xml": 41,
    "application/octet-stream": 42,
    "application/json": 50,
    "application/cbor": 60,
    "text/css": 20000,
    "image/svg+xml": 30000,
}
CF_JSON = const(50)
CONTENT_TYPE_JSON = "application/json"

# Mx-Header codes: the first byte of the option value. A value whose first byte is 0x20 or more is
# a verbatim "Name: value" header (header names are tokens, so they start with a letter).
HDR_NO_CONTENT_TYPE = const(0)  # a body without any Content-Type, carried raw
HDR_CONTENT_TYPE = const(1)
HDR_RETRY_AFTER = const(2)
HDR_LOCATION = const(3)
HDR_CONTENT_DISPOSITION = const(4)
HDR_AUTHORIZATION = const(5)  # an Authorization that is not exactly "Bearer <token>" (X-Matrix)
HEADER_NAMES = {
    HDR_CONTENT_TYPE: "Content-Type",
    HDR_RETRY_AFTER: "Retry-After",
    HDR_LOCATION: "Location",
    HDR_CONTENT_DISPOSITION: "Content-Disposition",
    HDR_AUTHORIZATION: "Authorization",
}

# HTTP methods with a CoAP method code (RFC 7252 §12.1.1, RFC 8132 §2 for PATCH).
METHOD_CODES = {"GET": 1, "POST": 2, "PUT": 3, "DELETE": 4, "PATCH": 6}
CODE_METHODS = {1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 6: "PATCH"}
