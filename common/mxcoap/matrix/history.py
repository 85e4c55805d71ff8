"""Response history: earlier exchanges of the session as DEFLATE dictionary for later responses.

docs/protocol.md (Part 3), "Response history". A Matrix session repeats itself across
exchanges: the event id a send returns comes back in the next /sync, with the text just sent;
/messages and room state repeat what /sync delivered; the second user of a site receives the
events the first one already got. Each response is compressed with the last W bytes of recent
exchanges (request and response payloads, before DEFLATE) behind the map set's dictionary.

The state is a dynamic table in the manner of QPACK (RFC 9204 §2.1.4): the host (encoder)
numbers the entries; it refers only to entries the edge (decoder) has acknowledged, so loss,
retransmission and reordering never leave the two sides with different dictionaries:

- Entry e is the request payload followed by the response payload of one exchange (each is the
  compact CBOR before DEFLATE, or empty when that body did not travel as compact JSON). The host
  numbers an entry when it sends the response, 0, 1, 2, ... per session, and names it in the
  response's Mx-History option. Which responses become entries is the host's choice.
- The edge stores each entry it receives and lists its number in Mx-Ack on its next requests
  until one of them gets a 2.xx answer (the rule interning uses, session.py); it may delay that
  while the acknowledgement would cost more than it brings (request.py).
- Response e is compressed against base n (e - MAX_LAG <= n <= e, or n = 0): the entries n-K .. n-1
  (those that exist), all acknowledged, concatenated in order; the last W bytes of that follow
  the map set's dictionary. n = 0 means no history. Mx-History says e and, when n != e, e - n.
- Both sides keep the newest KEEP entries (by number, each cut to its last ENTRY_MAX bytes). An
  edge short of memory stores (and so acknowledges) no entry that would take it past its
  BUDGET: the host then skips bases that include it. An entry it no longer holds is a decode
  error, never a guess.
"""

from mxcoap import cbor
from mxcoap.compat import const
from mxcoap.matrix.errors import MatrixDecodeError

ENTRIES = const(16)  # K: the entries one response may use
WINDOW = const(8192)  # W: the bytes of history a dictionary holds
MAX_LAG = const(8)  # a base is at most this many entries below the response's own number
KEEP = const(32)  # entries each side keeps: 2K, so an answer survives K - MAX_LAG overtakers
ENTRY_MAX = const(4096)  # bytes of an entry kept (its last ones)
BUDGET = const(32768)  # bytes of entries the edge holds at most (its choice: item 5 below)
MAX_ACKS = const(16)  # entry numbers one Mx-Ack carries (the newest)
ACK_EVERY = const(4)  # any request acknowledges once this many entries wait (request.py)
MAX_ENTRY_NUMBER = const(0xFFFFFFFF)
SECRETS = (b'"access_token"', b'"refresh_token"')  # bodies that never become entries


def _tail(data, size=WINDOW):
    return data[-size:] if len(data) > size else data


def _join(entries, n):
    """The last W bytes of entries max(0, n-K) .. n-1, concatenated (KeyError if one is missing)."""
    parts = []
    size = 0
    i = n - 1
    lo = n - ENTRIES if n > ENTRIES else 0
    while i >= lo and size < WINDOW:  # newest first: older entries only while W is not full
        data = entries[i]
        parts.append(data)
        size += len(data)
        i -= 1
    parts.reverse()
    return _tail(b"".join(parts))


def encode_uints(values):
    """CBOR unsigned integers (RFC 8949 §3.1, shortest form), the form Mx-History and Mx-Ack
    use: cbor.dumps writes them."""
    return b"".join(cbor.dumps(v) for v in values)


def decode_uints(data, limit):
    """The CBOR unsigned integers of an option value (at most `limit` of them)."""
    out = []
    i = 0
    n = len(data)
    while i < n:
        if len(out) >= limit:
            raise MatrixDecodeError("too many numbers in an option value")
        b = data[i]
        size = {24: 1, 25: 2, 26: 4}.get(b, 0) if b >= 24 else 0
        if b > 26 or i + 1 + size > n:
            raise MatrixDecodeError("bad number in an option value")
        v = b
        if size:
            v = 0
            for k in range(size):
                v = (v << 8) | data[i + 1 + k]
            if v < (24, 0x100, 0, 0x10000)[size - 1]:
                raise MatrixDecodeError("number not in its shortest form")
        out.append(v)
        i += 1 + size
    return out


class HistoryEncoder:
    """The host's side: entries it numbered, and which of them the edge acknowledged."""

    def __init__(self):
        self.next = 0  # the number of the next entry
        self.entries = {}  # number -> bytes (cut to ENTRY_MAX), the newest KEEP
        self.acked = set()

    def base(self, e):
        """The largest n <= e (n >= e - MAX_LAG) whose entries n-K .. n-1 are all acknowledged.
        The lag bound keeps every entry it names held by the edge even when up to K - MAX_LAG
        later answers overtake this one (the edge keeps the newest 2K)."""
        n = e
        lo = e - MAX_LAG if e > MAX_LAG else 0
        while n >= lo and n > 0:
            first = n - ENTRIES if n > ENTRIES else 0
            missing = -1
            for i in range(n - 1, first - 1, -1):
                if i not in self.acked or i not in self.entries:
                    missing = i
                    break
            if missing < 0:
                return n
            n = missing  # every base above the gap includes it
        return 0

    def dictionary(self, n):
        return _join(self.entries, n) if n else b""

    def add(self, data):
        """Number a new entry; returns its number."""
        e = self.next
        self.next += 1
        self.entries[e] = _tail(data, ENTRY_MAX)
        old = e - KEEP
        if old in self.entries:
            del self.entries[old]
        self.acked.discard(old)
        return e

    def ack(self, numbers):
        for i in numbers:
            if i in self.entries:
                self.acked.add(i)


class HistoryDecoder:
    """The edge's side: the entries it received, and those it has not yet had confirmed."""

    def __init__(self, budget=BUDGET):
        self.entries = {}  # number -> bytes (cut to ENTRY_MAX)
        self.newest = -1
        self.unacked = set()
        self.budget = budget
        self.size = 0  # bytes held

    def dictionary(self, n):
        try:
            return _join(self.entries, n) if n else b""
        except KeyError:
            raise MatrixDecodeError("response history: an entry below " + str(n)
                                    + " is not held here", 502)

    def add(self, e, data):
        data = _tail(data, ENTRY_MAX)
        old = self.entries.get(e)
        if old is not None:
            if old != data:
                raise MatrixDecodeError("response history: entry " + str(e) + " redefined", 502)
            return
        if e <= self.newest - KEEP:
            return  # older than anything kept: it can never be referred to
        if e > self.newest:
            self.newest = e
            for i in list(self.entries):
                if i <= e - KEEP:
                    self.size -= len(self.entries.pop(i))
                    self.unacked.discard(i)
        if self.size + len(data) > self.budget:
            return  # not held, so never acknowledged: the host will not name it
        self.entries[e] = data
        self.size += len(data)
        self.unacked.add(e)

    def acks(self):
        """The entry numbers to list in the next request's Mx-Ack (newest MAX_ACKS)."""
        return sorted(self.unacked)[-MAX_ACKS:]

    def confirmed(self, numbers):
        for i in numbers:
            self.unacked.discard(i)


def encode_option(e, n):
    return encode_uints((e, e - n) if n != e else (e,))


def decode_option(value):
    """(e, n) from an Mx-History value."""
    nums = decode_uints(value, 2)
    if not nums:
        raise MatrixDecodeError("empty Mx-History")
    e = nums[0]
    d = nums[1] if len(nums) > 1 else 0
    # d == e is base 0 (no history); otherwise the base is at most MAX_LAG entries back.
    if e > MAX_ENTRY_NUMBER or d > e or (d > MAX_LAG and d != e) or (len(nums) > 1 and d == 0):
        raise MatrixDecodeError("Mx-History out of range")
    return e, e - d


def eligible(body):
    """The host's choice, from the HTTP body (JSON text): a response becomes an entry unless it
    carries credentials (a login answer's token must never sit in a dictionary that later
    responses, which an attacker may partly choose, are compressed with: RFC 7541 §7.1)."""
    for s in SECRETS:
        if s in body:
            return False
    return True
