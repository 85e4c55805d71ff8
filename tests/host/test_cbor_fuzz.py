"""Decoder fuzzing: whatever the bytes, loads() returns a value or raises CBORDecodeError.

Never IndexError, RecursionError, MemoryError, UnicodeError, struct.error, TypeError...; and a
length the input merely claims is never allocated. The same corpus also runs under MicroPython.
"""

import json
import os
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mxcoap.cbor import MAX_DEPTH, CBORDecodeError, dumps, loads

ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = Path(sys.executable).parent / "micropython"
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decode_or_decode_error(data):
    """Run loads(data); any exception but CBORDecodeError fails the test."""
    try:
        loads(data)
    except CBORDecodeError:
        pass
    except Exception as e:  # noqa: BLE001 - the point is to catch everything else
        raise AssertionError("loads(" + data.hex() + ") raised " + repr(e)) from e


# Interesting heads: every initial byte, with arguments at the edges of each width.
HEADS = st.builds(
    lambda ib, arg: bytes([ib]) + arg,
    st.integers(0, 255),
    st.sampled_from(
        [
            b"",
            b"\x00",
            b"\xff",
            b"\x00\x00",
            b"\xff\xff",
            b"\x7f\xff\xff\xff",
            b"\x80\x00\x00\x00\x00\x00\x00\x00",
            b"\xff" * 8,
            b"\x00\x00\x00\x01",
        ]
    ),
)
PLAIN = st.recursive(
    st.one_of(
        st.integers(),
        st.floats(),
        st.text(max_size=8),
        st.binary(max_size=8),
        st.booleans(),
        st.none(),
    ),
    lambda c: st.one_of(
        st.lists(c, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), c, max_size=4),
    ),
    max_leaves=12,
)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data):
    decode_or_decode_error(data)


@SETTINGS
@given(st.lists(HEADS, max_size=40))
def test_random_heads(parts):
    decode_or_decode_error(b"".join(parts))


def _mutate(data, rnd):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(6)
        i = rnd.randrange(len(data) + 1)
        if op == 0 and data:
            data[i % len(data)] = rnd.randrange(256)
        elif op == 1 and data:
            data[i % len(data)] ^= 1 << rnd.randrange(8)
        elif op == 2:
            data[i:i] = bytes([rnd.randrange(256)])
        elif op == 3 and data:
            del data[i % len(data)]
        elif op == 4:
            data = data[:i]
        else:
            j = rnd.randrange(len(data) + 1)
            data[i:i] = data[min(i, j) : max(i, j)]  # duplicate a span: repeats heads/keys
    return bytes(data)


@SETTINGS
@given(PLAIN, st.randoms(use_true_random=False), st.booleans())
def test_mutated_valid_encodings(value, rnd, ours):
    data = dumps(value) if ours else cbor2.dumps(value)
    for _ in range(8):
        decode_or_decode_error(_mutate(data, rnd))


def rejection(data):
    """(message, peak bytes traced) of loads(data), which must raise CBORDecodeError."""
    tracemalloc.start()
    try:
        try:
            loads(data)
        except CBORDecodeError as e:
            message = str(e)
        else:
            raise AssertionError("accepted " + data[:40].hex())
        return message, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_claimed_length_2_63_rejected_without_allocating():
    # Byte string, text, array, map with a 2**63 length and a few bytes of "content", alone, as
    # an indefinite-string chunk, and nested.
    claim = (2**63).to_bytes(8, "big") + b"\x00" * 16
    for head in (b"\x5b", b"\x7b", b"\x9b", b"\xbb", b"\x5f\x5b", b"\x7f\x7b", b"\x81\xa1\x00\x9b"):
        message, peak = rejection(head + claim)
        assert "truncated" in message, (head, message)
        assert peak < 64 * 1024, (head, peak)


def test_deep_nesting_is_a_decode_error():
    for opener in (b"\x81", b"\x9f", b"\xa1\x00", b"\xbf\x00", b"\xc6", b"\xd9\xff\xff"):
        message, _ = rejection(opener * 200000)
        assert "max_depth" in message
    assert loads(b"\x81" * MAX_DEPTH + b"\x00") is not None


def test_item_amplification_is_bounded():
    # One byte per empty array: without max_items this would build a million lists.
    message, peak = rejection(b"\x9a\x00\x0f\x42\x40" + b"\x80" * 1000000)
    assert "max_items" in message
    assert peak < 16 * 1024 * 1024, peak


def _corpus(n, seed):
    rnd = random.Random(seed)
    samples = [dumps(v) for v in ([1, [2, {"a": b"x"}]], {"k": -1.5, 7: "ü"}, 2**70, "streaming")]
    samples += [
        bytes.fromhex(x)
        for x in (
            "7f657374726561646d696e67ff",
            "bf6346756ef563416d7421ff",
            "9f018202039f0405ffff",
            "c249010000000000000000",
        )
    ]
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(rnd.randbytes(rnd.randrange(40)))
        else:
            out.append(_mutate(rnd.choice(samples), rnd))
    return out


def run_micropython(script, heap, timeout):
    """Run a script with mxcoap (common/) importable under -X heapsize=heap; it must exit 0."""
    env = dict(os.environ, MICROPYPATH=str(ROOT / "common"))
    proc = subprocess.run([str(MICROPYTHON), "-X", "heapsize=" + heap, str(script)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def test_same_corpus_under_micropython(tmp_path):
    # MicroPython has a smaller C stack and other error types: run a seeded corpus there too.
    corpus = _corpus(3000, 7)
    (tmp_path / "corpus.json").write_text(json.dumps([c.hex() for c in corpus]))
    script = tmp_path / "fuzz_mp.py"
    script.write_text(
        "import json\n"
        "from mxcoap.cbor import loads, CBORDecodeError\n"
        "bad = 0\n"
        "for h in json.load(open('" + str(tmp_path / "corpus.json") + "')):\n"
        "    try:\n"
        "        loads(bytes.fromhex(h))\n"
        "    except CBORDecodeError:\n"
        "        pass\n"
        "    except Exception as e:\n"
        "        bad += 1\n"
        "        print('escaped', h, repr(e))\n"
        "try:\n"
        "    loads(b'\\x81' * 100000)\n"
        "except CBORDecodeError:\n"
        "    pass\n"
        "print('done', bad)\n"
    )
    proc = run_micropython(script, "2M", timeout=120)
    assert proc.stdout.strip().endswith("done 0"), proc.stdout[-2000:]
    for data in corpus:
        decode_or_decode_error(data)


def test_board_sized_heap_micropython(tmp_path):
    # On a 64 KiB heap: hostile claims fail with CBORDecodeError (not MemoryError), and a
    # message-sized Matrix object still encodes and decodes.
    script = tmp_path / "heap_mp.py"
    script.write_text(
        "import gc\n"
        "from mxcoap.cbor import dumps, loads, CBORDecodeError\n"
        "for head in (b'\\x5b', b'\\x7b', b'\\x9b', b'\\xbb', b'\\x5a', b'\\x9a'):\n"
        "    try:\n"
        "        loads(head + b'\\x7f\\xff\\xff\\xff\\xff\\xff\\xff\\xff' + b'\\x00' * 8)\n"
        "    except CBORDecodeError:\n"
        "        pass\n"
        "try:\n"
        "    loads(b'\\x9a\\x00\\x00\\x08\\x00' + b'\\x80' * 2048, max_items=256)\n"
        "except CBORDecodeError:\n"
        "    pass\n"
        "ev = {'type': 'm.room.message', 'sender': '@alice:example.org', 'content': "
        "{'msgtype': 'm.text', 'body': 'hello ' * 20}, 'origin_server_ts': 1700000000000, "
        "'event_id': '$' + 'x' * 43}\n"
        "obj = {'next_batch': 's1_2_3', 'rooms': {'join': {'!r:example.org': {'timeline': "
        "{'events': [ev] * 20}}}}}\n"
        "gc.collect()\n"
        "data = dumps(obj)\n"
        "assert loads(data) == obj\n"
        "print('ok', len(data))\n"
    )
    proc = run_micropython(script, "64K", timeout=60)
    assert proc.stdout.startswith("ok "), proc.stdout
