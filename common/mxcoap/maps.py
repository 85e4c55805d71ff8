"""Map sets: the tables both peers must share (routes, JSON keys, values, query keys, servers,
DEFLATE dictionary), their content-derived ids, and choosing one both peers hold.

A map set file (maps/*.json or maps/*.cbor; reading the file is the driver's job) is one object:

    {"name": "mx1", "routes": [[template, request schema or null, response schema or null], ...],
     "keys": [...], "values": [...], "query": [...], "servers": [...],
     "dictionary": "<base64>" (JSON) or bytes (CBOR)}

or the same with "base": "<hex id>" and only what it appends to that set's tables (load()).

Its id is the first 4 bytes of SHA-256 over the deterministic CBOR (RFC 8949 §4.2.1) of that
object without "name": two files with the same tables have the same id whatever they are called,
and any change to a table (a reordering included) gives another id.
"""

import binascii
import hashlib
import json

from mxcoap import cbor
from mxcoap.compat import const
from mxcoap.matrix import keys as _keys
from mxcoap.matrix import routes as _routes
from mxcoap.matrix import values as _values
from mxcoap.matrix.errors import MapError

ID_LEN = const(4)
MAX_VALUES = const(244)  # CBOR simple values 0-19 and 32-255 (values.py)
MAX_QUERY_KEYS = const(30)  # Uri-Query code bytes 0x00-0x1d (request.py)
MAX_SERVERS = const(256)  # one index byte (ids.py)
MAX_KEYS = const(65536)
MAX_ROUTES = const(65536)
MAX_MAP_FILE = const(1048576)

DEFAULT_SERVERS = (
    "matrix.org", "localhost", "example.org", "example.com", "mozilla.org", "kde.org",
    "gnome.org", "fedora.im", "element.io", "t2bot.io", "gitter.im", "envs.net", "tchncs.de",
    "nitro.chat", "beeper.com", "matrix.im",
)


def _check_strings(name, items, limit):
    if not isinstance(items, (list, tuple)) or len(items) > limit:
        raise MapError(name + " must be a list of at most " + str(limit) + " strings")
    seen = set()
    for s in items:
        if not isinstance(s, str) or s in seen:
            raise MapError(name + " holds a non-string or a duplicate: " + repr(s))
        seen.add(s)
    return tuple(items)


class MapSet:
    """One map set with its lookup tables compiled."""

    def __init__(self, name, routes, keys, values, query, servers, dictionary=b""):
        self.name = name
        if not isinstance(routes, (list, tuple)) or len(routes) > MAX_ROUTES:
            raise MapError("routes must be a list")
        for entry in routes:
            if not isinstance(entry, (list, tuple)) or len(entry) != 3:
                raise MapError("a route is [template, request schema, response schema]")
            template, req, resp = entry
            if not isinstance(template, str) or not template.startswith("/"):
                raise MapError("route template must start with /: " + repr(template))
            if req:
                _check_strings("schema", req, 64)
            if resp:
                _check_strings("schema", resp, 64)
        self.routes = routes
        self.keys = _check_strings("keys", keys, MAX_KEYS)
        self.values = _check_strings("values", values, MAX_VALUES)
        self.query = _check_strings("query", query, MAX_QUERY_KEYS)
        self.servers = _check_strings("servers", servers, MAX_SERVERS)
        if not isinstance(dictionary, (bytes, bytearray)):
            raise MapError("dictionary must be bytes")
        self.dictionary = bytes(dictionary)
        self._id = None
        self.route_table = _routes.RouteTable(self.routes)
        self.key_index = _index(self.keys)
        self.value_index = _index(self.values)
        self.query_index = _index(self.query)
        self.server_index = _index(self.servers)

    @property
    def id(self):
        """4 bytes; computed on first use (it encodes every table once: ~10 KB transient)."""
        if self._id is None:
            self._id = hashlib.sha256(cbor.dumps(self.content())).digest()[:ID_LEN]
        return self._id

    def content(self):
        """The object the id is computed over (everything but the name)."""
        return {
            "routes": [[t, list(q) if q else None, list(r) if r else None]
                       for t, q, r in self.routes],
            "keys": list(self.keys),
            "values": list(self.values),
            "query": list(self.query),
            "servers": list(self.servers),
            "dictionary": self.dictionary,
        }

    def to_json(self):
        obj = self.content()
        obj["name"] = self.name
        obj["dictionary"] = binascii.b2a_base64(self.dictionary).decode().strip()
        return json.dumps(obj)

    def __repr__(self):
        return "<MapSet " + self.name + " " + self.id.hex() + ">"


def _index(items):
    out = {}
    for i in range(len(items)):
        out[items[i]] = i
    return out


_BUILTIN = []


def builtin():
    """mx1: the tables in mxcoap.matrix (routes, keys, values) with the default servers.

    Built once and shared (a MapSet is never changed after construction)."""
    if not _BUILTIN:
        _BUILTIN.append(MapSet("mx1", _routes.ROUTES, _keys.KEYS, _values.VALUES,
                               _routes.QUERY_KEYS, DEFAULT_SERVERS))
    return _BUILTIN[0]


def empty():
    """No tables at all: every route, key and value travels verbatim (the safe fallback)."""
    return MapSet("none", (), (), (), (), ())


_TABLES = ("routes", "keys", "values", "query", "servers")


def load(data, bases=None):
    """A MapSet from the bytes of a map set file (JSON when it starts with '{', else CBOR).

    A file with "base" (the hex id of a set in `bases`, by default the built-in mx1) holds only
    what it appends to that set's tables, and its own dictionary: it is the same set (same id)
    as the file with the full tables, and a board keeps the base's tables where they are
    (frozen in flash) instead of parsing them into RAM.
    """
    if len(data) > MAX_MAP_FILE:
        raise MapError("map set file larger than " + str(MAX_MAP_FILE) + " bytes")
    data = bytes(data)
    try:
        if data.lstrip()[:1] == b"{":
            obj = json.loads(data)
            dictionary = binascii.a2b_base64(obj.get("dictionary") or "")
        else:
            obj = cbor.loads(data)
            dictionary = obj.get("dictionary") or b""
    except (ValueError, TypeError, AttributeError) as e:
        raise MapError("unreadable map set: " + str(e))
    if not isinstance(obj, dict):
        raise MapError("a map set is an object")
    tables = []
    for name in _TABLES:
        items = obj.get(name) or ()
        if not isinstance(items, (list, tuple)):
            raise MapError(name + " must be a list")
        tables.append(items)
    base_id = obj.get("base")
    if base_id is not None:
        base = None
        for b in bases if bases is not None else (builtin(),):
            if b.id.hex() == base_id:
                base = b
        if base is None:
            raise MapError("base map set " + repr(base_id) + " unknown here")
        for i in range(len(_TABLES)):
            if tables[i]:
                tables[i] = tuple(getattr(base, _TABLES[i])) + tuple(tables[i])
            else:
                tables[i] = getattr(base, _TABLES[i])
    return MapSet(obj.get("name") or "unnamed", tables[0], tables[1], tables[2], tables[3],
                  tables[4], dictionary)


def choose_map(local_ids, peer_ids):
    """(id or None, reason): the map set both peers use, the same answer on both sides.

    Each side lists the ids it holds in order of preference. The pick is the common id with the
    smallest sum of the two positions, ties broken by the id bytes, so the rule is symmetric and
    both peers compute the same id from the two announcements. None means no common map set:
    use empty() (everything verbatim). The reason is for the driver's log.
    """
    best = None
    for i in range(len(local_ids)):
        mid = local_ids[i]
        if mid in peer_ids:
            rank = (i + list(peer_ids).index(mid), bytes(mid))
            if best is None or rank < best[0]:
                best = (rank, mid)
    if best is None:
        return None, ("no common map set (local " + _ids_text(local_ids) + ", peer "
                      + _ids_text(peer_ids) + "): falling back to none, everything verbatim")
    mid = best[1]
    if local_ids and peer_ids and local_ids[0] == mid and peer_ids[0] == mid:
        return mid, "map set " + mid.hex() + " agreed"
    return mid, ("map sets differ (local " + _ids_text(local_ids) + ", peer "
                 + _ids_text(peer_ids) + "): using common " + mid.hex())


def _ids_text(ids):
    return "[" + ",".join(bytes(i).hex() for i in ids) + "]"
