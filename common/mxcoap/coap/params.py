"""Transmission parameters (RFC 7252 §4.8) and the mxcoap limits on state and sizes."""

from mxcoap.coap.options import size_to_szx, szx_to_size

IP_UDP_OVERHEAD = 28  # IPv4 (20) + UDP (8) header bytes per datagram, counted on the link


class TransmissionParams:
    """RFC 7252 §4.8 parameters plus the named limits the endpoint enforces.

    Upper-case attributes are the RFC names (derived ones per §4.8.2); lower-case ones are the
    constructor arguments.
    """

    def __init__(self, ack_timeout=2.0, ack_random_factor=1.5, max_retransmit=4, nstart=1,
                 default_leisure=5.0, probing_rate=1.0, max_latency=100.0,
                 processing_delay=None, link_rate_bps=None, block_szx=6, separate_delay=1.0,
                 max_reassembly=65536, max_message_size=1152, amplification_factor=3,
                 echo_window=60.0, max_peers=64, max_exchanges_per_peer=32,
                 max_reassembly_buffers=8, max_response_cache=16, cocoa=True,
                 response_timeout=None, amplification_blocks=False, min_rto=1.0,
                 datagram_overhead=0):
        if not 0 <= block_szx <= 6:
            raise ValueError("block_szx must be 0-6")
        if ack_random_factor < 1.0:
            raise ValueError("ACK_RANDOM_FACTOR must be >= 1 (RFC 7252 §4.8.1)")
        self.ACK_TIMEOUT = float(ack_timeout)
        self.ACK_RANDOM_FACTOR = float(ack_random_factor)
        self.MAX_RETRANSMIT = int(max_retransmit)
        self.NSTART = int(nstart)
        self.DEFAULT_LEISURE = float(default_leisure)
        self.PROBING_RATE = float(probing_rate)
        self.MAX_LATENCY = float(max_latency)
        self.PROCESSING_DELAY = self.ACK_TIMEOUT if processing_delay is None else processing_delay
        # RFC 7252 §4.8.2 derived times.
        self.MAX_TRANSMIT_SPAN = (self.ACK_TIMEOUT * ((1 << self.MAX_RETRANSMIT) - 1)
                                  * self.ACK_RANDOM_FACTOR)
        self.MAX_TRANSMIT_WAIT = (self.ACK_TIMEOUT * ((1 << (self.MAX_RETRANSMIT + 1)) - 1)
                                  * self.ACK_RANDOM_FACTOR)
        self.MAX_RTT = 2 * self.MAX_LATENCY + self.PROCESSING_DELAY
        self.EXCHANGE_LIFETIME = (self.MAX_TRANSMIT_SPAN + 2 * self.MAX_LATENCY
                                  + self.PROCESSING_DELAY)
        self.NON_LIFETIME = self.MAX_TRANSMIT_SPAN + self.MAX_LATENCY
        self.link_rate_bps = link_rate_bps
        # Bytes the layers below add to every datagram (a secure session's header and tag),
        # counted in the serialisation time beside the 28 of IPv4 + UDP.
        self.datagram_overhead = int(datagram_overhead)
        self.block_szx = block_szx
        self.BLOCK_SIZE = szx_to_size(block_szx)
        # Wait this long for respond() before sending an empty ACK (RFC 7252 §5.2.2).
        self.separate_delay = float(separate_delay)
        # Largest request or response body reassembled from blocks (RFC 7959 §2.9.3: 4.13 above).
        self.max_reassembly = int(max_reassembly)
        # Largest datagram we send unsplit; bigger bodies go blockwise (RFC 7252 §4.6).
        self.max_message_size = int(max_message_size)
        # Unverified peers get at most this factor times the bytes they sent (RFC 9175 §2.4);
        # 0 disables the limit and Echo.
        self.amplification_factor = amplification_factor
        # True: answer an unverified peer with a first Block2 small enough for its credit, and
        # challenge with Echo only when even 16 bytes do not fit (for clients without Echo).
        self.amplification_blocks = amplification_blocks
        self.echo_window = float(echo_window)  # an Echo value is fresh this long (RFC 9175 §2.3)
        self.max_peers = int(max_peers)  # peers with state at once; the oldest idle one goes
        self.max_exchanges_per_peer = int(max_exchanges_per_peer)  # client + server state each
        self.max_reassembly_buffers = int(max_reassembly_buffers)  # Block1 uploads at once
        self.max_response_cache = int(max_response_cache)  # Block2 bodies / held responses
        self.cocoa = cocoa  # False: plain RFC 7252 binary backoff from ACK_TIMEOUT
        # Lower bound on a measured CoCoA RTO (RFC 6298 §2.4: 1 s), never above ACK_TIMEOUT (a
        # configured ACK_TIMEOUT below it asks for a faster link). CoCoA's estimator alone
        # settles on the RTT of quick answers, so an answer a few tens of ms slower than usual
        # was retransmitted; the floor also gives the server a known time to send its empty ACK
        # in (empty_ack_delay).
        self.min_rto = float(min_rto)
        self.rto_floor = self.min_rto if self.min_rto < self.ACK_TIMEOUT else self.ACK_TIMEOUT
        # How long a client waits for a separate or NON response after its request was sent.
        self.response_timeout = (self.EXCHANGE_LIFETIME if response_timeout is None
                                 else float(response_timeout))

    def serialisation_time(self, datagram_len):
        """Seconds to clock `datagram_len` bytes of CoAP (plus IPv4+UDP) onto the link, once."""
        if not self.link_rate_bps:
            return 0.0
        return ((datagram_len + IP_UDP_OVERHEAD + self.datagram_overhead) * 8.0
                / self.link_rate_bps)

    def link_allowance(self, datagram_len):
        """Time added to an RTO for a datagram: it goes out, and an answer as large as it or
        as `max_message_size` (a full block, whichever is larger) comes back. A same-size answer
        is not enough: a 10-byte GET at 100 bit/s fetches 80-byte blocks."""
        back = datagram_len if datagram_len > self.max_message_size else self.max_message_size
        return self.serialisation_time(datagram_len) + self.serialisation_time(back)

    def initial_rto(self, datagram_len):
        """The RFC 7252 base timeout plus the serialisation allowance at `link_rate_bps`."""
        return self.ACK_TIMEOUT + self.link_allowance(datagram_len)

    def empty_ack_delay(self, srtt=0.0):
        """How long the server waits for the application before it sends an empty ACK
        (RFC 7252 §5.2.2): at most `separate_delay`, and early enough that the ACK reaches a
        client with these parameters before its first retransmission. That client retransmits
        no sooner than rto_floor plus the time of its request and of a full answer
        (link_allowance) after sending; the request's own time is spent before the server sees
        it, the round trip `srtt` (the server's estimate for that peer, 0 if unknown) and the
        empty ACK's time are spent after; the server takes half of what is left."""
        left = (self.rto_floor + self.serialisation_time(self.max_message_size)
                - self.serialisation_time(4) - srtt)
        wait = left / 2 if left > 0 else 0.0
        return wait if wait < self.separate_delay else self.separate_delay

    @staticmethod
    def for_link(bps, **overrides):
        """Values for a link of `bps` bits per second (100 bit/s: 64-byte blocks, RTOs that
        cover serialisation, and MAX_LATENCY grown by the time a full datagram takes)."""
        bps = float(bps)
        # A block that takes about 6 s to serialise: 64 B at 100 bit/s, 1024 B from 1.4 kbit/s.
        szx = size_to_szx(int(bps * 6 / 8))
        block = szx_to_size(szx)
        max_message = block + 64  # header, token and options beside one block
        full = (max_message + IP_UDP_OVERHEAD) * 8.0 / bps  # one full datagram on the link
        kwargs = {
            "link_rate_bps": bps,
            "block_szx": szx,
            "max_message_size": max_message,
            "max_latency": 100.0 + full,
            # A peer with these parameters retransmits no sooner than a full answer's time
            # after its request arrived, so the server can wait half of that for the
            # application before spending an empty ACK (RFC 7252 §5.2.2); 1 s at least.
            "separate_delay": full / 2 if full > 2.0 else 1.0,
        }
        for k in overrides:
            kwargs[k] = overrides[k]
        return TransmissionParams(**kwargs)
