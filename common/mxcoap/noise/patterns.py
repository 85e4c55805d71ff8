"""Handshake patterns (Noise §7) and the psk modifier (§9), parsed from the protocol name.

A pattern is (pre-messages, messages): pre_initiator and pre_responder are token tuples from
{"e", "s"}; messages is a tuple of token tuples, the initiator sending the even-numbered ones
(§7.1: "->" then "<-" alternate, starting with the initiator).
"""

from .errors import NoiseValueError

# §7.4 one-way patterns and §7.5 interactive (fundamental) patterns, written as in the spec:
# "initiator pre-message|responder pre-message|message 1|message 2|...", tokens space-separated.
# Strings rather than nested tuples: they stay in flash when frozen, and a pattern is expanded
# only when a handshake uses it.
_PATTERNS = {
    "N": "|s|e es",
    "K": "s|s|e es ss",
    "X": "|s|e es s ss",
    "NN": "||e|e ee",
    "NK": "|s|e es|e ee",
    "NX": "||e|e ee s es",
    "KN": "s||e|e ee se",
    "KK": "s|s|e es ss|e ee se",
    "KX": "s||e|e ee se s es",
    "XN": "||e|e ee|s se",
    "XK": "|s|e es|e ee|s se",
    "XX": "||e|e ee s es|s se",
    "IN": "||e s|e ee se",
    "IK": "|s|e es s ss|e ee se",
    "IX": "||e s|e ee se s es",
}

DH_NAMES = ("25519",)
CIPHER_NAMES = ("ChaChaPoly", "AESGCM")
HASH_NAMES = ("SHA256",)
MAX_PROTOCOL_NAME = 255  # nobody needs more; refuse before parsing hostile input


class HandshakePattern:
    """A parsed pattern with its modifiers applied."""

    def __init__(self, name, pre_initiator, pre_responder, messages, psk_count):
        self.name = name
        self.pre_initiator = pre_initiator
        self.pre_responder = pre_responder
        self.messages = messages
        self.psk_count = psk_count

    @property
    def one_way(self):
        return len(self.messages) == 1


def _apply_psk(messages, modifier):
    # §9.2: "psk0" puts a "psk" token at the start of the first message; "pskN" (N >= 1) at the
    # end of the Nth message.
    digits = modifier[3:]
    if not digits or not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
        raise NoiseValueError("bad psk modifier: " + modifier)
    n = int(digits)
    if n > len(messages):
        raise NoiseValueError("psk modifier beyond the last message: " + modifier)
    messages = list(messages)
    if n == 0:
        messages[0] = ("psk",) + messages[0]
    else:
        messages[n - 1] = messages[n - 1] + ("psk",)
    return tuple(messages)


def parse_pattern(name):
    """ "XXpsk3" or "NNpsk0+psk2" -> HandshakePattern (§8: name then "+"-separated modifiers)."""
    i = 0
    while i < len(name) and "A" <= name[i] <= "Z":
        i += 1
    base = name[:i]
    if base not in _PATTERNS:
        raise NoiseValueError("unknown handshake pattern: " + name)
    parts = _PATTERNS[base].split("|")
    pre_i = tuple(parts[0].split())
    pre_r = tuple(parts[1].split())
    messages = tuple(tuple(m.split()) for m in parts[2:])
    psk_count = 0
    if i < len(name):
        for modifier in name[i:].split("+"):
            if modifier.startswith("psk"):
                messages = _apply_psk(messages, modifier)
                psk_count += 1
            else:
                raise NoiseValueError("unsupported pattern modifier: " + modifier)
    return HandshakePattern(name, pre_i, pre_r, messages, psk_count)


def parse_protocol_name(protocol_name):
    """ "Noise_XX_25519_ChaChaPoly_SHA256" -> (pattern, dh, cipher, hash) (§8)."""
    if isinstance(protocol_name, (bytes, bytearray)):
        protocol_name = bytes(protocol_name).decode("ascii")
    if len(protocol_name) > MAX_PROTOCOL_NAME:
        raise NoiseValueError("protocol name too long")
    parts = protocol_name.split("_")
    if len(parts) != 5 or parts[0] != "Noise":
        raise NoiseValueError("not a Noise protocol name: " + protocol_name)
    _, pattern, dh, cipher, hash_name = parts
    if dh not in DH_NAMES:
        raise NoiseValueError("unsupported DH function: " + dh)
    if cipher not in CIPHER_NAMES:
        raise NoiseValueError("unsupported cipher: " + cipher)
    if hash_name not in HASH_NAMES:
        raise NoiseValueError("unsupported hash: " + hash_name)
    return parse_pattern(pattern), dh, cipher, hash_name
