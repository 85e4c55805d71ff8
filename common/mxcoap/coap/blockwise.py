"""Server-side blockwise state (RFC 7959): Block1 reassembly and the response cache.

Block1 buffers are keyed by the request key of RFC 7959 §2.4 plus the Request-Tag (RFC 9175 §3.3):
peer address, method, every option that is part of the cache key except Block1/Block2/Size1/
Size2, and the Request-Tag values. Two uploads that differ in Request-Tag never share a buffer.
The response cache holds a body served as Block2 (with an ETag, RFC 7959 §2.4) and responses
held back behind a 4.01 Echo challenge (RFC 9175 §2.4).
"""

from mxcoap.coap.numbers import (
    BLOCK1,
    BLOCK2,
    CONTINUE,
    ECHO,
    NO_RESPONSE,
    OBSERVE,
    REQUEST_ENTITY_INCOMPLETE,
    REQUEST_ENTITY_TOO_LARGE,
    REQUEST_TAG,
    SIZE1,
    SIZE2,
    option_is_no_cache_key,
)
from mxcoap.coap.options import encode_block, szx_to_size

# Options that never take part in matching requests to block state (RFC 7959 §2.4, RFC 9175 §3.3,
# RFC 9175 §2.2.1: Echo; RFC 7641 §2: Observe is not part of the cache key).
_NOT_IN_KEY = (BLOCK1, BLOCK2, SIZE1, SIZE2, REQUEST_TAG, ECHO, OBSERVE, NO_RESPONSE)


def request_key(addr, msg):
    """(addr, method, cache-key options) as a hashable tuple; options sorted stably."""
    opts = []
    for number, value in msg.options:
        if number in _NOT_IN_KEY or option_is_no_cache_key(number):
            continue
        opts.append((number, len(opts), value))
    opts.sort()
    return (addr, msg.code, tuple((n, v) for n, _, v in opts))


def request_tag_key(msg):
    """The Request-Tag values in order; () when absent (absent differs from any value)."""
    return tuple(msg.opts(REQUEST_TAG))


class Reassembly:
    """One Block1 upload in progress."""

    def __init__(self, szx, now):
        self.parts = []
        self.length = 0
        self.szx = szx
        self.touched = now


class _Table:
    """Entries keyed by (request_key, ...) with a `touched` time, kept EXCHANGE_LIFETIME."""

    def __init__(self, params):
        self.params = params
        self.items = {}

    def expire(self, now):
        lifetime = self.params.EXCHANGE_LIFETIME
        for key in [k for k in self.items if now - self.items[k].touched > lifetime]:
            del self.items[key]

    def drop_addr(self, addr):
        for key in [k for k in self.items if k[0][0] == addr]:
            del self.items[key]


class Block1Table(_Table):
    """Bounded table of Block1 uploads (RFC 7959 §2.5: "a server MAY drop state" when full)."""

    def process(self, key, num, more, szx, payload, size1, now):
        """Feed one block. Returns (code, block1_value, body): code CONTINUE with body None while
        more blocks are due, None with the body when complete, or an error code."""
        params = self.params
        limit = params.max_reassembly
        size = szx_to_size(szx)
        our_szx = szx if szx < params.block_szx else params.block_szx
        if more and len(payload) != size:
            # RFC 7959 §2.3: with M set the payload is exactly the block size.
            return REQUEST_ENTITY_INCOMPLETE, None, None
        if num == 0:
            self.items.pop(key, None)
            if size1 is not None and size1 > limit:
                return REQUEST_ENTITY_TOO_LARGE, None, None
            if not more:
                return None, encode_block(0, False, szx), payload
            if key not in self.items and len(self.items) >= params.max_reassembly_buffers:
                self.expire(now)
                if len(self.items) >= params.max_reassembly_buffers:
                    return 163, None, None  # 5.03: no room for another upload
            entry = Reassembly(szx, now)
            self.items[key] = entry
        else:
            entry = self.items.get(key)
            if entry is None or num * size != entry.length:
                # RFC 7959 §2.9.2: out of sequence or unknown upload -> 4.08.
                if entry is not None and num * size + len(payload) <= entry.length:
                    # A block we already hold (its 2.31 was lost and the client resent it with
                    # a new Message ID): acknowledge it again without appending.
                    return CONTINUE, encode_block(num, True, our_szx), None
                self.items.pop(key, None)
                return REQUEST_ENTITY_INCOMPLETE, None, None
        if entry.length + len(payload) > limit:
            del self.items[key]
            return REQUEST_ENTITY_TOO_LARGE, None, None
        entry.parts.append(payload)
        entry.length += len(payload)
        entry.touched = now
        if more:
            # RFC 7959 §2.3: the 2.31 may ask for smaller blocks by a smaller SZX.
            return CONTINUE, encode_block(num, True, our_szx), None
        del self.items[key]
        return None, encode_block(num, False, szx), b"".join(entry.parts)


class CachedResponse:
    """A response body kept to serve further Block2 blocks or to release after an Echo."""

    def __init__(self, code, options, body, etag, szx, now, held):
        self.code = code
        self.options = options
        self.body = body
        self.etag = etag
        self.szx = szx
        self.touched = now
        self.held = held
        self.exchange = None  # for a held response: the application's handle it answers
        self.source = None  # for a held Block2 block: the cached body it comes from


class ResponseCache(_Table):
    """Bounded by `max_response_cache` entries, each kept EXCHANGE_LIFETIME after last use."""

    def get(self, key, now):
        entry = self.items.get(key)
        if entry is not None and now - entry.touched > self.params.EXCHANGE_LIFETIME:
            del self.items[key]
            return None
        return entry

    def put(self, key, entry, now):
        if key not in self.items and len(self.items) >= self.params.max_response_cache:
            self.expire(now)
            if len(self.items) >= self.params.max_response_cache:
                oldest = None
                for k in self.items:
                    if oldest is None or self.items[k].touched < self.items[oldest].touched:
                        oldest = k
                del self.items[oldest]
        self.items[key] = entry


def block_slice(body, num, req_szx, our_szx):
    """(num, more, szx, piece) for block `num` of size 2**(req_szx+4), served at min SZX;
    None when the block lies beyond the body (RFC 7959 §2.4)."""
    szx = req_szx if req_szx < our_szx else our_szx
    offset = num * szx_to_size(req_szx)
    if offset > 0 and offset >= len(body):
        return None
    size = szx_to_size(szx)
    piece = body[offset:offset + size]
    return offset // size, offset + size < len(body), szx, piece
