"""Our Noise against independent implementations.

1. HandshakeState against the `noiseprotocol` library (plizonczyk/noiseprotocol 0.3.1) in both
   roles for XX, IK, NK and KK with ChaChaPoly and AESGCM, in process on CPython; then transport
   messages both ways after Split(), and rekey.
2. The same with our side running under MicroPython in a subprocess (the unix port in .venv),
   messages passed as hex lines over stdin/stdout, every read bounded by a timeout.
3. The portable primitives against `cryptography` (X25519, ChaCha20Poly1305, AESGCM, HKDF) and
   the stdlib hmac, with hypothesis on random keys and messages.
"""

import hashlib
import hmac
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes as c_hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mxcoap import noise
from mxcoap.noise import aesgcm, chachapoly, hashes, x25519
from noise.connection import Keypair, NoiseConnection

ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = Path(sys.executable).parent / "micropython"
READ_TIMEOUT = 30.0

PATTERNS = ("XX", "IK", "NK", "KK")
CIPHERS = ("ChaChaPoly", "AESGCM")
CASES = [(p, c, ours) for p in PATTERNS for c in CIPHERS for ours in ("initiator", "responder")]
PROLOGUE = b"mxcoap interop"


def needs(pattern, initiator):
    """(we need rs, we send s) for a role: which static keys the pattern pre-shares."""
    if pattern == "XX":
        return False, True
    if pattern == "NK":
        return initiator, not initiator
    # IK: the initiator knows the responder's key; KK: both know each other's.
    return initiator or pattern == "KK", True


class Keys:
    def __init__(self):
        self.init_s = os.urandom(32)
        self.resp_s = os.urandom(32)

    def ours(self, pattern, initiator):
        s = self.init_s if initiator else self.resp_s
        peer = self.resp_s if initiator else self.init_s
        want_rs, sends_s = needs(pattern, initiator)
        return (s if sends_s else None), (noise.public_key(peer) if want_rs else None)

    def theirs(self, conn, pattern, initiator):
        """Configure the noiseprotocol side (initiator is ITS role)."""
        s = self.init_s if initiator else self.resp_s
        peer = self.resp_s if initiator else self.init_s
        want_rs, sends_s = needs(pattern, initiator)
        if sends_s:
            conn.set_keypair_from_private_bytes(Keypair.STATIC, s)
        if want_rs:
            conn.set_keypair_from_public_bytes(Keypair.REMOTE_STATIC, noise.public_key(peer))


def their_connection(name, pattern, initiator, keys):
    conn = NoiseConnection.from_name(name.encode())
    if initiator:
        conn.set_as_initiator()
    else:
        conn.set_as_responder()
    keys.theirs(conn, pattern, initiator)
    conn.set_prologue(PROLOGUE)
    conn.start_handshake()
    return conn


def payload(i):
    return b"handshake payload %d " % i + bytes(range(i * 3))


# --- 1. in process -------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern,cipher,ours", CASES)
def test_handshake_against_noiseprotocol(pattern, cipher, ours):
    name = "Noise_" + pattern + "_25519_" + cipher + "_SHA256"
    keys = Keys()
    we_init = ours == "initiator"
    s, rs = keys.ours(pattern, we_init)
    us = noise.HandshakeState(name, we_init, s=s, rs=rs, prologue=PROLOGUE)
    them = their_connection(name, pattern, not we_init, keys)
    i = 0
    while not us.finished:
        if us.is_my_turn():
            assert them.read_message(us.write_message(payload(i))) == payload(i)
        else:
            assert us.read_message(bytes(them.write_message(payload(i)))) == payload(i)
        i += 1
    assert them.handshake_finished
    assert us.handshake_hash == them.get_handshake_hash()
    send, recv = us.ciphers()
    for k in range(5):
        msg = b"transport %d" % k * (k + 1)
        assert them.decrypt(send.encrypt_with_ad(b"", msg)) == msg
        assert recv.decrypt_with_ad(b"", them.encrypt(msg)) == msg
    # §11.3 rekey in step on both sides, each direction.
    send.rekey()
    them.rekey_inbound_cipher()
    assert them.decrypt(send.encrypt_with_ad(b"", b"after rekey")) == b"after rekey"
    them.rekey_outbound_cipher()
    recv.rekey()
    assert recv.decrypt_with_ad(b"", them.encrypt(b"back")) == b"back"
    # A flipped bit is refused and does not advance the nonce.
    bad = bytearray(them.encrypt(b"tamper"))
    bad[0] ^= 1
    with pytest.raises(noise.DecryptError):
        recv.decrypt_with_ad(b"", bytes(bad))


def test_psk_against_noiseprotocol():
    # The generic psk handling (§9) against the library too: XXpsk3 and NNpsk0, we initiate.
    for name, psks in (
        ("Noise_XXpsk3_25519_ChaChaPoly_SHA256", 1),
        ("Noise_NNpsk0_25519_AESGCM_SHA256", 1),
    ):
        pattern = name.split("_")[1][:2]
        psk = os.urandom(32)
        keys = Keys()
        s, rs = keys.ours(pattern, True)
        us = noise.HandshakeState(name, True, s=s, rs=rs, prologue=PROLOGUE, psks=[psk] * psks)
        them = NoiseConnection.from_name(name.encode())
        them.set_as_responder()
        keys.theirs(them, pattern, False)
        them.set_psks(psk)
        them.set_prologue(PROLOGUE)
        them.start_handshake()
        while not us.finished:
            if us.is_my_turn():
                them.read_message(us.write_message(b"x"))
            else:
                us.read_message(bytes(them.write_message(b"y")))
        assert us.handshake_hash == them.get_handshake_hash()


# --- 2. our side under MicroPython ---------------------------------------------------------------

PEER = r"""
import sys
import json
from mxcoap import noise


def unhex(x):
    return bytes.fromhex(x) if x else None


def out(*words):
    print(" ".join(words))


cfg = json.loads(sys.stdin.readline())
try:
    hs = noise.HandshakeState(cfg["name"], cfg["initiator"], s=unhex(cfg["s"]),
                              rs=unhex(cfg["rs"]), prologue=unhex(cfg["prologue"]))
    i = 0
    while not hs.finished:
        if hs.is_my_turn():
            out("msg", hs.write_message(unhex(cfg["payloads"][i]) or b"").hex())
        else:
            out("payload", hs.read_message(unhex(sys.stdin.readline().strip()) or b"").hex())
        i += 1
    out("hash", hs.handshake_hash.hex())
    send, recv = hs.ciphers()
    while True:
        cmd, _, arg = sys.stdin.readline().strip().partition(" ")
        if cmd == "enc":
            out("ct", send.encrypt_with_ad(b"", unhex(arg) or b"").hex())
        elif cmd == "dec":
            try:
                out("pt", recv.decrypt_with_ad(b"", unhex(arg)).hex())
            except noise.DecryptError:
                out("decrypt-error")
        elif cmd == "rekey":
            send.rekey()
            recv.rekey()
            out("ok")
        else:
            out("bye")
            break
except Exception as exc:
    out("error", repr(exc))
"""


class MicroPythonPeer:
    def __init__(self, script):
        env = dict(os.environ, MICROPYPATH=".frozen:" + str(ROOT / "common"))
        self.proc = subprocess.Popen(
            [str(MICROPYTHON), "-X", "heapsize=2M", str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, word):
        try:
            line = self.lines.get(timeout=READ_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"MicroPython peer silent for {READ_TIMEOUT}s") from None
        assert line is not None, "MicroPython peer exited: " + self.proc.stderr.read()
        got, _, arg = line.partition(" ")
        assert got == word, line
        return bytes.fromhex(arg)

    def close(self):
        try:
            self.send("quit")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture
def peer_script(tmp_path):
    path = tmp_path / "noise_peer.py"
    path.write_text(PEER)
    return path


@pytest.mark.timeout(120)
@pytest.mark.parametrize("pattern,cipher,ours", CASES)
def test_micropython_against_noiseprotocol(peer_script, pattern, cipher, ours):
    name = "Noise_" + pattern + "_25519_" + cipher + "_SHA256"
    keys = Keys()
    we_init = ours == "initiator"
    s, rs = keys.ours(pattern, we_init)
    payloads = [payload(i).hex() for i in range(3)]
    cfg = {
        "name": name,
        "initiator": we_init,
        "s": s.hex() if s else "",
        "rs": rs.hex() if rs else "",
        "prologue": PROLOGUE.hex(),
        "payloads": payloads,
    }
    them = their_connection(name, pattern, not we_init, keys)
    mp = MicroPythonPeer(peer_script)
    try:
        mp.send(json.dumps(cfg))
        i = 0
        while not them.handshake_finished:
            if (i % 2 == 0) == we_init:
                assert them.read_message(mp.expect("msg")) == payload(i)
            else:
                mp.send(bytes(them.write_message(payload(i))).hex())
                assert mp.expect("payload") == payload(i)
            i += 1
        assert mp.expect("hash") == them.get_handshake_hash()
        for k in range(4):
            msg = os.urandom(k * 37)
            mp.send("enc " + msg.hex())
            assert them.decrypt(mp.expect("ct")) == msg
            mp.send("dec " + them.encrypt(msg).hex())
            assert mp.expect("pt") == msg
        mp.send("rekey")
        mp.expect("ok")
        them.rekey_inbound_cipher()
        them.rekey_outbound_cipher()
        mp.send("enc " + b"after rekey".hex())
        assert them.decrypt(mp.expect("ct")) == b"after rekey"
        bad = bytearray(them.encrypt(b"tamper"))
        bad[-1] ^= 1
        mp.send("dec " + bytes(bad).hex())
        mp.expect("decrypt-error")
    finally:
        mp.close()


# --- 3. primitives against cryptography and hmac --------------------------------------------------

KEY = st.binary(min_size=32, max_size=32)
NONCE = st.binary(min_size=12, max_size=12)
DATA = st.binary(max_size=300)
PROPS = settings(max_examples=60, deadline=None)


@PROPS
@given(KEY, KEY)
def test_x25519_against_cryptography(a, b):
    theirs_a = X25519PrivateKey.from_private_bytes(a)
    theirs_b = X25519PrivateKey.from_private_bytes(b)
    assert noise.public_key(a) == theirs_a.public_key().public_bytes_raw()
    assert x25519.dh(a, noise.public_key(b)) == theirs_a.exchange(theirs_b.public_key())


@PROPS
@given(KEY, st.binary(min_size=32, max_size=32))
@example(a=bytes(range(32)), u=bytes(32))  # u = 0 and u = 1: low order, OpenSSL refuses them
@example(a=bytes(range(32)), u=b"\x01" + bytes(31))
def test_x25519_any_u_against_cryptography(a, u):
    # Arbitrary u (top bit, non-canonical values, twist points): the same answer, or an all-zero
    # output where OpenSSL refuses (we do not refuse it, Noise §12.1).
    ours = x25519.x25519(a, u)
    try:
        theirs = X25519PrivateKey.from_private_bytes(a).exchange(
            X25519PublicKey.from_public_bytes(u)
        )
    except ValueError:
        assert ours == bytes(32)
    else:
        assert ours == theirs


@PROPS
@given(KEY, NONCE, DATA, DATA)
def test_chachapoly_against_cryptography(key, nonce, aad, plaintext):
    theirs = ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)
    assert chachapoly.aead_encrypt(key, nonce, aad, plaintext) == theirs
    assert chachapoly.aead_decrypt(key, nonce, aad, theirs) == plaintext


@PROPS
@given(KEY, NONCE, DATA, DATA)
def test_aesgcm_against_cryptography(key, nonce, aad, plaintext):
    theirs = AESGCM(key).encrypt(nonce, plaintext, aad)
    gcm = aesgcm.AESGCMKey(key)
    assert gcm.encrypt(nonce, aad, plaintext) == theirs
    assert gcm.decrypt(nonce, aad, theirs) == plaintext


@PROPS
@given(st.binary(max_size=200), DATA, st.binary(max_size=64), st.integers(0, 255 * 32))
def test_hmac_hkdf_against_stdlib_and_cryptography(key, data, info, length):
    assert hashes.hmac_sha256(key, data) == hmac.new(key, data, hashlib.sha256).digest()
    theirs = HKDF(c_hashes.SHA256(), length, key or None, info).derive(data) if length else b""
    assert hashes.hkdf_expand(hashes.hkdf_extract(key, data), info, length) == theirs
