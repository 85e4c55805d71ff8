"""The portable inflater: RFC 1951 stored, fixed and dynamic blocks, with a preset dictionary.

Bounded by construction: the output never grows past `max_size` (checked before every append),
code tables are validated before use (§3.2.2 over-subscribed/incomplete), every symbol and
distance is range-checked, so hostile input ends in a DeflateError and nothing else.
"""

from ..compat import const
from .errors import InvalidStreamError, OutputLimitError, TruncatedError
from .huffman import (
    CODELEN_ROOT,
    CODELEN_TABLE_SIZE,
    DIST_ROOT,
    DIST_TABLE_SIZE,
    LITLEN_ROOT,
    LITLEN_TABLE_SIZE,
    build_decode_table,
    new_table,
)
from .tables import (
    CODELEN_ORDER,
    DIST_BASE,
    DIST_EXTRA,
    LENGTH_BASE,
    LENGTH_EXTRA,
    fixed_dist_lengths,
    fixed_litlen_lengths,
)

_LIT_MASK = const(511)  # (1 << LITLEN_ROOT) - 1
_DIST_MASK = const(63)  # (1 << DIST_ROOT) - 1

_fixed = []  # [litlen table, dist table], built on first use (§3.2.6)

# The output buffer starts at this many times the input (JSON deflates 3-5x) and doubles, never
# past the bound: a bomb is stopped having allocated at most max_size bytes of output (the
# dictionary is read where it is, not copied).
_FIRST_GUESS = const(4)
_MIN_OUTPUT = const(256)


def _fixed_tables():
    if not _fixed:
        lt = build_decode_table(fixed_litlen_lengths(), new_table(1 << LITLEN_ROOT),
                                LITLEN_ROOT, 15, True, "fixed literal/length")
        dt = build_decode_table(fixed_dist_lengths(), new_table(1 << DIST_ROOT),
                                DIST_ROOT, 15, True, "fixed distance")
        _fixed.append(lt)
        _fixed.append(dt)
    return _fixed[0], _fixed[1]


class _Reader:
    """LSB-first bit reader over the input (§3.1.1); only real input bits are ever buffered."""

    def __init__(self, data):
        self.data = data
        self.n = len(data)
        self.pos = 0
        self.bitbuf = 0
        self.bitcnt = 0

    def bits(self, count):
        while self.bitcnt < count:
            if self.pos >= self.n:
                raise TruncatedError("stream ends inside a block header")
            self.bitbuf |= self.data[self.pos] << self.bitcnt
            self.pos += 1
            self.bitcnt += 8
        v = self.bitbuf & ((1 << count) - 1)
        self.bitbuf >>= count
        self.bitcnt -= count
        return v

    def symbol(self, table, root, what):
        while self.bitcnt < 15 and self.pos < self.n:
            self.bitbuf |= self.data[self.pos] << self.bitcnt
            self.pos += 1
            self.bitcnt += 8
        buf = self.bitbuf
        e = table[buf & ((1 << root) - 1)]
        if e & 16:
            e = table[(e >> 5) + ((buf >> root) & ((1 << (e & 15)) - 1))]
        length = e & 15
        if not e or length > self.bitcnt:
            if self.bitcnt < 15:
                raise TruncatedError("stream ends inside a " + what + " code")
            raise InvalidStreamError("invalid " + what + " code")
        self.bitbuf = buf >> length
        self.bitcnt -= length
        return e >> 5

    def align(self):
        """Skip to a byte boundary and hand unread whole bytes back (§3.2.4)."""
        self.pos -= self.bitcnt >> 3
        self.bitbuf = 0
        self.bitcnt = 0


def _read_dynamic(r, lit_table, dist_table, codelen_table):
    """The dynamic block header of §3.2.7: HLIT, HDIST, HCLEN and the run-length code lengths."""
    hlit = r.bits(5) + 257
    hdist = r.bits(5) + 1
    hclen = r.bits(4) + 4
    if hlit > 286 or hdist > 30:
        raise InvalidStreamError("too many literal/length or distance codes")
    cl = bytearray(19)
    for i in range(hclen):
        cl[CODELEN_ORDER[i]] = r.bits(3)
    build_decode_table(cl, codelen_table, CODELEN_ROOT, 7, False, "code-length")
    total = hlit + hdist
    lengths = bytearray(total)
    i = 0
    while i < total:
        sym = r.symbol(codelen_table, CODELEN_ROOT, "code-length")
        if sym < 16:
            lengths[i] = sym
            i += 1
            continue
        if sym == 16:
            if i == 0:
                raise InvalidStreamError("repeat of a code length with none before it")
            value = lengths[i - 1]
            repeat = 3 + r.bits(2)
        elif sym == 17:
            value = 0
            repeat = 3 + r.bits(3)
        else:
            value = 0
            repeat = 11 + r.bits(7)
        if i + repeat > total:
            raise InvalidStreamError("code lengths run past HLIT + HDIST")
        for _ in range(repeat):
            lengths[i] = value
            i += 1
    if not lengths[256]:
        raise InvalidStreamError("no end-of-block code")
    build_decode_table(lengths[:hlit], lit_table, LITLEN_ROOT, 15, True, "literal/length")
    build_decode_table(lengths[hlit:], dist_table, DIST_ROOT, 15, True, "distance")


class _Output:
    """The output buffer [output | spare], and the dictionary tail that precedes it in the
    window. The dictionary is read in place, never copied (it may be 32 KiB on a board)."""

    def __init__(self, zdict, wsize, max_size, n_in):
        self.zdict = zdict
        self.dlen = len(zdict) if len(zdict) < wsize else wsize  # only the tail is visible
        self.dstart = len(zdict) - self.dlen
        self.limit = max_size
        first = _FIRST_GUESS * n_in + _MIN_OUTPUT
        if first > max_size:
            first = max_size
        self.buf = bytearray(first)
        self.olen = 0

    def room(self, need):
        """Make room for `need` more bytes (olen + need), or raise at the bound."""
        end = self.olen + need
        if end > self.limit:
            raise OutputLimitError("output exceeds max_size", self.limit)
        cap = len(self.buf)
        if end > cap:
            grow = cap if cap > end - cap else end - cap
            if cap + grow > self.limit:
                grow = self.limit - cap
            self.buf.extend(bytes(grow))
        return self.buf

    def from_dictionary(self, dist, length):
        """Copy a match that starts in the dictionary tail (RFC 1951 §3.2: the distance may
        reach into a preset dictionary, as zlib's inflateSetDictionary allows)."""
        back = dist - self.olen  # bytes of the match source inside the dictionary, from its end
        k = back if back < length else length
        src = self.dstart + self.dlen - back
        buf = self.room(length)
        buf[self.olen:self.olen + k] = self.zdict[src:src + k]
        self.olen += k
        return length - k


def inflate(data, zdict, max_size, wbits):
    """Decode one raw DEFLATE stream; see mxcoap.deflate.decompress for the contract."""
    wsize = 1 << wbits
    o = _Output(zdict, wsize, max_size, len(data))
    r = _Reader(data)
    _blocks(r, o, wsize)
    if r.pos != r.n:
        # Policy: bits after the end-of-block code in the final byte are ignored; whole bytes
        # after it are an error (a datagram carries exactly one stream).
        raise InvalidStreamError("data after the final block")
    if o.olen == len(o.buf):
        return bytes(o.buf)
    return bytes(memoryview(o.buf)[:o.olen])


def _blocks(r, o, wsize):
    tables = None  # dynamic-block tables: allocated once per stream, if it has such a block
    while True:
        final = r.bits(1)
        btype = r.bits(2)
        if btype == 0:
            r.align()
            if r.pos + 4 > r.n:
                raise TruncatedError("stream ends inside a stored block header")
            d = r.data
            p = r.pos
            length = d[p] | (d[p + 1] << 8)
            nlength = d[p + 2] | (d[p + 3] << 8)
            if length ^ nlength != 0xFFFF:
                raise InvalidStreamError("stored block LEN and NLEN do not match")
            p += 4
            if p + length > r.n:
                raise TruncatedError("stream ends inside a stored block")
            buf = o.room(length)
            buf[o.olen:o.olen + length] = d[p:p + length]
            o.olen += length
            r.pos = p + length
        elif btype == 3:
            raise InvalidStreamError("reserved block type 3")
        elif btype == 1:
            lt, dt = _fixed_tables()
            _codes(r, o, lt, dt, wsize)
        else:
            if tables is None:
                tables = (new_table(LITLEN_TABLE_SIZE), new_table(DIST_TABLE_SIZE),
                          new_table(CODELEN_TABLE_SIZE))
            _read_dynamic(r, tables[0], tables[1], tables[2])
            _codes(r, o, tables[0], tables[1], wsize)
        if final:
            break
    r.align()


def _codes(r, o, lt, dt, wsize):
    """Decode the symbols of one Huffman block (§3.2.5) until end-of-block.

    The hot loop keeps the bit buffer in locals and may read up to two bytes past the input
    as zeros ("virtual" bytes); a symbol that used any virtual bit is a truncated stream.
    Buffered bits stay below 2**30 (a small int on 32-bit MicroPython).
    """
    data = r.data
    n = r.n
    pos = r.pos
    bitbuf = r.bitbuf
    bitcnt = r.bitcnt
    olen = o.olen
    out = o.buf
    cap = len(out)
    lbase = LENGTH_BASE
    lextra = LENGTH_EXTRA
    dbase = DIST_BASE
    dextra = DIST_EXTRA
    while True:
        if bitcnt < 15:
            if pos < n:
                bitbuf |= data[pos] << bitcnt
            pos += 1
            bitcnt += 8
            if bitcnt < 15:
                if pos < n:
                    bitbuf |= data[pos] << bitcnt
                pos += 1
                bitcnt += 8
        e = lt[bitbuf & _LIT_MASK]
        if e & 16:
            e = lt[(e >> 5) + ((bitbuf >> 9) & ((1 << (e & 15)) - 1))]
        if not e:
            if pos > n:
                raise TruncatedError("stream ends inside a block")
            raise InvalidStreamError("invalid literal/length code")
        sym = e >> 5
        e &= 15
        bitbuf >>= e
        bitcnt -= e
        if sym < 256:
            if olen >= cap:
                o.olen = olen
                out = o.room(1)
                cap = len(out)
            out[olen] = sym
            olen += 1
            if pos > n and (pos - n) << 3 > bitcnt:
                raise TruncatedError("stream ends inside a block")
            continue
        if sym == 256:
            break
        sym -= 257
        if sym >= 29:
            raise InvalidStreamError("invalid length code " + str(sym + 257))
        length = lbase[sym]
        e = lextra[sym]
        if e:
            if bitcnt < e:
                if pos < n:
                    bitbuf |= data[pos] << bitcnt
                pos += 1
                bitcnt += 8
            length += bitbuf & ((1 << e) - 1)
            bitbuf >>= e
            bitcnt -= e
        if bitcnt < 15:
            if pos < n:
                bitbuf |= data[pos] << bitcnt
            pos += 1
            bitcnt += 8
            if bitcnt < 15:
                if pos < n:
                    bitbuf |= data[pos] << bitcnt
                pos += 1
                bitcnt += 8
        e = dt[bitbuf & _DIST_MASK]
        if e & 16:
            e = dt[(e >> 5) + ((bitbuf >> 6) & ((1 << (e & 15)) - 1))]
        if not e:
            if pos > n:
                raise TruncatedError("stream ends inside a block")
            raise InvalidStreamError("invalid distance code")
        sym = e >> 5
        e &= 15
        bitbuf >>= e
        bitcnt -= e
        if sym >= 30:
            raise InvalidStreamError("invalid distance code " + str(sym))
        dist = dbase[sym]
        e = dextra[sym]
        if e:
            while bitcnt < e:
                if pos < n:
                    bitbuf |= data[pos] << bitcnt
                pos += 1
                bitcnt += 8
            dist += bitbuf & ((1 << e) - 1)
            bitbuf >>= e
            bitcnt -= e
        if pos > n and (pos - n) << 3 > bitcnt:
            raise TruncatedError("stream ends inside a block")
        if dist > wsize:
            raise InvalidStreamError("distance beyond the window")
        if dist > olen:
            if dist > olen + o.dlen:
                raise InvalidStreamError("distance reaches before the start of the dictionary")
            o.olen = olen
            length = o.from_dictionary(dist, length)
            out = o.buf
            cap = len(out)
            olen = o.olen
            if not length:
                continue
        if olen + length > cap:
            o.olen = olen
            out = o.room(length)
            cap = len(out)
        start = olen - dist
        if length <= dist:
            out[olen:olen + length] = out[start:start + length]
        elif dist == 1:
            out[olen:olen + length] = bytes((out[start],)) * length
        else:
            seg = bytes(out[start:olen])
            out[olen:olen + length] = seg * (length // dist) + seg[:length % dist]
        olen += length
    if pos > n and (pos - n) << 3 > bitcnt:
        raise TruncatedError("stream ends inside a block")
    # Hand virtual bytes back: they are the top bits of the buffer and all zero.
    while pos > n:
        pos -= 1
        bitcnt -= 8
    r.pos = pos
    r.bitbuf = bitbuf
    r.bitcnt = bitcnt
    o.olen = olen
