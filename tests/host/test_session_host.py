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
