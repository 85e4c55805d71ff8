"""HTTP status <-> CoAP response code, lossless for every status 100-999.

- 200 is 2.05 Content, the commonest answer (RFC 8075 §7 maps 200 to 2.05 for GET too).
- Any other 2xx, 4xx or 5xx whose last two digits are 0-31 maps to the CoAP code with the
  same class and detail (201 -> 2.01, 404 -> 4.04, 429 -> 4.29, 503 -> 5.03): one byte, no option.
- Statuses with no such code, and those whose code the CoAP layer acts on itself, travel as
  the class's fallback code (2.05, 4.00 or 5.00) plus the Mx-Status option holding the exact
  status: 1xx, 3xx (304 included), 205 (2.05 is 200), 231 (2.31 is Continue, RFC 7959 §2.9.1),
  408 and 413 (4.08 and 4.13 drive Block1, RFC 7959 §2.9.2-3), 432-499, 532-599, 600-999.
The reason phrase is not carried (HTTP/1.1 §4 of RFC 9112: clients should ignore it).
"""

from mxcoap.compat import const
from mxcoap.matrix.errors import MatrixDecodeError, MatrixEncodeError

_CONTENT = const(69)  # 2.05
_BAD_REQUEST = const(128)  # 4.00
_SERVER_ERROR = const(160)  # 5.00
_NOT_NATIVE = (205, 231, 408, 413)


def _code(cls, detail):
    return (cls << 5) | detail


def to_coap(status):
    """(CoAP code, exact status for Mx-Status or None)."""
    if not isinstance(status, int) or not 100 <= status <= 999:
        raise MatrixEncodeError("HTTP status outside 100-999: " + repr(status))
    if status == 200:
        return _CONTENT, None
    cls = status // 100
    detail = status % 100
    if cls in (2, 4, 5) and detail <= 31 and status not in _NOT_NATIVE:
        return _code(cls, detail), None
    if cls == 4:
        return _BAD_REQUEST, status
    if cls >= 5:
        return _SERVER_ERROR, status
    return _CONTENT, status


def from_coap(code, exact=None):
    """The HTTP status of a translated response (exact = the Mx-Status value, if any)."""
    if exact is not None:
        expected, _ = to_coap_fallback(exact)
        if expected != code:
            raise MatrixDecodeError("Mx-Status " + str(exact) + " with code " + str(code))
        return exact
    cls = code >> 5
    detail = code & 31
    if code == _CONTENT:
        return 200
    status = cls * 100 + detail
    if cls not in (2, 4, 5) or status in _NOT_NATIVE or status == 200:
        raise MatrixDecodeError("CoAP code " + str(cls) + "." + str(detail) + " is not a status")
    return status


def to_coap_fallback(status):
    """The code that must accompany an explicit Mx-Status (decoders check it)."""
    if not isinstance(status, int) or not 100 <= status <= 999:
        raise MatrixDecodeError("Mx-Status outside 100-999")
    code, exact = to_coap(status)
    if exact is None:
        raise MatrixDecodeError("Mx-Status for a status with a native code")
    return code, exact
