"""The benchmark's HAR 1.2 reader, on the real Synapse capture and on a minimal HAR as a browser
(Chrome, HTTP/2) exports it."""

import base64
import json
import os

import pytest
from mxcoap_host.bench import har

HAR = os.path.join(os.path.dirname(__file__), "..", "vectors", "synapse", "scenario.har")

# What Chrome's "Save all as HAR" writes for an HTTP/2 site: pseudo-headers among the request
# headers, lower-case names, sizes it does not know as -1, a base64 response body.
def _browser_get(url, started, wait_ms):
    """A GET answered 200 {} as Chrome exports it over HTTP/2."""
    return {
        "cache": {},
        "request": {"method": "GET", "url": url, "httpVersion": "http/2.0", "headers": [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                     "headers": [], "cookies": [],
                     "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "startedDateTime": started,
        "time": wait_ms, "timings": {"send": 0, "wait": wait_ms, "receive": 0},
    }


BROWSER_HAR = {
    "log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"startedDateTime": "2026-11-25T10:00:00.000Z", "id": "page_1",
                   "title": "https://app.element.io/", "pageTimings": {}}],
        "entries": [
            {
                "_initiator": {"type": "script"},
                "_priority": "High",
                "_resourceType": "fetch",
                "cache": {},
                "connection": "443",
                "pageref": "page_1",
                "request": {
                    "method": "PUT",
                    "url": "https://matrix.example.org/_matrix/client/v3/rooms/"
                           "!abc:example.org/send/m.room.message/m1.1",
                    "httpVersion": "http/2.0",
                    "headers": [
                        {"name": ":authority", "value": "matrix.example.org"},
                        {"name": ":method", "value": "PUT"},
                        {"name": ":path", "value": "/_matrix/client/v3/rooms/!abc:example.org"
                                                   "/send/m.room.message/m1.1"},
                        {"name": ":scheme", "value": "https"},
                        {"name": "authorization", "value": "Bearer syt_YWxpY2U_token_1234"},
                        {"name": "content-type", "value": "application/json"},
                        {"name": "accept", "value": "*/*"},
                    ],
                    "queryString": [],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": 37,
                    "postData": {"mimeType": "application/json",
                                 "text": "{\"msgtype\":\"m.text\",\"body\":\"Hello world\"}"},
                },
                "response": {
                    "status": 200,
                    "statusText": "",
                    "httpVersion": "http/2.0",
                    "headers": [
                        {"name": "content-type", "value": "application/json"},
                        {"name": "server", "value": "nginx"},
                    ],
                    "cookies": [],
                    "content": {"size": 59, "mimeType": "application/json",
                                "text": base64.b64encode(
                                    b'{"event_id":"$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"}'
                                ).decode(), "encoding": "base64"},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                    "_transferSize": 120,
                },
                "serverIPAddress": "192.0.2.7",
                "startedDateTime": "2026-11-25T10:00:01.000Z",
                "time": 80.5,
                "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
                            "wait": 75.2, "receive": 1.2, "_blocked_queueing": 0.5},
            },
            _browser_get("https://matrix.example.org/_matrix/client/v3/sync?timeout=30000"
                         "&since=s1", "2026-11-25T10:00:02.000Z", 1500),
            # the web client's own files: not Matrix traffic, left out by the benchmark
            _browser_get("https://app.element.io/config.json", "2026-11-25T10:00:03.000Z", 10),
            {   # a request the browser blocked: no response at all (status 0)
                "cache": {},
                "request": {"method": "GET", "url": "https://matrix.example.org/_matrix/client/"
                                                    "versions",
                            "httpVersion": "", "headers": [], "queryString": [],
                            "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [],
                             "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1,
                             "_error": "net::ERR_BLOCKED_BY_CLIENT"},
                "startedDateTime": "2026-11-25T10:00:04.000Z",
                "time": 0, "timings": {"send": 0, "wait": -1, "receive": 0},
            },
        ],
    }
}


def browser_har_file(tmp_path):
    path = tmp_path / "browser.har"
    path.write_text(json.dumps(BROWSER_HAR))
    return str(path)


def test_browser_har(tmp_path):
    xs = har.load(browser_har_file(tmp_path))
    assert len(xs) == 4
    put, sync, config, blocked = xs
    assert put.method == "PUT"
    assert put.path == "/_matrix/client/v3/rooms/!abc:example.org/send/m.room.message/m1.1"
    assert put.query is None
    assert put.netloc == "matrix.example.org"
    names = [k for k, _ in put.req_headers]
    assert names == ["authorization", "content-type", "accept"]  # pseudo-headers left out
    assert put.req_body == b'{"msgtype":"m.text","body":"Hello world"}'
    assert put.status == 200 and put.status_text == ""
    assert put.resp_body.startswith(b'{"event_id":"$0123')  # base64 content decoded
    assert put.wait_ms == 75.2
    assert put.name == "PUT /_matrix/client/v3/rooms/!abc:example.org/send/m.room.message/m1.1"
    assert put.user is None
    assert put.req_head_size == -1 and put.resp_body_size == -1
    assert sync.query == "timeout=30000&since=s1"
    assert sync.target == "/_matrix/client/v3/sync?timeout=30000&since=s1"
    assert sync.req_body == b"" and sync.resp_body == b"{}"
    assert config.path == "/config.json" and config.netloc == "app.element.io"
    assert blocked.status == 0 and blocked.wait_ms is None and blocked.resp_body == b""


def test_real_capture():
    xs = har.load(HAR)
    assert len(xs) >= 60
    first = xs[0]
    assert (first.method, first.path, first.name) == ("GET", "/_matrix/client/versions",
                                                      "versions")
    assert first.req_headers[0][0] == "Host"
    assert json.loads(first.resp_body)["versions"]
    by_name = {x.name: x for x in xs}
    upload = by_name["media-upload"]
    assert upload.req_body.startswith(b"\x89PNG\r\n\x1a\n")  # postData "_encoding": "base64"
    assert len(upload.req_body) == upload.req_body_size
    download = by_name["media-download"]
    assert download.resp_body.startswith(b"\x89PNG")  # content "encoding": "base64"
    assert {x.user for x in xs} == {"alice", "bob"}
    assert by_name["sync-longpoll-bob"].wait_ms > 500
    for x in xs:
        assert x.req_head_size > 0 and x.resp_head_size > 0
        if x.method in ("POST", "PUT"):
            assert len(x.req_body) == x.req_body_size


def test_bad_har(tmp_path):
    p = tmp_path / "x.har"
    p.write_text('{"log": {}}')
    with pytest.raises(har.HarError):
        har.load(str(p))
    p.write_text("not json")
    with pytest.raises(har.HarError):
        har.load(str(p))
    bad = json.loads(json.dumps(BROWSER_HAR))
    bad["log"]["entries"][0]["response"]["content"]["text"] = "@@@"
    with pytest.raises(har.HarError):
        har.parse(bad)
