"""Hostile bytes into our HandshakeState and CipherState: only NoiseError subclasses come out.

Random and mutated messages at every step of IK, XX, NK and KK (both ciphers): the receiver
raises DecryptError or NoiseValueError (or accepts bytes that authenticate, which only an
unauthenticated first message can do), never another exception, and a failed state stays
failed with HandshakeError.
"""

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from mxcoap import noise

INIT_S = bytes(range(1, 33))
RESP_S = bytes(range(101, 133))
NAMES = [
    "Noise_" + p + "_25519_" + c + "_SHA256"
    for p in ("IK", "XX", "NK", "KK", "NNpsk0")
    for c in ("ChaChaPoly", "AESGCM")
]
FUZZ = settings(max_examples=150, deadline=None)


def pair(name):
    pattern = name.split("_")[1]
    rs_i = noise.public_key(RESP_S) if pattern in ("IK", "NK", "KK") else None
    rs_r = noise.public_key(INIT_S) if pattern == "KK" else None
    s_i = None if pattern in ("NK", "NNpsk0") else INIT_S
    s_r = None if pattern == "NNpsk0" else RESP_S
    psks = [bytes(32)] if "psk" in pattern else []
    return (
        noise.HandshakeState(name, True, s=s_i, rs=rs_i, psks=psks),
        noise.HandshakeState(name, False, s=s_r, rs=rs_r, psks=psks),
    )


def advance(name, steps):
    """A fresh pair of `name` after up to `steps` good handshake messages: (sender, receiver)."""
    sender, receiver = pair(name)
    for _ in range(steps):
        if sender.finished:
            break
        receiver.read_message(sender.write_message(b"ok"))
        sender, receiver = receiver, sender
    return sender, receiver


def deliver(receiver, message):
    """read_message that may only fail with a Noise error; True if it was accepted."""
    try:
        receiver.read_message(message)
    except (noise.DecryptError, noise.NoiseValueError):
        try:
            receiver.read_message(message)
        except noise.HandshakeError:
            return False
        raise AssertionError("a failed handshake accepted another message") from None
    return True


@FUZZ
@given(st.sampled_from(NAMES), st.integers(0, 2), st.binary(max_size=200))
def test_random_message_at_each_step(name, step, junk):
    sender, receiver = advance(name, step)
    if receiver.finished:
        return
    deliver(receiver, junk)


@FUZZ
@given(st.sampled_from(NAMES), st.integers(0, 2), st.data())
def test_mutated_message_at_each_step(name, step, data):
    sender, receiver = advance(name, step)
    if sender.finished:
        return
    message = bytearray(sender.write_message(b"payload"))
    i = data.draw(st.integers(0, len(message) - 1))
    message[i] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(0, len(message)))
    accepted = deliver(receiver, bytes(message[:cut]))
    if accepted:
        # Only bytes that nothing authenticates yet may pass: an ephemeral key in clear, or a
        # payload sent before any key exists (XX message 1, before psk mixing).
        assert not receiver.symmetric_state.cipher_state.has_key() or i >= cut


@FUZZ
@given(st.sampled_from(["ChaChaPoly", "AESGCM"]), st.binary(max_size=100), st.integers(0, 99))
def test_transport_garbage(cipher, junk, nonce):
    cs = noise.CipherState(cipher, os.urandom(32))
    cs.set_nonce(nonce)
    try:
        cs.decrypt_with_ad(b"", junk)
    except noise.DecryptError:
        assert cs.n == nonce
    else:
        raise AssertionError("random bytes authenticated")
