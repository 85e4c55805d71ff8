"""Compact binary forms of Matrix identifiers (Matrix spec, "Appendices: Identifier Grammar").

A compact form is a CBOR byte string (JSON has none, so it cannot be confused with a JSON value).
A byte string of exactly 32 bytes is an event id of room version 4+ ("$" + 43 characters of
unpadded url-safe base64 of a 32-byte hash). Every other form starts with a kind byte:

    K_TEXT      0x00  UTF-8 text (only inside K_DEF, for a value with no shorter form)
    K_ROOM      0x01  32 bytes: "!" + unpadded url-safe base64 (hash-based room id, v12)
    K_EVENT_STD 0x02  32 bytes: "$" + unpadded standard base64 (event id, room version 3)
    K_USER      0x03  server index, localpart: "@" + localpart + ":" + server
    K_ALIAS     0x04  server index, localpart: "#" + localpart + ":" + server
    K_ROOM_SRV  0x05  server index, opaque:    "!" + opaque + ":" + server
    K_DEF       0x06  index, inner form: defines an interned value (session.py)
    K_REF       0x07  index: an interned value
    K_NUM       0x08  ASCII: a JSON number kept as its exact text (fraction, exponent)
    K_MXC       0x09  server index, media id: "mxc://" + server + "/" + media id
    K_RAWSEG    0x0a  ASCII: a path segment exactly as the client percent-encoded it
    K_PAD       0x0b  a form that would otherwise be 32 bytes long, behind one padding byte
    K_EVENT_SRV 0x0c  server index, opaque:    "$" + opaque + ":" + server (room versions 1-2)
    K_UUID      0x0d  16 bytes: a lowercase canonical UUID string (matrix-nio transaction ids);
                      in a txnId path slot it goes bare, without the kind (txn_form)
    K_TXN_M     0x0e  6-byte t, then n (0-8 bytes, minimal): "m" + t + "." + n in decimal
                      (matrix-js-sdk/Element transaction ids: "m" + milliseconds + "." + counter)
    K_STREAM    0x0f  "s" or "t", then unsigned LEB128 numbers: a Synapse stream token
                      "s" + n ("_" + n)* or topological token "t" + n "-" + n ("_" + n)*

Only exact canonical forms are compacted: base64 must re-encode to the same characters (a
non-canonical last character is carried as text, never "normalised"), and a sigil form is only
used when the server is in the map set's server table. Splitting at the first ":" and joining
with ":" again is lossless whatever the localpart holds.
"""

import binascii

from mxcoap.compat import UnicodeError, const, decode_utf8
from mxcoap.matrix.errors import MatrixDecodeError

K_TEXT = const(0)
K_ROOM = const(1)
K_EVENT_STD = const(2)
K_USER = const(3)
K_ALIAS = const(4)
K_ROOM_SRV = const(5)
K_DEF = const(6)
K_REF = const(7)
K_NUM = const(8)
K_MXC = const(9)
K_RAWSEG = const(10)
K_PAD = const(11)
K_EVENT_SRV = const(12)
K_UUID = const(13)
K_TXN_M = const(14)
K_STREAM = const(15)
MAX_TOKEN_NUMBERS = const(32)  # numbers in one stream token (Synapse uses about 15)

HASH_LEN = const(32)
UUID_LEN = const(16)
_B64_LEN = const(43)  # unpadded base64 of 32 bytes

_SERVER_KINDS = {"@": K_USER, "#": K_ALIAS, "!": K_ROOM_SRV, "$": K_EVENT_SRV}
_KIND_SIGILS = {K_USER: "@", K_ALIAS: "#", K_ROOM_SRV: "!", K_EVENT_SRV: "$"}
_HEX = "0123456789abcdef"


def _b64_chars(url):
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return chars + ("-_" if url else "+/")


_URL_ALPHABET = _b64_chars(True)
_STD_ALPHABET = _b64_chars(False)


def b64_encode(raw, url):
    """Unpadded base64 (RFC 4648 §5 alphabet when url, §4 otherwise)."""
    text = binascii.b2a_base64(raw).decode().rstrip("\n").rstrip("=")
    if url:
        text = text.replace("+", "-").replace("/", "_")
    return text


def b64_hash(text, url):
    """The 32 bytes behind 43 characters of canonical unpadded base64, or None."""
    if len(text) != _B64_LEN:
        return None
    alphabet = _URL_ALPHABET if url else _STD_ALPHABET
    for ch in text:
        if ch not in alphabet:
            return None
    std = text.replace("-", "+").replace("_", "/") if url else text
    try:
        raw = binascii.a2b_base64(std + "=")
    except ValueError:
        return None
    # Re-encoding catches a last character with non-zero spare bits (RFC 4648 §3.5): such an id
    # is a different string, so it must not be compacted into the canonical one.
    if len(raw) != HASH_LEN or b64_encode(raw, url) != text:
        return None
    return raw


def with_kind(kind, data):
    """kind byte + data; a result of exactly 32 bytes gets K_PAD in front (32 means event id)."""
    out = bytes((kind,)) + data
    if len(out) == HASH_LEN:
        out = bytes((K_PAD,)) + out
    return out


def txn_form(form):
    """A compact form as it goes in a txnId path slot: a UUID bare (16 bytes, no kind byte);
    any other form of exactly 16 bytes behind K_PAD, so that 16 bytes there always mean UUID."""
    if len(form) == UUID_LEN + 1 and form[0] == K_UUID:
        return form[1:]
    if len(form) == UUID_LEN:
        return bytes((K_PAD,)) + form
    return form


def split_txn(data):
    """(kind, rest) of a form in a txnId path slot (the inverse of txn_form)."""
    n = len(data)
    if n == UUID_LEN:
        return K_UUID, data
    if n == UUID_LEN + 1 and data[0] in (K_PAD, K_UUID):
        # K_PAD here steps a form off 16 bytes; a kinded UUID would be a second spelling.
        if data[0] == K_UUID or data[1] == K_PAD:
            raise MatrixDecodeError("non-canonical form in a txnId slot")
        return data[1], data[2:]
    return split_kind(data)


def _uuid_bytes(s):
    if len(s) != 36:
        return None
    hexpart = ""
    for i in range(36):
        ch = s[i]
        if i in (8, 13, 18, 23):
            if ch != "-":
                return None
        elif ch not in _HEX:
            return None
        else:
            hexpart += ch
    return bytes.fromhex(hexpart)


def _uuid_text(raw):
    h = raw.hex()
    return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]


def compact(s, server_index):
    """The compact byte form of string s, or None when s has no form shorter than its text."""
    form = _compact(s, server_index)
    if form is not None and len(form) >= len(s) and len(form) >= len(s.encode("utf-8")):
        return None
    return form


def _compact(s, server_index):
    n = len(s)
    if n < 2:
        return None
    sigil = s[0]
    if n == _B64_LEN + 1 and (sigil == "$" or sigil == "!"):
        raw = b64_hash(s[1:], True)
        if raw is not None:
            return raw if sigil == "$" else bytes((K_ROOM,)) + raw
        if sigil == "$":
            raw = b64_hash(s[1:], False)
            if raw is not None:
                return bytes((K_EVENT_STD,)) + raw
    kind = _SERVER_KINDS.get(sigil)
    if kind is not None:
        colon = s.find(":")
        if colon > 0:
            idx = server_index.get(s[colon + 1 :])
            if idx is not None:
                return with_kind(kind, bytes((idx,)) + s[1:colon].encode("utf-8"))
        return None
    if sigil == "m" and s.startswith("mxc://"):
        slash = s.find("/", 6)
        if slash > 0:
            idx = server_index.get(s[6:slash])
            if idx is not None:
                return with_kind(K_MXC, bytes((idx,)) + s[slash + 1 :].encode("utf-8"))
        return None
    if sigil == "m":
        return _txn_m(s)
    if sigil == "s" or sigil == "t":
        return _stream_token(s)
    raw = _uuid_bytes(s)
    if raw is not None:
        return bytes((K_UUID,)) + raw
    return None


def decimal(s):
    """int(s) when s is a canonical decimal (no sign, no leading zero) below 2**64, else None."""
    n = len(s)
    if n == 0 or n > 20 or (n > 1 and s[0] == "0"):
        return None
    for ch in s:
        if ch < "0" or ch > "9":
            return None
    v = int(s)
    return v if v >> 64 == 0 else None


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _stream_token(s):
    rest = s[1:]
    if s[0] == "t":
        dash = rest.find("-")
        if dash < 1:
            return None
        parts = [rest[:dash]] + rest[dash + 1 :].split("_")
    else:
        parts = rest.split("_")
    if len(parts) > MAX_TOKEN_NUMBERS:
        return None
    out = [s[0].encode()]
    for part in parts:
        n = decimal(part)
        if n is None:
            return None
        out.append(_varint(n))
    return with_kind(K_STREAM, b"".join(out))


def _expand_stream_token(body):
    if len(body) < 2 or body[0] not in (0x73, 0x74):  # "s", "t"
        raise MatrixDecodeError("malformed stream token")
    numbers = []
    n = 0
    shift = 0
    for i in range(1, len(body)):
        b = body[i]
        n |= (b & 0x7F) << shift
        shift += 7
        if shift > 70:
            raise MatrixDecodeError("stream token number too long")
        if not b & 0x80:
            numbers.append(str(n))
            n = 0
            shift = 0
    if shift or len(numbers) > MAX_TOKEN_NUMBERS:
        raise MatrixDecodeError("malformed stream token")
    if body[0] == 0x74:
        if len(numbers) < 2:
            raise MatrixDecodeError("topological token needs two numbers")
        return "t" + numbers[0] + "-" + "_".join(numbers[1:])
    return "s" + "_".join(numbers)


def _txn_m(s):
    dot = s.find(".")
    if dot < 2:
        return None
    t = decimal(s[1:dot])
    n = decimal(s[dot + 1 :])
    if t is None or n is None or t >> 48:
        return None
    count = b""
    while n:
        count = bytes((n & 0xFF,)) + count
        n >>= 8
    return with_kind(K_TXN_M, t.to_bytes(6, "big") + count)


def text(data):
    """Strict UTF-8 (the peer may send anything)."""
    try:
        return decode_utf8(data)
    except UnicodeError:
        raise MatrixDecodeError("compact form holds invalid UTF-8")


def _server(servers, data):
    if not data:
        raise MatrixDecodeError("compact id without server index")
    i = data[0]
    if i >= len(servers):
        raise MatrixDecodeError("server index " + str(i) + " outside the server table")
    return servers[i]


def split_kind(data):
    """(kind, rest) of a compact form; kind is None for a 32-byte event id. Removes K_PAD."""
    n = len(data)
    if n == HASH_LEN:
        return None, data
    if n == 0:
        raise MatrixDecodeError("empty compact form")
    kind = data[0]
    if kind == K_PAD:
        # Padding exists only to step a form off the 32-byte length (with_kind).
        if n != HASH_LEN + 1 or data[1] == K_PAD:
            raise MatrixDecodeError("misplaced padding byte")
        kind = data[1]
        return kind, data[2:]
    return kind, data[1:]


def expand(kind, body, servers):
    """The string behind a compact form other than K_DEF/K_REF/K_NUM/K_RAWSEG."""
    if kind is None:
        return "$" + b64_encode(body, True)
    if kind == K_ROOM or kind == K_EVENT_STD:
        if len(body) != HASH_LEN:
            raise MatrixDecodeError("hash id of wrong length")
        return ("!" if kind == K_ROOM else "$") + b64_encode(body, kind == K_ROOM)
    sigil = _KIND_SIGILS.get(kind)
    if sigil is not None:
        return sigil + text(body[1:]) + ":" + _server(servers, body)
    if kind == K_MXC:
        return "mxc://" + _server(servers, body) + "/" + text(body[1:])
    if kind == K_TEXT:
        return text(body)
    if kind == K_STREAM:
        return _expand_stream_token(body)
    if kind == K_TXN_M:
        if not 6 <= len(body) <= 14 or (len(body) > 6 and body[6] == 0):
            raise MatrixDecodeError("malformed K_TXN_M")
        count = int.from_bytes(body[6:], "big") if len(body) > 6 else 0
        return "m" + str(int.from_bytes(body[:6], "big")) + "." + str(count)
    if kind == K_UUID:
        if len(body) != 16:
            raise MatrixDecodeError("UUID of wrong length")
        return _uuid_text(body)
    raise MatrixDecodeError("unknown compact kind " + str(kind))


def internable(s):
    """Identifiers worth interning: they recur across messages (rooms, users, aliases)."""
    return len(s) > 3 and (s[0] == "!" or s[0] == "@" or s[0] == "#")
