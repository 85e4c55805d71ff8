"""Canonical Huffman codes (RFC 1951 §3.2.2): decoding tables and length-limited encoders.

Decoding table layout (one array('H'), two levels, like zlib's inflate_table):
  the first 2**root entries are indexed by the next `root` input bits (LSB first);
  a leaf holds   sym << 5 | length        (length 1..15, bit 4 clear);
  a link holds   offset << 5 | 16 | bits  (a subtable of 2**bits entries at `offset`,
                                           indexed by the input bits after the first `root`);
  0 marks a bit pattern that no code uses.
A leaf stores the full code length, so the decoder consumes it in one step.
"""

from array import array

from ..compat import const
from .errors import InvalidStreamError

# zlib's ENOUGH_LENS and ENOUGH_DISTS: the largest two-level tables that any complete code
# of at most 286 (30) symbols and 15 bits can need, with roots of 9 (6) bits.
LITLEN_ROOT = const(9)
DIST_ROOT = const(6)
CODELEN_ROOT = const(7)
LITLEN_TABLE_SIZE = const(852)
DIST_TABLE_SIZE = const(592)
CODELEN_TABLE_SIZE = const(128)

_MAX_BITS = const(15)


def new_table(size):
    """A table of `size` entries, contents undefined until build_decode_table fills it.

    Built from a range, not from bytes(2 * size): no temporary of the same size, which on a
    small, fragmented heap is the allocation that fails."""
    return array("H", range(size))


def reverse_bits(code, length):
    r = 0
    for _ in range(length):
        r = (r << 1) | (code & 1)
        code >>= 1
    return r


def _count_lengths(lengths, max_bits):
    counts = [0] * (max_bits + 1)
    for n in lengths:
        counts[n] += 1
    counts[0] = 0
    return counts


def check_code(lengths, max_bits, allow_single, what):
    """Reject over-subscribed and incomplete codes (§3.2.2), as zlib's inflate does.

    An incomplete code is accepted only when `allow_single` and it is a single code of
    length 1 (a block that uses one distance, or one symbol). Returns the longest length.
    """
    counts = _count_lengths(lengths, max_bits)
    left = 1
    longest = 0
    for bits in range(1, max_bits + 1):
        left = (left << 1) - counts[bits]
        if left < 0:
            raise InvalidStreamError("over-subscribed " + what + " code")
        if counts[bits]:
            longest = bits
    if left > 0 and longest and not (allow_single and longest == 1):
        raise InvalidStreamError("incomplete " + what + " code")
    if not longest and not allow_single:
        raise InvalidStreamError("empty " + what + " code")
    return longest


def canonical_codes(lengths, max_bits):
    """Codes of §3.2.2 step 3, bit-reversed so they can be written LSB first."""
    counts = _count_lengths(lengths, max_bits)
    next_code = [0] * (max_bits + 2)
    code = 0
    for bits in range(1, max_bits + 1):
        code = (code + counts[bits - 1]) << 1
        next_code[bits] = code
    codes = array("H", bytes(2 * len(lengths)))
    for sym in range(len(lengths)):
        n = lengths[sym]
        if n:
            codes[sym] = reverse_bits(next_code[n], n)
            next_code[n] += 1
    return codes


def build_decode_table(lengths, table, root, max_bits, allow_single, what):
    """Fill `table` (from new_table) for the code given by `lengths`; validate it first."""
    longest = check_code(lengths, max_bits, allow_single, what)
    codes = canonical_codes(lengths, max_bits)
    size = 1 << root
    # Only the root needs clearing: every subtable entry is written below, because a code with
    # subtables is complete (check_code), and only an incomplete code leaves root entries unset.
    for i in range(size):
        table[i] = 0
    if longest > root:
        # Subtable depth per root prefix: the longest code sharing that prefix.
        sub = {}
        mask = size - 1
        for sym in range(len(lengths)):
            n = lengths[sym]
            if n > root:
                p = codes[sym] & mask
                if sub.get(p, 0) < n - root:
                    sub[p] = n - root
        offset = size
        for p in sorted(sub):
            bits = sub[p]
            if offset + (1 << bits) > len(table):
                raise InvalidStreamError("oversized " + what + " table")
            table[p] = (offset << 5) | 16 | bits
            offset += 1 << bits
    for sym in range(len(lengths)):
        n = lengths[sym]
        if not n:
            continue
        r = codes[sym]
        leaf = (sym << 5) | n
        if n <= root:
            step = 1 << n
            for i in range(r, size, step):
                table[i] = leaf
        else:
            link = table[r & (size - 1)]
            base = link >> 5
            end = 1 << (link & 15)
            step = 1 << (n - root)
            for i in range(r >> root, end, step):
                table[base + i] = leaf
    return table


# ---- encoder side -------------------------------------------------------------------------


def code_lengths(freqs, max_bits):
    """Huffman code lengths for `freqs`, no longer than `max_bits`.

    Moffat-Katajainen in-place minimum redundancy (as in miniz), then the Kraft-sum repair of
    over-long codes. Like zlib's build_tree, at least two symbols get a code, so every code we
    send is complete and any inflater accepts it.
    """
    n = len(freqs)
    # Each used symbol as one int, freq << 9 | sym (n <= 512): sorts by frequency, then symbol,
    # and costs no tuple per symbol (memory on a board).
    used = [(freqs[s] << 9) | s for s in range(n) if freqs[s]]
    s = 0
    while len(used) < 2:
        # Force a second code (zlib does the same) with the lowest unused symbols.
        if not freqs[s]:
            used.append(s)
        s += 1
    used.sort()
    m = len(used)
    syms = array("H", bytes(2 * m))
    for i in range(m):
        syms[i] = used[i] & 511
        used[i] >>= 9
    a = used  # the weights, reused in place for the tree (one list, not two)
    # Moffat-Katajainen, phase 1: internal node weights and parent pointers.
    a[0] += a[1]
    root = 0
    leaf = 2
    for nxt in range(1, m - 1):
        if leaf >= m or a[root] < a[leaf]:
            a[nxt] = a[root]
            a[root] = nxt
            root += 1
        else:
            a[nxt] = a[leaf]
            leaf += 1
        if leaf >= m or (root < nxt and a[root] < a[leaf]):
            a[nxt] += a[root]
            a[root] = nxt
            root += 1
        else:
            a[nxt] += a[leaf]
            leaf += 1
    # Phase 2: depths of internal nodes.
    a[m - 2] = 0
    for nxt in range(m - 3, -1, -1):
        a[nxt] = a[a[nxt]] + 1
    # Phase 3: leaf depths, written right to left.
    avbl = 1
    used_n = 0
    depth = 0
    root = m - 2
    nxt = m - 1
    while avbl > 0:
        while root >= 0 and a[root] == depth:
            used_n += 1
            root -= 1
        while avbl > used_n:
            a[nxt] = depth
            nxt -= 1
            avbl -= 1
        avbl = 2 * used_n
        depth += 1
        used_n = 0
    # a[i] is now the length for used[i] (longest first). Count and limit.
    top = max(a[0], max_bits)
    counts = [0] * (top + 1)
    for d in a:
        counts[d] += 1
    if a[0] > max_bits:
        for i in range(max_bits + 1, top + 1):
            counts[max_bits] += counts[i]
            counts[i] = 0
        total = 0
        for i in range(max_bits, 0, -1):
            total += counts[i] << (max_bits - i)
        while total != (1 << max_bits):
            counts[max_bits] -= 1
            for i in range(max_bits - 1, 0, -1):
                if counts[i]:
                    counts[i] -= 1
                    counts[i + 1] += 2
                    break
            total -= 1
    lengths = bytearray(n)
    j = m
    for bits in range(1, max_bits + 1):
        for _ in range(counts[bits]):
            j -= 1
            lengths[syms[j]] = bits
    return lengths
