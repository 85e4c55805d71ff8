"""Message-layer state (RFC 7252 §4): per-peer records, CON retransmission, de-duplication and
token choice. The Endpoint owns these; they hold no clock and do no I/O."""

from mxcoap.coap.cocoa import CocoaEstimator, backoff_factor, next_timeout
from mxcoap.coap.echo import Amplification

MAX_DEDUP_PER_PEER = 128  # message IDs remembered per peer (the oldest is dropped beyond)


class DedupRecord:
    """A message ID seen from a peer (RFC 7252 §4.5): `reply` is what we answered with (ACK,
    piggybacked response or RST) and is sent again for a duplicate CON."""

    def __init__(self, expires, created):
        self.expires = expires
        self.created = created  # eviction order when the table is full: oldest first
        self.reply = None
        self.exchange = None


class Peer:
    """Everything kept per remote endpoint (address): CoCoA state, NSTART, tokens, duplicates."""

    def __init__(self, addr, params, now):
        self.addr = addr
        self.rto = CocoaEstimator(params.ACK_TIMEOUT, now, params.rto_floor)
        self.amp = Amplification(params.amplification_factor)
        self.dedup = {}  # mid -> DedupRecord
        self.active = 0  # client interactions using an NSTART slot (RFC 7252 §4.7)
        self.queue = []  # ClientRequests waiting for a slot
        self.tokens = {}  # token -> ClientRequest in flight or observing
        self.quarantine = {}  # token -> time it may be reused (late responses, RFC 7252 §5.3.1)
        self.next_token = 0
        self.tags = {}  # Request-Tag (or None for absent) -> ClientRequest uploading with it
        self.tag_quarantine = {}  # tag -> time it may be reused (RFC 9175 §3.4)
        self.next_tag = 0
        self.server_exchanges = 0  # requests handed to the application, not yet answered
        self.non_run = 0  # NON notifications sent in a row (CoCoA §5 rule 1)
        self.last_seen = now

    def idle(self):
        return (not self.active and not self.queue and not self.tokens
                and not self.server_exchanges)

    def expire(self, now):
        for mid in [m for m in self.dedup if self.dedup[m].expires <= now]:
            del self.dedup[mid]
        for t in [t for t in self.quarantine if self.quarantine[t] <= now]:
            del self.quarantine[t]
        for t in [t for t in self.tag_quarantine if self.tag_quarantine[t] <= now]:
            del self.tag_quarantine[t]

    def remember(self, mid, expires, limit, now):
        """A DedupRecord for a new message ID; the oldest goes when `limit` records are held."""
        if len(self.dedup) >= limit:
            self.expire(now)
            if len(self.dedup) >= limit:
                # By arrival, not expiry: NON records expire sooner than CON ones but a recent
                # NON is the likelier to be duplicated.
                oldest = None
                for m in self.dedup:
                    if oldest is None or self.dedup[m].created < self.dedup[oldest].created:
                        oldest = m
                del self.dedup[oldest]
        rec = DedupRecord(expires, now)
        self.dedup[mid] = rec
        return rec

    def free_token(self, now, rand):
        """The shortest token not in use with this peer (mxcoap: every byte counts): empty, then
        one byte, then two; random 8 bytes as the last resort. Tokens of abandoned requests are
        quarantined so a late response cannot match a new request."""
        if b"" not in self.tokens and b"" not in self.quarantine:
            return b""
        for _ in range(256):
            tok = bytes((self.next_token,))
            self.next_token = (self.next_token + 1) & 0xFF
            if tok not in self.tokens and tok not in self.quarantine:
                return tok
        for _ in range(16):
            tok = rand(2)
            if tok not in self.tokens and tok not in self.quarantine:
                return tok
        return rand(8)

    def free_tag(self):
        """Request-Tag for a new Block1 upload (RFC 9175 §3.4): absent when no other upload to
        this peer uses absence, else a one-byte value not in use or quarantined."""
        if None not in self.tags and None not in self.tag_quarantine:
            return None
        for _ in range(256):
            tag = bytes((self.next_tag,))
            self.next_tag = (self.next_tag + 1) & 0xFF
            if tag not in self.tags and tag not in self.tag_quarantine:
                return tag
        return None  # 256 uploads in flight to one peer cannot happen under the limits


class Transmission:
    """A CON message awaiting its ACK (RFC 7252 §4.2), retransmitted with CoCoA backoff."""

    def __init__(self, addr, mid, data, owner, now, timeout, factor, cap, counted):
        self.addr = addr
        self.mid = mid
        self.data = data
        self.owner = owner
        self.first_sent = now
        self.retransmissions = 0
        self.timeout = timeout
        self.factor = factor
        self.cap = cap
        self.deadline = now + timeout
        self.counted = counted  # a response: subject to the amplification limit
        self.extra = 0.0  # link time the layer below added (Endpoint.add_overhead)

    def backoff(self, now):
        self.timeout = next_timeout(self.timeout, self.factor, self.cap)
        self.retransmissions += 1
        self.deadline = now + self.timeout


def first_timeout(params, peer, datagram_len, parallel, now, fraction):
    """(timeout, factor, cap) for a new CON: RTO dithered in [RTO, RTO*ACK_RANDOM_FACTOR]
    (RFC 7252 §4.2), RTO from CoCoA, plus serialisation time at `link_rate_bps`."""
    allowance = params.link_allowance(datagram_len)
    if params.cocoa:
        rto = peer.rto.current(now, parallel)
        factor = backoff_factor(rto)
        cap = 32.0 + allowance
    else:
        rto = params.ACK_TIMEOUT
        factor = 2.0
        cap = 1e9
    base = rto + allowance
    return base * (1.0 + (params.ACK_RANDOM_FACTOR - 1.0) * fraction), factor, cap
