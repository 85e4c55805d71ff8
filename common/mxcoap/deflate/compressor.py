"""The portable compressor: LZ77 over hash chains, then per block the smallest of a stored,
fixed-Huffman or dynamic-Huffman encoding (RFC 1951 §3.2.3-§3.2.7).

The match finder follows zlib's deflate_fast (levels 1-3) and deflate_slow (lazy matching,
levels 4-9) with zlib's configuration table, so sizes track zlib's. A preset dictionary is
placed in front of the input and its positions are hashed first, which is what zlib's
deflateSetDictionary does for raw streams. Memory is sized by wbits: the chain table holds
2**wbits entries, the hash heads as many (512 below wbits 11), the symbol buffer
2**max(9, wbits - 1) symbols of 3 bytes (16384 at wbits 15, zlib's default).
"""

from array import array

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

_MIN_MATCH = const(3)
_MAX_MATCH = const(258)
_TOO_FAR = const(4096)  # zlib: a 3-byte match this far back costs more than 3 literals
_MAX_STORED = const(65535)  # LEN is 16 bits (§3.2.4)
# Work bound: zlib's level 9 may walk 4096 chain links a byte on adversarial input (a random
# two-letter text), which costs seconds in Python and minutes on a board. Past this many links
# a byte on average (plus a floor for small messages) searches fall back to level 1's chain.
# Matrix JSON uses a few links a byte, so normal output is exactly zlib's algorithm.
_WORK_PER_BYTE = const(16)
_WORK_FLOOR = const(65536)
_LOW_CHAIN = const(4)

# zlib's configuration_table: (good_length, max_lazy, nice_length, max_chain, lazy?).
# For the fast levels max_lazy is zlib's max_insert_length.
LEVELS = (
    (0, 0, 0, 0, False),
    (4, 4, 8, 4, False),
    (4, 5, 16, 8, False),
    (4, 6, 32, 32, False),
    (4, 4, 16, 16, True),
    (8, 16, 32, 32, True),
    (8, 16, 128, 128, True),
    (8, 32, 128, 256, True),
    (32, 128, 258, 1024, True),
    (32, 258, 258, 4096, True),
)

_codes = []  # [length code of (len - 3), distance code table, fixed codes...], built once


def _tables():
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


_tables()  # at import: long-lived tables next to the code, not scattered among temporaries


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


class Deflater:
    """One-shot compressor state; `run()` returns the raw DEFLATE stream."""

    def __init__(self, data, zdict, level, wbits):
        self.wsize = 1 << wbits
        tail = zdict[-self.wsize:] if zdict else b""
        self.start = len(tail)
        if tail:
            # One buffer, dictionary tail then data, filled in place (no temporary copy).
            buf = bytearray(len(tail) + len(data))
            buf[:len(tail)] = tail
            buf[len(tail):] = data
            self.buf = buf
        else:
            self.buf = bytes(data) if isinstance(data, memoryview) else data
        self.level = level
        self.wbits = wbits
        self.out = None  # sized in run(), once: see _output_bound
        self.olen = 0
        self.bitbuf = 0
        self.bitcnt = 0

    # ---- bit output (§3.1.1: LSB first) ------------------------------------------------

    def _put(self, value, nbits):
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

    def _align(self):
        if self.bitcnt:
            self.out[self.olen] = self.bitbuf & 255
            self.olen += 1
        self.bitbuf = 0
        self.bitcnt = 0

    def _result(self):
        self._align()
        return bytes(memoryview(self.out)[:self.olen])

    def _stored(self, lo, hi, final):
        """Stored blocks for buf[lo:hi], split at 65535 bytes (§3.2.4)."""
        while True:
            n = hi - lo
            if n > _MAX_STORED:
                n = _MAX_STORED
            last = final and lo + n == hi
            self._put(1 if last else 0, 3)
            self._align()
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

    def _output_bound(self, n, cap):
        """The output never exceeds stored blocks of the same data: each block is at most
        its stored cost (5 bytes a 64 KiB chunk, §3.2.4), and there are at most n // cap + 1
        blocks. One allocation, written in place: no regrowth on a small heap."""
        return n + 5 * (n // cap + n // _MAX_STORED + 3) + 8

    def _stored_cost(self, n):
        chunks = (n + _MAX_STORED - 1) // _MAX_STORED if n else 1
        first = 3 + (-(self.bitcnt + 3) & 7)
        return first + 32 + (chunks - 1) * 40 + 8 * n

    # ---- one block ----------------------------------------------------------------------

    def _flush(self, syms, count, lfreq, dfreq, lo, hi, final):
        """Emit the `count` buffered symbols covering buf[lo:hi] as the cheapest block type."""
        t = _tables()
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
        stored_cost = self._stored_cost(hi - lo)
        if stored_cost <= fixed_cost and stored_cost <= dyn_cost:
            self._stored(lo, hi, final)
        elif fixed_cost <= dyn_cost:
            self._put(3 if final else 2, 3)  # BFINAL, BTYPE=01
            self._symbols(syms, count, t[2], fl, t[4], t[5])
        else:
            self._put(5 if final else 4, 3)  # BFINAL, BTYPE=10
            self._put(hlit - 257, 5)
            self._put(hdist - 1, 5)
            self._put(hclen - 4, 4)
            for i in range(hclen):
                self._put(clens[CODELEN_ORDER[i]], 3)
            ccodes = canonical_codes(clens, 7)
            for j in range(0, len(rle), 2):
                sym = rle[j]
                self._put(ccodes[sym], clens[sym])
                if sym >= 16:
                    self._put(rle[j + 1], _RLE_EXTRA[sym - 16])
            self._symbols(syms, count, canonical_codes(llens, 15), llens,
                          canonical_codes(dlens, 15), dlens)
        for c in range(286):
            lfreq[c] = 0
        for c in range(30):
            dfreq[c] = 0

    def _symbols(self, syms, count, lcodes, llens, dcodes, dlens):
        """Write buffered symbols then end-of-block. A symbol is 3 bytes: distance (LE, 0 for
        a literal) and the literal or length - 3, as in zlib's sym_buf."""
        t = _tables()
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
        self._put(lcodes[256], llens[256])

    # ---- LZ77 ---------------------------------------------------------------------------

    def run(self):
        buf = self.buf
        end = len(buf)
        start = self.start
        if self.level == 0:
            self.out = bytearray(self._output_bound(end - start, _MAX_STORED))
            self._stored(start, end, True)
            return self._result()
        good, max_lazy, nice, max_chain, lazy = LEVELS[self.level]
        wbits = self.wbits
        wmask = self.wsize - 1
        # Distances up to wsize - 1: a chain entry is then never overwritten before use.
        max_dist = wmask
        hbits = wbits if wbits > 10 else 9  # a small window gets a small hash table
        hmask = (1 << hbits) - 1
        shift = (hbits + 2) // 3
        shift2 = shift + shift
        # Positions + 1 (0 = none): 16-bit entries when the input allows, as on a board.
        # A block holds at most `cap` symbols (each covers >= 1 input byte): 3 bytes each.
        cap = 1 << max(9, wbits - 1)
        if cap > end - start + 1:
            cap = end - start + 1
        syms = bytearray(3 * cap)
        self.out = bytearray(self._output_bound(end - start, cap))
        # Positions + 1 (0 = none): 16-bit entries when the input allows, as on a board.
        if end < 65535:
            head = array("H", bytes(2 << hbits))  # newest string of each hash
            prev = array("H", bytes(2 << wbits))  # previous string of the same hash
        else:
            head = array("i", bytes(4 << hbits))
            prev = array("i", bytes(4 << wbits))
        lfreq = array("H", bytes(2 * 286))  # a block holds at most 2**14 symbols
        dfreq = array("H", bytes(2 * 30))
        t = _tables()
        len_code = t[0]
        dist_code = t[1]

        # Hash the dictionary so matches can reach into it (deflateSetDictionary).
        for j in range(0, min(start, end - 2)):
            h = ((buf[j] << shift2) ^ (buf[j + 1] << shift) ^ buf[j + 2]) & hmask
            prev[j & wmask] = head[h]
            head[h] = j + 1

        work = [_WORK_FLOOR + _WORK_PER_BYTE * (end - start)]  # chain links left

        def longest(cur, cand, best, chain):
            """zlib's longest_match: the longest match above `best` along the chain."""
            if work[0] <= 0 and chain > _LOW_CHAIN:
                chain = _LOW_CHAIN
            work[0] -= chain  # charged up front; the unused part is refunded below
            max_len = end - cur
            if max_len > _MAX_MATCH:
                max_len = _MAX_MATCH
            if best >= max_len:
                work[0] += chain
                return best, 0
            nice_len = nice if nice < max_len else max_len
            limit = cur - max_dist
            if limit < 0:
                limit = 0
            best_dist = 0
            b0 = buf[cur]
            b1 = buf[cur + 1]
            while cand >= limit:
                if buf[cand + best] == buf[cur + best] and buf[cand] == b0 \
                        and buf[cand + 1] == b1:
                    n = 2
                    while n + 16 <= max_len and \
                            buf[cand + n:cand + n + 16] == buf[cur + n:cur + n + 16]:
                        n += 16
                    while n + 4 <= max_len and \
                            buf[cand + n:cand + n + 4] == buf[cur + n:cur + n + 4]:
                        n += 4
                    while n < max_len and buf[cand + n] == buf[cur + n]:
                        n += 1
                    if n > best:
                        best = n
                        best_dist = cur - cand
                        if n >= nice_len:
                            break
                chain -= 1
                if not chain:
                    break
                cand = prev[cand & wmask] - 1
            work[0] += chain
            return best, best_dist

        k = 0  # bytes used in syms
        block_lo = start
        i = start
        if not lazy:
            while i < end:
                match_len = 0
                if i + 2 < end:
                    h = ((buf[i] << shift2) ^ (buf[i + 1] << shift) ^ buf[i + 2]) & hmask
                    cand = head[h] - 1
                    prev[i & wmask] = cand + 1
                    head[h] = i + 1
                    if cand >= 0 and i - cand <= max_dist:
                        match_len, dist = longest(i, cand, 2, max_chain)
                if match_len >= _MIN_MATCH:
                    syms[k] = dist & 255
                    syms[k + 1] = dist >> 8
                    syms[k + 2] = match_len - 3
                    lfreq[257 + len_code[match_len - 3]] += 1
                    d = dist - 1
                    dfreq[dist_code[d] if d < 256 else dist_code[256 + (d >> 7)]] += 1
                    if match_len <= max_lazy:
                        for j in range(i + 1, i + match_len):
                            if j + 2 < end:
                                h = ((buf[j] << shift2) ^ (buf[j + 1] << shift)
                                     ^ buf[j + 2]) & hmask
                                prev[j & wmask] = head[h]
                                head[h] = j + 1
                    i += match_len
                else:
                    c = buf[i]
                    syms[k] = 0
                    syms[k + 1] = 0
                    syms[k + 2] = c
                    lfreq[c] += 1
                    i += 1
                k += 3
                if k == 3 * cap:
                    self._flush(syms, cap, lfreq, dfreq, block_lo, i, False)
                    k = 0
                    block_lo = i
        else:
            match_len = 2
            match_dist = 0
            avail = False
            while i < end:
                cand = -1
                if i + 2 < end:
                    h = ((buf[i] << shift2) ^ (buf[i + 1] << shift) ^ buf[i + 2]) & hmask
                    cand = head[h] - 1
                    prev[i & wmask] = cand + 1
                    head[h] = i + 1
                prev_len = match_len
                prev_dist = match_dist
                match_len = 2
                if cand >= 0 and prev_len < max_lazy and i - cand <= max_dist:
                    match_len, match_dist = longest(
                        i, cand, prev_len, max_chain >> 2 if prev_len >= good else max_chain)
                    if match_len == 3 and match_dist > _TOO_FAR:
                        match_len = 2
                if prev_len >= _MIN_MATCH and match_len <= prev_len:
                    # Emit the match found at i - 1; hash the strings inside it.
                    syms[k] = prev_dist & 255
                    syms[k + 1] = prev_dist >> 8
                    syms[k + 2] = prev_len - 3
                    lfreq[257 + len_code[prev_len - 3]] += 1
                    d = prev_dist - 1
                    dfreq[dist_code[d] if d < 256 else dist_code[256 + (d >> 7)]] += 1
                    stop = i + prev_len - 1
                    if stop > end - 2:
                        stop = end - 2
                    for j in range(i + 1, stop):
                        h = ((buf[j] << shift2) ^ (buf[j + 1] << shift) ^ buf[j + 2]) & hmask
                        prev[j & wmask] = head[h]
                        head[h] = j + 1
                    i += prev_len - 1
                    avail = False
                    match_len = 2
                    k += 3
                    if k == 3 * cap:
                        self._flush(syms, cap, lfreq, dfreq, block_lo, i, False)
                        k = 0
                        block_lo = i
                elif avail:
                    c = buf[i - 1]
                    syms[k] = 0
                    syms[k + 1] = 0
                    syms[k + 2] = c
                    lfreq[c] += 1
                    k += 3
                    if k == 3 * cap:
                        self._flush(syms, cap, lfreq, dfreq, block_lo, i, False)
                        k = 0
                        block_lo = i
                    i += 1
                else:
                    avail = True
                    i += 1
            if avail:
                c = buf[i - 1]
                syms[k] = 0
                syms[k + 1] = 0
                syms[k + 2] = c
                lfreq[c] += 1
                k += 3
        self._flush(syms, k // 3, lfreq, dfreq, block_lo, end, True)
        return self._result()
