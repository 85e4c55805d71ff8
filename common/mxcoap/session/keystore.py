"""The known-peers store as pure data: parse/serialise a text format, trust on first use,
pinning, and the IK1 replay counters (docs/protocol.md (Part 1)). File I/O belongs to drivers.

Format, one peer a line (UTF-8 text, `#` starts a comment line):
    <64 hex digits: static public key> <rx> <tx> <name or -> [<note hex>]
rx is the highest `fresh` accepted from that key (responder side), tx the last `fresh` this
side sent to it (initiator side), both decimal; the name is the one a driver connects by
(a host:port or a configured label, no whitespace), "-" when there is none; the optional note
is the application's memo about the peer, up to MAX_NOTE bytes in hex (mxcoap: the id of the
map set the responder picked last, which the next offer names first).
"""

from ..compat import const, decode_utf8
from .errors import KeyStoreError, PeerKeyError

KEY_LEN = const(32)
MAX_PEERS = const(4096)  # entries kept; the least recently used unnamed entry goes first
MAX_NAME = const(255)
MAX_FRESH = (1 << 64) - 1
MAX_NOTE = const(64)
HEADER = "# mxcoap known peers v1: <key hex> <rx fresh> <tx fresh> <name or -> [<note hex>]\n"


class _Entry:
    def __init__(self, key, rx=0, tx=0, name=None, note=None):
        self.key = key
        self.rx = rx
        self.tx = tx
        self.name = name
        self.note = note
        self.used = 0


def _check_name(name):
    if not name or len(name) > MAX_NAME or name == "-":
        raise KeyStoreError("bad peer name")
    for ch in name:
        if ch in " \t\r\n#":
            raise KeyStoreError("peer name may not contain whitespace or #")


class KnownPeers:
    """Static keys we know, by key and by name. `dirty` is set by every change."""

    def __init__(self, max_peers=MAX_PEERS):
        self.max_peers = max_peers
        self._by_key = {}
        self._by_name = {}
        self._clock = 0
        self.dirty = False

    def __len__(self):
        return len(self._by_key)

    # -- text format ----------------------------------------------------------------------------

    @classmethod
    def parse(cls, text, max_peers=MAX_PEERS):
        if isinstance(text, (bytes, bytearray)):
            text = decode_utf8(text)
        store = cls(max_peers)
        lineno = 0
        for line in text.split("\n"):
            lineno += 1
            line = line.strip()
            if not line or line[0] == "#":
                continue
            parts = line.split()
            if len(parts) not in (4, 5):
                raise KeyStoreError("known peers line " + str(lineno) + ": 4 or 5 fields expected")
            try:
                key = bytes.fromhex(parts[0])
                rx = int(parts[1])
                tx = int(parts[2])
                note = bytes.fromhex(parts[4]) if len(parts) == 5 else None
            except ValueError:
                raise KeyStoreError("known peers line " + str(lineno) + ": bad key or counter")
            if len(key) != KEY_LEN or not 0 <= rx <= MAX_FRESH or not 0 <= tx <= MAX_FRESH:
                raise KeyStoreError("known peers line " + str(lineno) + ": bad key or counter")
            name = None if parts[3] == "-" else parts[3]
            if name is not None:
                _check_name(name)
                if name in store._by_name:
                    raise KeyStoreError("known peers line " + str(lineno) + ": name twice")
            if key in store._by_key:
                raise KeyStoreError("known peers line " + str(lineno) + ": key twice")
            if len(store._by_key) >= max_peers:
                raise KeyStoreError("known peers: more than " + str(max_peers) + " entries")
            if note is not None and not 0 < len(note) <= MAX_NOTE:
                raise KeyStoreError("known peers line " + str(lineno) + ": bad note")
            store._put(_Entry(key, rx, tx, name, note))
        store.dirty = False
        return store

    def serialise(self):
        lines = [HEADER]
        for key in sorted(self._by_key):
            e = self._by_key[key]
            note = " " + e.note.hex() if e.note else ""
            lines.append(
                key.hex() + " " + str(e.rx) + " " + str(e.tx) + " " + (e.name or "-") + note + "\n"
            )
        return "".join(lines)

    # -- lookups -------------------------------------------------------------------------------

    def _put(self, entry):
        self._by_key[entry.key] = entry
        if entry.name is not None:
            self._by_name[entry.name] = entry
        self._touch(entry)

    def _touch(self, entry):
        self._clock += 1
        entry.used = self._clock

    def _entry(self, key):
        key = bytes(key)
        e = self._by_key.get(key)
        if e is None:
            if len(self._by_key) >= self.max_peers:
                self._evict()
            e = _Entry(key)
            self._put(e)
            self.dirty = True
        else:
            self._touch(e)
        return e

    def _evict(self):
        # Named entries are configuration; forget the least recently used unnamed one.
        victim = None
        for e in self._by_key.values():
            if e.name is None and (victim is None or e.used < victim.used):
                victim = e
        if victim is None:
            raise KeyStoreError("known peers store full of named entries")
        del self._by_key[victim.key]

    def key_for(self, name):
        e = self._by_name.get(name)
        return None if e is None else e.key

    def name_for(self, key):
        e = self._by_key.get(bytes(key))
        return None if e is None else e.name

    def knows(self, key):
        return bytes(key) in self._by_key

    def keys(self):
        return list(self._by_key)

    # -- trust ---------------------------------------------------------------------------------

    def pin(self, name, key):
        """Record `name` -> `key` (configuration, or trust on first use)."""
        _check_name(name)
        key = bytes(key)
        if len(key) != KEY_LEN:
            raise KeyStoreError("a static key is 32 bytes")
        old = self._by_name.get(name)
        if old is not None and old.key != key:
            old.name = None
        e = self._entry(key)
        if e.name is not None and e.name != name:
            del self._by_name[e.name]
        e.name = name
        self._by_name[name] = e
        self.dirty = True

    def check(self, name, key):
        """Trust on first use: accept and record an unknown name; refuse a known name whose key
        differs (PeerKeyError naming the key received)."""
        key = bytes(key)
        if name is None:
            return
        known = self.key_for(name)
        if known is None:
            self.pin(name, key)
        elif known != key:
            raise PeerKeyError(key, known, name)

    # -- replay counters (docs/protocol.md Part 1, "Replay of IK1") ------------------------------

    def rx_fresh(self, key):
        e = self._by_key.get(bytes(key))
        return 0 if e is None else e.rx

    def accept_fresh(self, key, fresh):
        """True (and remembered) if `fresh` is above every value accepted from `key`."""
        if fresh <= self.rx_fresh(key) or fresh > MAX_FRESH:
            return False
        e = self._entry(key)
        e.rx = fresh
        self.dirty = True
        return True

    def next_fresh(self, key, floor=0):
        """The next `fresh` to send to `key`: above the last one sent and at least `floor`."""
        e = self._entry(key)
        n = e.tx + 1
        if floor > n:
            n = floor
        e.tx = n
        self.dirty = True
        return n

    # -- the application's note (mxcoap: the map set the responder picked last) ----------------

    def note(self, key):
        """The bytes set_note() stored for `key`, or None."""
        e = self._by_key.get(bytes(key))
        return None if e is None else e.note

    def set_note(self, key, data):
        data = bytes(data) if data else None
        if data is not None and len(data) > MAX_NOTE:
            raise KeyStoreError("a note holds at most " + str(MAX_NOTE) + " bytes")
        e = self._entry(key)
        if e.note != data:
            e.note = data
            self.dirty = True
