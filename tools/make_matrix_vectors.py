"""Regenerate the Matrix mapping's data files from the built-in tables and recorded traffic.

    .venv/bin/python tools/make_matrix_vectors.py

writes
- maps/mx1.json: the built-in map set (mxcoap.maps.builtin()) as a map set file;
- tests/vectors/matrix/har-exchanges.json: the exchanges of tests/vectors/synapse/scenario.har
  whose bodies are at most MAX_BODY bytes, in order, each with the HTTP request and response as
  the portable test builds them and the exact compact CoAP bytes (token empty, mid 0) that one
  pair of fresh sessions produces for them. tests/common/test_matrix_vectors.py checks, on
  CPython and MicroPython, that both interpreters produce the same bytes and decode them back.

load_har() is also what tests/host/test_matrix_har.py reads the HAR with.
"""

import base64
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common"))

from mxcoap import maps  # noqa: E402
from mxcoap.matrix import (  # noqa: E402
    HttpRequest,
    HttpResponse,
    Session,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)

HAR = ROOT / "tests" / "vectors" / "synapse" / "scenario.har"
OUT = ROOT / "tests" / "vectors" / "matrix" / "har-exchanges.json"
MAPS_OUT = ROOT / "maps" / "mx1.json"
MAX_BODY = 2048
CARRIED = ("content-type", "authorization", "retry-after", "location", "content-disposition")


def _body(obj, key):
    if not obj or obj.get(key) is None:
        return b""
    enc = obj.get("encoding") or obj.get("_encoding")
    return base64.b64decode(obj[key]) if enc == "base64" else obj[key].encode("utf-8")


def load_har(path=HAR):
    """[(HttpRequest, HttpResponse)] for every entry of a HAR 1.2 file, raw path and query."""
    with open(path) as f:
        entries = json.load(f)["log"]["entries"]
    out = []
    for e in entries:
        r = e["request"]
        target = "/" + r["url"].split("/", 3)[3]
        path_part, sep, query = target.partition("?")
        req = HttpRequest(r["method"], path_part, query if sep else None,
                          [(h["name"], h["value"]) for h in r["headers"]],
                          _body(r.get("postData"), "text"))
        s = e["response"]
        resp = HttpResponse(s["status"], [(h["name"], h["value"]) for h in s["headers"]],
                            _body(s["content"], "text"))
        out.append((req, resp))
    return out


def _carried(headers):
    return [[k, v] for k, v in headers if k.lower() in CARRIED]


def make_vectors(exchanges):
    edge, host = Session(maps.builtin()), Session(maps.builtin())
    out = []
    for req, resp in exchanges:
        if len(req.body) > MAX_BODY or len(resp.body) > MAX_BODY:
            continue
        msg, ex = encode_request(req, edge)
        back = decode_request(msg, host)
        rmsg = encode_response(resp, host, back.route)
        rback = decode_response(rmsg, edge, ex)
        out.append({
            "request": {"method": req.method, "path": req.path, "query": req.query,
                        "headers": _carried(req.headers), "body": req.body.hex()},
            "compact_request": msg.encode().hex(),
            "decoded_request_body": back.body.hex(),
            "response": {"status": resp.status, "headers": _carried(resp.headers),
                         "body": resp.body.hex()},
            "compact_response": rmsg.encode().hex(),
            "decoded_response_body": rback.body.hex(),
        })
    return out


def format_map_set(obj):
    """JSON with one route, or one line of table entries, per line (diff-friendly)."""
    names = ["name", "routes", "keys", "values", "query", "servers", "dictionary"]
    return format_items([(name, obj[name]) for name in names])


def format_items(items):
    """The map set file's text from (name, value) pairs in file order: one route, or eight
    table entries, a line (tools/train_maps.py writes its files with it too)."""
    lines = ["{"]
    for i in range(len(items)):
        name, value = items[i]
        end = "," if i < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(json.dumps(name) + ": [")
            step = 1 if name == "routes" else 8
            for j in range(0, len(value), step):
                chunk = ", ".join(json.dumps(v, ensure_ascii=False) for v in value[j : j + step])
                lines.append("  " + chunk + ("," if j + step < len(value) else ""))
            lines.append("]" + end)
        else:
            lines.append(json.dumps(name) + ": " + json.dumps(value) + end)
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    MAPS_OUT.parent.mkdir(parents=True, exist_ok=True)
    ms = maps.builtin()
    MAPS_OUT.write_text(format_map_set(json.loads(ms.to_json())))
    vectors = make_vectors(load_har())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"source": "tests/vectors/synapse/scenario.har via tools/make_matrix_vectors.py",
           "map_set_id": ms.id.hex(), "exchanges": vectors}
    OUT.write_text(json.dumps(doc, indent=0) + "\n")
    print("wrote " + str(MAPS_OUT) + " (id " + ms.id.hex() + ") and " + str(len(vectors))
          + " exchanges to " + str(OUT))


if __name__ == "__main__":
    main()
