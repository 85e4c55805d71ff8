"""The forwarder's error (one class: what it carries says what happened)."""


class ForwardError(Exception):
    """A request the edge could not carry. `status`: the HTTP status to answer the client with
    (504 when the link gave no answer in time, 502 otherwise); `cause`: the CoAP, matrix or
    session error behind it, or None."""

    def __init__(self, message, status=502, cause=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.cause = cause
