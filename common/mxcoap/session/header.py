"""Datagram header codec (docs/protocol.md (Part 1), "Datagram header byte", "Transport datagram").

Byte 0 bit 7 clear: a transport datagram `0 LL SSSSS [sid 2] nonce ciphertext tag(8)`, or, with
LL = 11, the compact form `0 11 SSS NN ciphertext tag(8)`: session id 0..7 and the low 2 bits of
the counter in byte 0 (nonce_len 0 in this API).
Bit 7 set: a handshake or control datagram, type in bits 6-4, flags in bits 3-0.
"""

from ..compat import const
from .errors import HeaderError

IK1 = const(0x90)
IK2 = const(0xA0)
XX1 = const(0xB0)
XX2 = const(0xC0)
XX3 = const(0xD0)
RETRY = const(0xE0)
RESET = const(0xF0)
FLAG_COOKIE = const(0x01)  # IK1/XX1: an 8-byte cookie follows byte 0

TAG_LEN = const(8)
SID_LEN = const(2)
COOKIE_LEN = const(8)
ECHO_LEN = const(8)
RESET_LEN = const(11)  # 0xF0, sid(2), the last 8 bytes of the offending datagram
RETRY_LEN = const(17)  # 0xE0, cookie(8), echo(8)
SID_INLINE_MAX = const(30)  # ids 0..30 live in byte 0; 31 means "2 bytes follow"
_SID_EXT = const(31)
MAX_SID = const(0xFFFF)
_NONCE_CODES = {1: 0, 2: 1, 4: 2}
_NONCE_LENS = (1, 2, 4)
_COMPACT = const(3)  # LL = 11: session id and counter bits share byte 0
COMPACT_SID_MAX = const(7)  # ids 0..7 can use the compact form
COMPACT_BITS = const(2)  # counter bits in a compact byte 0

# The shortest valid body of each handshake type, Noise overhead included (X25519 keys of 32
# bytes, 16-byte ChaChaPoly tags, the payload layouts of the spec with empty hello and CoAP).
MIN_LEN = {
    IK1: 1 + 32 + 48 + 16 + 11,
    IK2: 1 + 2 + 32 + 16 + 3,
    XX1: 1 + 32 + 3,
    XX2: 1 + 2 + 32 + 48 + 16 + 3,
    XX3: 1 + 2 + 48 + 16 + 8,
    RETRY: RETRY_LEN,
    RESET: RESET_LEN,
}


def kind(data):
    """0 for a transport datagram, else the type byte with its flags cleared; None to drop."""
    if not data:
        return None
    b = data[0]
    if not b & 0x80:
        return 0
    t = b & 0xF0
    if t not in MIN_LEN:
        return None
    # Only IK1 and XX1 define a flag (the cookie); any other flag bit set is not ours.
    if b & 0x0F and not (t in (IK1, XX1) and b & 0x0F == FLAG_COOKIE):
        return None
    extra = COOKIE_LEN if b & FLAG_COOKIE and t in (IK1, XX1) else 0
    if len(data) < MIN_LEN[t] + extra:
        return None
    return t


def nonce_length_for(gap, short_gap, medium_gap, compact_gap=0):
    """Bytes of counter to send when `gap` datagrams went out since the peer was last heard
    (0: the compact form, when gap < compact_gap and the receiver's id allows it)."""
    if gap < compact_gap:
        return 0
    if gap < short_gap:
        return 1
    if gap < medium_gap:
        return 2
    return 4


def encode_transport_header(sid, nonce_len, counter):
    """Byte 0, the optional 2-byte session id and the low 8*nonce_len bits of counter;
    nonce_len 0: the compact byte 0 (sid <= COMPACT_SID_MAX, low COMPACT_BITS of counter)."""
    if nonce_len == 0:
        if sid > COMPACT_SID_MAX:
            raise HeaderError("session id too large for the compact form")
        return bytes(((_COMPACT << 5) | (sid << COMPACT_BITS) | (counter & 3),))
    code = _NONCE_CODES[nonce_len]
    if sid <= SID_INLINE_MAX:
        head = bytes(((code << 5) | sid,))
    else:
        head = bytes(((code << 5) | _SID_EXT, sid >> 8, sid & 0xFF))
    mask = (1 << (8 * nonce_len)) - 1
    return head + (counter & mask).to_bytes(nonce_len, "big")


def decode_transport_header(data):
    """(sid, nonce_len, truncated_counter, header_len); HeaderError if malformed or too short."""
    if not data or data[0] & 0x80:
        raise HeaderError("not a transport datagram")
    b = data[0]
    code = (b >> 5) & 3
    if code == _COMPACT:
        if len(data) < 1 + TAG_LEN:
            raise HeaderError("transport datagram too short")
        return (b >> COMPACT_BITS) & COMPACT_SID_MAX, 0, b & 3, 1
    nonce_len = _NONCE_LENS[code]
    sid = b & 0x1F
    pos = 1
    if sid == _SID_EXT:
        if len(data) < 3:
            raise HeaderError("truncated session id")
        sid = (data[1] << 8) | data[2]
        pos = 3
    if len(data) < pos + nonce_len + TAG_LEN:
        raise HeaderError("transport datagram too short")
    truncated = int.from_bytes(bytes(data[pos : pos + nonce_len]), "big")
    return sid, nonce_len, truncated, pos + nonce_len


def split_cookie(data):
    """IK1/XX1: (cookie or None, Noise message)."""
    if data[0] & FLAG_COOKIE:
        return bytes(data[1 : 1 + COOKIE_LEN]), bytes(data[1 + COOKIE_LEN :])
    return None, bytes(data[1:])


def encode_hello(t, noise_message, cookie=None):
    """IK1 or XX1 with the cookie flag set when a cookie is given."""
    if cookie is None:
        return bytes((t,)) + noise_message
    return bytes((t | FLAG_COOKIE,)) + cookie + noise_message


def encode_with_sid(t, sid, noise_message):
    """IK2, XX2 (the initiator's id) and XX3 (the responder's id)."""
    return bytes((t, sid >> 8, sid & 0xFF)) + noise_message


def decode_with_sid(data):
    return (data[1] << 8) | data[2], bytes(data[3:])


def encode_retry(cookie, echo):
    return bytes((RETRY,)) + cookie + echo


def decode_retry(data):
    return bytes(data[1:9]), bytes(data[9:17])


def encode_reset(sid, datagram):
    """RESET for `datagram`: its receiver's session id and its last 8 bytes (its tag)."""
    return bytes((RESET, sid >> 8, sid & 0xFF)) + bytes(datagram[len(datagram) - TAG_LEN :])


def decode_reset(data):
    return (data[1] << 8) | data[2], bytes(data[3:11])
