"""Federation: JSON signed by one server still verifies after crossing the compact mapping
(Matrix spec, "Signing JSON": signatures cover the canonical JSON of the object)."""

import base64
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from mxcoap import maps
from mxcoap.coap import Message
from mxcoap.matrix import HttpRequest, Session, decode_request, encode_request

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def canonical(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(obj):
    unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    sig = base64.b64encode(KEY.sign(canonical(unsigned))).decode().rstrip("=")
    obj["signatures"] = {"origin.example": {"ed25519:k1": sig}}
    return obj


def verify(obj):
    unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    sig = obj["signatures"]["origin.example"]["ed25519:k1"]
    KEY.public_key().verify(base64.b64decode(sig + "=" * (-len(sig) % 4)), canonical(unsigned))


content = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1),
              st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=15)


@settings(max_examples=100, deadline=None)
@given(content, st.booleans())
def test_signed_pdus_verify_after_the_mapping(body, canonical_input):
    pdu = sign({
        "type": "m.room.message", "room_id": "!bxaehY7v-TS4S5Fdqw33u5iBF9ri3FXuzfb0bWSk870",
        "sender": "@alice:origin.example", "origin_server_ts": 1795626574841, "depth": 12,
        "prev_events": ["$7tOorP5ADrHbF8lw4-HMRTproO_3rnYH2n9FMIxAERs"], "auth_events": [],
        "hashes": {"sha256": "EsS5OBm2b3MQBhc70/31Wy6jzka8sAFUijnLY4y/yWE"},
        "content": {"msgtype": "m.text", "body": "Grüße 🎉", "extra": body},
    })
    txn = {"origin": "origin.example", "origin_server_ts": 1795626574841, "pdus": [pdu]}
    raw = canonical(txn) if canonical_input else json.dumps(txn, indent=1).encode()
    xm = 'X-Matrix origin="origin.example",destination="localhost",key="ed25519:k1",sig="x"'
    req = HttpRequest("PUT", "/_matrix/federation/v1/send/1795626574841", None,
                      [("Authorization", xm), ("Content-Type", "application/json")], raw)
    edge, host = Session(maps.builtin()), Session(maps.builtin())
    msg, _ = encode_request(req, edge)
    back = decode_request(Message.decode(msg.encode()), host)
    assert back.header("Authorization") == xm
    got = json.loads(back.body)
    verify(got["pdus"][0])
    assert back.body == canonical(txn)  # canonical JSON out, whatever came in
    if canonical_input:
        assert back.body == raw
