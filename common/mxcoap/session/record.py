"""The record layer: keys from the Noise split, AES-CCM-16-64-128 seal/open of transport datagrams
(docs/protocol.md (Part 1), "Cryptographic choices", "Transport datagram")."""

from ..noise.hashes import hkdf_expand, hkdf_extract
from .ccm import NONCE_LEN, AesCcm
from .errors import AuthenticationError, SessionError
from .header import (
    COMPACT_BITS,
    COMPACT_SID_MAX,
    TAG_LEN,
    encode_transport_header,
    nonce_length_for,
)
from .replay import ReplayWindow, expand_counter

KEY_LEN = 16
COMPACT_WINDOW = 1 << COMPACT_BITS
INFO_I2R = b"mxcoap/1 i2r"
INFO_R2I = b"mxcoap/1 r2i"


def derive_keys(h, k1, k2):
    """((key_i2r, iv_i2r), (key_r2i, iv_r2i)): HKDF-SHA256(salt=h, ikm=k, info, L=29) each."""
    out = []
    for k, info in ((k1, INFO_I2R), (k2, INFO_R2I)):
        okm = hkdf_expand(hkdf_extract(h, k), info, KEY_LEN + NONCE_LEN)
        out.append((okm[:KEY_LEN], okm[KEY_LEN:]))
    return out[0], out[1]


def keys_from_handshake(hs):
    """derive_keys() over a finished HandshakeState."""
    c1, c2 = hs.split()
    return derive_keys(hs.handshake_hash, c1.key, c2.key)


def make_nonce(iv, counter):
    """iv XOR the 64-bit counter right-aligned in 13 bytes."""
    return (int.from_bytes(iv, "big") ^ counter).to_bytes(NONCE_LEN, "big")


class ReplayedError(SessionError):
    """A counter already seen or older than the replay window."""


class Record:
    """One direction pair of a session: send key/IV/counter, receive key/IV/window."""

    def __init__(self, send, recv, params):
        self._send_ccm = AesCcm(send[0], TAG_LEN)
        self._send_iv = send[1]
        self._recv_ccm = AesCcm(recv[0], TAG_LEN)
        self._recv_iv = recv[1]
        self.params = params
        self.send_counter = 0
        self.window = ReplayWindow()
        self.unanswered = 0  # datagrams sent since the peer last authenticated to us
        self.auth_failures = 0
        self.recent_tags = []  # tags of our last datagrams (RESET authentication), newest last

    def exhausted(self):
        return self.send_counter >= self.params.rekey_at

    def seal(self, peer_sid, plaintext):
        """One transport datagram to the peer (whose receive id is peer_sid)."""
        p = self.params
        n = self.send_counter
        compact = p.compact_nonce_gap if peer_sid <= COMPACT_SID_MAX else 0
        nonce_len = nonce_length_for(self.unanswered, p.short_nonce_gap, p.medium_nonce_gap,
                                     compact)
        header = encode_transport_header(peer_sid, nonce_len, n)
        sealed = self._send_ccm.encrypt(make_nonce(self._send_iv, n), plaintext, header)
        self.send_counter = n + 1
        self.unanswered += 1
        tags = self.recent_tags
        tags.append(sealed[len(sealed) - TAG_LEN :])
        if len(tags) > p.reset_tags:
            tags.pop(0)
        return header + sealed

    def open(self, data, nonce_len, truncated, header_len):
        """The plaintext of an authenticated datagram; the window moves only on success."""
        w = self.window
        counter = expand_counter(truncated, nonce_len, w.expected())
        # The compact form's 2 bits are also tried one window above and below (at most 3
        # trial decryptions): it then survives up to 5 lost datagrams of the sender before it,
        # or arriving after up to 4 later ones.
        tries = [counter]
        if nonce_len == 0:
            tries.append(counter + COMPACT_WINDOW)
            if counter >= COMPACT_WINDOW:
                tries.append(counter - COMPACT_WINDOW)
        fresh = [c for c in tries if not w.is_replay(c)]
        if len(fresh) < len(tries) and not fresh:
            raise ReplayedError("replayed or too old counter " + str(counter))
        mv = memoryview(data)
        body = mv[header_len:]
        ad = bytes(mv[:header_len])
        plaintext = None
        for counter in fresh:
            try:
                plaintext = self._recv_ccm.decrypt(make_nonce(self._recv_iv, counter), body, ad)
                break
            except AuthenticationError:
                pass
        if plaintext is None:
            if len(fresh) < len(tries):  # the closest counter was seen: a replay, not a forgery
                raise ReplayedError("replayed or too old counter " + str(tries[0]))
            self.auth_failures += 1
            raise AuthenticationError("transport datagram does not authenticate")
        w.mark(counter)
        self.unanswered = 0
        return plaintext

    def sent_tag(self, tag):
        """True if `tag` ends one of our recent datagrams (a RESET may be genuine)."""
        for t in self.recent_tags:
            if t == tag:
                return True
        return False
