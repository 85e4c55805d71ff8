"""mxcoap.deflate against CPython's zlib, both directions, on generated inputs and dictionaries;
and the size of our output against zlib level 9 on recorded Matrix traffic."""

import json
import random
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mxcoap.deflate import DeflateError, compress, decompress  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from bench_deflate import sample_dictionary  # noqa: E402

VECTORS = ROOT / "tests" / "vectors"
SAMPLES = VECTORS / "synapse" / "samples"

D32K = (VECTORS / "deflate" / "dict-d32k.bin").read_bytes()
D40K = (VECTORS / "deflate" / "dict-d40k.bin").read_bytes()  # larger than the window
SMALL = (VECTORS / "deflate" / "dict-small.bin").read_bytes()
BIG = (VECTORS / "deflate" / "plain-big.bin").read_bytes()  # > 64 KB of Matrix-shaped JSON


def zlib_compress(data, zdict, level, wbits=15):
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    return c.compress(data) + c.flush()


def zlib_decompress(stream, zdict, wbits=15):
    d = zlib.decompressobj(-wbits, zdict=zdict)
    out = d.decompress(stream)
    assert d.eof and not d.unused_data, "zlib saw an incomplete stream or trailing bytes"
    return out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=6)
    | st.dictionaries(st.sampled_from(["type", "content", "body", "msgtype", "event_id",
                                       "sender", "room_id", "origin_server_ts", "unsigned"])
                      | st.text(max_size=8), kids, max_size=6),
    max_leaves=40,
)

inputs = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda unit, n: unit * n, st.binary(min_size=1, max_size=20),
              st.integers(1, 300)),
    json_values.map(lambda v: json.dumps(v, separators=(",", ":")).encode()),
    st.sampled_from([b"", b"\x00", b"A", BIG[:5000]]),
)

dictionaries = st.one_of(st.sampled_from([b"", SMALL, D32K, D40K]), st.binary(max_size=400))

WBITS = (9, 10, 12, 15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, zdict=dictionaries, wbits=st.sampled_from(WBITS))
def test_zlib_reads_ours(data, zdict, wbits):
    for level in range(10):
        stream = compress(data, zdict, level=level, wbits=wbits)
        assert zlib_decompress(stream, zdict, wbits) == data, level
        assert decompress(stream, zdict, max_size=len(data), wbits=wbits) == data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, zdict=dictionaries, wbits=st.sampled_from(WBITS))
def test_we_read_zlib(data, zdict, wbits):
    for level in range(10):
        stream = zlib_compress(data, zdict, level, wbits)
        assert decompress(stream, zdict, max_size=len(data), wbits=wbits) == data, level


@pytest.mark.parametrize("zdict", [b"", SMALL, D32K, D40K])
@pytest.mark.parametrize("data", [b"", b"x", BIG[:300]])
def test_explicit_small(data, zdict):
    for level in range(10):
        assert zlib_decompress(compress(data, zdict, level=level), zdict) == data
        assert decompress(zlib_compress(data, zdict, level), zdict) == data


@pytest.mark.parametrize("zdict", [b"", D32K])
def test_large_input_both_ways(zdict):
    # > 64 KB: several blocks, the window slides past the dictionary.
    for level in (1, 9):
        ours = compress(BIG, zdict, level=level)
        assert zlib_decompress(ours, zdict) == BIG
        assert decompress(ours, zdict, max_size=len(BIG)) == BIG
    for level in (0, 6, 9):
        assert decompress(zlib_compress(BIG, zdict, level), zdict, max_size=len(BIG)) == BIG


def test_random_large_both_ways():
    rng = random.Random(5)
    data = bytes(rng.getrandbits(8) for _ in range(70000)) + bytes(3000)
    ours = compress(data, level=6, wbits=12)
    assert zlib_decompress(ours, b"", 12) == data
    assert decompress(zlib_compress(data, b"", 6, 12), max_size=len(data), wbits=12) == data


def test_zlib_levels_match_ours_in_size():
    # Same configuration table as zlib: sizes at each level land close to zlib's.
    for level in range(1, 10):
        ours = len(compress(BIG, level=level))
        theirs = len(zlib_compress(BIG, b"", level))
        assert ours <= theirs * 1.05 + 16, (level, ours, theirs)


def test_bomb_bounded():
    stream = zlib_compress(bytes(1 << 20), b"", 9)
    with pytest.raises(DeflateError):
        decompress(stream, max_size=4096)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_only_raises_deflate_error(data):
    try:
        out = decompress(data, max_size=10000)
    except DeflateError:
        return
    # Whatever we accept, zlib accepts with the same result.
    assert zlib_decompress(data, b"") == out


# ---- size against zlib level 9 on recorded Matrix traffic --------------------------------


def samples():
    files = sorted(SAMPLES.glob("*.json"))
    assert len(files) >= 20, "tests/vectors/synapse/samples is missing"
    return [(f.name, f.read_bytes()) for f in files]


@pytest.mark.parametrize("with_dict", [False, True])
def test_size_within_ten_percent_of_zlib9(with_dict):
    items = samples()
    zdict = sample_dictionary([d for _, d in items]) if with_dict else b""
    total_ours = total_zlib = 0
    for name, data in items:
        ours = len(compress(data, zdict, level=9))
        theirs = len(zlib_compress(data, zdict, 9))
        total_ours += ours
        total_zlib += theirs
        # Per sample: 10 % plus a few bytes (a 2-byte sample compresses to 4 bytes either way).
        assert ours <= theirs * 1.10 + 4, (name, ours, theirs)
    assert total_ours <= total_zlib * 1.10, (total_ours, total_zlib)
    print("ours", total_ours, "zlib-9", total_zlib, "ratio", round(total_ours / total_zlib, 4))


def test_dictionary_helps_on_samples():
    items = samples()
    zdict = sample_dictionary([d for _, d in items])
    plain = sum(len(compress(d, level=9)) for _, d in items)
    with_dict = sum(len(compress(d, zdict, level=9)) for _, d in items)
    assert with_dict < plain * 0.95, (with_dict, plain)




# ---- differential: damaged streams are accepted or rejected exactly as zlib does ---------


def zlib_verdict(stream, zdict):
    d = zlib.decompressobj(-15, zdict=zdict)
    try:
        out = d.decompress(stream)
    except zlib.error:
        return None
    return out if d.eof and not d.unused_data else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, zdict=st.sampled_from([b"", SMALL, D32K]), level=st.integers(0, 9),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), min_size=1,
                      max_size=3),
       cut=st.none() | st.integers(0, 10**6))
def test_damaged_streams_agree_with_zlib(data, zdict, level, flips, cut):
    from mxcoap.deflate.inflate import inflate  # the decoder itself, without the safety net

    s = bytearray(zlib_compress(data, zdict, level))
    for pos, bit in flips:
        s[pos % len(s)] ^= 1 << bit
    if cut is not None:
        s = s[:cut % (len(s) + 1)]
    s = bytes(s)
    expected = zlib_verdict(s, zdict)
    try:
        got = inflate(s, zdict, 1 << 20, 15)
    except DeflateError:
        got = None
    assert got == expected


def test_work_bound_engages_only_on_adversarial_input(monkeypatch):
    from mxcoap.deflate import compressor

    rng = random.Random(3)
    adversarial = bytes(rng.choice(b"ab") for _ in range(8000))  # 4096-link chains at level 9
    bounded = compress(adversarial, level=9)
    monkeypatch.setattr(compressor, "_WORK_PER_BYTE", 1 << 20)
    unbounded = compress(adversarial, level=9)
    assert len(bounded) > len(unbounded)  # the bound cut the search short
    assert zlib_decompress(bounded, b"") == adversarial
    monkeypatch.undo()
    # Matrix-shaped data never reaches the bound: the same bytes with and without it.
    for data in (BIG, D32K[:3000]):
        bounded = compress(data, D32K, level=9)
        monkeypatch.setattr(compressor, "_WORK_PER_BYTE", 1 << 20)
        assert compress(data, D32K, level=9) == bounded
        monkeypatch.undo()
