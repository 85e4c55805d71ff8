"""The server side: checking a request's options, Block1/Block2 service, the exchange handle,
and ServerRole, the half of the Endpoint that answers requests.

RFC 7252 §5.4.1: an unrecognised critical option in a request gets 4.02; elective ones are
ignored; §5.4.3: a value of the wrong length counts as unrecognised; §5.4.5: a repeated
non-repeatable option is treated like an unrecognised one for each recurrence.
"""

import hashlib

from mxcoap.coap.blockwise import CachedResponse, block_slice, request_key, request_tag_key
from mxcoap.coap.errors import BadOption, CoapUsageError, MessageFormatError
from mxcoap.coap.events import RequestReceived
from mxcoap.coap.exchanges import MAX_DEDUP_PER_PEER
from mxcoap.coap.message import Message
from mxcoap.coap.numbers import (
    ACK,
    BAD_OPTION,
    BLOCK1,
    BLOCK2,
    CON,
    CONTINUE,
    ECHO,
    ETAG,
    FETCH,
    GET,
    KNOWN_OPTIONS,
    NO_RESPONSE,
    NON,
    OBSERVE,
    OPTIONS,
    REQUEST_ENTITY_TOO_LARGE,
    REQUEST_TAG,
    SERVICE_UNAVAILABLE,
    SIZE1,
    SIZE2,
    UNAUTHORIZED,
    option_is_critical,
)
from mxcoap.coap.options import decode_block, decode_uint, encode_block, encode_uint, szx_to_size

NON_RUN_LIMIT = 7  # NON notifications in a row before one goes as CON (CoCoA §5)


def _digest(payload):
    """A short stand-in for a request body in a key, so that keys do not pin large bodies."""
    if len(payload) <= 16:
        return payload
    return hashlib.sha256(payload).digest()[:12]


def check_encodable(message):
    """Refuse a message that could not go on the wire, before any state changes (misuse)."""
    try:
        Message(ACK, message.code, 0, b"", list(message.options), b"").encode()
    except (ValueError, TypeError) as e:
        raise CoapUsageError("message cannot be encoded: " + str(e)) from None
    if not 0 <= message.code <= 255:
        raise CoapUsageError("code out of range")


class ServerExchange:
    """The handle of a received request; answered with Endpoint.respond()."""

    def __init__(self, addr, request, mid, mtype, token, record):
        self.addr = addr
        self.request = request
        self.mid = mid
        self.mtype = mtype
        self.token = token
        self.record = record  # the DedupRecord of the request's Message ID
        # "pending" -> "acked" (empty ACK sent) -> "done" or "observing"; "held" while a 4.01
        # Echo challenge stands in for the response (RFC 9175 §2.4)
        self.state = "pending"
        self.deadline = None  # when to send the empty ACK, then when to give up
        self.expires = None  # the client has given up by then
        self.block1 = None  # Block1 value to return in the final response (RFC 7959 §2.3)
        self.block2 = None  # (num, szx) the client asked for (RFC 7959 §2.4)
        self.held_key = None  # where a response held behind an Echo challenge is kept
        self.cache_key = None  # request_key of the request, for the Block2 cache
        self.observe = False
        self.obs_seq = 0
        self.no_response = 0  # RFC 7967 bits: 2 -> no 2.xx, 8 -> no 4.xx, 16 -> no 5.xx
        self.counted = True  # whether it holds a slot in the peer's server_exchanges

    def __repr__(self):
        return "<ServerExchange " + self.state + " mid=" + str(self.mid) + ">"


def check_options(msg, extra_known):
    """Drop elective options we cannot use; raise BadOption for a critical one (§5.4.1)."""
    seen = []
    kept = []
    changed = False
    for number, value in msg.options:
        spec = OPTIONS.get(number)
        known = number in KNOWN_OPTIONS or number in extra_known
        ok = known
        if ok and spec is not None:
            if not spec.min_len <= len(value) <= spec.max_len:
                ok = False
            elif not spec.repeatable and number in seen:
                ok = False
        if ok:
            seen.append(number)
            kept.append((number, value))
            continue
        if option_is_critical(number):
            raise BadOption("unrecognised critical option " + str(number), number)
        changed = True
    if changed:
        msg.options = kept


class ServerRole:
    """Answering requests: duplicates, options, Block1 reassembly, Block2 and held responses,
    Observe, piggybacked or separate responses (RFC 7252 §5.2), amplification (RFC 9175 §2.4).
    Endpoint inherits it; the state it uses (_peers, _cache, _block1, ...) is the Endpoint's."""

    def respond(self, handle, response, now):
        if not isinstance(handle, ServerExchange) or handle.state not in ("pending", "acked"):
            raise CoapUsageError("unknown or already answered request handle")
        check_encodable(response)
        self._send_response(handle, response.code, list(response.options), response.payload, now)

    def decline_observe(self, handle):
        """Answer a request with Observe=0 as a plain request (RFC 7641 §4.1: a server that
        does not add the observer sends its response without an Observe option)."""
        if not isinstance(handle, ServerExchange) or handle.state not in ("pending", "acked"):
            raise CoapUsageError("unknown or already answered request handle")
        handle.observe = False

    def notify(self, handle, message, now):
        if isinstance(handle, ServerExchange) and handle.state == "held" and handle.observe:
            # Registration waiting for its Echo: the latest representation replaces the held one.
            entry = self._cache.items.get(handle.held_key)
            if entry is not None:
                entry.code, entry.options = message.code, list(message.options)
                entry.body = message.payload
                return
        if not isinstance(handle, ServerExchange) or handle.state != "observing":
            raise CoapUsageError("not an active observation")
        check_encodable(message)
        handle.block2 = None
        mtype = CON if message.mtype == CON else NON
        peer = self._peers.get(handle.addr)
        if peer is not None:
            # draft-ietf-core-cocoa §5 rule 1: of any 16 consecutive non-response messages to a
            # peer at least 2 are CON; every 8th notification in a run of NONs goes as CON.
            if mtype == NON and peer.non_run >= NON_RUN_LIMIT:
                mtype = CON
            peer.non_run = 0 if mtype == CON else peer.non_run + 1
        self._send_response(handle, message.code, list(message.options), message.payload, now,
                            mtype)

    def _on_request(self, msg, addr, peer, now):
        rec = peer.dedup.get(msg.mid)
        if rec is not None:
            self.stats["duplicates"] += 1
            if msg.mtype == CON:
                ex = rec.exchange
                if rec.reply is None and ex is not None and ex.state == "pending":
                    self._send_empty_ack(ex, peer)  # the client is retransmitting: ACK now
                elif rec.reply is not None:
                    self._send_raw(rec.reply, addr, peer, True)
            return
        lifetime = self.params.EXCHANGE_LIFETIME if msg.mtype == CON else self.params.NON_LIFETIME
        rec = peer.remember(msg.mid, now + lifetime, MAX_DEDUP_PER_PEER, now)
        ex = ServerExchange(addr, msg, msg.mid, msg.mtype, msg.token, rec)
        ex.counted = False
        rec.exchange = ex
        self._serve(peer, ex, msg, now)

    def _reply(self, ex, code, now, options=None):
        self._send_response(ex, code, options or [], b"", now)

    def _serve(self, peer, ex, msg, now):
        addr = ex.addr
        try:
            check_options(msg, self.known_options)
            v = msg.opt(BLOCK1)
            b1 = decode_block(v) if v is not None else None
            v = msg.opt(BLOCK2)
            b2 = decode_block(v) if v is not None else None
        except (BadOption, MessageFormatError):
            self._reply(ex, BAD_OPTION, now)  # RFC 7252 §5.4.1 / §5.4.3
            return
        echo = msg.opt(ECHO)
        if echo is not None and not peer.amp.verified and self._echo.check(echo, addr, now):
            peer.amp.verified = True  # RFC 9175 §2.4: a fresh Echo proves the address
        if self.params.amplification_factor:
            ex.held_key = (request_key(addr, msg), ("held", request_tag_key(msg),
                                                    _digest(msg.payload)))
            if peer.amp.verified:
                entry = self._cache.get(ex.held_key, now)
                if entry is not None and entry.held:
                    del self._cache.items[ex.held_key]
                    target = entry.exchange
                    if target is not None and target.state == "held":
                        # The application's handle now answers this retry (and observes on).
                        target.mid, target.mtype, target.token = ex.mid, ex.mtype, ex.token
                        target.record = ex.record
                        ex.record.exchange = target
                        target.state = "pending"
                        self._timed.discard(target)
                    else:
                        target = ex
                        ex.request = msg
                    target.block1 = msg.opt(BLOCK1)
                    if entry.source is not None and target.block2 is not None:
                        entry.source.touched = now
                        self._send_blocks_from(target, entry.source, now)
                    else:
                        self._send_response(target, entry.code, list(entry.options),
                                            entry.body, now)
                    return
        nr = msg.opt(NO_RESPONSE)
        if nr is not None:
            ex.no_response = decode_uint(nr)  # RFC 7967 §2.1: classes the client does not want
        obs = msg.opt(OBSERVE)
        if obs is not None and msg.code in (GET, FETCH) and len(obs) <= 3:
            old = self._observations.pop((addr, msg.token), None)
            if old is not None:
                old.state = "done"  # re-registration or deregistration (RFC 7641 §3.3.1)
            ex.observe = decode_uint(obs) == 0
        ex.request = msg
        if b2 is not None:
            num, _, szx = b2
            if num > 0:
                entry = self._cache.get((request_key(addr, msg), ()), now)
                if entry is not None:
                    # Further blocks come from the cache; the application saw the request once.
                    entry.touched = now
                    ex.block2 = (num, szx)
                    ex.observe = False
                    self._send_blocks_from(ex, entry, now)
                    return
            ex.block2 = (num, szx)
        if b1 is not None:
            num, more, szx = b1
            key = (request_key(addr, msg), request_tag_key(msg))
            code, value, body = self._block1.process(key, num, more, szx, msg.payload,
                                                     msg.opt_uint(SIZE1), now)
            if code == CONTINUE:
                self._reply(ex, CONTINUE, now, [(BLOCK1, value)])
                return
            if code is not None:
                opts = []
                if code == REQUEST_ENTITY_TOO_LARGE:
                    # RFC 7959 §2.9.3 / RFC 7252 §5.10.9: Size1 tells the limit.
                    opts.append((SIZE1, encode_uint(self.params.max_reassembly)))
                self._reply(ex, code, now, opts)
                return
            ex.block1 = value
            msg.payload = body
        if peer.server_exchanges >= self.params.max_exchanges_per_peer:
            self._reply(ex, SERVICE_UNAVAILABLE, now)
            return
        peer.server_exchanges += 1
        ex.counted = True
        request = msg.copy()
        for n in (BLOCK1, BLOCK2, SIZE1, REQUEST_TAG, ECHO):
            request.remove_option(n)
        ex.request = request
        # An answer the application never gives must not hold state forever: the client has
        # given up after EXCHANGE_LIFETIME (NON_LIFETIME for NON) anyway.
        ex.expires = now + (self.params.EXCHANGE_LIFETIME if ex.mtype == CON
                            else self.params.NON_LIFETIME)
        if ex.mtype == CON:
            # RFC 7252 §5.2.2: the empty ACK must come before the client retransmits, so the
            # wait depends on the link and on the round trip to this peer (params.py).
            srtt = peer.rto.strong.srtt if self.params.cocoa else None
            ex.deadline = now + self.params.empty_ack_delay(srtt or 0.0)
        else:
            ex.deadline = ex.expires
        self._timed.add(ex)
        self._events.append(RequestReceived(ex, request, addr))

    def _send_empty_ack(self, ex, peer):
        data = Message(ACK, 0, ex.mid).encode()
        ex.record.reply = data
        ex.state = "acked"
        self._send_raw(data, ex.addr, peer, True)

    def _send_blocks_from(self, ex, entry, now):
        num, rszx = ex.block2
        sl = block_slice(entry.body, num, rszx, entry.szx)
        if sl is None:
            self._reply(ex, BAD_OPTION, now)
            return
        bnum, more, bszx, piece = sl
        options = list(entry.options)
        options.append((ETAG, entry.etag))
        options.append((BLOCK2, encode_block(bnum, more, bszx)))
        if bnum == 0:
            options.append((SIZE2, encode_uint(len(entry.body))))
        self._emit_message(ex, entry.code, options, piece, now, None,
                           (entry.code, entry.options, entry.body), source=entry)

    def _send_response(self, ex, code, options, body, now, notify_type=None):
        peer = self._peer(ex.addr, now) or self._peers.get(ex.addr)
        self._timed.discard(ex)
        if ex.counted and peer is not None:
            peer.server_exchanges -= 1
            ex.counted = False
        original = list(options)
        whole = body
        observing = ex.observe and 64 <= code < 96
        if ex.observe:
            options = [o for o in options if o[0] != OBSERVE]
            if observing:
                ex.obs_seq = (ex.obs_seq + 1) & 0xFFFFFF
                options.append((OBSERVE, encode_uint(ex.obs_seq)))
        if ex.block1 is not None:
            options.append((BLOCK1, ex.block1))
        szx = self.params.block_szx
        num = 0
        if ex.block2 is not None:
            num, rszx = ex.block2
            if rszx < szx:
                szx = rszx
        if (self.params.amplification_blocks and peer is not None and not peer.amp.verified
                and num == 0):
            # For clients without Echo support: a first block small enough for the credit
            # instead of the 4.01 challenge (RFC 9175 §2.4 allows either).
            overhead = 20 + len(ex.token)
            for o in options:
                overhead += len(o[1]) + 3
            credit = peer.amp.credit()
            if overhead + len(body) > credit:
                while szx > 0 and overhead + szx_to_size(szx) > credit:
                    szx -= 1
                ex.block2 = (0, szx)
        if len(body) > szx_to_size(szx) or num > 0:
            etag = None
            rest = []
            observe = []
            for o in options:
                if o[0] == ETAG and etag is None:
                    etag = o[1]
                elif o[0] == OBSERVE:
                    observe.append(o)  # block 0 of a notification only, not the cached body
                elif o[0] not in (BLOCK2, SIZE2):
                    rest.append(o)
            entry = CachedResponse(code, rest, body, etag or self._new_etag(), szx, now, False)
            if ex.cache_key is None:
                ex.cache_key = request_key(ex.addr, ex.request)
            self._cache.put((ex.cache_key, ()), entry, now)
            ex.block2 = (num, szx if ex.block2 is None else ex.block2[1])
            sl = block_slice(body, ex.block2[0], ex.block2[1], szx)
            if sl is None:
                code, options, body = BAD_OPTION, [], b""
            else:
                bnum, more, bszx, body = sl
                options = rest + observe + [(ETAG, entry.etag),
                                            (BLOCK2, encode_block(bnum, more, bszx))]
                if bnum == 0:
                    options.append((SIZE2, encode_uint(len(entry.body))))
        self._emit_message(ex, code, options, body, now, notify_type, (code, original, whole),
                           observing)

    def _emit_message(self, ex, code, options, payload, now, notify_type, held,
                      observing=False, source=None):
        """Put one response on the wire as ACK, CON or NON; `held` = (code, options, body) of the
        whole response, kept when the amplification limit replaces it by a 4.01 challenge."""
        peer = self._peers.get(ex.addr)
        if ex.state == "pending" and ex.mtype == CON:
            msg = Message(ACK, code, ex.mid, ex.token, options, payload)
        elif ex.state == "acked" or (notify_type == CON):
            msg = Message(CON, code, self._next_mid(), ex.token, options, payload)
        else:
            msg = Message(NON, code, self._next_mid(), ex.token, options, payload)
        data = msg.encode()
        # An observation keeps room for the challenge itself (4 + token + Echo option): a client
        # that only listens to notifications must still be told.
        challenge = 14 + len(ex.token) if observing or ex.state == "observing" else 0
        hold = (peer is not None and code != UNAUTHORIZED and ex.held_key is not None
                and held is not None and not peer.amp.allows(len(data) + challenge)
                and not (ex.state == "observing" and self.params.amplification_blocks))
        if ex.no_response and ex.state != "observing" and (
                (ex.no_response >> ((code >> 5) - 1)) & 1) and code != CONTINUE:
            # RFC 7967 §2: the client asked not to get this class of response. A CON request
            # still gets its (empty) ACK.
            if ex.state == "pending" and ex.mtype == CON:
                self._send_empty_ack(ex, peer)
            ex.state = "done"
            ex.request = None
            return
        if hold:
            # RFC 9175 §2.4: a response (or notification) above the credit is held and the
            # address challenged with an Echo. A 4.01 notification ends the observation at the
            # client (RFC 7641 §3.2); the client re-registers with the Echo and the same handle
            # carries on with the held representation.
            self.stats["amplification_held"] += 1
            if ex.state == "observing":
                self._end_observation(ex)
            entry = CachedResponse(held[0], held[1], held[2], None, 0, now, True)
            entry.exchange = ex
            entry.source = source  # a block of this cached body: released from it, same ETag
            self._cache.put(ex.held_key, entry, now)
            msg.code = UNAUTHORIZED
            msg.options = [(ECHO, self._echo.make(ex.addr, now))]
            msg.payload = b""
            data = msg.encode()
            observing = False
        if msg.mtype == ACK:
            ex.record.reply = data
            self._send_raw(data, ex.addr, peer, True)
        elif msg.mtype == CON:
            if peer is not None:
                self._transmit_con(peer, ex, data, now, True)
        else:
            if observing or ex.state == "observing":
                self._remember_non(ex.addr, msg.mid, ex, now)
            self._send_raw(data, ex.addr, peer, True)
        if hold:
            ex.state = "held"  # until the Echo comes back or the client gives up
            ex.expires = ex.deadline = now + self.params.EXCHANGE_LIFETIME
            self._timed.add(ex)
        elif observing:
            ex.state = "observing"
            self._observations[(ex.addr, ex.token)] = ex
        elif ex.state == "observing" and not 64 <= code < 96:
            self._end_observation(ex)
        elif ex.state != "observing":
            ex.state = "done"
        if ex.state == "done":
            # Answered: keep no reference to the request body for the rest of EXCHANGE_LIFETIME
            # (the duplicate record only needs the reply bytes).
            if ex.cache_key is None and ex.request is not None:
                ex.cache_key = request_key(ex.addr, ex.request)
            ex.request = None
            if ex.record is not None and ex.record.exchange is ex:
                ex.record.exchange = None

    def _end_observation(self, ex):
        if self._observations.get((ex.addr, ex.token)) is ex:
            del self._observations[(ex.addr, ex.token)]
        ex.state = "done"
        # A held notification (RFC 9175 §2.4) brings the exchange back to observing after the
        # Echo: a later large notification still needs the request's Block2 cache key.
        if ex.cache_key is None and ex.request is not None:
            ex.cache_key = request_key(ex.addr, ex.request)
        ex.request = None

    def _server_timer(self, ex, now):
        peer = self._peers.get(ex.addr)
        if ex.expires is not None and now < ex.expires:
            if ex.state == "pending" and ex.mtype == CON:
                self._send_empty_ack(ex, peer)  # RFC 7252 §5.2.2: ACK now, answer later
            ex.deadline = ex.expires
            return
        self._timed.discard(ex)
        if ex.state == "held":
            entry = self._cache.items.get(ex.held_key)
            if entry is not None and entry.exchange is ex:
                del self._cache.items[ex.held_key]
        if ex.state in ("pending", "acked", "held"):
            ex.state = "done"
            ex.request = None
            if ex.counted and peer is not None:
                peer.server_exchanges -= 1
                ex.counted = False
