"""Train a map set from recorded Matrix traffic: a preset DEFLATE dictionary and extra keys/values.

    .venv/bin/python tools/train_maps.py --har maps/training/capture1.har \\
        --har maps/training/capture2.har --out maps/mx1d.json            # tools/train_maps

Options: --name (default: the --out file's stem), --dict-size N (bytes, default 8192),
--base FILE (the map set extended, default the built-in mx1), --min-count K (default 2),
--no-tables (dictionary only), --no-mask (train on message texts too), --full (every table in
the file, not only what is appended to the base set's: mxcoap.maps.load).

Reproducible: the output depends only on the input files and the options (no randomness, no
clock, every tie broken by position or by sort order; DEFLATE is mxcoap.deflate, not the
system zlib), so the same command writes the same bytes. docs/protocol.md Part 4 gives the steps:

1. Exchanges: every HAR entry, as tools/make_matrix_vectors.py reads it. Each --har file is one
   *capture*; the evidence for a string is the smallest count over the captures, so the random
   ids, keys and tokens of one run (different in every capture) never make it into the set.
2. Masking: strings a user types (message bodies, file names, topics, room names, reasons) are
   replaced by letters derived from their SHA-256 before training, so that the dictionary learns
   the protocol and not the chat lines of the scripted scenario (which repeat in every capture).
3. Tables: object keys and short string values that travel as text with the base set (no code,
   no compact form, not interned) and occur in at least K bodies of every capture are appended to
   `keys` and `values` (existing codes never move).
4. Samples: the bodies as the mapping compresses them, with the new tables applied: every
   exchange goes through a pair of matrix Sessions (interning included) and the payload before
   DEFLATE is kept (compact CBOR, or raw JSON/text).
5. Dictionary (the COVER algorithm of Liao, Petri, Moffat and Wirth, "Effective construction of
   relative Lempel-Ziv dictionaries", WWW 2016, as zstd's dictBuilder uses it): every d-byte
   string (d-mer) gets a frequency, the number of samples holding it (minimum over captures);
   a segment (k bytes of a sample) scores the sum of the frequencies of its distinct d-mers; the
   best segment is taken (trimmed to its useful d-mers), its d-mers' frequencies drop to zero, and
   so on until the dictionary is full. The first segment chosen goes at the END of the dictionary:
   DEFLATE distances to recent bytes are the cheapest (RFC 1951 §3.2.5). (d, k) is picked from a
   small grid by the bytes the training samples compress to.
"""

import argparse
import base64
import hashlib
import heapq
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common"))

from mxcoap import deflate, maps  # noqa: E402
from mxcoap.coap import Message  # noqa: E402
from mxcoap.matrix import (  # noqa: E402
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
    ids,
)
from mxcoap.matrix import payload as _payload  # noqa: E402
from mxcoap.matrix.numbers import OPT_DEFLATE  # noqa: E402

_spec = importlib.util.spec_from_file_location("make_matrix_vectors",
                                               ROOT / "tools" / "make_matrix_vectors.py")
_mmv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mmv)
load_har = _mmv.load_har

DEFAULT_DICT_SIZE = 8192  # bytes; the trainer stops earlier when no common string is left
DEFAULT_MIN_COUNT = 2
GRID = ((6, 24), (6, 48), (8, 32), (8, 64))  # (d, k) pairs tried
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")
MIN_SAMPLE = 8  # shorter payloads teach the dictionary nothing
MAX_VALUE_LEN = 48  # longer strings are rarely repeated values
# Keys whose string values a user types: masked before training (step 2).
MASKED_KEYS = ("body", "formatted_body", "filename", "topic", "name", "reason", "password",
               "displayname", "user", "room_alias_name")
_MASK_ALPHABET = "abcdefghijklmnopqrstuvwxyz "


# -- exchanges ---------------------------------------------------------------------------------

class _Masker:
    """Replaces user-typed strings by letters derived from SHA-256 of (capture, occurrence, text):
    the same text masks differently each time, so a mask never recurs and is never learned."""

    def __init__(self, salt):
        self.salt = salt
        self.n = 0

    def string(self, s):
        self.n += 1
        seed = self.salt + ":" + str(self.n) + ":" + s
        digest = b""
        while len(digest) < len(s):
            digest += hashlib.sha256((str(len(digest)) + seed).encode("utf-8")).digest()
        return "".join(_MASK_ALPHABET[digest[i] % len(_MASK_ALPHABET)] for i in range(len(s)))

    def value(self, v, key=None):
        if isinstance(v, dict):
            return {k: self.value(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x, key) for x in v]
        if isinstance(v, str) and key in MASKED_KEYS:
            return self.string(v)
        if isinstance(v, str) and v[:1] == "#" and ":" in v:  # a room alias: mask the localpart
            local, sep, server = v[1:].partition(":")
            return "#" + self.string(local) + sep + server
        return v

    def body(self, msg):
        value = json_body(msg)
        if value is not None:
            msg.body = json.dumps(self.value(value), ensure_ascii=False,
                                  separators=(",", ":")).encode("utf-8")


def json_body(msg):
    """The JSON value of an application/json body, or None (no body, not JSON)."""
    if msg.header("Content-Type") != "application/json" or not msg.body:
        return None
    try:
        return json.loads(msg.body)
    except ValueError:
        return None


def _carried(headers):
    return sorted((k.lower(), v) for k, v in headers if k.lower() in CARRIED)


def difference(orig, back):
    """None when `back`, rebuilt by the far side, is `orig` as the mapping promises (method,
    path, query, status, the carried headers; the body exact, or as canonical JSON of the same
    value: docs/protocol.md (Part 3) section 6); else the name of what differs."""
    for attr in ("method", "path", "query", "status"):
        if getattr(orig, attr, None) != getattr(back, attr, None):
            return attr
    if _carried(orig.headers) != _carried(back.headers):
        return "headers"
    if back.body == orig.body:
        return None
    value = json_body(orig)
    if value is not None and back.body == json.dumps(value, ensure_ascii=False,
                                                     separators=(",", ":"),
                                                     sort_keys=True).encode("utf-8"):
        return None
    return "body"


def load_capture(path, mask=True, salt=""):
    """[(HttpRequest, HttpResponse)] of one HAR file, user-typed strings masked if `mask`."""
    exchanges = load_har(path)
    if mask:
        masker = _Masker(salt)
        for req, resp in exchanges:
            masker.body(req)
            masker.body(resp)
    return exchanges


def _wire(msg, mtype):
    msg.mtype = mtype
    msg.mid = 1
    msg.token = b"\x01"
    data = msg.encode()
    return Message.decode(data), len(data)


class Trip:
    """One exchange through the mapping: the HTTP messages, what the far side rebuilt
    (`req_back`, `resp_back`), the CoAP messages as decoded from the wire (`req_msg`,
    `resp_msg`), their sizes with a 1-byte token as on the link, and the payloads before DEFLATE
    (`req_input`, `resp_input`; None for a body the mapping never compresses)."""

    def __init__(self, req, resp):
        self.req = req
        self.resp = resp


def run_exchanges(exchanges, map_set):
    """Every exchange through a pair of fresh Sessions (edge, host) on `map_set`: Trips."""
    edge, host = Session(map_set), Session(map_set)
    for req, resp in exchanges:
        t = Trip(req, resp)
        msg, ex = encode_request(req, edge)
        t.req_msg, t.req_size = _wire(msg, 0)
        t.req_back = decode_request(t.req_msg, host)
        t.resp_msg, t.resp_size = _wire(encode_response(resp, host, t.req_back.route), 2)
        t.resp_back = decode_response(t.resp_msg, edge, ex)
        t.req_input = _deflate_input(t.req_msg, req.header("Content-Type"), map_set)
        t.resp_input = _deflate_input(t.resp_msg, resp.header("Content-Type"), map_set)
        yield t


def _deflate_input(msg, content_type, map_set):
    if not msg.payload or not _payload.textual(content_type):
        return None
    if msg.opt(OPT_DEFLATE) is not None:
        return deflate.decompress(msg.payload, zdict=map_set.dictionary,
                                  max_size=_payload.MAX_BODY)
    return msg.payload


def measure(exchanges, map_set):
    """(request bytes, response bytes): compact CoAP messages of every exchange."""
    q = r = 0
    for t in run_exchanges(exchanges, map_set):
        q += t.req_size
        r += t.resp_size
    return q, r


def samples(exchanges, map_set):
    """[(direction 0 request / 1 response, payload before DEFLATE)] long enough to matter.
    Raises ValueError when an exchange does not round-trip (a bug in the mapping)."""
    out = []
    for t in run_exchanges(exchanges, map_set):
        what = difference(t.req, t.req_back) or difference(t.resp, t.resp_back)
        if what is not None:
            raise ValueError("round trip changed the " + what + ": " + repr(t.req))
        for direction, data in ((0, t.req_input), (1, t.resp_input)):
            if data is not None and len(data) >= MIN_SAMPLE:
                out.append((direction, data))
    return out


# -- tables ------------------------------------------------------------------------------------

def _walk(v, base, keys, values, key=None):
    if isinstance(v, dict):
        for k, x in v.items():
            if _travels_as_text(k, base):
                keys.add(k)
            _walk(x, base, keys, values, k)
    elif isinstance(v, list):
        for x in v:
            _walk(x, base, keys, values, key)
    elif (isinstance(v, str) and key not in MASKED_KEYS and len(v) <= MAX_VALUE_LEN
          and _travels_as_text(v, base)):
        values.add(v)


def _travels_as_text(s, base):
    return (len(s.encode("utf-8")) >= 3 and s not in base.key_index and s not in base.value_index
            and not ids.internable(s) and ids.compact(s, base.server_index) is None)


def _body_counts(exchanges, base):
    """({key: bodies holding it}, {value: bodies holding it}) over one capture."""
    kc, vc = {}, {}
    for req, resp in exchanges:
        for m in (req, resp):
            value = json_body(m)
            if value is None:
                continue
            keys, values = set(), set()
            _walk(value, base, keys, values)
            for k in keys:
                kc[k] = kc.get(k, 0) + 1
            for v in values:
                vc[v] = vc.get(v, 0) + 1
    return kc, vc


def _common(counts, min_count):
    """{string: smallest count over the captures} for strings with at least min_count in each."""
    out = {}
    for s in counts[0]:
        n = min(c.get(s, 0) for c in counts)
        if n >= min_count:
            out[s] = n
    return out


def extend_tables(captures, base, min_count):
    """(new keys, new values) to append to base's tables, most useful first."""
    per = [_body_counts(ex, base) for ex in captures]
    keys = _common([p[0] for p in per], min_count)
    values = _common([p[1] for p in per], min_count)
    # Saving per occurrence: the text item (1 + length) against a 2-3 byte code.
    new_keys = sorted(keys, key=lambda s: (-keys[s] * len(s.encode("utf-8")), s))
    new_values = sorted(values, key=lambda s: (-values[s] * len(s.encode("utf-8")), s))
    room = maps.MAX_VALUES - len(base.values)
    return new_keys[: maps.MAX_KEYS - len(base.keys)], new_values[:room]


# -- dictionary (COVER) ------------------------------------------------------------------------

def _dmer_ids(sample_groups, d):
    """Per sample: list of d-mer ids at each position; and the frequency of each id."""
    table = {}
    seqs = []
    counts = []  # per group: {id: number of samples holding it}
    for group in sample_groups:
        gc = {}
        for data in group:
            seq = []
            seen = set()
            for i in range(len(data) - d + 1):
                key = data[i : i + d]
                j = table.get(key)
                if j is None:
                    j = len(table)
                    table[key] = j
                seq.append(j)
                if j not in seen:
                    seen.add(j)
                    gc[j] = gc.get(j, 0) + 1
            seqs.append((data, seq))
        counts.append(gc)
    # With one capture a d-mer must recur in two samples to be more than that run's noise; with
    # several, being in every capture is the evidence (random ids differ between runs).
    floor = 2 if len(counts) == 1 else 1
    freq = [0] * len(table)
    for j in range(len(table)):
        f = min(c.get(j, 0) for c in counts)
        freq[j] = f if f >= floor else 0
    return seqs, freq


def _score(seq, start, n, freq):
    seen = set()
    total = 0
    for j in seq[start : start + n]:
        if j not in seen:
            seen.add(j)
            total += freq[j]
    return total


def cover_dictionary(sample_groups, size, d, k):
    """A dictionary of at most `size` bytes; the most valuable segment last."""
    seqs, freq = _dmer_ids(sample_groups, d)
    n = k - d + 1  # d-mers per segment
    heap = []
    for s, (_data, seq) in enumerate(seqs):
        for p in range(0, max(1, len(seq) - n + 1)):
            score = _score(seq, p, n, freq)
            if score:
                heap.append((-score, s, p))
    heapq.heapify(heap)
    chosen = []
    total = 0
    while heap and total < size:
        neg, s, p = heapq.heappop(heap)
        data, seq = seqs[s]
        score = _score(seq, p, n, freq)
        if score != -neg:  # lazy greedy: scores only fall, re-queue with the current one
            if score:
                heapq.heappush(heap, (-score, s, p))
            continue
        window = seq[p : p + n]
        # Keep only the bytes some useful d-mer covers: the ends are trimmed, and a gap (random
        # bytes between two useful strings) is cut out, as nothing could match it.
        covered = bytearray(k)
        for i in range(len(window)):
            if freq[window[i]]:
                for b in range(i, i + d):
                    covered[b] = 1
        segment = bytes(data[p + i] for i in range(min(k, len(data) - p)) if covered[i])
        for j in window:
            freq[j] = 0
        segment = segment[-(size - total):]
        chosen.append(segment)
        total += len(segment)
    return b"".join(reversed(chosen))


def compressed_size(data, zdict):
    """Bytes on the wire for one payload: DEFLATE only when it wins (as payload.py decides)."""
    packed = _payload.compress_payload(data, zdict)
    return len(data) if packed is None else len(packed) + _payload.DEFLATE_COST


def train_dictionary(sample_groups, size):
    """(dictionary, d, k): the grid point whose dictionary compresses the samples best."""
    flat = [s for g in sample_groups for s in g]
    best = None
    for d, k in GRID:
        dictionary = cover_dictionary(sample_groups, size, d, k)
        cost = sum(compressed_size(s, dictionary) for s in flat)
        if best is None or cost < best[0]:
            best = (cost, dictionary, d, k)
    return best[1], best[2], best[3]


# -- the whole run -----------------------------------------------------------------------------

def train(har_paths, name, dict_size=DEFAULT_DICT_SIZE, base=None, min_count=DEFAULT_MIN_COUNT,
          tables=True, mask=True, log=None):
    """The trained MapSet."""
    base = base or maps.builtin()
    captures = [load_capture(har_paths[i], mask, str(i)) for i in range(len(har_paths))]
    new_keys, new_values = extend_tables(captures, base, min_count) if tables else ([], [])
    plain = maps.MapSet(name, base.routes, list(base.keys) + new_keys,
                        list(base.values) + new_values, base.query, base.servers, b"")
    groups = [[s for _, s in samples(ex, plain)] for ex in captures]
    dictionary, d, k = train_dictionary(groups, dict_size) if dict_size else (b"", 0, 0)
    if log:
        log("tables: +" + str(len(new_keys)) + " keys, +" + str(len(new_values)) + " values; "
            + str(sum(len(g) for g in groups)) + " samples; dictionary " + str(len(dictionary))
            + " B (d=" + str(d) + ", k=" + str(k) + ")")
    return maps.MapSet(name, plain.routes, plain.keys, plain.values, plain.query, plain.servers,
                       dictionary)


TABLES = ("routes", "keys", "values", "query", "servers")


def map_set_text(map_set, base=None):
    """The map set file's text: with `base`, only what the set appends to base's tables (a
    "base" file, mxcoap.maps.load); else every table. One route, or eight table entries, a line."""
    content = map_set.content()
    head = [("name", map_set.name)]
    if base is not None:
        head.append(("base", base.id.hex()))
        below = base.content()
        for name in TABLES:
            n = len(below[name])
            if content[name][:n] != below[name]:
                raise ValueError(name + " of the set does not extend the base's")
            content[name] = content[name][n:]
    items = head + [(n, content[n]) for n in TABLES]
    items.append(("dictionary", base64.b64encode(map_set.dictionary).decode()))
    return _mmv.format_items(items)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--har", action="append", required=True, help="a capture (repeatable)")
    ap.add_argument("--out", required=True, help="the map set file to write")
    ap.add_argument("--name", help="the set's name (default: the file's stem)")
    ap.add_argument("--dict-size", type=int, default=DEFAULT_DICT_SIZE)
    ap.add_argument("--base", help="map set file to extend (default: the built-in mx1)")
    ap.add_argument("--min-count", type=int, default=DEFAULT_MIN_COUNT)
    ap.add_argument("--no-tables", action="store_true", help="train the dictionary only")
    ap.add_argument("--no-mask", action="store_true", help="keep user-typed strings")
    ap.add_argument("--full", action="store_true",
                    help="write every table, not only what is appended to the base's")
    args = ap.parse_args(argv)
    if not 0 <= args.dict_size <= 32768:
        ap.error("--dict-size must be 0..32768 (the DEFLATE window)")
    out = Path(args.out)
    base = maps.load(Path(args.base).read_bytes()) if args.base else None
    ms = train(args.har, args.name or out.stem, args.dict_size, base, args.min_count,
               not args.no_tables, not args.no_mask, log=print)
    out.write_text(map_set_text(ms, None if args.full else (base or maps.builtin())))
    print("wrote " + str(out) + " (id " + ms.id.hex() + ")")


if __name__ == "__main__":
    main()
