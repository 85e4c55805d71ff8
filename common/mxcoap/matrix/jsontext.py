"""Strict JSON (RFC 8259) parsing and Matrix canonical JSON output, the same on both interpreters.

The parser works on bytes (MicroPython indexes non-ASCII str in O(n)) and refuses what cannot be
carried as data without loss, so that the caller sends such a body verbatim instead:
duplicate object keys, lone UTF-16 surrogates in escapes (\\ud800 alone: MicroPython's str cannot
hold them and UTF-8 cannot encode them), invalid UTF-8, nesting deeper than MAX_DEPTH. A pair of
surrogate escapes is one character ("\\ud83d\\ude00" is U+1F600). Integers become int; any other
number stays as its exact text in a Num, so no float rounding differs between interpreters.

dumps() writes Matrix canonical JSON (spec: "Canonical JSON"): keys sorted by code point, no
whitespace, UTF-8, only '"', '\\\\' and control characters escaped, exactly as Python's
json.dumps(ensure_ascii=False, separators=(",", ":"), sort_keys=True) does.
"""

from mxcoap.compat import UnicodeError, const, decode_utf8

MAX_DEPTH = const(32)  # nesting of arrays and objects (as CBOR allows); deeper input goes verbatim
MAX_INT_DIGITS = const(4300)  # CPython's own int() limit; longer integers stay as Num text


class JsonError(ValueError):
    """Not JSON this module carries as data (the caller falls back to the raw bytes)."""


class Num:
    """A JSON number that is not an integer, kept as its exact text."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, Num) and self.text == other.text

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return "Num(" + self.text + ")"


_ESCAPES = {0x22: '"', 0x5C: "\\", 0x2F: "/", 0x62: "\b", 0x66: "\f", 0x6E: "\n", 0x72: "\r",
            0x74: "\t"}
_DIGITS = b"0123456789"


class _Parser:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.end = len(data)

    def fail(self, what):
        raise JsonError(what + " at byte " + str(self.pos))

    def ws(self):
        data = self.data
        pos = self.pos
        end = self.end
        while pos < end and data[pos] in b" \t\n\r":
            pos += 1
        self.pos = pos

    def value(self, depth):
        self.ws()
        if self.pos >= self.end:
            self.fail("unexpected end")
        c = self.data[self.pos]
        if c == 0x22:
            return self.string()
        if c == 0x7B:
            return self.obj(depth + 1)
        if c == 0x5B:
            return self.array(depth + 1)
        if c == 0x74:
            return self.literal(b"true", True)
        if c == 0x66:
            return self.literal(b"false", False)
        if c == 0x6E:
            return self.literal(b"null", None)
        if c == 0x2D or c in _DIGITS:
            return self.number()
        self.fail("unexpected character")

    def literal(self, word, value):
        if self.data[self.pos : self.pos + len(word)] != word:
            self.fail("bad literal")
        self.pos += len(word)
        return value

    def digits(self):
        data = self.data
        start = self.pos
        while self.pos < self.end and data[self.pos] in _DIGITS:
            self.pos += 1
        return self.pos - start

    def number(self):
        data = self.data
        start = self.pos
        if data[self.pos] == 0x2D:
            self.pos += 1
        first = self.pos
        n = self.digits()
        if n == 0 or (n > 1 and data[first] == 0x30):
            self.fail("bad number")
        integral = True
        if self.pos < self.end and data[self.pos] == 0x2E:
            self.pos += 1
            integral = False
            if self.digits() == 0:
                self.fail("bad fraction")
        if self.pos < self.end and data[self.pos] in b"eE":
            self.pos += 1
            integral = False
            if self.pos < self.end and data[self.pos] in b"+-":
                self.pos += 1
            if self.digits() == 0:
                self.fail("bad exponent")
        text = bytes(data[start : self.pos]).decode()
        if integral and n <= MAX_INT_DIGITS and text != "-0":
            return int(text)
        return Num(text)

    def hex4(self):
        h = bytes(self.data[self.pos : self.pos + 4])
        if len(h) != 4:
            self.fail("truncated \\u escape")
        for b in h:
            if b not in b"0123456789abcdefABCDEF":
                self.fail("bad \\u escape")
        self.pos += 4
        return int(h, 16)

    def string(self):
        data = self.data
        self.pos += 1
        parts = []
        while True:
            q = data.find(b'"', self.pos)
            if q < 0:
                self.fail("unterminated string")
            bs = data.find(b"\\", self.pos, q)
            stop = q if bs < 0 else bs
            if stop > self.pos:
                seg = data[self.pos : stop]
                if min(seg) < 0x20:
                    self.fail("control character in string")
                try:
                    parts.append(decode_utf8(seg))
                except UnicodeError:
                    self.fail("invalid UTF-8")
            self.pos = stop + 1
            if bs < 0:
                return "".join(parts)
            if self.pos >= self.end:
                self.fail("truncated escape")
            e = data[self.pos]
            self.pos += 1
            if e != 0x75:
                ch = _ESCAPES.get(e)
                if ch is None:
                    self.fail("bad escape")
                parts.append(ch)
                continue
            cp = self.hex4()
            if 0xDC00 <= cp <= 0xDFFF:
                self.fail("lone low surrogate")
            if 0xD800 <= cp <= 0xDBFF:
                if data[self.pos : self.pos + 2] != b"\\u":
                    self.fail("lone high surrogate")
                self.pos += 2
                lo = self.hex4()
                if not 0xDC00 <= lo <= 0xDFFF:
                    self.fail("lone high surrogate")
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
            parts.append(chr(cp))

    def obj(self, depth):
        if depth > MAX_DEPTH:
            self.fail("nesting too deep")
        self.pos += 1
        out = {}
        self.ws()
        if self.pos < self.end and self.data[self.pos] == 0x7D:
            self.pos += 1
            return out
        while True:
            self.ws()
            if self.pos >= self.end or self.data[self.pos] != 0x22:
                self.fail("expected a key")
            key = self.string()
            if key in out:
                self.fail("duplicate key")
            self.ws()
            if self.pos >= self.end or self.data[self.pos] != 0x3A:
                self.fail("expected ':'")
            self.pos += 1
            out[key] = self.value(depth)
            self.ws()
            if self.pos >= self.end:
                self.fail("unterminated object")
            c = self.data[self.pos]
            self.pos += 1
            if c == 0x7D:
                return out
            if c != 0x2C:
                self.fail("expected ',' or '}'")

    def array(self, depth):
        if depth > MAX_DEPTH:
            self.fail("nesting too deep")
        self.pos += 1
        out = []
        self.ws()
        if self.pos < self.end and self.data[self.pos] == 0x5D:
            self.pos += 1
            return out
        while True:
            out.append(self.value(depth))
            self.ws()
            if self.pos >= self.end:
                self.fail("unterminated array")
            c = self.data[self.pos]
            self.pos += 1
            if c == 0x5D:
                return out
            if c != 0x2C:
                self.fail("expected ',' or ']'")


def loads(data):
    """Parse one JSON text from bytes; raises JsonError for anything not carried as data."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    if data[:3] == b"\xef\xbb\xbf":
        raise JsonError("byte order mark")  # RFC 8259 §8.1: must not be added; keep it verbatim
    p = _Parser(data)
    value = p.value(0)
    p.ws()
    if p.pos != p.end:
        p.fail("trailing data")
    return value


def _quote(s, out):
    for ch in s:
        if ch < " " or ch == '"' or ch == "\\":
            break
    else:
        out.append('"' + s + '"')
        return
    buf = ['"']
    for ch in s:
        if ch == '"':
            buf.append('\\"')
        elif ch == "\\":
            buf.append("\\\\")
        elif ch < " ":
            short = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}.get(ch)
            buf.append(short or "\\u{:04x}".format(ord(ch)))
        else:
            buf.append(ch)
    buf.append('"')
    out.append("".join(buf))


def _dump(v, out, depth):
    if depth > MAX_DEPTH:
        raise JsonError("nesting too deep")
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, str):
        _quote(v, out)
    elif isinstance(v, Num):
        out.append(v.text)
    elif isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise JsonError("NaN and infinities are not JSON")
        out.append(repr(v))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        first = True
        for item in v:
            if not first:
                out.append(",")
            first = False
            _dump(item, out, depth + 1)
        out.append("]")
    elif isinstance(v, dict):
        out.append("{")
        first = True
        for key in sorted(v):
            if not isinstance(key, str):
                raise JsonError("object key is not a string")
            if not first:
                out.append(",")
            first = False
            _quote(key, out)
            out.append(":")
            _dump(v[key], out, depth + 1)
        out.append("}")
    else:
        raise JsonError("not a JSON value: " + type(v).__name__)


def dumps(value):
    """Canonical JSON bytes of value (see the module docstring)."""
    out = []
    _dump(value, out, 0)
    return "".join(out).encode("utf-8")


def to_python(value):
    """value with every Num turned into int/float as Python's json would (tests, tools)."""
    if isinstance(value, Num):
        t = value.text
        return float(t) if ("." in t or "e" in t or "E" in t) else int(t)
    if isinstance(value, list):
        return [to_python(v) for v in value]
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    return value
