"""Session layer on CPython: CCM against `cryptography`'s AESCCM with hypothesis, the record keys
against cryptography's HKDF, and the host key files (mode 0600, reuse)."""

import os
import stat

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st
from mxcoap.session import KnownPeers, PeerKeyError
from mxcoap.session.ccm import AesCcm
from mxcoap.session.errors import AuthenticationError, KeyStoreError
from mxcoap.session.record import derive_keys
from mxcoap_host.keys import load_known_peers, load_or_create_identity, save_known_peers

keys16 = st.binary(min_size=16, max_size=16)
nonces = st.binary(min_size=13, max_size=13)


@settings(max_examples=150, deadline=None)
@given(keys16, nonces, st.binary(max_size=300), st.binary(max_size=40))
def test_ccm_matches_cryptography(key, nonce, plaintext, aad):
    ours = AesCcm(key, 8).encrypt(nonce, plaintext, aad)
    theirs = AESCCM(key, tag_length=8).encrypt(nonce, plaintext, aad or None)
    assert ours == theirs
    assert AesCcm(key, 8).decrypt(nonce, theirs, aad) == plaintext


@settings(max_examples=60, deadline=None)
@given(keys16, nonces, st.binary(min_size=1, max_size=60), st.integers(min_value=0))
def test_ccm_rejects_what_cryptography_rejects(key, nonce, plaintext, where):
    sealed = bytearray(AESCCM(key, tag_length=8).encrypt(nonce, plaintext, b"hdr"))
    sealed[where % len(sealed)] ^= 1 << (where % 8)
    with pytest.raises(AuthenticationError):
        AesCcm(key, 8).decrypt(nonce, bytes(sealed), b"hdr")


def test_record_keys_are_hkdf_sha256():
    h, k1, k2 = os.urandom(32), os.urandom(32), os.urandom(32)
    (key_i2r, iv_i2r), (key_r2i, iv_r2i) = derive_keys(h, k1, k2)
    for k, info, key, iv in (
        (k1, b"mxcoap/1 i2r", key_i2r, iv_i2r),
        (k2, b"mxcoap/1 r2i", key_r2i, iv_r2i),
    ):
        okm = HKDF(hashes.SHA256(), 29, salt=h, info=info).derive(k)
        assert okm == key + iv


def test_identity_file_created_0600_then_reused(tmp_path):
    path = tmp_path / "identity.key"
    old = os.umask(0)  # even with a permissive umask the file must come out 0600
    try:
        priv, pub = load_or_create_identity(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(priv) == 32 and len(pub) == 32
    priv2, pub2 = load_or_create_identity(path)
    assert (priv2, pub2) == (priv, pub)
    os.chmod(path, 0o644)
    with pytest.raises(KeyStoreError, match="readable by others"):
        load_or_create_identity(path)
    os.chmod(path, 0o600)
    path.write_text("not hex\n")
    with pytest.raises(KeyStoreError):
        load_or_create_identity(path)


def test_known_peers_file_round_trip(tmp_path):
    path = tmp_path / "known_peers"
    store = load_known_peers(path)
    assert len(store) == 0
    key = os.urandom(32)
    store.check("host.example:5683", key)
    assert store.accept_fresh(key, 5)
    save_known_peers(path, store)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not store.dirty
    again = load_known_peers(path)
    assert again.key_for("host.example:5683") == key
    assert not again.accept_fresh(key, 5)
    with pytest.raises(PeerKeyError) as e:
        again.check("host.example:5683", os.urandom(32))
    assert key.hex() in str(e.value)


def test_known_peers_parse_limits():
    with pytest.raises(KeyStoreError):
        KnownPeers.parse("zz 0 0 -\n")
    with pytest.raises(KeyStoreError):
        KnownPeers.parse(("00" * 32) + " 0 0\n")
    line = "%s 0 0 -\n"
    with pytest.raises(KeyStoreError):
        KnownPeers.parse("".join(line % os.urandom(32).hex() for _ in range(5)), max_peers=4)


def _established_pair():
    from mxcoap.noise import public_key
    from mxcoap.session import SecureEndpoint

    a = SecureEndpoint(bytes(range(32)))
    b = SecureEndpoint(bytes(range(1, 33)))
    pid = a.connect("B", 0.0, remote_static=public_key(bytes(range(1, 33))))
    a.send(pid, b"request", 0.0)
    wire = []
    for d, _ in a.datagrams_to_send(0.0):
        wire.append(d)
        b.receive_datagram(d, "A", 0.0)
    b.send(a.static_public, b"response", 0.0)
    for d, _ in b.datagrams_to_send(0.0):
        wire.append(d)
        a.receive_datagram(d, "B", 0.0)
    a.send(pid, b"more", 1.0)
    for d, _ in a.datagrams_to_send(1.0):
        wire.append(d)
        b.receive_datagram(d, "A", 1.0)
    return a, b, pid, wire


_FIRST = st.sampled_from(
    [0x00, 0x01, 0x1F, 0x3F, 0x5F, 0x7F, 0x90, 0x91, 0xA0, 0xB0, 0xB1, 0xC0, 0xD0, 0xE0, 0xF0]
)


@settings(max_examples=300, deadline=None)
@given(_FIRST, st.binary(max_size=200), st.sampled_from(["A", "X"]))
def test_random_datagrams_never_escape(first, body, src):
    a, b, pid, _ = _established_pair_cached()
    data = bytes((first,)) + body
    b.receive_datagram(data, src, 2.0)
    a.receive_datagram(data, src, 2.0)
    for ep in (a, b):
        for d, _addr in ep.datagrams_to_send(2.0):
            assert len(d) <= max(3 * len(data), 17)  # RESET/RETRY/cached reply, never more


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2), st.integers(min_value=0), st.binary(max_size=3))
def test_mutated_real_datagrams_never_escape(which, where, insert):
    a, b, pid, wire = _established_pair_cached()
    d = bytearray(wire[which])
    i = where % len(d)
    d[i : i + 1] = insert
    for ep, src in ((b, "A"), (a, "B")):
        ep.receive_datagram(bytes(d), src, 3.0)
        ep.datagrams_to_send(3.0)


_CACHE = []


def _established_pair_cached():
    # X25519 in Python is the slow part: build the pair once; the properties above only feed
    # hostile bytes, which must leave the endpoints usable.
    if not _CACHE:
        _CACHE.append(_established_pair())
    a, b, pid, wire = _CACHE[0]
    a.send(pid, b"still alive", 5.0)
    got = []
    for d, _ in a.datagrams_to_send(5.0):
        b.receive_datagram(d, "A", 5.0)
    ev = b.next_event()
    while ev is not None:
        got.append(ev)
        ev = b.next_event()
    assert any(getattr(e, "data", None) == b"still alive" for e in got), got
    b.send(a.static_public, b"ack", 5.0)  # an answer keeps the session fresh (no stale rule)
    for d, _ in b.datagrams_to_send(5.0):
        a.receive_datagram(d, "B", 5.0)
    while a.next_event() is not None:
        pass
    return _CACHE[0]
