"""Per-session state both peers keep: interned identifiers, the access token, response history.

Rules (docs/protocol.md (Part 3), "Session state"), which hold under loss, retransmission and
reordering because a reference is only ever sent once the peer provably holds its value:

- The sender of a value gives it an index the first time and sends a *definition* (index and
  full value) in every message that needs the value until the definition is confirmed; after
  that it sends the *reference* (the index alone). An index is never reused, so a definition
  repeated, duplicated or arriving late always says the same thing.
- Requests (edge -> host): a definition is confirmed by a 2.xx answer to a request that
  carried it. Only a translated HTTP 2xx answer proves the host decoded the request; any other
  answer leaves the definition pending, which costs bytes, never correctness.
- Responses (host -> edge) intern nothing: repeats in responses are found by DEFLATE in the
  response history (history.py), whose entries the edge lists in the Mx-Ack option of its next
  requests until one of them gets a 2.xx answer.
- The access token uses the same scheme in its own table of slots; a request without the
  Mx-Auth option means slot 0, so the steady state costs nothing.
- Tables are bounded (MAX_INTERNED, MAX_TOKENS); a full table stops interning (values then
  travel in full), it never evicts. A new secure session starts a new Session.
"""

from mxcoap.compat import const
from mxcoap.matrix.errors import MatrixDecodeError, UnknownReference
from mxcoap.matrix.history import HistoryDecoder, HistoryEncoder

MAX_INTERNED = const(256)  # indices are one byte
MAX_TOKENS = const(16)
MAX_INTERNED_LEN = const(255)  # longer identifiers are not worth a table entry on the device
MAX_TOKEN_LEN = const(2048)  # longer access tokens travel as a plain Authorization header


class InternEncoder:
    """The sending side of one table."""

    def __init__(self, limit=MAX_INTERNED, max_len=MAX_INTERNED_LEN):
        self.limit = limit
        self.max_len = max_len
        self.index = {}  # value -> index
        self.confirmed = set()

    def lookup(self, value):
        """(confirmed, index) for value, assigning an index if needed; None when full."""
        i = self.index.get(value)
        if i is None:
            if len(self.index) >= self.limit or len(value) > self.max_len:
                return None
            i = len(self.index)
            self.index[value] = i
        return i in self.confirmed, i

    def confirm(self, indices):
        n = len(self.index)
        for i in indices:
            if 0 <= i < n:
                self.confirmed.add(i)

    def forget_confirmations(self):
        """The peer lost its table: define everything again before referring to it."""
        self.confirmed = set()


class InternDecoder:
    """The receiving side of one table."""

    def __init__(self, limit=MAX_INTERNED, max_len=MAX_INTERNED_LEN):
        self.limit = limit
        self.max_len = max_len  # bounds what a hostile peer can make this side store
        self.values = {}  # index -> value

    def define(self, i, value):
        if not 0 <= i < self.limit or len(value) > self.max_len:
            raise MatrixDecodeError("interned index " + str(i) + " or its value out of range")
        old = self.values.get(i)
        if old is not None and old != value:
            raise MatrixDecodeError("interned index " + str(i) + " redefined")
        self.values[i] = value

    def lookup(self, i):
        value = self.values.get(i)
        if value is None:
            raise UnknownReference("unknown interned index " + str(i))
        return value


class Exchange:
    """What one request put at stake, so that its answer can confirm it (edge side)."""

    def __init__(self):
        self.route = None  # routes.Route the request used, or None (verbatim path)
        self.defs = []  # indices defined in the request
        self.token_def = None  # token slot defined in the request
        self.acks = []  # response history entries acknowledged in the request (Mx-Ack)
        self.payload = b""  # the request's compact payload before DEFLATE (history entries)


class Session:
    """Both directions' tables for one secure session; `maps` is the agreed maps.MapSet.

    The edge encodes requests with `tx`/`tokens_tx` and decodes responses with `rx`; the host
    decodes requests with `rx`/`tokens_rx` and encodes responses with `tx`.
    """

    def __init__(self, maps):
        self.maps = maps
        self.tx = InternEncoder()
        self.rx = InternDecoder()
        self.tokens_tx = InternEncoder(MAX_TOKENS, MAX_TOKEN_LEN)
        self.tokens_rx = InternDecoder(MAX_TOKENS, MAX_TOKEN_LEN)
        # Response history (history.py): the host numbers entries, the edge acknowledges them.
        self.history_tx = HistoryEncoder()
        self.history_rx = HistoryDecoder()
        # First flight (docs/protocol.md (Part 4)): the edge encodes with the offer's first set and
        # marks requests with Mx-Maps until the reply; the host decodes those with first_maps,
        # the set it holds under the offer's first id (None: it holds none).
        self.first_flight = False
        self.first_maps = None

    def answered(self, exchange, status):
        """The answer to `exchange` arrived with HTTP `status` (edge side)."""
        if 200 <= status < 300:
            self.tx.confirm(exchange.defs)
            if exchange.token_def is not None:
                self.tokens_tx.confirm((exchange.token_def,))
            self.history_rx.confirmed(exchange.acks)

    def peer_lost_state(self):
        self.tx.forget_confirmations()
        self.tokens_tx.forget_confirmations()
        # The host's history went with its tables: it numbers entries from 0 again.
        self.history_rx = HistoryDecoder()
