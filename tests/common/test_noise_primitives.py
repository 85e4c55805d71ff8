"""The Noise primitives against their published vectors (data files in tests/vectors).

RFC 7748 (X25519), RFC 8439 (ChaCha20, Poly1305, AEAD), FIPS 197 and the GCM paper's AES-256
cases, RFC 4231 (HMAC-SHA256), RFC 5869 (HKDF-SHA256); then CipherState (Noise §5.1).
"""

import unittest

from mxcoap import noise
from mxcoap.noise import aesgcm, chachapoly, hashes, x25519
from support import load_json_vector

B = bytes.fromhex


class TestX25519(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = load_json_vector("rfc7748.json")

    def test_section_5_2_vectors(self):
        for c in self.v["x25519"]:
            with self.subTest(section=c["section"]):
                self.assertEqual(x25519.x25519(B(c["scalar"]), B(c["u"])).hex(), c["output"])

    def test_iterated_ladder(self):
        # §5.2: k = u = 9; repeat k, u = X25519(k, u), k. 1 and 1000 iterations.
        want = dict((c["iterations"], c["k"]) for c in self.v["iterated"])
        k = u = x25519.BASE_POINT
        for i in range(1, 1001):
            k, u = x25519.x25519(k, u), k
            if i in want:
                self.assertEqual(k.hex(), want[i], "after " + str(i))

    def test_section_6_1_diffie_hellman(self):
        d = self.v["dh"]
        self.assertEqual(noise.public_key(B(d["alice_private"])).hex(), d["alice_public"])
        self.assertEqual(noise.public_key(B(d["bob_private"])).hex(), d["bob_public"])
        self.assertEqual(x25519.dh(B(d["alice_private"]), B(d["bob_public"])).hex(), d["shared"])
        self.assertEqual(x25519.dh(B(d["bob_private"]), B(d["alice_public"])).hex(), d["shared"])

    def test_low_order_point_gives_zeros(self):
        # Noise §12.1: we do not refuse the all-zero output (docs/protocol.md (Part 7)).
        d = self.v["dh"]
        for u in (bytes(32), b"\x01" + bytes(31)):
            self.assertEqual(x25519.dh(B(d["alice_private"]), u), bytes(32))

    def test_lengths(self):
        with self.assertRaises(noise.NoiseValueError):
            x25519.x25519(bytes(31), x25519.BASE_POINT)
        with self.assertRaises(noise.NoiseValueError):
            x25519.x25519(bytes(32), bytes(33))

    def test_generate(self):
        calls = []

        def rand(n):
            calls.append(n)
            return bytes(range(n))

        self.assertEqual(noise.generate_private(rand), bytes(range(32)))
        private, public = x25519.generate_keypair()
        self.assertEqual(public, noise.public_key(private))
        self.assertNotEqual(noise.generate_private(), noise.generate_private())
        self.assertEqual(calls, [32])


class TestChaChaPoly(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = load_json_vector("rfc8439.json")

    def test_block(self):
        for c in self.v["block"]:
            with self.subTest(section=c["section"]):
                out = chachapoly.chacha20_block(B(c["key"]), c["counter"], B(c["nonce"]))
                self.assertEqual(out.hex(), c["output"])

    def test_encryption(self):
        for c in self.v["encrypt"]:
            ct = chachapoly.chacha20_xor(
                B(c["key"]), c["counter"], B(c["nonce"]), B(c["plaintext"])
            )
            self.assertEqual(ct.hex(), c["ciphertext"])
            back = chachapoly.chacha20_xor(B(c["key"]), c["counter"], B(c["nonce"]), ct)
            self.assertEqual(back.hex(), c["plaintext"])

    def test_poly1305(self):
        for c in self.v["poly1305"]:
            self.assertEqual(chachapoly.poly1305_mac(B(c["message"]), B(c["key"])).hex(), c["tag"])

    def test_poly1305_key_gen(self):
        for c in self.v["poly1305_key_gen"]:
            self.assertEqual(
                chachapoly.poly1305_key_gen(B(c["key"]), B(c["nonce"])).hex(), c["otk"]
            )

    def test_aead(self):
        for c in self.v["aead"]:
            key, nonce, aad = B(c["key"]), B(c["nonce"]), B(c["aad"])
            sealed = chachapoly.aead_encrypt(key, nonce, aad, B(c["plaintext"]))
            self.assertEqual(sealed.hex(), c["ciphertext"] + c["tag"])
            self.assertEqual(chachapoly.aead_decrypt(key, nonce, aad, sealed).hex(), c["plaintext"])
            for i in (0, len(sealed) - 1):
                bad = bytearray(sealed)
                bad[i] ^= 0x80
                with self.assertRaises(noise.DecryptError):
                    chachapoly.aead_decrypt(key, nonce, aad, bytes(bad))
            with self.assertRaises(noise.DecryptError):
                chachapoly.aead_decrypt(key, nonce, aad + b"x", sealed)
            with self.assertRaises(noise.DecryptError):
                chachapoly.aead_decrypt(key, nonce, aad, sealed[:15])

    def test_noise_nonce_is_little_endian(self):
        # Noise §12.3: 32 bits of zeros, then the 64-bit n little-endian.
        self.assertEqual(chachapoly.ChaChaPoly.nonce(0x0102), bytes(4) + b"\x02\x01" + bytes(6))


class TestAESGCM(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = load_json_vector("aes-gcm-mcgrew-viega.json")

    def test_aes_block_portable_and_backend(self):
        # FIPS 197 C.3 (AES-256, the GCM block) and C.1 (AES-128, used by the session's CCM).
        for c in self.v["aes_block"]:
            with self.subTest(section=c["section"]):
                key, pt = B(c["key"]), B(c["plaintext"])
                rk = aesgcm.expand_key(key)
                self.assertEqual(aesgcm.encrypt_block(rk, pt).hex(), c["ciphertext"])
                self.assertEqual(aesgcm.portable_encryptor(key)(pt + pt).hex(), c["ciphertext"] * 2)
                self.assertEqual(aesgcm.block_encryptor(key)(pt).hex(), c["ciphertext"])
        with self.assertRaises(noise.NoiseValueError):
            aesgcm.expand_key(bytes(24))

    def test_gcm_cases(self):
        for c in self.v["gcm"]:
            with self.subTest(case=c["case"]):
                gcm = aesgcm.AESGCMKey(B(c["key"]))
                iv, aad = B(c["iv"]), B(c["aad"])
                sealed = gcm.encrypt(iv, aad, B(c["plaintext"]))
                self.assertEqual(sealed.hex(), c["ciphertext"] + c["tag"])
                self.assertEqual(gcm.decrypt(iv, aad, sealed).hex(), c["plaintext"])
                bad = bytearray(sealed)
                bad[-1] ^= 1
                with self.assertRaises(noise.DecryptError):
                    gcm.decrypt(iv, aad, bytes(bad))

    def test_backends_agree(self):
        # The backend (cryptolib on MicroPython) and the portable AES give the same blocks.
        key = bytes(range(100, 132))
        data = bytes(range(64))
        self.assertEqual(aesgcm.block_encryptor(key)(data), aesgcm.portable_encryptor(key)(data))

    def test_noise_nonce_is_big_endian(self):
        # Noise §12.4: 32 bits of zeros, then the 64-bit n big-endian.
        self.assertEqual(aesgcm.AESGCM.nonce(0x0102), bytes(10) + b"\x01\x02")


class TestHashes(unittest.TestCase):
    def test_hmac_rfc4231(self):
        for c in load_json_vector("rfc4231.json")["hmac_sha256"]:
            with self.subTest(case=c["case"]):
                mac = hashes.hmac_sha256(B(c["key"]), B(c["data"]))
                self.assertEqual(mac[: c.get("truncated_to", 32)].hex(), c["mac"])

    def test_hkdf_rfc5869(self):
        for c in load_json_vector("rfc5869.json")["hkdf_sha256"]:
            with self.subTest(case=c["case"]):
                prk = hashes.hkdf_extract(B(c["salt"]), B(c["ikm"]))
                self.assertEqual(prk.hex(), c["prk"])
                self.assertEqual(hashes.hkdf_expand(prk, B(c["info"]), c["length"]).hex(), c["okm"])

    def test_noise_hkdf_is_rfc5869(self):
        # Noise §4.3 HKDF(ck, ikm, n) = RFC 5869 with salt ck, empty info, n * 32 bytes.
        ck, ikm = bytes(range(32)), b"input key material"
        okm = hashes.hkdf_expand(hashes.hkdf_extract(ck, ikm), b"", 96)
        self.assertEqual(b"".join(hashes.hkdf(ck, ikm, 3)), okm)
        self.assertEqual(b"".join(hashes.hkdf(ck, ikm, 2)), okm[:64])
        with self.assertRaises(noise.NoiseValueError):
            hashes.hkdf(ck, ikm, 4)


class TestCipherState(unittest.TestCase):
    def pair(self, cipher="ChaChaPoly"):
        key = bytes(range(32))
        return noise.CipherState(cipher, key), noise.CipherState(cipher, key)

    def test_no_key_passes_through(self):
        cs = noise.CipherState("AESGCM")
        self.assertFalse(cs.has_key())
        self.assertIsNone(cs.key)
        self.assertEqual(self.pair()[0].key, bytes(range(32)))
        self.assertEqual(cs.encrypt_with_ad(b"ad", b"plain"), b"plain")
        self.assertEqual(cs.n, 0)

    def test_nonce_counts_and_failure_keeps_it(self):
        for cipher in ("ChaChaPoly", "AESGCM"):
            a, b = self.pair(cipher)
            c0 = a.encrypt_with_ad(b"h", b"one")
            c1 = a.encrypt_with_ad(b"h", b"two")
            self.assertEqual(a.n, 2)
            with self.assertRaises(noise.DecryptError):
                b.decrypt_with_ad(b"h", c1)  # encrypted with n=1, b expects n=0
            self.assertEqual(b.n, 0)  # §5.1: n unchanged after a failure
            self.assertEqual(b.decrypt_with_ad(b"h", c0), b"one")
            self.assertEqual(b.decrypt_with_ad(b"h", c1), b"two")

    def test_explicit_nonce(self):
        a, b = self.pair("AESGCM")
        a.set_nonce(1000)
        ct = a.encrypt_with_ad(b"", b"late")
        b.set_nonce(1000)
        self.assertEqual(b.decrypt_with_ad(b"", ct), b"late")
        self.assertEqual(b.n, 1001)

    def test_reserved_nonce(self):
        # §5.1: 2^64-1 is reserved; after n reaches it, encryption signals an error.
        a, b = self.pair()
        with self.assertRaises(noise.NoiseValueError):
            a.set_nonce(noise.MAX_NONCE)
        a.set_nonce(noise.MAX_NONCE - 1)
        ct = a.encrypt_with_ad(b"", b"last")
        self.assertEqual(a.n, noise.MAX_NONCE)
        with self.assertRaises(noise.NoiseValueError):
            a.encrypt_with_ad(b"", b"one too many")
        b.set_nonce(noise.MAX_NONCE - 1)
        self.assertEqual(b.decrypt_with_ad(b"", ct), b"last")
        with self.assertRaises(noise.NoiseValueError):
            b.decrypt_with_ad(b"", ct)

    def test_rekey(self):
        # §4.2: REKEY(k) = ENCRYPT(k, 2^64-1, zerolen, zeros)[:32]; n is kept (§11.3).
        for cipher in ("ChaChaPoly", "AESGCM"):
            a, b = self.pair(cipher)
            key = bytes(range(32))
            cls = chachapoly.ChaChaPoly if cipher == "ChaChaPoly" else aesgcm.AESGCM
            new_key = cls(key).encrypt(noise.MAX_NONCE, b"", bytes(32))[:32]
            a.encrypt_with_ad(b"", b"x")
            a.rekey()
            self.assertEqual(a.n, 1)
            want = noise.CipherState(cipher, new_key)
            want.set_nonce(1)
            self.assertEqual(a.encrypt_with_ad(b"", b"after"), want.encrypt_with_ad(b"", b"after"))
            # The receiving side rekeys the same way and still decrypts.
            b.rekey()
            b.set_nonce(1)
            self.assertEqual(
                b.decrypt_with_ad(b"", cls(new_key).encrypt(1, b"", b"again")), b"again"
            )
            with self.assertRaises(noise.HandshakeError):
                noise.CipherState(cipher).rekey()

    def test_message_limit(self):
        a, _ = self.pair()
        with self.assertRaises(noise.NoiseValueError):
            a.encrypt_with_ad(b"", bytes(65535 - 16 + 1))
        self.assertEqual(len(a.encrypt_with_ad(b"", bytes(65535 - 16))), 65535)


if __name__ == "__main__":
    unittest.main()
