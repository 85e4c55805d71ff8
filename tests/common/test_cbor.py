"""mxcoap.cbor on both interpreters: RFC 8949 Appendix A, deterministic encoding, hostile input."""

import struct
import unittest

from mxcoap import cbor
from mxcoap.cbor import (
    MAX_DEPTH,
    UNDEFINED,
    CBORDecodeError,
    CBOREncodeError,
    CBORError,
    Simple,
    Tag,
    dumps,
    loads,
)
from support import IS_MICROPYTHON, load_json_vector

VECTORS = load_json_vector("cbor-rfc8949-appendix-a.json")["examples"]


def from_json(v):
    """The vector file's JSON-friendly value -> the Python value mxcoap.cbor uses."""
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            key = list(v)[0]
            arg = v[key]
            if key == "$bytes":
                return bytes.fromhex(arg)
            if key == "$float":
                return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": -float("inf")}[
                    arg
                ]
            if key == "$undefined":
                return UNDEFINED
            if key == "$simple":
                return Simple(arg)
            if key == "$tag":
                return Tag(arg[0], from_json(arg[1]))
            if key == "$map":
                return {from_json(k): from_json(x) for k, x in arg}
        return {k: from_json(x) for k, x in v.items()}
    return v


def same(a, b):
    """Equality that also tells bool from int, -0.0 from 0.0, and takes NaN == NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if a != a:
            return b != b
        return struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return False
        for i in range(len(a)):
            if not same(a[i], b[i]):
                return False
        return True
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for k in a:
            if k not in b or not same(a[k], b[k]):
                return False
        return True
    if isinstance(a, Tag):
        return a.tag == b.tag and same(a.value, b.value)
    return a == b


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


class TestAppendixA(unittest.TestCase):
    def test_vector_file_is_complete(self):
        self.assertEqual(len(VECTORS), 81)
        self.assertEqual(sum(1 for v in VECTORS if v["deterministic"]), 64)

    def test_decode(self):
        for v in VECTORS:
            with self.subTest(hex=v["hex"]):
                got = loads(h(v["hex"]))
                self.assertTrue(same(got, from_json(v["value"])), v["diagnostic"] + " " + repr(got))

    def test_encode_deterministic(self):
        for v in VECTORS:
            if v["deterministic"]:
                with self.subTest(hex=v["hex"]):
                    self.assertEqual(dumps(from_json(v["value"])).hex(), v["hex"])

    def test_non_deterministic_reencode_differently(self):
        # The rows marked non-deterministic (indefinite lengths, wide floats) must not come back
        # from dumps() in their original form: dumps only writes §4.2.1 encodings.
        for v in VECTORS:
            if not v["deterministic"]:
                with self.subTest(hex=v["hex"]):
                    self.assertNotEqual(dumps(loads(h(v["hex"]))).hex(), v["hex"])

    def test_every_proper_prefix_is_truncated(self):
        # CBOR items are self-delimiting, so no proper prefix of one is a complete item.
        for v in VECTORS:
            data = h(v["hex"])
            for n in range(len(data)):
                with self.assertRaises(CBORDecodeError):
                    loads(data[:n])

    def test_trailing_byte_rejected(self):
        for v in VECTORS:
            with self.assertRaises(CBORDecodeError):
                loads(h(v["hex"]) + b"\x00")

    def test_bit_flips_give_value_or_decode_error(self):
        for v in VECTORS:
            data = h(v["hex"])
            for i in range(len(data)):
                for mask in (0x01, 0x10, 0x1F, 0x80, 0xFF):
                    bad = bytearray(data)
                    bad[i] ^= mask
                    try:
                        loads(bytes(bad))
                    except CBORDecodeError:
                        pass


class TestEncode(unittest.TestCase):
    def test_integer_argument_boundaries(self):
        cases = [
            (0, "00"),
            (23, "17"),
            (24, "1818"),
            (255, "18ff"),
            (256, "190100"),
            (65535, "19ffff"),
            (65536, "1a00010000"),
            (2**32 - 1, "1affffffff"),
            (2**32, "1b0000000100000000"),
            (2**64 - 1, "1bffffffffffffffff"),
            (2**64, "c249010000000000000000"),
            (2**72, "c24a" + "01" + "00" * 9),
            (-1, "20"),
            (-24, "37"),
            (-25, "3818"),
            (-256, "38ff"),
            (-257, "390100"),
            (-(2**64), "3bffffffffffffffff"),
            (-(2**64) - 1, "c349010000000000000000"),
            (-(2**80), "c34a" + "ff" * 10),
        ]
        for value, expect in cases:
            with self.subTest(value=value):
                self.assertEqual(dumps(value).hex(), expect)
                self.assertEqual(loads(h(expect)), value)

    def test_bignum_has_no_leading_zero(self):
        self.assertEqual(dumps(2**64 + 5).hex(), "c249010000000000000005")
        self.assertEqual(dumps(2**127).hex(), "c250" + "80" + "00" * 15)

    def test_bool_none_undefined_not_int(self):
        self.assertEqual(dumps([False, True, None, UNDEFINED]).hex(), "84f4f5f6f7")
        self.assertEqual(dumps({True: 1}).hex(), "a1f501")

    def test_shortest_exact_float(self):
        cases = [
            (0.0, "f90000"),
            (-0.0, "f98000"),
            (1.0, "f93c00"),
            (65504.0, "f97bff"),  # largest half, exponent 15
            (-32768.0, "f9f800"),
            (65505.0, "fa477fe100"),
            (65536.0, "fa47800000"),
            (2.0**-14, "f90400"),  # smallest normal half
            (2.0**-24, "f90001"),  # smallest subnormal half
            (3 * 2.0**-24, "f90003"),
            (2.0**-25, "fa33000000"),  # below half: a single
            (2.0**-149, "fa00000001"),  # smallest subnormal single
            (2.0**-126, "fa00800000"),
            (2.0**-150, "fb3690000000000000"),
            (3.4028234663852886e38, "fa7f7fffff"),
            (0.1, "fb3fb999999999999a"),
            (1.0 / 3, "fb3fd5555555555555"),
            (float("inf"), "f97c00"),
            (-float("inf"), "f9fc00"),
            (float("nan"), "f97e00"),
            (-float("nan"), "f97e00"),
        ]
        for value, expect in cases:
            with self.subTest(value=value):
                self.assertEqual(dumps(value).hex(), expect)
                self.assertTrue(same(loads(h(expect)), value))

    def test_all_half_patterns_decode_and_reencode(self):
        # Every non-NaN half is its own shortest form, so it must come back byte for byte.
        for bits in range(0, 0x10000, 7):
            data = b"\xf9" + struct.pack(">H", bits)
            value = loads(data)
            if (bits & 0x7C00) == 0x7C00 and bits & 0x3FF:
                self.assertTrue(value != value)
                self.assertEqual(dumps(value), b"\xf9\x7e\x00")
            else:
                self.assertEqual(dumps(value), data, hex(bits))

    def test_map_keys_sorted_bytewise_by_encoding(self):
        # §4.2.1: bytewise order of encoded keys, not length-first (RFC 7049 §3.9).
        # 10 (0a) < 100 (1864) < -1 (20) < h'00' (4100) < "a" (6161) < "b" (6162) < "aa" (626161)
        d = {"b": 0, -1: 0, "aa": 0, 100: 0, b"\x00": 0, "a": 0, 10: 0}
        expect = "a7" + "0a00" + "186400" + "2000" + "410000" + "616100" + "616200" + "62616100"
        self.assertEqual(dumps(d).hex(), expect)

    def test_output_independent_of_insertion_order(self):
        keys = ["room_id", "type", 7, -3, "content", b"k", "sender", 1000, "a", "ab"]
        forward = {}
        for k in keys:
            forward[k] = [k, {"x": 1, "y": 2}]
        backward = {}
        for k in reversed(keys):
            backward[k] = [k, {"y": 2, "x": 1}]
        self.assertEqual(dumps(forward), dumps(backward))

    def test_sequences_and_buffers(self):
        self.assertEqual(dumps((1, [2])).hex(), "82018102")
        self.assertEqual(dumps(bytearray(b"ab")).hex(), "426162")
        self.assertEqual(dumps(memoryview(b"abc")[1:]).hex(), "426263")
        self.assertEqual(dumps("\u00fc").hex(), "62c3bc")

    def test_tag_and_simple(self):
        self.assertEqual(dumps(Tag(1, 0)).hex(), "c100")
        self.assertEqual(dumps(Tag(2**32, None)).hex(), "db0000000100000000f6")
        self.assertEqual(
            dumps([Simple(0), Simple(19), Simple(32), Simple(255)]).hex(), "84e0f3f820f8ff"
        )

    def test_unsupported_types_rejected(self):
        for obj in (set([1]), object(), Tag(2, b"\x01"), Tag(3, b"\x01"), [1, {2: object()}]):
            with self.subTest(obj=repr(obj)):
                with self.assertRaises(CBOREncodeError):
                    dumps(obj)

    def test_encode_depth_limit(self):
        ok = []
        for _ in range(MAX_DEPTH - 1):
            ok = [ok]
        self.assertEqual(len(dumps(ok)), MAX_DEPTH)
        with self.assertRaises(CBOREncodeError):
            dumps([ok])
        loop = []
        loop.append(loop)
        with self.assertRaises(CBOREncodeError):
            dumps(loop)

    def test_keys_with_the_same_encoding_rejected(self):
        d = {float("nan"): 1}
        d[float("nan")] = 2
        if len(d) == 2:
            with self.assertRaises(CBOREncodeError):
                dumps(d)

    def test_lone_surrogate_rejected(self):
        if IS_MICROPYTHON:
            self.skipTest("MicroPython str cannot hold a lone surrogate")
        with self.assertRaises(CBOREncodeError):
            dumps("\ud800")


class TestValues(unittest.TestCase):
    def test_tag(self):
        self.assertEqual(Tag(1, [1]), Tag(1, [1]))
        self.assertNotEqual(Tag(1, 2), Tag(2, 2))
        self.assertFalse(Tag(1, 2) != Tag(1, 2))
        self.assertEqual(repr(Tag(32, "x")), "Tag(32, 'x')")
        self.assertEqual(hash(Tag(5, "a")), hash(Tag(5, "a")))
        for bad in (-1, 2**64, True, "1"):
            with self.assertRaises(ValueError):
                Tag(bad, 0)

    def test_simple(self):
        self.assertEqual(Simple(16), Simple(16))
        self.assertNotEqual(Simple(16), Simple(17))
        self.assertEqual(repr(Simple(255)), "Simple(255)")
        for bad in (-1, 20, 23, 24, 31, 256, True, 1.0):
            with self.assertRaises(ValueError):
                Simple(bad)

    def test_undefined(self):
        self.assertIs(loads(b"\xf7"), UNDEFINED)
        self.assertEqual(repr(UNDEFINED), "UNDEFINED")
        self.assertFalse(UNDEFINED)

    def test_error_tree(self):
        self.assertTrue(issubclass(CBORDecodeError, CBORError))
        self.assertTrue(issubclass(CBOREncodeError, CBORError))
        self.assertTrue(issubclass(CBORError, ValueError))
        try:
            loads(b"\x18")
        except CBORDecodeError as e:
            self.assertEqual(e.offset, 1)


# Not well-formed inputs, after RFC 8949 Appendix F, and invalid ones (§5.3) that we reject.
MALFORMED_GROUPS = [
    (
        "end of input in a head",
        "18 19 1a 1b 1901 1a0102 1b01020304050607 38 58 78 98 9a01ff00 "
        "b8 d8 f8 f900 fa0000 fb000000",
    ),
    (
        "definite-length strings with short data",
        "41 61 5affffffff00 5bffffffffffffffff010203 7affffffff00 7b7fffffffffffffff010203",
    ),
    (
        "definite-length arrays and maps not closed",
        "81 818181818181818181 8200 a1 a20102 a100 a2000000",
    ),
    ("tag without content", "c0"),
    (
        "indefinite-length items not closed",
        "5f4100 7f6100 9f 9f0102 bf bf01020102 819f 9f8000 9f9f9f9f9fffffffff 9f819f819f9fffffff",
    ),
    (
        "reserved additional information 28..30",
        "1c 1d 1e 3c 3d 3e 5c 5d 5e 7c 7d 7e 9c 9d 9e bc bd be dc dd de fc fd fe",
    ),
    ("indefinite length on integers and tags", "1f 3f df"),
    ("two-byte simple values below 32 (§3.3)", "f800 f801 f813 f818 f81f"),
    (
        "indefinite string chunks of the wrong kind or indefinite themselves",
        "5f00ff 5f21ff "
        "5f6100ff 5f80ff 5fa0ff 5fc000ff 5fe0ff 7f4100ff 5f5f4100ffff 7f7f6100ffff 5ff7ff",
    ),
    (
        "break where no indefinite item is open",
        "ff 81ff 8200ff a1ff a1ff00 a100ff a20000ff 9f81ff 9f829f819f9fffffffff c0ff bf00ff",
    ),
    ("trailing bytes", "0000 8000 f6f6"),
    (
        "invalid UTF-8 in text, including a code point split across chunks",
        "61ff 62c328 62c0af 63eda080 64f4908080 61c3 7f61c361bcff",
    ),
    (
        "duplicate keys (§5.6), maps and NaN as keys",
        "a201000101 a2616100616101 bf01000101ff a1a00000 a1f97e0000 a18181a000 a1c1a000",
    ),
    ("bignum tags need a byte string (§3.4.3)", "c26161 c300 c280"),
    (
        "claimed lengths far beyond the input",
        "5b8000000000000000 7b8000000000000000 "
        "9b8000000000000000 bb8000000000000000 5bffffffffffffffff 9bffffffffffffffff00 "
        "bbffffffffffffffff0000 9a7fffffff00 ba7fffffff0000",
    ),
]
MALFORMED = [""]
for _reason, _cases in MALFORMED_GROUPS:
    MALFORMED.extend(_cases.split())


class TestDecode(unittest.TestCase):
    def test_malformed_corpus(self):
        for text in MALFORMED:
            with self.subTest(hex=text):
                with self.assertRaises(CBORDecodeError):
                    loads(h(text))

    def test_accepts_buffers(self):
        self.assertEqual(loads(bytearray(b"\x83\x01\x02\x03")), [1, 2, 3])
        self.assertEqual(loads(memoryview(b"\x00\x83\x01\x02\x03")[1:]), [1, 2, 3])
        with self.assertRaises(TypeError):
            loads("83010203")

    def test_non_shortest_forms_accepted(self):
        # Only dumps is deterministic; loads takes any well-formed encoding (§5.3 validity).
        self.assertEqual(loads(h("1800")), 0)
        self.assertEqual(loads(h("1b0000000000000001")), 1)
        self.assertEqual(loads(h("c240")), 0)
        self.assertEqual(loads(h("c34100")), -1)
        self.assertEqual(loads(h("c25f4101420203ff")), 0x010203)
        self.assertTrue(same(loads(h("fb3ff0000000000000")), 1.0))
        self.assertTrue(same(loads(h("fa3f800000")), 1.0))

    def test_depth_limit(self):
        nested = b"\x81" * MAX_DEPTH + b"\x00"
        self.assertEqual(len(dumps(loads(nested))), MAX_DEPTH + 1)
        for deeper in (
            b"\x81" * (MAX_DEPTH + 1) + b"\x00",
            b"\x9f" * (MAX_DEPTH + 1),
            b"\xc1" * (MAX_DEPTH + 1) + b"\x00",
            b"\xa1\x00" * (MAX_DEPTH + 1) + b"\x00",
            b"\x81" * 100000,
        ):
            with self.assertRaises(CBORDecodeError):
                loads(deeper)
        self.assertEqual(loads(b"\x81\x81\x00", max_depth=2), [[0]])
        with self.assertRaises(CBORDecodeError):
            loads(b"\x81\x81\x81\x00", max_depth=2)

    def test_max_items(self):
        data = dumps(list(range(10)))
        self.assertEqual(len(loads(data, max_items=11)), 10)
        with self.assertRaises(CBORDecodeError):
            loads(data, max_items=10)
        with self.assertRaises(CBORDecodeError):
            loads(b"\x7f\x60\x60\x60\xff", max_items=3)

    def test_max_size(self):
        data = dumps(b"x" * 100)
        self.assertEqual(loads(data, max_size=len(data)), b"x" * 100)
        with self.assertRaises(CBORDecodeError):
            loads(data, max_size=len(data) - 1)
        self.assertEqual(cbor.MAX_SIZE, 1048576)

    def test_array_key_becomes_tuple(self):
        self.assertEqual(loads(h("a1820102f5")), {(1, 2): True})
        self.assertEqual(loads(h("a18201810203")), {(1, (2,)): 3})
        self.assertEqual(loads(h("a1c18101f6")), {Tag(1, (1,)): None})
        self.assertEqual(loads(dumps({(1, 2): [3]})), {(1, 2): [3]})

    def test_indefinite_strings_join(self):
        self.assertEqual(loads(h("5fff")), b"")
        self.assertEqual(loads(h("7f60ff")), "")
        self.assertEqual(loads(h("7f62c3bc6161ff")), "\u00fca")

    def test_offsets_in_errors(self):
        try:
            loads(h("83010261ff"))
        except CBORDecodeError as e:
            self.assertEqual(e.offset, 3)
            self.assertTrue("UTF-8" in str(e))
        else:
            self.fail("invalid UTF-8 accepted")


if __name__ == "__main__":
    unittest.main()
