"""mxcoap.cbor against cbor2 5.9 (CPython): both directions, and the deterministic form.

What is compared, exactly:
- cbor2.loads(our dumps(x)) == x and our loads(cbor2.dumps(x)) == x, for generated values, with
  type-strict equality (bool is not int, -0.0 is not 0.0, NaN equals NaN).
- our dumps(x) == ref_dumps(x), where ref_dumps is the RFC 8949 §4.2.1 rule written here from
  scratch for containers (bytewise sort of encoded keys) over cbor2's pure-Python canonical
  encoder for every scalar (shortest ints, bignums, shortest exact floats, NaN as f97e00).
- our dumps(x) == cbor2.dumps(x, canonical=True) (the C encoder) where the two rules must agree:
  cbor2's canonical mode sorts map keys length-first (RFC 7049 §3.9), which equals §4.2.1's
  bytewise order when every key of a map has the same major type and all integer keys fit in 64
  bits (the head grows with the argument, so a longer encoding is also bytewise greater). Floats
  in [32768, 65536) that are exact in half precision are left out of that comparison: cbor2's C
  encoder writes them as single precision (65504.0 -> fa477fe000), while RFC 8949 Appendix A and
  cbor2's own pure-Python encoder write the half (f97bff); ref_dumps covers them instead.
"""

import io
import math
import random
import struct

import cbor2
import pytest
from cbor2._encoder import CBOREncoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mxcoap.cbor import UNDEFINED, Simple, Tag, dumps, loads
from test_cbor import same

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Tag numbers cbor2 does not interpret (it decodes 0-5, 25-37, 52, 54, 256-263, 55799, ...).
TAG_NUMBERS = st.integers(min_value=40000, max_value=2**64 - 1).filter(lambda n: n != 55799)

INTS = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from(
        [
            0,
            23,
            24,
            255,
            256,
            65535,
            65536,
            2**32 - 1,
            2**32,
            2**64 - 1,
            2**64,
            -(2**64),
            -(2**64) - 1,
            -1,
            -24,
            -25,
            -256,
            -257,
        ]
    ),
)
FLOATS = st.one_of(st.floats(), st.floats(width=32), st.floats(width=16))
SCALARS = st.one_of(INTS, FLOATS, st.text(), st.binary(), st.booleans(), st.none())
KEYS = st.one_of(st.text(max_size=12), st.integers(min_value=-(2**70), max_value=2**70))


def containers(children):
    return st.one_of(st.lists(children, max_size=6), st.dictionaries(KEYS, children, max_size=6))


VALUES = st.recursive(SCALARS, containers, max_leaves=25)

EXTRA = st.one_of(
    st.builds(Tag, TAG_NUMBERS, SCALARS),
    st.builds(Simple, st.one_of(st.integers(0, 19), st.integers(32, 255))),
    st.just(UNDEFINED),
)
VALUES_WITH_EXTRA = st.recursive(st.one_of(SCALARS, EXTRA), containers, max_leaves=25)


def to_cbor2(x):
    """Our value -> the value cbor2 encodes the same way."""
    if isinstance(x, list):
        return [to_cbor2(v) for v in x]
    if isinstance(x, dict):
        return {k: to_cbor2(v) for k, v in x.items()}
    if isinstance(x, Tag):
        return cbor2.CBORTag(x.tag, to_cbor2(x.value))
    if isinstance(x, Simple):
        return cbor2.CBORSimpleValue(x.value)
    if x is UNDEFINED:
        return cbor2.undefined
    return x


def from_cbor2(x):
    """A value cbor2 decoded -> ours."""
    if isinstance(x, list):
        return [from_cbor2(v) for v in x]
    if isinstance(x, dict):
        return {k: from_cbor2(v) for k, v in x.items()}
    if isinstance(x, cbor2.CBORTag):
        return Tag(x.tag, from_cbor2(x.value))
    if isinstance(x, cbor2.CBORSimpleValue):
        return Simple(x.value)
    if x is cbor2.undefined:
        return UNDEFINED
    return x


def _pure(obj):
    out = io.BytesIO()
    CBOREncoder(out, canonical=True).encode(obj)
    return out.getvalue()


def _head(major, n):
    out = io.BytesIO()
    CBOREncoder(out).encode_length(major, n)
    return out.getvalue()


def ref_dumps(x):
    """RFC 8949 §4.2.1 for containers, cbor2's pure-Python canonical encoder for scalars."""
    if isinstance(x, (list, tuple)):
        return _head(4, len(x)) + b"".join(ref_dumps(v) for v in x)
    if isinstance(x, dict):
        pairs = sorted((ref_dumps(k), ref_dumps(v)) for k, v in x.items())
        return _head(5, len(pairs)) + b"".join(k + v for k, v in pairs)
    if isinstance(x, Tag):
        return _head(6, x.tag) + ref_dumps(x.value)
    if isinstance(x, Simple):
        return _head(7, x.value)
    if x is UNDEFINED:
        return b"\xf7"
    return _pure(x)


@SETTINGS
@given(VALUES_WITH_EXTRA)
def test_cbor2_reads_ours(x):
    assert same(from_cbor2(cbor2.loads(dumps(x))), x)


@SETTINGS
@given(VALUES_WITH_EXTRA)
def test_we_read_cbor2(x):
    assert same(loads(cbor2.dumps(to_cbor2(x))), x)
    assert same(loads(cbor2.dumps(to_cbor2(x), canonical=True)), x)


@SETTINGS
@given(VALUES_WITH_EXTRA)
def test_roundtrip_and_idempotent(x):
    data = dumps(x)
    assert same(loads(data), x)
    assert dumps(loads(data)) == data


@SETTINGS
@given(VALUES_WITH_EXTRA)
def test_deterministic_matches_reference(x):
    assert dumps(x) == ref_dumps(x)


@SETTINGS
@given(VALUES)
def test_decode_then_encode_is_canonical(x):
    # Whatever form cbor2 chose (doubles for every float, its key order), re-encoding is §4.2.1.
    assert dumps(loads(cbor2.dumps(x))) == ref_dumps(x)


def _agreeing_float(f):
    return math.isnan(f) or math.isinf(f) or not (32768 <= abs(f) < 65536)


AGREE_SCALARS = st.one_of(
    INTS, FLOATS.filter(_agreeing_float), st.text(), st.binary(), st.booleans(), st.none()
)


def _one_major_dicts(children):
    # Each map's keys share one major type, so length-first and bytewise orders coincide.
    return st.one_of(
        st.dictionaries(st.text(max_size=30), children, max_size=6),
        st.dictionaries(st.binary(max_size=30), children, max_size=6),
        st.dictionaries(st.integers(0, 2**64 - 1), children, max_size=6),
        st.dictionaries(st.integers(-(2**64), -1), children, max_size=6),
    )


AGREE_VALUES = st.recursive(
    AGREE_SCALARS,
    lambda c: st.one_of(st.lists(c, max_size=6), _one_major_dicts(c)),
    max_leaves=25,
)


@SETTINGS
@given(AGREE_VALUES)
def test_matches_cbor2_canonical_where_rules_agree(x):
    assert dumps(x) == cbor2.dumps(x, canonical=True)


@SETTINGS
@given(st.dictionaries(KEYS, SCALARS, min_size=2, max_size=12), st.randoms())
def test_insertion_order_does_not_matter(d, rnd):
    keys = list(d)
    rnd.shuffle(keys)
    assert dumps({k: d[k] for k in keys}) == dumps(d)


@SETTINGS
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_half_single_double_decoding_matches_struct(bits):
    # Our half/single decoding is bit arithmetic; struct's "e" and "f" are the reference.
    for fmt, size, ib in ((">e", 2, 0xF9), (">f", 4, 0xFA), (">d", 8, 0xFB)):
        raw = (bits & ((1 << (8 * size)) - 1)).to_bytes(size, "big")
        want = struct.unpack(fmt, raw)[0]
        got = loads(bytes([ib]) + raw)
        assert same(got, want) or (got != got and want != want)


def test_every_half_matches_struct_and_cbor2():
    for bits in range(0x10000):
        raw = bits.to_bytes(2, "big")
        got = loads(b"\xf9" + raw)
        assert same(got, struct.unpack(">e", raw)[0])
        assert same(got, cbor2.loads(b"\xf9" + raw))


@pytest.mark.parametrize("seed", [1, 2])
def test_random_floats_shortest_form(seed):
    # Any double: our encoding is exact, and no narrower CBOR float would be.
    rnd = random.Random(seed)
    for _ in range(20000):
        width = rnd.choice((2, 4, 8))
        value = struct.unpack({2: ">e", 4: ">f", 8: ">d"}[width], rnd.randbytes(width))[0]
        data = dumps(value)
        assert same(loads(data), value) or value != value
        assert data == _pure(value)
