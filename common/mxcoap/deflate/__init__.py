"""Raw DEFLATE (RFC 1951) with preset dictionaries, in portable Python.

    compress(data, zdict=b"", level=6, wbits=15) -> bytes
    decompress(data, zdict=b"", max_size=MAX_OUTPUT, wbits=15) -> bytes

Byte-compatible with zlib in both directions: `zlib.decompressobj(-wbits, zdict=d)` reads what
compress() writes, and decompress() reads what `zlib.compressobj(level, DEFLATED, -wbits,
zdict=d)` writes. Only the last 2**wbits bytes of a dictionary matter. decompress() never
returns or allocates more than max_size bytes of output and raises DeflateError (never
anything else) on a bad stream; whole bytes after the final block are an error, unused bits
of the last byte are ignored. See docs/protocol.md (Part 6).
"""

from ..compat import const
from .compressor import Deflater
from .errors import DeflateError, InvalidStreamError, OutputLimitError, TruncatedError
from .inflate import inflate

__all__ = (
    "compress",
    "decompress",
    "DeflateError",
    "InvalidStreamError",
    "OutputLimitError",
    "TruncatedError",
    "MAX_OUTPUT",
    "MIN_WBITS",
    "MAX_WBITS",
)

MAX_OUTPUT = const(65536)  # default bound on decompressed output (a bomb stops here)
MIN_WBITS = const(9)  # 512-byte window: the smallest zlib supports for raw streams
MAX_WBITS = const(15)  # 32 KiB window (§2)
DEFAULT_LEVEL = const(6)


def _check_wbits(wbits):
    if not MIN_WBITS <= wbits <= MAX_WBITS:
        raise ValueError("wbits must be 9..15")


def compress(data, zdict=b"", level=DEFAULT_LEVEL, wbits=MAX_WBITS):
    """Raw DEFLATE of `data`; matches may reach into the last 2**wbits bytes of `zdict`."""
    if level == -1:
        level = DEFAULT_LEVEL
    if not 0 <= level <= 9:
        raise ValueError("level must be 0..9 or -1")
    _check_wbits(wbits)
    return Deflater(data, zdict, level, wbits).run()


def decompress(data, zdict=b"", max_size=MAX_OUTPUT, wbits=MAX_WBITS):
    """Inflate one complete raw DEFLATE stream of at most `max_size` output bytes."""
    _check_wbits(wbits)
    if max_size < 0:
        raise ValueError("max_size must be >= 0")
    if isinstance(data, memoryview):
        data = bytes(data)
    try:
        return inflate(data, zdict, max_size, wbits)
    except (IndexError, KeyError):
        # Defence in depth: the tests fuzz inflate() itself to show this is never reached.
        raise InvalidStreamError("malformed stream")
