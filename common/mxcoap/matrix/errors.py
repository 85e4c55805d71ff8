"""The error tree of the Matrix mapping (one base class, single inheritance).

`MatrixEncodeError` is local: this side could not compact something; callers fall back to the
verbatim form, so it never reaches the peer. `MatrixDecodeError` means the peer sent bytes this
side cannot read; it carries the HTTP status a proxy answers with (400 unless set otherwise) and a
`reason` code that rides in the Mx-Error option (docs/protocol.md (Part 3)).
"""

# Mx-Error reason codes (docs/protocol.md (Part 3), "Errors").
REASON_MALFORMED = 1  # a compact form that does not parse
REASON_UNKNOWN_REFERENCE = 2  # an interned reference or token slot this side never learned
REASON_UNKNOWN_CODE = 3  # a route, key, value or server index outside the agreed map set
REASON_MAP_UNKNOWN = 4  # Mx-Maps names a map set this side does not hold (first flight)


class MatrixError(Exception):
    """Base of every error of mxcoap.matrix."""

    def __init__(self, message, status=400, reason=REASON_MALFORMED):
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason


class MatrixEncodeError(MatrixError):
    """A value this side cannot put in compact form (the caller carries it verbatim)."""


class MatrixDecodeError(MatrixError):
    """The peer's compact message is malformed or refers to something unknown."""


class UnknownReference(MatrixDecodeError):
    """An interned reference or token slot that was never defined in this session."""

    def __init__(self, message):
        super().__init__(message, 400, REASON_UNKNOWN_REFERENCE)


class PeerLostState(MatrixError):
    """The peer answered that it does not hold a value we referred to.

    The session has forgotten every confirmation; re-encoding the same request sends full values,
    and the peer did not forward the first attempt, so resending is safe.
    """

    def __init__(self, message):
        super().__init__(message, 502, REASON_UNKNOWN_REFERENCE)


class MapError(MatrixError):
    """A map set file that is malformed or breaks a table limit."""

    def __init__(self, message):
        super().__init__(message, 500, REASON_UNKNOWN_CODE)


class MapUnknown(MatrixDecodeError):
    """A request encoded with the offer's first map set (Mx-Maps), which this side does not hold.

    The host answers Mx-Error 4 without forwarding anything; the edge sends the request again,
    encoded with the agreed set (docs/protocol.md (Part 4), "First flight")."""

    def __init__(self, message):
        super().__init__(message, 400, REASON_MAP_UNKNOWN)


class MapRetry(MatrixError):
    """The peer did not hold the map set the request was encoded with (edge side).

    The session now encodes with the agreed set; re-encode the same request and send it once
    more: the peer did not forward the first attempt."""

    def __init__(self, message):
        super().__init__(message, 502, REASON_MAP_UNKNOWN)
