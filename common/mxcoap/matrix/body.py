"""JSON values <-> compact CBOR items, reversibly (docs/protocol.md (Part 3), "Bodies").

    JSON            CBOR
    null/true/false the same simple values
    integer         integer (bignum tags 2/3 beyond 64 bits, RFC 8949 §3.4.3)
    other number    byte string K_NUM + its exact text (ids.py)
    string          simple value (values.py), byte string (ids.py compact form, interned
                    definition or reference), or text string
    array           array
    object          map; a key is an integer (keys.py), a simple value, a byte string or text

JSON has no byte strings and no simple values besides true/false/null, so every compact form is
distinguishable from data; anything without a shorter form is carried as it is. At the top level
a route's schema (routes.py) turns an object holding all the schema's keys into an array of their
values, followed by an object of the other keys when there are any (payload.py sends two or more
of them as a CBOR sequence); a JSON array body on such a route is wrapped in tag 55799 (RFC 8949
§3.4.6) so that it is not read as the schema form.
"""

from mxcoap.cbor import Simple, Tag
from mxcoap.matrix import ids
from mxcoap.matrix.errors import MatrixDecodeError, MatrixEncodeError, UnknownReference
from mxcoap.matrix.jsontext import MAX_DEPTH, JsonError, Num
from mxcoap.matrix.jsontext import loads as _json_loads

TAG_PLAIN = 55799
_ONE_BYTE_VALUES = 20  # simple values 0-19 are one byte; codes 20.. use simple values 32..


def value_item(i):
    return Simple(i if i < _ONE_BYTE_VALUES else i + 12)


class Encoder:
    """JSON -> CBOR items for one message. `interner` (session.InternEncoder or None) interns
    identifiers; the indices it defines in this message are appended to `defs`."""

    def __init__(self, maps, interner=None):
        self.maps = maps
        self.interner = interner
        self.defs = []

    def string(self, s, in_path=False, txn=False):
        if txn:
            n = ids.decimal(s)
            if n is not None:
                return n
        i = self.maps.value_index.get(s)
        if i is not None:
            return value_item(i)
        form = ids.compact(s, self.maps.server_index)
        if txn:
            return s if form is None else ids.txn_form(form)
        if self.interner is not None and ids.internable(s):
            found = self.interner.lookup(s)
            if found is not None:
                confirmed, idx = found
                if confirmed:
                    return idx if in_path else bytes((ids.K_REF, idx))
                self.defs.append(idx)
                if form is None:
                    form = bytes((ids.K_TEXT,)) + s.encode("utf-8")
                return ids.with_kind(ids.K_DEF, bytes((idx,)) + form)
        if form is not None:
            return form
        return s

    def value(self, v, depth=0):
        if v is None or v is True or v is False:
            return v
        if isinstance(v, int):
            return v
        if isinstance(v, str):
            return self.string(v)
        if depth >= MAX_DEPTH:
            raise MatrixEncodeError("nesting too deep")
        if isinstance(v, dict):
            out = {}
            key_index = self.maps.key_index
            for k, x in v.items():
                if not isinstance(k, str):
                    raise MatrixEncodeError("object key is not a string")
                i = key_index.get(k)
                out[i if i is not None else self.string(k)] = self.value(x, depth + 1)
            return out
        if isinstance(v, (list, tuple)):
            return [self.value(x, depth + 1) for x in v]
        if isinstance(v, Num):
            return ids.with_kind(ids.K_NUM, v.text.encode())
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                raise MatrixEncodeError("NaN and infinities are not JSON")
            return ids.with_kind(ids.K_NUM, repr(v).encode())
        raise MatrixEncodeError("not a JSON value: " + type(v).__name__)

    def body(self, v, schema=None):
        """The top-level item of a body, with the route's schema form when it applies."""
        if schema is not None:
            if isinstance(v, dict):
                for k in schema:
                    if k not in v:
                        break
                else:
                    out = [self.value(v[k], 1) for k in schema]
                    rest = {}
                    for k, x in v.items():
                        if k not in schema:
                            rest[k] = x
                    if rest:
                        out.append(self.value(rest, 1))
                    return out
            elif isinstance(v, (list, tuple)):
                return Tag(TAG_PLAIN, self.value(v))
        return self.value(v)


class Decoder:
    """CBOR items -> JSON for one message. `table` (session.InternDecoder or None) resolves
    references and learns definitions."""

    def __init__(self, maps, table=None):
        self.maps = maps
        self.table = table

    def _define(self, idx, value):
        if self.table is not None:
            self.table.define(idx, value)

    def _lookup(self, idx):
        if self.table is None:
            raise UnknownReference("interned reference " + str(idx) + " without a session")
        return self.table.lookup(idx)

    def string(self, item, in_path=False, txn=False):
        if isinstance(item, str):
            return item
        if isinstance(item, Simple):
            v = item.value
            i = v if v < _ONE_BYTE_VALUES else v - 12
            if i >= len(self.maps.values):
                raise MatrixDecodeError("value code " + str(i) + " outside the map set")
            return self.maps.values[i]
        if isinstance(item, bytes):
            kind, rest = ids.split_txn(item) if txn else ids.split_kind(item)
            if kind == ids.K_REF:
                if len(rest) != 1:
                    raise MatrixDecodeError("malformed reference")
                return self._lookup(rest[0])
            if kind == ids.K_DEF:
                if len(rest) < 2:
                    raise MatrixDecodeError("malformed definition")
                inner_kind, inner = ids.split_kind(rest[1:])
                if inner_kind in (ids.K_DEF, ids.K_REF, ids.K_NUM, ids.K_RAWSEG):
                    raise MatrixDecodeError("definition of a non-string")
                value = ids.expand(inner_kind, inner, self.maps.servers)
                self._define(rest[0], value)
                return value
            if kind == ids.K_NUM or kind == ids.K_RAWSEG:
                raise MatrixDecodeError("number or raw segment where a string belongs")
            return ids.expand(kind, rest, self.maps.servers)
        if in_path and isinstance(item, int) and item is not True and item is not False:
            if item < 0:
                raise MatrixDecodeError("negative path item")
            return str(item) if txn else self._lookup(item)
        raise MatrixDecodeError("not a string item: " + type(item).__name__)

    def value(self, item, depth=0):
        if item is None or item is True or item is False:
            return item
        if isinstance(item, int) or isinstance(item, str) or isinstance(item, Simple):
            return item if isinstance(item, int) else self.string(item)
        if isinstance(item, bytes):
            kind, rest = ids.split_kind(item)
            if kind == ids.K_NUM:
                return _number(rest)
            return self.string(item)
        if depth >= MAX_DEPTH:
            raise MatrixDecodeError("nesting too deep")
        if isinstance(item, dict):
            out = {}
            keys = self.maps.keys
            for k, x in item.items():
                if isinstance(k, int) and k is not True and k is not False:
                    if not 0 <= k < len(keys):
                        raise MatrixDecodeError("key code " + str(k) + " outside the map set")
                    key = keys[k]
                else:
                    key = self.string(k)
                if key in out:
                    raise MatrixDecodeError("two map keys decode to " + repr(key))
                out[key] = self.value(x, depth + 1)
            return out
        if isinstance(item, list):
            return [self.value(x, depth + 1) for x in item]
        raise MatrixDecodeError("item with no JSON meaning: " + type(item).__name__)

    def body(self, item, schema=None):
        if schema is not None:
            if isinstance(item, list):
                n = len(schema)
                if len(item) != n and len(item) != n + 1:
                    raise MatrixDecodeError("schema array of wrong length")
                out = {}
                for i in range(n):
                    out[schema[i]] = self.value(item[i], 1)
                if len(item) == n + 1:
                    rest = self.value(item[n], 1)
                    if not isinstance(rest, dict) or not rest:
                        raise MatrixDecodeError("schema array rest is not a non-empty object")
                    for k, x in rest.items():
                        if k in out:
                            raise MatrixDecodeError("schema key repeated in the rest")
                        out[k] = x
                return out
            if isinstance(item, Tag):
                if item.tag != TAG_PLAIN or not isinstance(item.value, list):
                    raise MatrixDecodeError("unexpected tag")
                return self.value(item.value)
        return self.value(item)


def _number(data):
    """A K_NUM's text, checked to be one JSON number (it goes into JSON output verbatim)."""
    try:
        text = bytes(data).decode()
        v = _json_loads(data)
    except (JsonError, UnicodeError, ValueError):
        raise MatrixDecodeError("K_NUM is not a JSON number")
    if text.strip() != text:
        raise MatrixDecodeError("K_NUM with white space")
    if isinstance(v, Num) or (isinstance(v, int) and v is not True and v is not False):
        return Num(text)
    raise MatrixDecodeError("K_NUM is not a JSON number")
