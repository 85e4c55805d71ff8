"""mxcoap.deflate on both interpreters: zlib-made vectors, round trips, hostile streams."""

import json
import unittest

from mxcoap import deflate
from mxcoap.deflate import (
    DeflateError,
    InvalidStreamError,
    OutputLimitError,
    TruncatedError,
    compress,
    decompress,
)
from mxcoap.deflate.inflate import inflate
from mxcoap.deflate.tables import DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA
from support import IS_MICROPYTHON, read_vector, vector_path

_cache = {}


def vec(name):
    if name not in _cache:
        _cache[name] = read_vector("deflate/" + name)
    return _cache[name]


def index():
    if "index" not in _cache:
        with open(vector_path("deflate/index.json")) as f:
            _cache["index"] = json.load(f)
    return _cache["index"]


def plain(name):
    return vec("plain-" + name + ".bin")


def zdict(name):
    return b"" if name == "none" else vec("dict-" + name + ".bin")


class Bits:
    """An independent LSB-first bit writer for crafting streams by hand (RFC 1951 §3.1.1)."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        for i in range(nbits):
            self.acc |= ((value >> i) & 1) << self.n
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                self.acc = 0
                self.n = 0

    def huff(self, code, nbits):
        # Huffman codes are packed starting with their most significant bit (§3.1.1).
        for i in range(nbits - 1, -1, -1):
            self.put((code >> i) & 1, 1)

    def lit(self, sym):
        """A literal/length symbol in the fixed code (§3.2.6), 286 and 287 included."""
        if sym < 144:
            self.huff(0x30 + sym, 8)
        elif sym < 256:
            self.huff(0x190 + sym - 144, 9)
        elif sym < 280:
            self.huff(sym - 256, 7)
        else:
            self.huff(0xC0 + sym - 280, 8)

    def match(self, length, dist):
        c = 28
        while LENGTH_BASE[c] > length:
            c -= 1
        self.lit(257 + c)
        self.put(length - LENGTH_BASE[c], LENGTH_EXTRA[c])
        d = 29
        while DIST_BASE[d] > dist:
            d -= 1
        self.huff(d, 5)
        self.put(dist - DIST_BASE[d], DIST_EXTRA[d])

    def done(self):
        out = bytes(self.out)
        if self.n:
            out += bytes([self.acc])
        return out


def fixed_block(tokens, final=True):
    """A fixed-Huffman block from literals (ints) and (length, distance) pairs."""
    b = Bits()
    b.put(1 if final else 0, 1)
    b.put(1, 2)
    for t in tokens:
        if isinstance(t, tuple):
            b.match(t[0], t[1])
        else:
            b.lit(t)
    b.lit(256)
    return b.done()


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.state >> 8


class TestZlibVectors(unittest.TestCase):
    """Streams that CPython's zlib wrote (tools/make_deflate_vectors.py), read by our inflater."""

    def test_all_vectors(self):
        cases = index()["cases"]
        self.assertGreater(len(cases), 20)
        for case in cases:
            if case["plain"] == "zeros":
                continue
            with self.subTest(name=case["name"]):
                stream = vec(case["name"] + ".deflate")
                expected = plain(case["plain"])
                got = decompress(stream, zdict(case["zdict"]), max_size=len(expected),
                                 wbits=case["wbits"])
                self.assertEqual(got, expected)
                if expected:
                    with self.assertRaises(OutputLimitError):
                        decompress(stream, zdict(case["zdict"]), max_size=len(expected) - 1,
                                   wbits=case["wbits"])

    def test_our_output_is_pinned(self):
        # Same bytes on both interpreters as on CPython, where zlib read them back.
        ours = index()["ours"]
        self.assertGreater(len(ours), 5)
        for case in ours:
            with self.subTest(name=case["name"]):
                got = compress(plain(case["plain"]), zdict(case["zdict"]), level=case["level"],
                               wbits=case["wbits"])
                self.assertEqual(got, vec(case["name"] + ".deflate"))

    def test_big_case_present(self):
        big = [c for c in index()["cases"] if c["size"] > 65536 and c["plain"] != "zeros"]
        self.assertTrue(big)
        self.assertTrue([c for c in big if c["zdict"] != "none"])

    def test_dictionary_needed(self):
        # A stream made with a dictionary refers into it: without it, it cannot be decoded.
        stream = vec("event-d32k-l9-w15.deflate")
        with self.assertRaises(InvalidStreamError):
            decompress(stream)

    def test_bomb(self):
        stream = vec("zeros-none-l9-w15.deflate")
        self.assertLess(len(stream), 2000)
        with self.assertRaises(OutputLimitError) as cm:
            decompress(stream, max_size=4096)
        self.assertEqual(cm.exception.limit, 4096)
        with self.assertRaises(OutputLimitError):
            decompress(stream)  # the default MAX_OUTPUT bound
        if not IS_MICROPYTHON:
            self.assertEqual(decompress(stream, max_size=1 << 20), bytes(1 << 20))


class TestRoundTrip(unittest.TestCase):
    def check(self, data, d=b"", levels=(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), wbits=15):
        for level in levels:
            c = compress(data, d, level=level, wbits=wbits)
            self.assertEqual(decompress(c, d, max_size=len(data), wbits=wbits), data)

    def test_small_inputs(self):
        for data in (b"", b"A", b"AA", b"AAA", b"AAAA", b"Hello world", bytes(range(256))):
            self.check(data)

    def test_matrix_json(self):
        self.check(plain("event"))
        self.check(plain("sync"), levels=(1, 6, 9))

    def test_incompressible_is_stored(self):
        data = plain("random")
        c = compress(data, level=9)
        self.assertEqual(c[0] & 6, 0)  # BTYPE 00: a stored block (§3.2.4)
        self.assertLessEqual(len(c), len(data) + 5)
        self.assertEqual(decompress(c), data)

    def test_dictionaries(self):
        event = plain("event")
        for name in ("small", "d32k", "d40k"):
            d = zdict(name)
            with self.subTest(zdict=name):
                self.check(event, d, levels=(1, 6, 9))
                self.assertLess(len(compress(event, d, level=9)), len(compress(event, level=9)))

    def test_small_windows(self):
        data = plain("sync")
        d = zdict("d32k")
        for wbits in (9, 10, 12):
            with self.subTest(wbits=wbits):
                self.check(data, d, levels=(1, 9), wbits=wbits)
                c = compress(data, d, level=9, wbits=wbits)
                # The stream only refers to the last 2**wbits bytes of the dictionary.
                tail = d[-(1 << wbits):]
                self.assertEqual(decompress(c, tail, wbits=wbits), data)
                # A receiver with a larger window reads it the same (docs/protocol.md (Part 6)).
                self.assertEqual(decompress(c, d, wbits=15), data)

    def test_large_input(self):
        if IS_MICROPYTHON:
            data = plain("big")[:20000]
        else:
            data = plain("big")
        c = compress(data, level=6)
        self.assertLess(len(c), len(data) // 3)
        self.assertEqual(decompress(c, max_size=len(data)), data)

    def test_long_stored(self):
        # More than 65535 incompressible bytes: several stored blocks (LEN is 16 bits).
        rng = Lcg(7)
        data = bytes(rng.next() & 255 for _ in range(70000 if not IS_MICROPYTHON else 2000))
        c = compress(data, level=0)
        self.assertEqual(decompress(c, max_size=len(data)), data)

    def test_deterministic(self):
        data = plain("sync")
        self.assertEqual(compress(data, level=9), compress(data, level=9))

    def test_input_types(self):
        data = plain("event")
        c = compress(bytearray(data), level=9)
        self.assertEqual(decompress(memoryview(c)), data)
        self.assertEqual(decompress(bytearray(c)), data)

    def test_bad_arguments(self):
        for kwargs in ({"level": 10}, {"wbits": 8}, {"wbits": 16}):
            with self.assertRaises(ValueError):
                compress(b"x", **kwargs)
        with self.assertRaises(ValueError):
            decompress(b"\x03\x00", wbits=17)
        self.assertEqual(compress(b"x", level=-1), compress(b"x", level=6))


class TestHostileStreams(unittest.TestCase):
    def test_crafted_fixed_block(self):
        # The hand-made writer agrees with the inflater on a valid stream.
        s = fixed_block([ord("a"), ord("b"), (5, 2), 200])
        self.assertEqual(decompress(s), b"abababa\xc8")

    def test_empty_and_truncated(self):
        with self.assertRaises(TruncatedError):
            decompress(b"")
        stream = vec("sync-none-l9-w15.deflate")
        for n in range(len(stream)):
            with self.assertRaises(TruncatedError):
                decompress(stream[:n])
        stored = vec("event-none-l0-w15.deflate")
        for n in (1, 3, 5, 100, len(stored) - 1):
            with self.assertRaises(TruncatedError):
                decompress(stored[:n])

    def test_no_final_block(self):
        with self.assertRaises(TruncatedError):
            decompress(fixed_block([65], final=False))

    def test_block_type_3(self):
        with self.assertRaises(InvalidStreamError):
            decompress(b"\x07\x00")
        b = Bits()
        b.put(0, 1)  # a non-final fixed block "A", then BFINAL=1 with BTYPE=11
        b.put(1, 2)
        b.lit(65)
        b.lit(256)
        b.put(7, 3)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())

    def test_stored_len_nlen(self):
        self.assertEqual(decompress(b"\x01\x03\x00\xfc\xffabc"), b"abc")
        with self.assertRaises(InvalidStreamError):
            decompress(b"\x01\x03\x00\xfc\xfeabc")
        with self.assertRaises(TruncatedError):
            decompress(b"\x01\x03\x00\xfc\xffab")

    def test_trailing_data(self):
        stream = vec("event-none-l9-w15.deflate")
        self.assertEqual(decompress(stream), plain("event"))
        for extra in (b"\x00", b"garbage"):
            with self.assertRaises(InvalidStreamError):
                decompress(stream + extra)

    def test_bits_after_final_block_ignored(self):
        s = bytearray(fixed_block([65]))  # 3 + 8 + 7 = 18 bits: 6 spare bits in the last byte
        s[-1] |= 0xFC
        self.assertEqual(decompress(bytes(s)), b"A")

    def test_invalid_symbols(self):
        for sym in (286, 287):
            with self.assertRaises(InvalidStreamError):
                decompress(fixed_block([65, sym]))
        for dcode in (30, 31):
            b = Bits()
            b.put(1, 1)
            b.put(1, 2)
            b.lit(65)
            b.lit(257)  # length 3
            b.huff(dcode, 5)
            b.lit(256)
            with self.assertRaises(InvalidStreamError):
                decompress(b.done())

    def test_distance_before_start(self):
        with self.assertRaises(InvalidStreamError):
            decompress(fixed_block([(3, 1)]))
        with self.assertRaises(InvalidStreamError):
            decompress(fixed_block([65, 66, (3, 3)]))
        # With a 3-byte dictionary a distance of 3 is fine and 4 is not.
        self.assertEqual(decompress(fixed_block([(3, 3)]), b"xyz"), b"xyz")
        self.assertEqual(decompress(fixed_block([65, (4, 4)]), b"xyz"), b"AxyzA")
        with self.assertRaises(InvalidStreamError):
            decompress(fixed_block([(3, 4)]), b"xyz")

    def test_distance_beyond_window(self):
        lits = [65 + (i % 26) for i in range(600)]
        s = fixed_block(lits + [(3, 550)])
        self.assertEqual(len(decompress(s, wbits=15)), 603)
        self.assertEqual(len(decompress(s, wbits=10)), 603)
        with self.assertRaises(InvalidStreamError):
            decompress(s, wbits=9)
        # Only the last 2**wbits bytes of a dictionary are kept (inflateSetDictionary).
        d = bytes(range(256)) * 4
        s = fixed_block([(3, 600)])
        self.assertEqual(decompress(s, d, wbits=10), d[-600:-597])
        with self.assertRaises(InvalidStreamError):
            decompress(s, d, wbits=9)

    def dynamic_header(self, hlit, hdist, hclen, cl_lengths):
        b = Bits()
        b.put(1, 1)
        b.put(2, 2)
        b.put(hlit - 257, 5)
        b.put(hdist - 1, 5)
        b.put(hclen - 4, 4)
        for v in cl_lengths:
            b.put(v, 3)
        return b

    def test_dynamic_too_many_codes(self):
        for hlit, hdist in ((287, 1), (288, 1), (257, 31), (257, 32)):
            b = self.dynamic_header(hlit, hdist, 4, [0, 0, 0, 0])
            b.put(0, 16)
            with self.assertRaises(InvalidStreamError):
                decompress(b.done())

    def test_dynamic_bad_code_length_codes(self):
        # Over-subscribed: nineteen 1-bit codes.
        b = self.dynamic_header(257, 1, 19, [1] * 19)
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())
        # Incomplete: a single code (zlib rejects an incomplete code-length code).
        b = self.dynamic_header(257, 1, 4, [0, 0, 0, 1])
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())
        # Empty.
        b = self.dynamic_header(257, 1, 4, [0, 0, 0, 0])
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())

    def test_dynamic_repeat_without_previous(self):
        # Code-length code: symbols 16 and 0 with one bit each (order 16, 17, 18, 0).
        b = self.dynamic_header(257, 1, 4, [1, 0, 0, 1])
        b.huff(1, 1)  # symbol 16 (code 1: 0 < 16 in canonical order) as the first length
        b.put(0, 2)
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())

    def test_dynamic_run_past_end(self):
        # Lengths: 17 (zeros) and 18 (long zero run), one bit each; 18 x 138 twice overflows.
        b = self.dynamic_header(257, 1, 4, [0, 1, 1, 0])
        for _ in range(3):
            b.huff(1, 1)  # symbol 18
            b.put(127, 7)
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())

    def test_dynamic_missing_end_of_block(self):
        # 258 zero lengths via 18 (138) + 18 (120): no code for symbol 256.
        b = self.dynamic_header(257, 1, 4, [0, 1, 1, 0])
        b.huff(1, 1)
        b.put(127, 7)
        b.huff(1, 1)
        b.put(109, 7)
        b.put(0, 16)
        with self.assertRaises(InvalidStreamError):
            decompress(b.done())

    def test_random_bytes(self):
        rng = Lcg(1)
        rounds = 200 if IS_MICROPYTHON else 1500
        for _ in range(rounds):
            data = bytes(rng.next() & 255 for _ in range(1 + rng.next() % 40))
            try:
                out = inflate(data, b"", 4096, 15)
            except DeflateError:
                continue
            self.assertLessEqual(len(out), 4096)  # the output bound holds on any input

    def test_mutated_streams(self):
        # Flip bits of valid streams; the inflater itself (without the public wrapper's safety
        # net) must end in a result or a DeflateError, nothing else.
        rng = Lcg(2)
        rounds = 150 if IS_MICROPYTHON else 1500
        sources = [(vec("sync-none-l9-w15.deflate"), b""),
                   (vec("event-small-l9-w15.deflate"), zdict("small")),
                   (vec("sync-none-l9-w9.deflate"), b""),
                   (compress(plain("sync"), level=1), b""),
                   (vec("event-none-l0-w15.deflate"), b"")]
        for i in range(rounds):
            src, d = sources[i % len(sources)]
            s = bytearray(src)
            for _ in range(1 + rng.next() % 3):
                s[rng.next() % len(s)] ^= 1 << (rng.next() % 8)
            if rng.next() % 4 == 0:
                s = s[:rng.next() % len(s)]
            try:
                out = inflate(bytes(s), d, 8192, 9 + rng.next() % 7)
            except DeflateError:
                continue
            self.assertLessEqual(len(out), 8192)

    def test_error_tree(self):
        for cls in (TruncatedError, InvalidStreamError, OutputLimitError):
            self.assertTrue(issubclass(cls, DeflateError))
        with self.assertRaises(DeflateError) as cm:
            decompress(b"\x07")
        self.assertTrue(cm.exception.reason)
        self.assertEqual(deflate.MAX_OUTPUT, 65536)


if __name__ == "__main__":
    unittest.main()
