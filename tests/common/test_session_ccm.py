"""AES-CCM (RFC 3610) of mxcoap.session: the RFC 3610 §8 packet vectors, the AES-128 backends,
and tamper rejection. Portable."""

import unittest

from mxcoap.session.aes import block_encryptor, portable_block_encryptor
from mxcoap.session.ccm import AesCcm
from mxcoap.session.errors import AuthenticationError, SessionUsageError
from support import load_json_vector


def _h(s):
    return bytes.fromhex(s)


class TestAes128(unittest.TestCase):
    def test_fips197_appendix_c1(self):
        # FIPS 197 Appendix C.1, AES-128.
        key = _h("000102030405060708090a0b0c0d0e0f")
        pt = _h("00112233445566778899aabbccddeeff")
        want = _h("69c4e0d86a7b0430d8cdb78070b4c55a")
        self.assertEqual(portable_block_encryptor(key)(pt), want)
        self.assertEqual(block_encryptor(key)(pt), want)

    def test_backends_agree(self):
        # On MicroPython block_encryptor is cryptolib: it must match the portable AES.
        key = bytes(range(16))
        a = portable_block_encryptor(key)
        b = block_encryptor(key)
        block = bytes(16)
        for _ in range(20):
            block = a(block)
            self.assertEqual(b(block), a(block))

    def test_key_length(self):
        with self.assertRaises(SessionUsageError):
            block_encryptor(bytes(32))


class TestCcmVectors(unittest.TestCase):
    def test_rfc3610_packet_vectors(self):
        vectors = load_json_vector("rfc3610-ccm.json")["vectors"]
        self.assertEqual(len(vectors), 24)
        for v in vectors:
            with self.subTest(v["name"]):
                c = AesCcm(_h(v["key"]), v["tag_length"])
                nonce, aad, pt = _h(v["nonce"]), _h(v["aad"]), _h(v["plaintext"])
                out = c.encrypt(nonce, pt, aad)
                self.assertEqual(out.hex(), v["ciphertext_and_tag"])
                self.assertEqual(c.decrypt(nonce, out, aad), pt)

    def test_tamper_rejected(self):
        v = load_json_vector("rfc3610-ccm.json")["vectors"][0]
        c = AesCcm(_h(v["key"]), 8)
        nonce, aad = _h(v["nonce"]), _h(v["aad"])
        out = _h(v["ciphertext_and_tag"])
        for i in range(len(out)):
            bad = bytearray(out)
            bad[i] ^= 0x01
            with self.assertRaises(AuthenticationError):
                c.decrypt(nonce, bytes(bad), aad)
        for i in range(len(aad)):
            bad = bytearray(aad)
            bad[i] ^= 0x80
            with self.assertRaises(AuthenticationError):
                c.decrypt(nonce, out, bytes(bad))
        with self.assertRaises(AuthenticationError):
            c.decrypt(bytes(13), out, aad)
        with self.assertRaises(AuthenticationError):
            c.decrypt(nonce, out[:7], aad)

    def test_empty_plaintext_and_aad(self):
        c = AesCcm(bytes(16), 8)
        for aad in (b"", b"\x01"):
            out = c.encrypt(bytes(13), b"", aad)
            self.assertEqual(len(out), 8)
            self.assertEqual(c.decrypt(bytes(13), out, aad), b"")

    def test_bad_parameters(self):
        with self.assertRaises(SessionUsageError):
            AesCcm(bytes(16), 7)
        with self.assertRaises(SessionUsageError):
            AesCcm(bytes(16), 8).encrypt(bytes(12), b"x", b"")


if __name__ == "__main__":
    unittest.main()
