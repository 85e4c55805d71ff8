"""Handshake payload codecs and Noise state constructors (docs/protocol.md (Part 1),
"Handshake payloads")."""

from ..compat import const
from ..noise import HandshakeState
from .errors import HeaderError

PROLOGUE = b"mxcoap/1"
IK = "Noise_IK_25519_ChaChaPoly_SHA256"
XX = "Noise_XX_25519_ChaChaPoly_SHA256"
FRESH_LEN = const(8)
MAX_HELLO = const(255)
# Noise overhead of each message with these protocols: X25519 keys (32), ChaChaPoly tags (16).
IK1_OVERHEAD = const(32 + 48 + 16)
IK2_OVERHEAD = const(32 + 16)
XX1_OVERHEAD = const(32)
XX2_OVERHEAD = const(32 + 48 + 16)
XX3_OVERHEAD = const(48 + 16)


def new_initiator(pattern, static_private, static_public, remote_static=None, rand=None):
    return HandshakeState(
        pattern,
        True,
        s=static_private,
        rs=remote_static,
        prologue=PROLOGUE,
        rand=rand,
        s_public=static_public,
    )


def new_responder(pattern, static_private, static_public, rand=None):
    # s_public computed once per endpoint: no X25519 work before the handshake is accepted.
    return HandshakeState(
        pattern, False, s=static_private, prologue=PROLOGUE, rand=rand, s_public=static_public
    )


def _sid(n):
    return bytes((n >> 8, n & 0xFF))


def _hello(hello):
    if len(hello) > MAX_HELLO:
        raise HeaderError("hello longer than 255 bytes")
    return bytes((len(hello),)) + bytes(hello)


def _read_hello(p, pos):
    if len(p) < pos + 1:
        raise HeaderError("payload too short for hello")
    n = p[pos]
    if len(p) < pos + 1 + n:
        raise HeaderError("hello runs past the payload")
    return bytes(p[pos + 1 : pos + 1 + n]), pos + 1 + n


def encode_ik1(rid, fresh, hello, coap):
    """IK1 payload: rid(2) fresh(8) hlen(1) hello coap."""
    return _sid(rid) + fresh.to_bytes(FRESH_LEN, "big") + _hello(hello) + bytes(coap)


def decode_ik1(p):
    """(rid, fresh, hello, coap)."""
    if len(p) < 2 + FRESH_LEN + 1:
        raise HeaderError("IK1 payload too short")
    rid = (p[0] << 8) | p[1]
    fresh = int.from_bytes(bytes(p[2 : 2 + FRESH_LEN]), "big")
    hello, pos = _read_hello(p, 2 + FRESH_LEN)
    return rid, fresh, hello, bytes(p[pos:])


def encode_reply(rid, hello, coap=b""):
    """IK2 / XX2 payload: rid(2) hlen(1) hello coap (coap only in IK2)."""
    return _sid(rid) + _hello(hello) + bytes(coap)


def decode_reply(p):
    """(rid, hello, coap)."""
    if len(p) < 3:
        raise HeaderError("reply payload too short")
    rid = (p[0] << 8) | p[1]
    hello, pos = _read_hello(p, 2)
    return rid, hello, bytes(p[pos:])


def encode_xx1(rid, hello):
    """XX1 payload (sent in clear, bound by the handshake hash): rid(2) hlen(1) hello."""
    return _sid(rid) + _hello(hello)


def decode_xx1(p):
    """(rid, hello); nothing may follow the hello."""
    if len(p) < 3:
        raise HeaderError("XX1 payload too short")
    rid = (p[0] << 8) | p[1]
    hello, pos = _read_hello(p, 2)
    if pos != len(p):
        raise HeaderError("trailing bytes in XX1 payload")
    return rid, hello


def encode_xx3(fresh, coap):
    """XX3 payload: fresh(8) coap."""
    return fresh.to_bytes(FRESH_LEN, "big") + bytes(coap)


def decode_xx3(p):
    if len(p) < FRESH_LEN:
        raise HeaderError("XX3 payload too short")
    return int.from_bytes(bytes(p[:FRESH_LEN]), "big"), bytes(p[FRESH_LEN:])
