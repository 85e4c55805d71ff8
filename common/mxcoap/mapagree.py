"""Agreeing on a map set in the secure session's hello (docs/protocol.md (Part 4), "Agreement").

    agree = MapAgreement([trained, maps.builtin()])      # the sets this peer holds, best first
    initiator: last = the id the responder picked last time (known peers note), or None
               connect(..., hello=agree.offer(last))
               session = Session(agree.early(last)); session.first_flight = True
               on SessionEstablished: map_set, reason = agree.accept(event.hello, last)
               session.maps = map_set; session.first_flight = False; remember map_set.id
               on MapRetry from decode_response: encode the request again, send it once more
    responder: SecureEndpoint(..., hello=lambda offered: agree.answer(offered)[0])
               on SessionEstablished: reply, map_set, reason = agree.answer(event.hello);
               session = Session(map_set); session.first_maps = agree.held(event.hello)

Offer (initiator hello): the ids it holds (4 bytes each, maps.ID_LEN), most preferred first,
at most MAX_OFFER. Reply (responder hello): one byte, the position in the offer of the set
maps.choose_map() picks, or NO_SET; then the responder's own ids, except when the pick is the
first preference of both sides (the steady state: one byte). Both sides run choose_map on the
two lists, so the initiator can check the pick; the responder's pick is binding, as the
responder encodes its responses with it.

First flight: requests encoded before the reply is known (the one IK1 carries, the one XX3
carries, any queued) use the set the offer names first and carry the empty Mx-Maps option; the
responder decodes those with that set when it holds it (whatever it picked), else answers
Mx-Error 4 (REASON_MAP_UNKNOWN) without forwarding, and the edge sends the request once more
with the agreed set (docs/protocol.md (Part 4), "First flight").
"""

from mxcoap import maps
from mxcoap.compat import const
from mxcoap.matrix.errors import MapError

MAX_OFFER = const(16)  # 64 bytes of the 255 a hello may hold (session handshake.MAX_HELLO)
NO_SET = const(0xFF)  # reply: no common set, everything travels verbatim


def encode_ids(ids):
    if len(ids) > MAX_OFFER:
        raise MapError("more than " + str(MAX_OFFER) + " map sets offered")
    return b"".join(bytes(i) for i in ids)


def decode_ids(data):
    """The list of 4-byte ids in data; MapError when it is not one."""
    n = len(data)
    if n % maps.ID_LEN or n // maps.ID_LEN > MAX_OFFER:
        raise MapError("a list of map set ids has " + str(n) + " bytes")
    return [bytes(data[i : i + maps.ID_LEN]) for i in range(0, n, maps.ID_LEN)]


class MapAgreement:
    """The map sets one peer holds, most preferred first, and both halves of the hello."""

    def __init__(self, sets):
        self.sets = list(sets)
        self.ids = [s.id for s in self.sets]
        encode_ids(self.ids)  # checks the count
        self._empty = maps.empty()

    def _order(self, first):
        """Our ids, with `first` (the peer's last pick, if we hold it) moved to the front."""
        if first is None or first not in self.ids:
            return self.ids
        return [first] + [i for i in self.ids if i != first]

    def offer(self, first=None):
        """The initiator's hello: our ids, `first` (the set the responder picked last time)
        leading when we hold it."""
        return encode_ids(self._order(first))

    def early(self, first=None):
        """The set for first-flight requests (encoded before the reply, marked Mx-Maps): the
        one offer(first) names first; maps.empty() when we hold none."""
        ids = self._order(first)
        return self._set(ids[0]) if ids else self._empty

    def held(self, offered):
        """Responder: the set we hold under the offer's first id (what first-flight requests
        were encoded with), or None."""
        if len(offered) < maps.ID_LEN or len(offered) % maps.ID_LEN:
            return None
        first = bytes(offered[: maps.ID_LEN])
        return self._set(first) if first in self.ids else None

    def _set(self, mid):
        return self._empty if mid is None else self.sets[self.ids.index(mid)]

    def answer(self, offered):
        """(reply hello, MapSet, reason) on the responder, from the initiator's hello."""
        if not offered:
            return b"", self._empty, ("peer offered no map set (local " + _text(self.ids)
                                      + "): using none, everything verbatim")
        try:
            peer = decode_ids(offered)
        except MapError as e:
            return (bytes((NO_SET,)) + encode_ids(self.ids), self._empty,
                    "malformed map offer (" + e.message + "): using none, everything verbatim")
        mid, reason = maps.choose_map(self.ids, peer)
        if mid is None:
            return bytes((NO_SET,)) + encode_ids(self.ids), self._empty, reason
        pos = peer.index(mid)
        tail = b"" if pos == 0 and self.ids[0] == mid else encode_ids(self.ids)
        return bytes((pos,)) + tail, self._set(mid), reason

    def accept(self, reply, first=None):
        """(MapSet, reason) on the initiator, from the responder's hello to offer(first).

        MapError when the reply names no set of the offer: the peers cannot understand each
        other's messages, and the driver closes the session."""
        if not reply:
            return self._empty, ("peer answered no map set (local " + _text(self.ids)
                                 + "): using none, everything verbatim")
        ids = self._order(first)
        pos = reply[0]
        if pos != NO_SET and pos >= len(ids):
            raise MapError("map reply names position " + str(pos) + " of an offer of "
                           + str(len(ids)))
        if pos == 0 and len(reply) == 1:
            peer = [ids[0]]
        else:
            peer = decode_ids(reply[1:])
        mid, reason = maps.choose_map(ids, peer)
        picked = None if pos == NO_SET else ids[pos]
        if picked != mid:
            reason += ("; but the peer picked " + (picked.hex() if picked else "none")
                       + ", which it will use: using it")
        return self._set(picked), reason


def _text(ids):
    return "[" + ",".join(i.hex() for i in ids) + "]"
