"""The Noise state objects (revision 34, §5), in the order of the specification.

CipherState (§5.1) encrypts with a key k and a counter nonce n; SymmetricState (§5.2) holds the
chaining key ck and the handshake hash h; HandshakeState (§5.3) runs the token sequences of a
handshake pattern (§7) with the psk rules of §9.
"""

import os

from ..compat import const
from . import hashes, x25519
from .aesgcm import AESGCM
from .chachapoly import ChaChaPoly
from .errors import HandshakeError, NoiseValueError
from .patterns import parse_protocol_name

DHLEN = x25519.DHLEN
HASHLEN = hashes.HASHLEN
TAG_LEN = const(16)
# §3: every Noise message, handshake or transport, is at most 65535 bytes.
MAX_MESSAGE_LEN = const(65535)
# §5.1: nonce 2^64-1 is reserved for rekey (§4.2); a CipherState never uses it for a message.
MAX_NONCE = (1 << 64) - 1
PSK_LEN = const(32)

_CIPHERS = {"ChaChaPoly": ChaChaPoly, "AESGCM": AESGCM}


# --- §5.1 CipherState ---------------------------------------------------------------------------


class CipherState:
    """k (a cipher bound to a 32-byte key, or None) and the 8-byte counter nonce n (§5.1)."""

    def __init__(self, cipher_name, key=None):
        self._cipher_cls = _CIPHERS[cipher_name]
        self.cipher_name = cipher_name
        self._cipher = None
        self.n = 0
        self.initialize_key(key)

    def initialize_key(self, key):
        """InitializeKey(key): k = key, n = 0. key=None is the spec's "empty"."""
        self._key = None if key is None else bytes(key)
        self._cipher = None if key is None else self._cipher_cls(key)
        self.n = 0

    def has_key(self):
        return self._cipher is not None

    @property
    def key(self):
        """The 32-byte k, or None. Not a Noise API: the session layer derives its record keys
        from the two split() keys (docs/protocol.md (Part 1)) and then drops these CipherStates."""
        return self._key

    def set_nonce(self, nonce):
        """SetNonce(nonce): for explicit nonces carried by the session layer (§5.1, §11.4)."""
        if nonce < 0 or nonce >= MAX_NONCE:
            raise NoiseValueError("nonce out of range (2^64-1 is reserved)")
        self.n = nonce

    def _check_nonce(self):
        # §5.1: "If incrementing n results in 2^64-1, then any further EncryptWithAd() or
        # DecryptWithAd() calls will signal an error to the caller."
        if self.n >= MAX_NONCE:
            raise NoiseValueError("nonce exhausted")

    def encrypt_with_ad(self, ad, plaintext):
        """ENCRYPT(k, n++, ad, plaintext) if k is set, else plaintext unchanged."""
        if self._cipher is None:
            return bytes(plaintext)
        if len(plaintext) + TAG_LEN > MAX_MESSAGE_LEN:
            raise NoiseValueError("plaintext too long for a Noise message")
        self._check_nonce()
        ciphertext = self._cipher.encrypt(self.n, ad, plaintext)
        self.n += 1
        return ciphertext

    def decrypt_with_ad(self, ad, ciphertext):
        """DECRYPT(k, n++, ad, ciphertext); on DecryptError n is not incremented (§5.1)."""
        if self._cipher is None:
            return bytes(ciphertext)
        if len(ciphertext) > MAX_MESSAGE_LEN:
            raise NoiseValueError("ciphertext too long for a Noise message")
        self._check_nonce()
        plaintext = self._cipher.decrypt(self.n, ad, ciphertext)
        self.n += 1
        return plaintext

    def rekey(self):
        """Rekey() (§4.2, §11.3): k = the first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, zeros)."""
        if self._cipher is None:
            raise HandshakeError("rekey without a key")
        n = self.n
        self.initialize_key(self._cipher.encrypt(MAX_NONCE, b"", bytes(32))[:32])
        self.n = n  # §11.3: rekeying leaves the nonce alone


# --- §5.2 SymmetricState ------------------------------------------------------------------------


class SymmetricState:
    """ck, h and a CipherState (§5.2)."""

    def __init__(self, protocol_name, cipher_name):
        """InitializeSymmetric(protocol_name)."""
        name = protocol_name.encode("ascii") if isinstance(protocol_name, str) else protocol_name
        if len(name) <= HASHLEN:
            self.h = bytes(name) + bytes(HASHLEN - len(name))
        else:
            self.h = hashes.sha256(name)
        self.ck = self.h
        self.cipher_state = CipherState(cipher_name)
        self.cipher_name = cipher_name

    def mix_key(self, input_key_material):
        """ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k) (HASHLEN is 32: no truncation)."""
        self.ck, temp_k = hashes.hkdf(self.ck, input_key_material, 2)
        self.cipher_state.initialize_key(temp_k)

    def mix_hash(self, data):
        """h = HASH(h || data)."""
        self.h = hashes.sha256(self.h + bytes(data))

    def mix_key_and_hash(self, input_key_material):
        """ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); InitializeKey(temp_k)."""
        self.ck, temp_h, temp_k = hashes.hkdf(self.ck, input_key_material, 3)
        self.mix_hash(temp_h)
        self.cipher_state.initialize_key(temp_k)

    def get_handshake_hash(self):
        return self.h

    def encrypt_and_hash(self, plaintext):
        ciphertext = self.cipher_state.encrypt_with_ad(self.h, plaintext)
        self.mix_hash(ciphertext)
        return ciphertext

    def decrypt_and_hash(self, ciphertext):
        plaintext = self.cipher_state.decrypt_with_ad(self.h, ciphertext)
        self.mix_hash(ciphertext)
        return plaintext

    def split(self):
        """temp_k1, temp_k2 = HKDF(ck, zerolen, 2) -> (c1, c2): c1 initiator->responder."""
        temp_k1, temp_k2 = hashes.hkdf(self.ck, b"", 2)
        return CipherState(self.cipher_name, temp_k1), CipherState(self.cipher_name, temp_k2)


# --- §5.3 HandshakeState ------------------------------------------------------------------------


def _key(value, what):
    if value is None:
        return None
    if len(value) != 32:
        raise NoiseValueError(what + " must be 32 bytes")
    return bytes(value)


class HandshakeState:
    """Initialize(handshake_pattern, initiator, prologue, s, e, rs, re) of §5.3.

    s and e are 32-byte private keys (e only to fix the ephemeral, for test vectors); rs and re
    are the peer's 32-byte public keys known in advance (pre-messages). psks are the 32-byte
    pre-shared keys in the order their "psk" tokens appear (§9). rand gives random bytes for
    the ephemeral key (os.urandom by default). s_public, if given, is public_key(s) computed once
    by the caller: it saves one X25519 per handshake on a slow device (a wrong value only makes
    the handshake fail).
    """

    def __init__(
        self,
        protocol_name,
        initiator,
        s=None,
        rs=None,
        e=None,
        prologue=b"",
        psks=(),
        re=None,
        rand=None,
        s_public=None,
    ):
        pattern, _dh, cipher_name, _hash = parse_protocol_name(protocol_name)
        self.protocol_name = protocol_name
        self.pattern = pattern
        self.initiator = bool(initiator)
        self._rand = rand or os.urandom
        self.symmetric_state = SymmetricState(protocol_name, cipher_name)
        self.symmetric_state.mix_hash(prologue)
        self.s = _key(s, "s")
        self.s_pub = _key(s_public, "s_public")
        if self.s_pub is None and s is not None:
            self.s_pub = x25519.public_key(self.s)
        self.e = _key(e, "e")
        self.e_pub = None
        self.rs = _key(rs, "rs")
        self.re = _key(re, "re")
        self.psks = [_key(p, "psk") for p in psks]
        if len(self.psks) != pattern.psk_count:
            raise NoiseValueError(
                "pattern needs " + str(pattern.psk_count) + " psks, got " + str(len(self.psks))
            )
        self._psk_index = 0
        self._psk_mode = pattern.psk_count > 0  # §9.2: "e" also calls MixKey in psk handshakes
        self._index = 0
        self._failed = False
        self._ciphers = None
        self._check_keys()
        # Pre-messages: initiator's public keys first, then the responder's (§5.3, §7.1).
        self._mix_pre_message(pattern.pre_initiator, self.initiator)
        self._mix_pre_message(pattern.pre_responder, not self.initiator)

    def _check_keys(self):
        # Refuse up front what the pattern cannot run without (misuse, not a peer's fault).
        p = self.pattern
        mine_pre, theirs_pre = (
            (p.pre_initiator, p.pre_responder)
            if self.initiator
            else (p.pre_responder, p.pre_initiator)
        )
        first = 0 if self.initiator else 1
        sends_s = any("s" in p.messages[i] for i in range(first, len(p.messages), 2))
        if ("s" in mine_pre or sends_s) and self.s is None:
            raise HandshakeError("this pattern needs our static key s")
        if "s" in theirs_pre and self.rs is None:
            raise HandshakeError("this pattern needs the peer's static key rs")
        if "e" in theirs_pre and self.re is None:
            raise HandshakeError("this pattern needs the peer's ephemeral key re")
        if "e" in mine_pre and self.e is None:
            raise HandshakeError("this pattern needs our pre-message ephemeral e")
        if "e" in mine_pre:
            self.e_pub = x25519.public_key(self.e)

    def _mix_pre_message(self, tokens, ours):
        for token in tokens:
            if token == "e":
                self.symmetric_state.mix_hash(self.e_pub if ours else self.re)
                if self._psk_mode:
                    self.symmetric_state.mix_key(self.e_pub if ours else self.re)
            else:
                self.symmetric_state.mix_hash(self.s_pub if ours else self.rs)

    # -- public state ----------------------------------------------------------------------------

    @property
    def finished(self):
        return self._ciphers is not None

    @property
    def handshake_hash(self):
        """h: after the handshake, a channel binding for both sides (§11.2)."""
        return self.symmetric_state.get_handshake_hash()

    @property
    def remote_static(self):
        """The peer's static public key, once known (pre-message or received "s")."""
        return self.rs

    @property
    def remote_ephemeral(self):
        return self.re

    @property
    def local_static_public(self):
        return self.s_pub

    @property
    def local_ephemeral_public(self):
        return self.e_pub

    def is_my_turn(self):
        """True when write_message() is the next call, False when read_message() is."""
        return (self._index % 2 == 0) == self.initiator

    def split(self):
        """(c1, c2) of §5.2 Split(): c1 encrypts initiator->responder, c2 responder->initiator."""
        if self._ciphers is None:
            raise HandshakeError("handshake not finished")
        return self._ciphers

    def ciphers(self):
        """(send, receive) CipherStates for our role, from split()."""
        c1, c2 = self.split()
        return (c1, c2) if self.initiator else (c2, c1)

    # -- §5.3 WriteMessage / ReadMessage ---------------------------------------------------------

    def _next_tokens(self, writing):
        if self._failed:
            raise HandshakeError("handshake failed earlier; start a new one")
        if self._ciphers is not None:
            raise HandshakeError("handshake already finished")
        if self.is_my_turn() != writing:
            raise HandshakeError("not our turn to " + ("write" if writing else "read"))
        return self.pattern.messages[self._index]

    def _dh_token(self, token):
        # §5.3: "ee" DH(e, re); "es" initiator DH(e, rs), responder DH(s, re); "se" initiator
        # DH(s, re), responder DH(e, rs); "ss" DH(s, rs).
        if token == "ee":
            return x25519.dh(self.e, self.re)
        if token == "ss":
            return x25519.dh(self.s, self.rs)
        if (token == "es") == self.initiator:
            return x25519.dh(self.e, self.rs)
        return x25519.dh(self.s, self.re)

    def write_message(self, payload=b""):
        """WriteMessage(payload): returns the message bytes (§5.3)."""
        tokens = self._next_tokens(True)
        ss = self.symmetric_state
        out = []
        try:
            for token in tokens:
                if token == "e":
                    if self.e is None:
                        self.e = x25519.generate_private(self._rand)
                    if self.e_pub is None:
                        self.e_pub = x25519.public_key(self.e)
                    out.append(self.e_pub)
                    ss.mix_hash(self.e_pub)
                    if self._psk_mode:
                        ss.mix_key(self.e_pub)  # §9.2
                elif token == "s":
                    out.append(ss.encrypt_and_hash(self.s_pub))
                elif token == "psk":
                    ss.mix_key_and_hash(self._next_psk())
                else:
                    ss.mix_key(self._dh_token(token))
            out.append(ss.encrypt_and_hash(payload))
        except Exception:
            self._failed = True
            raise
        message = b"".join(out)
        if len(message) > MAX_MESSAGE_LEN:
            self._failed = True
            raise NoiseValueError("handshake message longer than 65535 bytes")
        self._advance()
        return message

    def read_message(self, message):
        """ReadMessage(message): returns the payload; DecryptError if it does not authenticate."""
        tokens = self._next_tokens(False)
        if len(message) > MAX_MESSAGE_LEN:
            raise NoiseValueError("handshake message longer than 65535 bytes")
        message = bytes(message)
        ss = self.symmetric_state
        pos = 0
        try:
            for token in tokens:
                if token == "e":
                    if len(message) - pos < DHLEN:
                        raise NoiseValueError("handshake message too short")
                    self.re = message[pos : pos + DHLEN]
                    pos += DHLEN
                    ss.mix_hash(self.re)
                    if self._psk_mode:
                        ss.mix_key(self.re)  # §9.2
                elif token == "s":
                    n = DHLEN + (TAG_LEN if ss.cipher_state.has_key() else 0)
                    if len(message) - pos < n:
                        raise NoiseValueError("handshake message too short")
                    self.rs = ss.decrypt_and_hash(message[pos : pos + n])
                    pos += n
                elif token == "psk":
                    ss.mix_key_and_hash(self._next_psk())
                else:
                    ss.mix_key(self._dh_token(token))
            if ss.cipher_state.has_key() and len(message) - pos < TAG_LEN:
                raise NoiseValueError("handshake message too short")
            payload = ss.decrypt_and_hash(message[pos:])
        except Exception:
            # §5.3: a failed handshake message leaves h and ck changed; nothing may follow.
            self._failed = True
            raise
        self._advance()
        return payload

    def _next_psk(self):
        psk = self.psks[self._psk_index]
        self._psk_index += 1
        return psk

    def _advance(self):
        self._index += 1
        if self._index == len(self.pattern.messages):
            self._ciphers = self.symmetric_state.split()
