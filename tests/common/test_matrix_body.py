"""JSON bodies <-> compact CBOR (mxcoap.matrix.body, jsontext): round trips, exact data."""

import unittest

from mxcoap import cbor, maps
from mxcoap.matrix import jsontext
from mxcoap.matrix.body import Decoder, Encoder
from mxcoap.matrix.errors import MatrixDecodeError
from mxcoap.matrix.session import InternDecoder, InternEncoder

MS = maps.builtin()

SAMPLES = (
    b'{"msgtype":"m.text","body":"Hello world"}',
    b'{"event_id":"$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"}',
    b'{"a":[1,-1,0,-0,1.5,-2.5e-3,1E+400,18446744073709551616,-18446744073709551617],"b":null}',
    b'{"type":"m.room.member","state_key":"@bob:localhost","content":{"membership":"join"}}',
    b'{"rooms":{"join":{"!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870":{"timeline":{}}}}}',
    b'{"8":"string key eight","type":8,"":"","m.room.message":"m.room.message"}',
    b'["array", "top", {"level": [true, false, null]}]',
    b'"just a string"',
    b"12345",
    b'{"unicode \xc3\xa9\xe6\x9d\xb1":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/\\u0001"}',
)


def roundtrip(data, schema=None, enc_table=None, dec_table=None):
    value = jsontext.loads(data)
    enc = Encoder(MS, enc_table)
    wire = cbor.dumps(enc.body(value, schema))
    back = Decoder(MS, dec_table).body(cbor.loads(wire), schema)
    return value, back, wire


class TestJsonText(unittest.TestCase):
    def test_surrogate_pair_escape_is_the_emoji(self):
        self.assertEqual(jsontext.loads(b'"\\ud83d\\ude00"'), "\U0001F600")
        self.assertEqual(jsontext.dumps("\U0001F600"), '"\U0001F600"'.encode("utf-8"))

    def test_refused_as_data(self):
        for bad in (b'"\\ud800"', b'"\\udc00"', b'"\\ud800\\u0041"', b'{"a":1,"a":2}', b"01",
                    b"[1,]", b'"\x01"', b'"\xff"', b"nul", b"1 2", b"", b"\xef\xbb\xbf{}",
                    b"[" * 40 + b"]" * 40, b"NaN", b"-", b"1.", b"1e"):
            with self.assertRaises(jsontext.JsonError):
                jsontext.loads(bad)

    def test_canonical_output(self):
        v = jsontext.loads(b'{ "b" : 1, "a" : [ "\\u00e9", "\\u001f" ], "\\u00e9": {} }')
        self.assertEqual(jsontext.dumps(v), '{"a":["é","\\u001f"],"b":1,"é":{}}'.encode())

    def test_numbers_keep_their_text(self):
        v = jsontext.loads(b"[1.50, 1e5, -0, 0.0]")
        self.assertEqual(jsontext.dumps(v), b"[1.50,1e5,-0,0.0]")


class TestBody(unittest.TestCase):
    def test_samples_round_trip(self):
        for data in SAMPLES:
            value, back, wire = roundtrip(data)
            self.assertEqual(back, value, data)
            self.assertEqual(jsontext.dumps(back), jsontext.dumps(value))

    def test_canonical_input_gives_identical_bytes(self):
        # Federation: signed JSON is canonical JSON; the bytes out equal the bytes in.
        signed = (b'{"auth_events":["$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"],"content":'
                  b'{"body":"Gr\xc3\xbc\xc3\x9fe \xf0\x9f\x8e\x89","msgtype":"m.text"},"depth":12,'
                  b'"hashes":{"sha256":"EsS5OBm2b3MQBhc70/31Wy6jzka8sAFUijnLY4y/yWE"},"origin":'
                  b'"localhost","origin_server_ts":1795626574841,"prev_events":[],"room_id":'
                  b'"!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870","sender":"@alice:localhost",'
                  b'"signatures":{"localhost":{"ed25519:a_AbCd":"sig+/sig"}},"type":"m.room.message"}')
        value, back, wire = roundtrip(signed)
        self.assertEqual(jsontext.dumps(back), signed)
        self.assertTrue(len(wire) < len(signed) * 3 // 4)

    def test_integer_keys_and_enums_are_small(self):
        value, back, wire = roundtrip(b'{"msgtype":"m.text","body":"Hello world"}')
        self.assertEqual(len(wire), 16)  # a2 key text(12) key simple
        value, back, wire = roundtrip(b'{"msgtype":"m.text","body":"Hello world"}',
                                      ("msgtype", "body"))
        self.assertEqual(wire, b"\x82\xe1\x6bHello world")

    def test_string_key_and_integer_key_do_not_collide(self):
        value, back, wire = roundtrip(b'{"8":1,"origin_server_ts":2}')
        self.assertEqual(back, {"8": 1, "origin_server_ts": 2})

    def test_schema_forms(self):
        schema = ("msgtype", "body")
        for data in (b'{"msgtype":"m.text","body":"x","m.mentions":{}}', b'{"body":"x"}',
                     b'["msgtype","body"]', b"[]", b'{"msgtype":1,"body":[2]}', b"null"):
            value, back, wire = roundtrip(data, schema)
            self.assertEqual(back, value, data)

    def test_interning_defines_then_refers(self):
        tx = InternEncoder()
        rx = InternDecoder()
        data = b'{"sender":"@carol:elsewhere.example","room_id":"!abc:elsewhere.example"}'
        value, back, wire1 = roundtrip(data, None, tx, rx)
        self.assertEqual(back, value)
        tx.confirm((0, 1))
        value, back, wire2 = roundtrip(data, None, tx, rx)
        self.assertEqual(back, value)
        self.assertTrue(len(wire2) < len(wire1) - 30)

    def test_reference_without_definition_fails(self):
        tx = InternEncoder()
        tx.lookup("@x:localhost")
        tx.confirm((0,))
        wire = cbor.dumps(Encoder(MS, tx).value({"sender": "@x:localhost"}))
        with self.assertRaises(MatrixDecodeError):
            Decoder(MS, InternDecoder()).value(cbor.loads(wire))
        with self.assertRaises(MatrixDecodeError):
            Decoder(MS, None).value(cbor.loads(wire))

    def test_hostile_items(self):
        bad = (
            {10000: 1},  # key code outside the table
            cbor.Simple(250),  # value code outside the table
            b"\x08abc",  # K_NUM that is not a number
            b"\x08 1",  # K_NUM with white space
            {0: 1, "type": 2},  # two keys decoding to "type"
            1.5,  # floats are never sent
            cbor.Tag(1, 0),
            b"\x06\x00\x07\x00",  # definition of a reference
        )
        for item in bad:
            with self.assertRaises(MatrixDecodeError):
                Decoder(MS, InternDecoder()).value(item)
        with self.assertRaises(MatrixDecodeError):
            Decoder(MS).body([1, 2, 3, 4], ("a", "b"))
        with self.assertRaises(MatrixDecodeError):
            Decoder(MS).body([1, 2, {"a": 3}], ("a", "b"))


if __name__ == "__main__":
    unittest.main()


class TestSchemaPayload(unittest.TestCase):
    """payload.py: a schema form of two or more values is a CBOR sequence, one value an array."""

    def check(self, data, schema, head):
        from mxcoap.coap import Message
        from mxcoap.matrix.payload import decode_body, encode_body

        opts, payload, compact = encode_body(data, "application/json", Encoder(MS), schema)
        self.assertEqual(opts, [])
        self.assertEqual(compact, payload)  # not deflated: the compact form as sent
        self.assertTrue(payload.startswith(head), payload.hex())
        headers, body, back = decode_body(Message(0, 3, payload=payload), Decoder(MS), schema)
        self.assertEqual(back, payload)
        self.assertEqual(jsontext.loads(body), jsontext.loads(data))
        return payload

    def test_sequence_array_and_plain(self):
        msg = ("msgtype", "body")
        eid = ("event_id",)
        self.assertEqual(self.check(b'{"msgtype":"m.text","body":"Hello world"}', msg, b"\xe1"),
                         b"\xe1\x6bHello world")
        self.check(b'{"msgtype":"m.text","body":"x","m.mentions":{}}', msg, b"\xe1\x61x\xa1")
        self.check(b'{"msgtype":"m.text"}', msg, b"\xa1")  # schema key missing: a plain map
        self.check(b'["m.text","x"]', msg, b"\xd9\xd9\xf7")  # a JSON array stays tagged
        self.check(b'"m.text"', msg, b"\xe1")  # one item: plain, not a schema form
        self.check(b'{"event_id":"$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"}', eid, b"\x81")
        self.check(b'{"event_id":"$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs","a":1}', eid,
                   b"\x58\x20")

    def test_bad_sequences_are_refused(self):
        from mxcoap.coap import Message
        from mxcoap.matrix.payload import decode_body

        for payload in (b"\xe1\x61x\xa1\x61a\x01\x01", b"\xe1\xff", b"\x9f\xe1", b"\xe1\x61x\x01"):
            with self.assertRaises(MatrixDecodeError):
                decode_body(Message(0, 3, payload=payload), Decoder(MS), ("msgtype", "body"))
