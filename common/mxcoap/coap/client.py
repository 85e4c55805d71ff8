"""The client side of an exchange: one request from send_request() to its final response.

Block1 (RFC 7959 §2.3) sends the body in blocks with Size1 and, when another upload to the same
peer is in flight, a Request-Tag (RFC 9175 §3); Block2 (§2.4) fetches every block and checks the
ETag; a 4.01 with Echo (RFC 9175 §2.4) is retried once with the Echo value.
"""

from mxcoap.coap.errors import BlockwiseError, MessageFormatError, RequestTimeout
from mxcoap.coap.message import Message
from mxcoap.coap.numbers import (
    BAD_OPTION,
    BLOCK1,
    BLOCK2,
    CON,
    CONTINUE,
    ECHO,
    ETAG,
    FETCH,
    GET,
    NON,
    OBSERVE,
    REQUEST_ENTITY_INCOMPLETE,
    REQUEST_ENTITY_TOO_LARGE,
    REQUEST_TAG,
    SIZE1,
    SIZE2,
    UNAUTHORIZED,
)
from mxcoap.coap.options import decode_block, encode_block, encode_uint, size_to_szx, szx_to_size

MAX_ECHO_RETRIES = 2  # a server that keeps answering 4.01+Echo is not followed forever
MAX_RENEGOTIATIONS = 2  # block-size changes after a 4.13 (RFC 7959 §2.9.3)
MAX_ETAG_RESTARTS = 2  # a representation that changes mid-transfer is fetched again


class ClientRequest:
    """The handle returned by Endpoint.send_request(); hashable by identity."""

    def __init__(self, ep, message, addr, parent=None):
        self.ep = ep
        self.addr = addr
        self.parent = parent  # an observation whose large notification this one completes
        body = message.payload
        base = []
        for o in message.options:
            if o[0] not in (BLOCK1, BLOCK2, SIZE1, REQUEST_TAG, ECHO):
                base.append(o)
        self.code = message.code
        self.options = base
        self.body = body
        self.mtype = NON if message.mtype == NON else CON
        obs = message.opt(OBSERVE)
        self.observe = obs is not None and len(obs) == 0 and parent is None
        self.token = None
        self.state = "queued"
        self.holds_slot = False
        self.acked = False  # an empty ACK came: the NSTART slot was given up (RFC 7252 §4.7)
        self.parked = False  # queued again for a slot to send a further CON (a next block)
        self.tag = None
        self.szx = ep.params.block_szx
        self.use_block1 = len(body) > szx_to_size(self.szx)
        self.b1_offset = 0
        self.b2_phase = False  # fetching Block2 blocks 1.. (RFC 7959 §2.4)
        self.b2_buf = None
        self.b2_len = 0
        self.b2_num = 0
        self.b2_szx = self.szx
        self.b2_etag = None
        self.b2_restarts = 0
        self.echo = None
        self.echo_retries = 0
        self.renegotiations = 0
        self.mid = None
        self.deadline = None
        self.obs_last = None
        self.obs_time = None
        self.obs_value = None  # Observe of the notification a child request completes
        self.stale = False  # set by on_response when the response was a late copy, ignored
        self.child = None  # the request fetching the rest of a large notification

    @property
    def handle(self):
        return self.parent if self.parent is not None else self

    def __repr__(self):
        return "<ClientRequest " + self.state + " tok=" + (self.token or b"").hex() + ">"

    # --- sending ---------------------------------------------------------------------------
    def _build(self):
        msg = Message(self.mtype, self.code, 0, self.token, list(self.options))
        if self.b2_phase:
            # Block2 follow-up (RFC 7959 §2.4): same request, Observe dropped; no body except
            # for FETCH, whose body is part of what identifies the resource (RFC 8132 §2).
            msg.remove_option(OBSERVE)
            msg.add_option(BLOCK2, encode_block(self.b2_num, False, self.b2_szx))
            if self.code == FETCH:
                msg.payload = self.body
        elif self.use_block1:
            size = szx_to_size(self.szx)
            num = self.b1_offset // size
            piece = self.body[self.b1_offset:self.b1_offset + size]
            more = self.b1_offset + size < len(self.body)
            msg.add_option(BLOCK1, encode_block(num, more, self.szx))
            if num == 0:
                msg.add_option(SIZE1, encode_uint(len(self.body)))  # RFC 7959 §4
            if self.tag is not None:
                msg.add_option(REQUEST_TAG, self.tag)
            if more:
                msg.remove_option(OBSERVE)  # Observe goes with the last block only (§2.7)
            msg.payload = piece
        else:
            msg.payload = self.body
        if self.echo is not None:
            msg.add_option(ECHO, self.echo)
        return msg

    def send_next(self, now):
        if self.acked and not self.holds_slot and not self.ep._take_slot(self, now):
            return  # parked: the endpoint calls send_next again when a slot is free
        msg = self._build()
        self.mid = self.ep._send_request_message(self, msg, now)
        self.deadline = None
        if self.mtype == NON:
            self.deadline = now + self.ep.params.response_timeout

    def start(self, now):
        peer = self.ep._peer(self.addr, now)
        self.state = "active"
        self.token = peer.free_token(now, self.ep._rand)
        peer.tokens[self.token] = self
        if self.use_block1:
            self.tag = peer.free_tag()
            peer.tags[self.tag] = self
        self.send_next(now)

    # --- events from the endpoint ----------------------------------------------------------
    def on_empty_ack(self, now):
        # Separate response to come (RFC 7252 §5.2.2): wait for it, not forever.
        self.deadline = now + self.ep.params.response_timeout
        # RFC 7252 §4.7: a request whose empty ACK came is no longer an outstanding interaction
        # (neither a CON awaiting its ACK nor a request without response or ACK), so its NSTART
        # slot goes to the next request: a long-poll /sync must not hold up a message send.
        self.acked = True
        self.ep._release_slot(self, now)

    def on_timer(self, now):
        self.deadline = None
        self.fail(RequestTimeout("no response"), now)

    def fail(self, error, now):
        if self.state == "done":
            return
        self.ep._finish_client(self, now, abandoned=True)
        self.ep._emit_failed(self.handle, error)

    def on_response(self, msg, now):
        """A response matched by token (and Message ID for a piggybacked one)."""
        if self.state == "observing":
            self._on_notification(msg, now)
            return
        if msg.code == UNAUTHORIZED and msg.opt(ECHO) is not None:
            if self.echo_retries < MAX_ECHO_RETRIES:
                # RFC 9175 §2.4: repeat the request with the Echo value to prove the address.
                self.echo = msg.opt(ECHO)
                self.echo_retries += 1
                self.send_next(now)
                return
        self.echo = None
        if not self.b2_phase and self._block1_step(msg, now):
            return
        self._take_final(msg, now)

    def _block1_step(self, msg, now):
        """True when the response moved the upload on (sent the next block or restarted)."""
        size = szx_to_size(self.szx)
        more = self.b1_offset + size < len(self.body)
        if msg.code == CONTINUE and more and self.use_block1:
            value = msg.opt(BLOCK1)
            try:
                num, _, szx = decode_block(value) if value is not None else (None, 0, 0)
            except MessageFormatError:
                num = None
            if num is not None and num < self.b1_offset // size:
                self.stale = True  # a late copy for a block already acknowledged
                return True
            if num != self.b1_offset // size:
                self.fail(BlockwiseError("2.31 for the wrong block"), now)
                return True
            self.b1_offset += size
            if szx < self.szx:
                self.szx = szx  # RFC 7959 §2.3: the server asked for smaller blocks
            self.send_next(now)
            return True
        if (msg.code == REQUEST_ENTITY_INCOMPLETE and self.use_block1 and self.b1_offset > 0
                and self.renegotiations < MAX_RENEGOTIATIONS):
            # RFC 7959 §2.9.2: the server no longer holds the earlier blocks (its buffer timed
            # out under heavy loss, or it restarted): send the body again from block 0.
            self.renegotiations += 1
            self.b1_offset = 0
            self.send_next(now)
            return True
        if msg.code == REQUEST_ENTITY_TOO_LARGE and self.renegotiations < MAX_RENEGOTIATIONS:
            value = msg.opt(BLOCK1)
            new_szx = None
            if value is not None:
                try:
                    new_szx = decode_block(value)[2]
                except MessageFormatError:
                    new_szx = None
            elif msg.opt(SIZE1) is not None and msg.opt_uint(SIZE1) < len(self.body):
                new_szx = size_to_szx(msg.opt_uint(SIZE1))
                if not self.use_block1 and new_szx >= self.szx:
                    new_szx = self.szx - 1 if self.szx else None
            if new_szx is not None and (new_szx < self.szx or not self.use_block1):
                # RFC 7959 §2.9.3: retry from block 0 with the size the server can take.
                self.renegotiations += 1
                self.szx = new_szx
                self.b1_offset = 0
                if not self.use_block1:
                    self.use_block1 = True
                    peer = self.ep._peers.get(self.addr)
                    if peer is not None:
                        self.tag = peer.free_tag()
                        peer.tags[self.tag] = self
                self.send_next(now)
                return True
        return False

    def _restart_block2(self, now):
        self.b2_restarts += 1
        self.b2_buf = None
        self.b2_len = 0
        self.b2_num = 0
        self.b2_etag = None
        self.send_next(now)

    def _take_final(self, msg, now):
        value = msg.opt(BLOCK2)
        if value is None:
            if (self.b2_phase and msg.code == BAD_OPTION and self.code in (GET, FETCH)
                    and self.b2_restarts < MAX_ETAG_RESTARTS):
                # RFC 7959 §2.4: a block beyond the end: the representation shrank meanwhile.
                self._restart_block2(now)
                return
            # Not (or no longer) blockwise: an error for a follow-up, or the whole body at once.
            self.b2_buf = None
            self._deliver(msg, now)
            return
        limit = self.ep.params.max_reassembly
        try:
            num, more, szx = decode_block(value)
        except MessageFormatError:
            self.fail(BlockwiseError("bad Block2 option"), now)
            return
        if self.b2_buf is None:
            if num != 0:
                self.fail(BlockwiseError("first Block2 is not block 0"), now)
                return
            size2 = msg.opt_uint(SIZE2)
            if size2 is not None and size2 > limit:
                self.fail(BlockwiseError("Size2 above the reassembly limit", 141), now)
                return
            self.b2_buf = []
            self.b2_len = 0
            self.b2_etag = msg.opt(ETAG)
        else:
            if msg.opt(ETAG) != self.b2_etag:
                # RFC 7959 §2.4: the representation changed; start again from block 0, for a
                # safe method only (a POST would have to be sent, and run, again).
                if self.code in (GET, FETCH) and self.b2_restarts < MAX_ETAG_RESTARTS:
                    self._restart_block2(now)
                else:
                    self.fail(BlockwiseError("representation keeps changing"), now)
                return
            if num * szx_to_size(szx) < self.b2_len and more:
                self.stale = True  # a late copy of a block already taken (NON answers repeat)
                return
            if num * szx_to_size(szx) != self.b2_len:
                self.fail(BlockwiseError("Block2 out of sequence"), now)
                return
        if self.b2_len + len(msg.payload) > limit:
            self.fail(BlockwiseError("body above the reassembly limit", 141), now)
            return
        self.b2_buf.append(msg.payload)
        self.b2_len += len(msg.payload)
        if more:
            if len(msg.payload) != szx_to_size(szx):
                self.fail(BlockwiseError("short Block2 block with M set"), now)
                return
            self.b2_szx = szx
            self.b2_num = self.b2_len // szx_to_size(szx)
            self.b2_phase = True
            self.send_next(now)
            return
        whole = msg.copy()
        whole.payload = b"".join(self.b2_buf)
        whole.remove_option(BLOCK2)
        whole.remove_option(SIZE2)
        self.b2_buf = None
        self._deliver(whole, now)

    def _deliver(self, msg, now):
        if self.parent is not None:
            if not 64 <= msg.code < 96:
                # The rest of a notification could not be fetched; the observation goes on
                # and a newer notification will come (RFC 7959 §2.6).
                self.ep._finish_client(self, now, abandoned=False)
                return
            if self.obs_value is not None:
                msg.set_option(OBSERVE, self.obs_value)
        keep = (self.observe and msg.opt(OBSERVE) is not None and 64 <= msg.code < 96)
        if keep:
            self.echo_retries = 0
            self.state = "observing"
            self.obs_last = msg.opt_uint(OBSERVE)
            self.obs_time = now
            self.ep._release_slot(self, now)
        else:
            self.ep._finish_client(self, now, abandoned=False)
        self.ep._emit_response(self.handle, msg, self.addr)

    def _on_notification(self, msg, now):
        """RFC 7641 §3.4: deliver notifications newer than the last one."""
        if (msg.code == UNAUTHORIZED and msg.opt(ECHO) is not None
                and self.echo_retries < MAX_ECHO_RETRIES):
            # The server ran out of amplification credit (RFC 9175 §2.4): re-register with the
            # Echo (same token, RFC 7641 §3.3.1); the held notification comes as the response.
            self.echo = msg.opt(ECHO)
            self.echo_retries += 1
            self.state = "active"
            self.obs_last = None
            self.send_next(now)
            return
        seq = msg.opt_uint(OBSERVE)
        if seq is not None and self.obs_last is not None:
            v1, v2 = self.obs_last, seq
            newer = ((v1 < v2 and v2 - v1 < (1 << 23)) or (v1 > v2 and v1 - v2 > (1 << 23))
                     or now > self.obs_time + 128)
            if not newer:
                return
        if seq is not None:
            self.obs_last = seq
            self.obs_time = now
        child = self.child
        if child is not None:
            # A newer notification makes the one still being fetched stale: drop it, so that
            # notifications are delivered in order (RFC 7641 §3.4).
            self.child = None
            self.ep._finish_client(child, now, abandoned=True)
        if seq is None or not 64 <= msg.code < 96:
            # The server ended the observation (RFC 7641 §3.2).
            self.ep._finish_client(self, now, abandoned=False)
            self.ep._emit_response(self, msg, self.addr)
            return
        value = msg.opt(BLOCK2)
        if value is not None:
            try:
                num, more, szx = decode_block(value)
            except MessageFormatError:
                return
            if more and num == 0:
                # RFC 7959 §2.6: fetch the rest of a large notification with a new request.
                self.ep._fetch_rest(self, msg, szx, now)
                return
        self.ep._emit_response(self, msg, self.addr)
