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
    cl = [0] * 19
    for i in range(hclen):
        cl[CODELEN_ORDER[i]] = r.bits(3)
    build_decode_table(cl, codelen_table, CODELEN_ROOT, 7, False, "code-length")
    total = hlit + hdist
    lengths = [0] * total
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


def inflate(data, zdict, max_size, wbits):
    """Decode one raw DEFLATE stream; see mxcoap.deflate.decompress for the contract."""
    wsize = 1 << wbits
    out = bytearray(zdict[-wsize:]) if zdict else bytearray()
    dlen = len(out)
    limit = dlen + max_size
    r = _Reader(data)
    lit_table = dist_table = codelen_table = None
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
            if len(out) + length > limit:
                raise OutputLimitError("output exceeds max_size", max_size)
            if p + length > r.n:
                raise TruncatedError("stream ends inside a stored block")
            out += d[p:p + length]
            r.pos = p + length
        elif btype == 3:
            raise InvalidStreamError("reserved block type 3")
        else:
            if btype == 1:
                lt, dt = _fixed_tables()
            else:
                if lit_table is None:
                    lit_table = new_table(LITLEN_TABLE_SIZE)
                    dist_table = new_table(DIST_TABLE_SIZE)
                    codelen_table = new_table(CODELEN_TABLE_SIZE)
                _read_dynamic(r, lit_table, dist_table, codelen_table)
                lt = lit_table
                dt = dist_table
            _codes(r, out, lt, dt, limit, max_size, wsize)
        if final:
            break
    r.align()
    if r.pos != r.n:
        # Policy: bits after the end-of-block code in the final byte are ignored; whole bytes
        # after it are an error (a datagram carries exactly one stream).
        raise InvalidStreamError("data after the final block")
    if dlen:
        return bytes(memoryview(out)[dlen:])
    return bytes(out)


def _codes(r, out, lt, dt, limit, max_size, wsize):
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
    olen = len(out)
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
            if olen >= limit:
                raise OutputLimitError("output exceeds max_size", max_size)
            out.append(sym)
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
        if dist > olen:
            raise InvalidStreamError("distance reaches before the start of the dictionary")
        if dist > wsize:
            raise InvalidStreamError("distance beyond the window")
        if olen + length > limit:
            raise OutputLimitError("output exceeds max_size", max_size)
        start = olen - dist
        if length <= dist:
            out += out[start:start + length]
        else:
            seg = bytes(out[start:olen])
            out += seg * (length // dist)
            out += seg[:length % dist]
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
