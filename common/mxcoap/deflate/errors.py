"""The deflate error tree: every failure of the decoder is a DeflateError (never IndexError)."""


class DeflateError(Exception):
    """Base class; `reason` says what was wrong with the stream (or the output bound)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class TruncatedError(DeflateError):
    """The stream ended before its final block did (RFC 1951 §3.2.3: BFINAL)."""


class InvalidStreamError(DeflateError):
    """Bytes that no conforming compressor emits: bad block type, LEN/NLEN, code tables,
    symbols, distances, or data after the final block."""


class OutputLimitError(DeflateError):
    """The output would exceed max_size (a decompression bomb); `limit` holds the bound."""

    def __init__(self, reason, limit):
        super().__init__(reason)
        self.limit = limit
