"""The server side: checking a request's options, Block1/Block2 service, the exchange handle.

RFC 7252 §5.4.1: an unrecognised critical option in a request gets 4.02; elective ones are
ignored; §5.4.3: a value of the wrong length counts as unrecognised; §5.4.5: a repeated
non-repeatable option is treated like an unrecognised one for each recurrence.
"""

from mxcoap.coap.errors import BadOption
from mxcoap.coap.numbers import KNOWN_OPTIONS, OPTIONS, option_is_critical


class ServerExchange:
    """The handle of a received request; answered with Endpoint.respond()."""

    def __init__(self, addr, request, mid, mtype, token, record):
        self.addr = addr
        self.request = request
        self.mid = mid
        self.mtype = mtype
        self.token = token
        self.record = record  # the DedupRecord of the request's Message ID
        self.state = "pending"  # -> "acked" (empty ACK sent) -> "done" / "observing"
        self.deadline = None  # when to send the empty ACK, then when to give up
        self.expires = None  # the client has given up by then
        self.block1 = None  # Block1 value to return in the final response (RFC 7959 §2.3)
        self.block2 = None  # (num, szx) the client asked for (RFC 7959 §2.4)
        self.cache_key = None
        self.held_key = None
        self.observe = False
        self.obs_seq = 0
        self.counted = True  # whether it holds a slot in the peer's server_exchanges

    def __repr__(self):
        return "<ServerExchange " + self.state + " mid=" + str(self.mid) + ">"

    @property
    def observe_requested(self):
        return self.observe


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
