"""Counter reconstruction (RFC 9000 Appendix A.3) and the replay window (RFC 4303 §3.4.3)."""

from ..compat import const
from .header import COMPACT_BITS

REPLAY_WINDOW = const(64)
MAX_COUNTER = (1 << 64) - 1


def expand_counter(truncated, nonce_len, expected):
    """The counter congruent to `truncated` mod 2^(8*nonce_len) (2^COMPACT_BITS for the compact
    form, nonce_len 0) that is closest to `expected`.

    RFC 9000 Appendix A.3 (DecodePacketNumber), with expected = highest authenticated + 1.
    A wrong guess only makes authentication fail; security never depends on it.
    """
    win = 1 << (8 * nonce_len) if nonce_len else 1 << COMPACT_BITS
    hwin = win >> 1
    candidate = (expected & ~(win - 1)) | truncated
    if candidate + hwin <= expected and candidate + win <= MAX_COUNTER:
        return candidate + win
    if candidate > expected + hwin and candidate >= win:
        return candidate - win
    return candidate


class ReplayWindow:
    """The highest authenticated counter and a bitmap of the REPLAY_WINDOW below it.

    Bit i of `bits` is set when counter `highest - i` was seen. Only authenticated counters are
    marked, so forged datagrams never move the window.
    """

    def __init__(self, size=REPLAY_WINDOW):
        self.size = size
        self.highest = -1
        self.bits = 0

    def expected(self):
        return self.highest + 1

    def is_replay(self, counter):
        """True if `counter` is too old or already marked (check before spending AES on it)."""
        if counter > self.highest:
            return False
        diff = self.highest - counter
        if diff >= self.size:
            return True
        return bool((self.bits >> diff) & 1)

    def mark(self, counter):
        if counter > self.highest:
            shift = counter - self.highest
            self.bits = (
                ((self.bits << shift) | 1) & ((1 << self.size) - 1) if shift < self.size else 1
            )
            self.highest = counter
        else:
            self.bits |= 1 << (self.highest - counter)
