"""Protocol numbers of RFC 1951: length and distance codes (§3.2.5), code-length order (§3.2.7)."""

# Length codes 257..285: base length and number of extra bits (§3.2.5). Small tables are
# bytes: one byte an entry in RAM on a board instead of a word.
LENGTH_BASE = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
               35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258)
LENGTH_EXTRA = bytes((0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0))

# Distance codes 0..29 (§3.2.5); 30 and 31 never occur in valid data.
DIST_BASE = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
             257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
             8193, 12289, 16385, 24577)
DIST_EXTRA = bytes((0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13))

# Order in which the code-length code lengths are sent (§3.2.7).
CODELEN_ORDER = bytes((16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15))

END_OF_BLOCK = 256
NUM_LITLEN = 286  # 0..285 are valid; the fixed code also assigns 286 and 287 (§3.2.6)
NUM_DIST = 30
NUM_CODELEN = 19
MAX_BITS = 15  # lit/len and distance codes (§3.2.7)
MAX_CODELEN_BITS = 7  # the code-length code: 3-bit lengths
MIN_MATCH = 3
MAX_MATCH = 258
MAX_WINDOW = 32768  # distances reach at most 32768 bytes back (§2)


def fixed_litlen_lengths():
    """The fixed Huffman code of §3.2.6 for literal/length symbols 0..287."""
    return bytes([8]) * 144 + bytes([9]) * 112 + bytes([7]) * 24 + bytes([8]) * 8


def fixed_dist_lengths():
    """Fixed distance codes: 32 five-bit codes, of which 30 and 31 are invalid (§3.2.6)."""
    return bytes([5]) * 32
