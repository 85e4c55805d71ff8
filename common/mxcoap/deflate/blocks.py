"""Writing DEFLATE blocks (RFC 1951 §3.2.3-§3.2.7): for each run of LZ77 symbols, the
smallest of a stored, fixed-Huffman or dynamic-Huffman block, bits packed LSB first (§3.1.1).

Symbols arrive as zlib's sym_buf has them, 3 bytes each: the distance (little-endian, 0 for a
literal) and the literal or length - 3. The output is one buffer sized once (output_bound).
"""

from ..compat import const
from .huffman import canonical_codes, code_lengths
from .tables import (
    CODELEN_ORDER,
    DIST_BASE,
    DIST_EXTRA,
    LENGTH_BASE,
    LENGTH_EXTRA,
    fixed_dist_lengths,
    fixed_litlen_lengths,
)

MAX_STORED = const(65535)  # LEN is 16 bits (§3.2.4)

# [length code of (len - 3), distance code table, fixed codes...]: built on the first
# compress(), so a node that only decompresses never holds them.
_codes = []


def tables():
    """Length-to-code and distance-to-code maps (zlib's _length_code and _dist_code)."""
    if _codes:
        return _codes
    len_code = bytearray(256)
    for c in range(29):
        base = LENGTH_BASE[c] - 3
        for k in range(1 << LENGTH_EXTRA[c]):
            if base + k < 256:
                len_code[base + k] = c
    len_code[255] = 28  # length 258 has its own code 285 (§3.2.5)
    dist_code = bytearray(512)
    for c in range(30):
        base = DIST_BASE[c] - 1
        span = 1 << DIST_EXTRA[c]
        if base < 256:
            for d in range(base, base + span):
                dist_code[d] = c
        else:
            for d in range(base, base + span, 128):
                dist_code[256 + (d >> 7)] = c
    fl = fixed_litlen_lengths()
    fd = fixed_dist_lengths()
    _codes.extend((len_code, dist_code, canonical_codes(fl, 15), fl,
                   canonical_codes(fd, 15), fd))
    return _codes


def _rle(lengths):
    """Code lengths as the run-length symbols of §3.2.7: symbol, extra value byte pairs."""
    out = bytearray()
    n = len(lengths)
    i = 0
    while i < n:
        v = lengths[i]
        run = 1
        while i + run < n and lengths[i + run] == v:
            run += 1
        i += run
        if v == 0:
            while run >= 11:
                take = run if run < 138 else 138
                out.append(18)
                out.append(take - 11)
                run -= take
            if run >= 3:
                out.append(17)
                out.append(run - 3)
                run = 0
        else:
            out.append(v)
            out.append(0)
            run -= 1
            while run >= 3:
                take = run if run < 6 else 6
                out.append(16)
                out.append(take - 3)
                run -= take
        while run > 0:
            out.append(v)
            out.append(0)
            run -= 1
    return out


_RLE_EXTRA = (2, 3, 7)  # extra bits of code-length symbols 16, 17, 18


def output_bound(n, cap):
    """The output never exceeds stored blocks of the same data: each block is at most
    its stored cost (5 bytes a 64 KiB chunk, §3.2.4), and there are at most n // cap + 1
    blocks. One allocation, written in place: no regrowth on a small heap."""
    return n + 5 * (n // cap + n // MAX_STORED + 3) + 8


class BlockWriter:
    """The bit writer and block encoder over one preallocated output buffer."""

    def __init__(self, buf, size):
        self.buf = buf  # dictionary tail + input: stored blocks copy from it
        self.out = bytearray(size)
        self.olen = 0
        self.bitbuf = 0
        self.bitcnt = 0

    # ---- bit output (§3.1.1: LSB first) ------------------------------------------------

    def put(self, value, nbits):
        bitbuf = self.bitbuf | (value << self.bitcnt)
        bitcnt = self.bitcnt + nbits
        out = self.out
        while bitcnt >= 8:
            out[self.olen] = bitbuf & 255
            self.olen += 1
            bitbuf >>= 8
            bitcnt -= 8
        self.bitbuf = bitbuf
        self.bitcnt = bitcnt

    def align(self):
        if self.bitcnt:
            self.out[self.olen] = self.bitbuf & 255
            self.olen += 1
        self.bitbuf = 0
        self.bitcnt = 0

    def result(self):
        self.align()
        return bytes(memoryview(self.out)[:self.olen])

    def stored(self, lo, hi, final):
        """Stored blocks for buf[lo:hi], split at 65535 bytes (§3.2.4)."""
        while True:
            n = hi - lo
            if n > MAX_STORED:
                n = MAX_STORED
            last = final and lo + n == hi
            self.put(1 if last else 0, 3)
            self.align()
            o = self.olen
            out = self.out
            out[o] = n & 255
            out[o + 1] = n >> 8
            out[o + 2] = ~n & 255
            out[o + 3] = (~n >> 8) & 255
            out[o + 4:o + 4 + n] = self.buf[lo:lo + n]
            self.olen = o + 4 + n
            lo += n
            if lo >= hi:
                return

    def stored_cost(self, n):
        chunks = (n + MAX_STORED - 1) // MAX_STORED if n else 1
        first = 3 + (-(self.bitcnt + 3) & 7)
        return first + 32 + (chunks - 1) * 40 + 8 * n

    # ---- one block ----------------------------------------------------------------------

    def flush(self, syms, count, lfreq, dfreq, lo, hi, final):
        """Emit the `count` buffered symbols covering buf[lo:hi] as the cheapest block type."""
        t = tables()
        lfreq[256] = 1
        extra = 0
        for c in range(29):
            extra += lfreq[257 + c] * LENGTH_EXTRA[c]
        for c in range(30):
            extra += dfreq[c] * DIST_EXTRA[c]
        fl = t[3]
        fixed_cost = 3 + extra
        for c in range(286):
            if lfreq[c]:
                fixed_cost += lfreq[c] * fl[c]
        for c in range(30):
            fixed_cost += dfreq[c] * 5
        llens = code_lengths(lfreq, 15)
        dlens = code_lengths(dfreq, 15)
        hlit = 286
        while hlit > 257 and not llens[hlit - 1]:
            hlit -= 1
        hdist = 30
        while hdist > 1 and not dlens[hdist - 1]:
            hdist -= 1
        rle = _rle(llens[:hlit] + dlens[:hdist])
        cfreq = [0] * 19
        for j in range(0, len(rle), 2):
            cfreq[rle[j]] += 1
        clens = code_lengths(cfreq, 7)
        hclen = 19
        while hclen > 4 and not clens[CODELEN_ORDER[hclen - 1]]:
            hclen -= 1
        dyn_cost = 3 + 14 + 3 * hclen + extra
        for c in range(19):
            dyn_cost += cfreq[c] * clens[c]
        dyn_cost += 2 * cfreq[16] + 3 * cfreq[17] + 7 * cfreq[18]
        for c in range(286):
            if lfreq[c]:
                dyn_cost += lfreq[c] * llens[c]
        for c in range(30):
            if dfreq[c]:
                dyn_cost += dfreq[c] * dlens[c]
        stored_cost = self.stored_cost(hi - lo)
        if stored_cost <= fixed_cost and stored_cost <= dyn_cost:
            self.stored(lo, hi, final)
        elif fixed_cost <= dyn_cost:
            self.put(3 if final else 2, 3)  # BFINAL, BTYPE=01
            self.symbols(syms, count, t[2], fl, t[4], t[5])
        else:
            self.put(5 if final else 4, 3)  # BFINAL, BTYPE=10
            self.put(hlit - 257, 5)
            self.put(hdist - 1, 5)
            self.put(hclen - 4, 4)
            for i in range(hclen):
                self.put(clens[CODELEN_ORDER[i]], 3)
            ccodes = canonical_codes(clens, 7)
            for j in range(0, len(rle), 2):
                sym = rle[j]
                self.put(ccodes[sym], clens[sym])
                if sym >= 16:
                    self.put(rle[j + 1], _RLE_EXTRA[sym - 16])
            self.symbols(syms, count, canonical_codes(llens, 15), llens,
                          canonical_codes(dlens, 15), dlens)
        for c in range(286):
            lfreq[c] = 0
        for c in range(30):
            dfreq[c] = 0

    def symbols(self, syms, count, lcodes, llens, dcodes, dlens):
        """Write buffered symbols then end-of-block. A symbol is 3 bytes: distance (LE, 0 for
        a literal) and the literal or length - 3, as in zlib's sym_buf."""
        t = tables()
        len_code = t[0]
        dist_code = t[1]
        lbase = LENGTH_BASE
        lextra = LENGTH_EXTRA
        dbase = DIST_BASE
        dextra = DIST_EXTRA
        out = self.out
        olen = self.olen
        bitbuf = self.bitbuf
        bitcnt = self.bitcnt
        # Invariant: fewer than 8 bits buffered between pieces, so at most 7 + 15 + 5 bits
        # are ever held: a small int on 32-bit MicroPython.
        for k in range(0, 3 * count, 3):
            d = syms[k] | (syms[k + 1] << 8)
            lc = syms[k + 2]
            if not d:
                bitbuf |= lcodes[lc] << bitcnt
                bitcnt += llens[lc]
            else:
                c = len_code[lc]
                bitbuf |= lcodes[257 + c] << bitcnt
                bitcnt += llens[257 + c]
                e = lextra[c]
                if e:
                    bitbuf |= (lc + 3 - lbase[c]) << bitcnt
                    bitcnt += e
                while bitcnt >= 8:
                    out[olen] = bitbuf & 255
                    olen += 1
                    bitbuf >>= 8
                    bitcnt -= 8
                d -= 1
                c = dist_code[d] if d < 256 else dist_code[256 + (d >> 7)]
                bitbuf |= dcodes[c] << bitcnt
                bitcnt += dlens[c]
                while bitcnt >= 8:
                    out[olen] = bitbuf & 255
                    olen += 1
                    bitbuf >>= 8
                    bitcnt -= 8
                e = dextra[c]
                if e:
                    bitbuf |= (d + 1 - dbase[c]) << bitcnt
                    bitcnt += e
            while bitcnt >= 8:
                out[olen] = bitbuf & 255
                olen += 1
                bitbuf >>= 8
                bitcnt -= 8
        self.olen = olen
        self.bitbuf = bitbuf
        self.bitcnt = bitcnt
        self.put(lcodes[256], llens[256])
