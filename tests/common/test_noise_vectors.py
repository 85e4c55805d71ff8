"""The cacophony Noise test vectors for 25519 + ChaChaPoly/AESGCM + SHA256 (72 of them).

For every vector both sides run: each handshake message must be byte-exact, the payload must
come back, both handshake hashes must match the vector, and the transport messages after Split()
must be byte-exact in their direction (the initiator sends with c1, the responder with c2).
"""

import unittest

from mxcoap import noise
from support import load_json_vector

_VECTORS = None


def vectors():
    global _VECTORS
    if _VECTORS is None:
        _VECTORS = load_json_vector("noise-cacophony-25519-sha256.json")
    return _VECTORS


def _hex(vector, name):
    value = vector.get(name)
    return None if value is None else bytes.fromhex(value)


def _psks(vector, prefix):
    return [bytes.fromhex(p) for p in vector.get(prefix + "_psks", [])]


def _side(v, prefix, initiator):
    return noise.HandshakeState(
        v["protocol_name"],
        initiator,
        s=_hex(v, prefix + "_static"),
        e=_hex(v, prefix + "_ephemeral"),
        rs=_hex(v, prefix + "_remote_static"),
        re=_hex(v, prefix + "_remote_ephemeral"),
        prologue=_hex(v, prefix + "_prologue"),
        psks=_psks(v, prefix),
    )


def run_vector(test, v):
    name = v["protocol_name"]
    init = _side(v, "init", True)
    resp = _side(v, "resp", False)
    messages = v["messages"]
    i = 0
    while not init.finished:
        payload = bytes.fromhex(messages[i]["payload"])
        sender, receiver = (init, resp) if i % 2 == 0 else (resp, init)
        message = sender.write_message(payload)
        test.assertEqual(message.hex(), messages[i]["ciphertext"], name + " message " + str(i))
        test.assertEqual(receiver.read_message(message), payload, name + " payload " + str(i))
        i += 1
    test.assertTrue(resp.finished, name)
    test.assertEqual(init.handshake_hash.hex(), v["handshake_hash"], name + " init hash")
    test.assertEqual(resp.handshake_hash.hex(), v["handshake_hash"], name + " resp hash")
    i_send, i_recv = init.ciphers()
    r_send, r_recv = resp.ciphers()
    one_way = len(init.pattern.messages) == 1
    for j in range(i, len(messages)):
        payload = bytes.fromhex(messages[j]["payload"])
        # Transport messages keep alternating by index; one-way patterns only ever send ->.
        if one_way or j % 2 == 0:
            send, recv = i_send, r_recv
        else:
            send, recv = r_send, i_recv
        ciphertext = send.encrypt_with_ad(b"", payload)
        test.assertEqual(ciphertext.hex(), messages[j]["ciphertext"], name + " transport " + str(j))
        test.assertEqual(recv.decrypt_with_ad(b"", ciphertext), payload, name)
    return len(messages) - i


class TestCacophonyVectors(unittest.TestCase):
    def _run_cipher(self, cipher):
        count = 0
        for v in vectors():
            if "_" + cipher + "_" in v["protocol_name"]:
                with self.subTest(protocol=v["protocol_name"]):
                    self.assertGreater(run_vector(self, v), 0)
                count += 1
        self.assertEqual(count, 36)

    def test_vector_file(self):
        names = set(v["protocol_name"] for v in vectors())
        self.assertEqual(len(vectors()), 72)
        self.assertEqual(len(names), 72)
        for pattern in ("N", "K", "X", "NN", "NK", "XX", "IK", "IX", "XXpsk3", "IKpsk2", "NNpsk0"):
            self.assertIn("Noise_" + pattern + "_25519_ChaChaPoly_SHA256", names)

    def test_chachapoly(self):
        self._run_cipher("ChaChaPoly")

    def test_aesgcm(self):
        self._run_cipher("AESGCM")

    def test_tampered_message_fails(self):
        # The same vectors must fail when one bit of a handshake message flips.
        v = vector("Noise_XX_25519_ChaChaPoly_SHA256")
        init, resp = _side(v, "init", True), _side(v, "resp", False)
        resp.read_message(init.write_message(b""))
        message = bytearray(resp.write_message(b""))
        message[40] ^= 1  # inside the encrypted static key
        with self.assertRaises(noise.DecryptError):
            init.read_message(bytes(message))
        with self.assertRaises(noise.HandshakeError):
            init.read_message(bytes(message))  # a failed handshake stays failed


def vector(name):
    for v in vectors():
        if v["protocol_name"] == name:
            return v
    raise KeyError(name)


class TestHandshakeMisuse(unittest.TestCase):
    def setUp(self):
        self.v = vector("Noise_IK_25519_AESGCM_SHA256")
        self.init = _side(self.v, "init", True)
        self.resp = _side(self.v, "resp", False)

    def test_turns(self):
        self.assertTrue(self.init.is_my_turn())
        self.assertFalse(self.resp.is_my_turn())
        with self.assertRaises(noise.HandshakeError):
            self.resp.write_message(b"")
        with self.assertRaises(noise.HandshakeError):
            self.init.read_message(b"")
        with self.assertRaises(noise.HandshakeError):
            self.init.split()
        self.resp.read_message(self.init.write_message(b"hello"))
        with self.assertRaises(noise.HandshakeError):
            self.init.write_message(b"")
        self.assertEqual(self.init.read_message(self.resp.write_message(b"")), b"")
        self.assertTrue(self.init.finished and self.resp.finished)
        with self.assertRaises(noise.HandshakeError):
            self.init.write_message(b"")
        self.assertEqual(
            self.resp.remote_static, noise.public_key(bytes.fromhex(self.v["init_static"]))
        )
        i_send, i_recv = self.init.ciphers()
        r_send, r_recv = self.resp.ciphers()
        self.assertEqual(r_recv.decrypt_with_ad(b"", i_send.encrypt_with_ad(b"", b"up")), b"up")
        self.assertEqual(i_recv.decrypt_with_ad(b"", r_send.encrypt_with_ad(b"", b"down")), b"down")

    def test_missing_keys(self):
        with self.assertRaises(noise.HandshakeError):
            noise.HandshakeState("Noise_IK_25519_AESGCM_SHA256", True, s=bytes(32))  # no rs
        with self.assertRaises(noise.HandshakeError):
            noise.HandshakeState("Noise_XX_25519_AESGCM_SHA256", False)  # no s
        with self.assertRaises(noise.NoiseValueError):
            noise.HandshakeState("Noise_NN_25519_AESGCM_SHA256", True, s=bytes(31))

    def test_psk_count(self):
        with self.assertRaises(noise.NoiseValueError):
            noise.HandshakeState("Noise_NNpsk0_25519_ChaChaPoly_SHA256", True)
        with self.assertRaises(noise.NoiseValueError):
            noise.HandshakeState("Noise_NN_25519_ChaChaPoly_SHA256", True, psks=[bytes(32)])
        hs = noise.HandshakeState(
            "Noise_NNpsk0+psk2_25519_ChaChaPoly_SHA256", True, psks=[bytes(32), bytes(32)]
        )
        self.assertEqual(hs.pattern.messages, (("psk", "e"), ("e", "ee", "psk")))

    def test_bad_names(self):
        for name in (
            "Noise_ZZ_25519_AESGCM_SHA256",
            "Noise_XX_448_AESGCM_SHA256",
            "Noise_XX_25519_AESGCM_BLAKE2s",
            "Noise_XXpsk9_25519_AESGCM_SHA256",
            "Noise_XXfallback_25519_AESGCM_SHA256",
            "Noise_XX_25519_AESGCM",
            "Nois_XX_25519_AESGCM_SHA256",
        ):
            with self.subTest(name=name):
                with self.assertRaises(noise.NoiseValueError):
                    noise.HandshakeState(name, True, s=bytes(32), rs=bytes(32))

    def test_short_and_long_messages(self):
        message = self.init.write_message(b"")
        with self.assertRaises(noise.NoiseValueError):
            self.resp.read_message(message[:40])
        resp = _side(self.v, "resp", False)
        with self.assertRaises(noise.NoiseValueError):
            resp.read_message(bytes(65536))
        init = _side(self.v, "init", True)
        with self.assertRaises(noise.NoiseValueError):
            init.write_message(bytes(65535))

    def test_given_static_public(self):
        # s_public saves the caller one X25519; the handshake is the same as without it.
        v = self.v
        s = bytes.fromhex(v["init_static"])
        init = noise.HandshakeState(
            v["protocol_name"],
            True,
            s=s,
            s_public=noise.public_key(s),
            e=bytes.fromhex(v["init_ephemeral"]),
            rs=bytes.fromhex(v["init_remote_static"]),
            prologue=bytes.fromhex(v["init_prologue"]),
        )
        message = init.write_message(bytes.fromhex(v["messages"][0]["payload"]))
        self.assertEqual(message.hex(), v["messages"][0]["ciphertext"])

    def test_random_ephemeral(self):
        # Without a fixed e, two handshakes differ, and both still complete.
        hashes = []
        for _ in range(2):
            init = noise.HandshakeState("Noise_NN_25519_ChaChaPoly_SHA256", True)
            resp = noise.HandshakeState("Noise_NN_25519_ChaChaPoly_SHA256", False)
            resp.read_message(init.write_message(b""))
            init.read_message(resp.write_message(b""))
            self.assertEqual(init.handshake_hash, resp.handshake_hash)
            hashes.append(init.handshake_hash)
        self.assertNotEqual(hashes[0], hashes[1])


if __name__ == "__main__":
    unittest.main()
