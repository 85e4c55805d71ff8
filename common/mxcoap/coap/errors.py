"""The CoAP error tree: one base, single inheritance, attributes set in __init__.

Remote errors carry `code`, the CoAP response code to answer with (None when the answer is an RST
or silence rather than a response).
"""


class CoapError(Exception):
    """Base of every error raised by mxcoap.coap."""

    def __init__(self, message="", code=None):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


class MessageFormatError(CoapError):
    """The peer sent bytes that are not a CoAP message (RFC 7252 §3, §4.2, §4.3).

    `mid` and `mtype` are set when the 4-byte header could be read, so that a CON can be
    rejected with an RST carrying its Message ID.
    """

    def __init__(self, message, mid=None, mtype=None):
        super().__init__(message, None)
        self.mid = mid
        self.mtype = mtype


class BadOption(CoapError):
    """An unrecognised critical option or a malformed option value (RFC 7252 §5.4.1): 4.02."""

    def __init__(self, message, number=None):
        super().__init__(message, 130)
        self.number = number


class RequestTimeout(CoapError):
    """No ACK or response after MAX_RETRANSMIT retransmissions (RFC 7252 §4.2)."""

    def __init__(self, message="request timed out"):
        super().__init__(message, 164)


class ResetReceived(CoapError):
    """The peer rejected our message with an RST (RFC 7252 §4.2)."""

    def __init__(self, message="reset by peer"):
        super().__init__(message, None)


class BlockwiseError(CoapError):
    """A blockwise transfer could not complete (RFC 7959): changed representation, bad sequence,
    body above the reassembly limit."""

    def __init__(self, message, code=None):
        super().__init__(message, code)


class LimitExceeded(CoapError):
    """A state table is full (exchanges per peer, peers, reassembly buffers): 5.03."""

    def __init__(self, message):
        super().__init__(message, 163)


class CoapUsageError(CoapError):
    """Local misuse of the API (unknown handle, answering twice); never caused by the peer."""

    def __init__(self, message):
        super().__init__(message, None)
