"""Address validation (docs/protocol.md (Part 1), "Address validation and amplification"):
the 3x amplification budget per unverified address, the handshake rate and RETRY cookies."""

from ..noise.chachapoly import constant_time_equal
from ..noise.hashes import hmac_sha256
from .header import COOKIE_LEN


def addr_bytes(addr):
    """Addresses are opaque; cookies need bytes: the address itself if bytes, else its repr."""
    if isinstance(addr, (bytes, bytearray)):
        return bytes(addr)
    return repr(addr).encode()


class _Budget:
    def __init__(self):
        self.rx = 0
        self.tx = 0
        self.verified = False
        self.held = []  # datagrams waiting for the address to be verified
        self.used = 0


class AddressBook:
    """Per-address byte counts, verification, held datagrams; handshake rate; cookies."""

    def __init__(self, params, secret):
        self.params = params
        self._secret = secret
        self._table = {}
        self._clock = 0
        self._attempts = []  # times of handshakes attempted for unverified addresses

    def _get(self, addr):
        b = self._table.get(addr)
        if b is None:
            if len(self._table) >= self.params.max_addresses:
                self._forget_oldest()
            b = _Budget()
            self._table[addr] = b
        self._clock += 1
        b.used = self._clock
        return b

    def _forget_oldest(self):
        oldest = None
        for a, b in self._table.items():
            if oldest is None or b.used < self._table[oldest].used:
                oldest = a
        del self._table[oldest]

    def received(self, addr, n):
        self._get(addr).rx += n

    def is_verified(self, addr):
        b = self._table.get(addr)
        return b is not None and b.verified

    def verify(self, addr):
        """The address proved itself; returns the datagrams held for it."""
        b = self._get(addr)
        b.verified = True
        held = b.held
        b.held = []
        return held

    def budget(self, addr):
        b = self._get(addr)
        if b.verified:
            return 1 << 30
        return self.params.amplification_factor * b.rx - b.tx

    def may_send(self, addr, data, hold=True):
        """True if `data` may go to `addr` now (and count it); else hold it (bounded) or drop."""
        b = self._get(addr)
        if b.verified:
            return True
        if b.tx + len(data) <= self.params.amplification_factor * b.rx:
            b.tx += len(data)
            return True
        if hold and len(b.held) < 4:
            b.held.append(data)
        return False

    def release(self, addr):
        """Held datagrams that now fit in the budget (more bytes came from the address)."""
        b = self._table.get(addr)
        if b is None or not b.held:
            return []
        out = []
        while b.held and b.tx + len(b.held[0]) <= self.params.amplification_factor * b.rx:
            d = b.held.pop(0)
            b.tx += len(d)
            out.append(d)
        return out

    # -- handshake rate and cookies --------------------------------------------------------------

    def handshake_allowed(self, now):
        """True while fewer than handshakes_per_second were attempted in the last second."""
        a = self._attempts
        while a and a[0] <= now - 1.0:
            a.pop(0)
        return len(a) < self.params.handshakes_per_second

    def note_handshake(self, now):
        self._attempts.append(now)

    def _cookie(self, addr, bucket):
        return hmac_sha256(
            self._secret, addr_bytes(addr) + (bucket & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
        )[:COOKIE_LEN]

    def cookie(self, addr, now):
        return self._cookie(addr, int(now // self.params.cookie_bucket))

    def cookie_ok(self, addr, cookie, now):
        bucket = int(now // self.params.cookie_bucket)
        return constant_time_equal(cookie, self._cookie(addr, bucket)) or constant_time_equal(
            cookie, self._cookie(addr, bucket - 1)
        )
