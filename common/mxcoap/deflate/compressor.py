"""The portable compressor's LZ77 stage: matches found over hash chains (RFC 1951 §4), handed
as symbols to blocks.BlockWriter, which writes each block in its cheapest encoding.

The match finder follows zlib's deflate_fast (levels 1-3) and deflate_slow (lazy matching,
levels 4-9) with zlib's configuration table, so sizes track zlib's. A preset dictionary is
placed in front of the input and its positions are hashed first, which is what zlib's
deflateSetDictionary does for raw streams. Memory is sized by wbits: the chain table holds
2**wbits entries, the hash heads as many (512 below wbits 11), the symbol buffer
2**max(9, wbits - 1) symbols of 3 bytes (16384 at wbits 15, zlib's default).
"""

from array import array

from ..compat import const
from .blocks import MAX_STORED, BlockWriter, output_bound, tables

_MIN_MATCH = const(3)
_MAX_MATCH = const(258)
_TOO_FAR = const(4096)  # zlib: a 3-byte match this far back costs more than 3 literals
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


def _table(code, n, zero):
    """An array of n entries. Board-sized ones are built from a range (no temporary of the
    same size, the allocation that fails on a fragmented heap); the chain table needs no
    clearing, since it is only read at positions already inserted."""
    if n > 1024:
        return array(code, bytes((2 if code == "H" else 4) * n))
    t = array(code, range(n))
    if zero:
        for i in range(n):
            t[i] = 0
    return t


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

    def run(self):
        buf = self.buf
        end = len(buf)
        start = self.start
        if self.level == 0:
            w = BlockWriter(buf, output_bound(end - start, MAX_STORED))
            w.stored(start, end, True)
            return w.result()
        good, max_lazy, nice, max_chain, lazy = LEVELS[self.level]
        wbits = self.wbits
        wmask = self.wsize - 1
        # Distances up to wsize - 1: a chain entry is then never overwritten before use.
        max_dist = wmask
        hbits = wbits if wbits > 10 else 9  # a small window gets a small hash table
        hmask = (1 << hbits) - 1
        shift = (hbits + 2) // 3
        shift2 = shift + shift
        # A block holds at most `cap` symbols (each covers >= 1 input byte): 3 bytes each.
        cap = 1 << max(9, wbits - 1)
        if cap > end - start + 1:
            cap = end - start + 1
        syms = bytearray(3 * cap)
        w = BlockWriter(buf, output_bound(end - start, cap))
        # Positions + 1 (0 = none): 16-bit entries when the input allows, as on a board.
        code = "H" if end < 65535 else "i"
        head = _table(code, 1 << hbits, True)  # newest string of each hash
        prev = _table(code, 1 << wbits, False)  # previous string of the same hash
        lfreq = array("H", bytes(2 * 286))  # a block holds at most 2**14 symbols
        dfreq = array("H", bytes(2 * 30))
        t = tables()
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
                    w.flush(syms, cap, lfreq, dfreq, block_lo, i, False)
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
                elif avail:
                    c = buf[i - 1]
                    syms[k] = 0
                    syms[k + 1] = 0
                    syms[k + 2] = c
                    lfreq[c] += 1
                else:
                    avail = True
                    i += 1
                    continue
                # A symbol was emitted (for buf[:i]); a full buffer ends a block there.
                k += 3
                if k == 3 * cap:
                    w.flush(syms, cap, lfreq, dfreq, block_lo, i, False)
                    k = 0
                    block_lo = i
                if avail:
                    i += 1  # after a literal for buf[i - 1], go on to the next byte
            if avail:
                c = buf[i - 1]
                syms[k] = 0
                syms[k + 1] = 0
                syms[k + 2] = c
                lfreq[c] += 1
                k += 3
        w.flush(syms, k // 3, lfreq, dfreq, block_lo, end, True)
        return w.result()
