"""Echo values and the amplification limit (RFC 9175 §2.4, §2.2).

An Echo value is one time-slot byte and seven bytes of SHA-256 over a per-endpoint secret, that
byte and the client address, so the server keeps no per-peer state before verification
(RFC 9175 §2.3: "the server can use ... a MAC of the time"). It is fresh for `echo_window`
seconds (counted in quarters of it).
"""

import hashlib

from mxcoap.compat import const

ECHO_LENGTH = const(8)  # 1 slot byte + 7 MAC bytes (RFC 9175 §2.2.1 allows 1-40)
_SLOTS_PER_WINDOW = const(4)


def addr_bytes(addr):
    """A stable byte form of an opaque address (raw sockaddr bytes or a tuple)."""
    if isinstance(addr, (bytes, bytearray)):
        return bytes(addr)
    return repr(addr).encode("utf-8")


class EchoFactory:
    """Makes and checks Echo values bound to an address and a time slot."""

    def __init__(self, secret, window):
        self.secret = secret
        self.slot_len = window / _SLOTS_PER_WINDOW

    def _slot(self, now):
        return int(now // self.slot_len) & 0xFF

    def _mac(self, slot, addr):
        h = hashlib.sha256(self.secret + bytes((slot,)) + addr_bytes(addr))
        return h.digest()[:ECHO_LENGTH - 1]

    def make(self, addr, now):
        slot = self._slot(now)
        return bytes((slot,)) + self._mac(slot, addr)

    def check(self, value, addr, now):
        """True for a value this endpoint made for `addr` within the freshness window."""
        if value is None or len(value) != ECHO_LENGTH:
            return False
        current = self._slot(now)
        for age in range(_SLOTS_PER_WINDOW + 1):
            slot = (current - age) & 0xFF
            if value[0] == slot:
                return value[1:] == self._mac(slot, addr)
        return False


class Amplification:
    """Byte accounting for one unverified peer: send at most factor x received (RFC 9175 §2.4)."""

    def __init__(self, factor):
        self.factor = factor
        self.received = 0
        self.sent = 0
        self.verified = factor == 0

    def credit(self):
        if self.verified:
            return 1 << 30
        return self.factor * self.received - self.sent

    def allows(self, n):
        return self.verified or self.sent + n <= self.factor * self.received
