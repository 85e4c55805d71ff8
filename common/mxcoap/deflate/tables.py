"""Protocol numbers of RFC 1951: length and distance codes (§3.2.5), code-length order (§3.2.7).

The small tables are bytes literals: one byte an entry, and one object in RAM on a board.
"""

# Length codes 257..285: base length (a tuple: 258 needs more than a byte) and extra bits.
LENGTH_BASE = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
               35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258)
LENGTH_EXTRA = (b"\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x02\x02\x02\x02"
                b"\x03\x03\x03\x03\x04\x04\x04\x04\x05\x05\x05\x05\x00")

# Distance codes 0..29 (§3.2.5); 30 and 31 never occur in valid data.
DIST_BASE = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
             257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
             8193, 12289, 16385, 24577)
DIST_EXTRA = (b"\x00\x00\x00\x00\x01\x01\x02\x02\x03\x03\x04\x04\x05\x05\x06\x06"
              b"\x07\x07\x08\x08\x09\x09\x0a\x0a\x0b\x0b\x0c\x0c\x0d\x0d")

# Order in which the code-length code lengths are sent (§3.2.7).
CODELEN_ORDER = b"\x10\x11\x12\x00\x08\x07\x09\x06\x0a\x05\x0b\x04\x0c\x03\x0d\x02\x0e\x01\x0f"


def fixed_litlen_lengths():
    """The fixed Huffman code of §3.2.6 for literal/length symbols 0..287 (286 and 287 have
    codes but are invalid in data)."""
    return b"\x08" * 144 + b"\x09" * 112 + b"\x07" * 24 + b"\x08" * 8


def fixed_dist_lengths():
    """Fixed distance codes: 32 five-bit codes, of which 30 and 31 are invalid (§3.2.6)."""
    return b"\x05" * 32
