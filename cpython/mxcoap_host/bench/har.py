"""Read HAR 1.2 files (http://www.softwareishard.com/blog/har-12-spec/) as browsers and
tools/capture.py write them: one Exchange per entry, bodies as bytes.

Read: request method, url, httpVersion, headers, postData.text (base64 when postData has
"encoding" or the capture tool's "_encoding": "base64"), headersSize/bodySize when known
(-1 = unknown); response status, statusText, headers, content.text ("encoding": "base64"),
bodySize; timings.wait (server time, ms); the capture tool's "_name" and "_user".
HTTP/2 pseudo-headers (":method", ":path", ...) that Chrome exports are not HTTP/1.1 header
lines and are left out.
"""

import base64
import binascii
import json
from urllib.parse import urlsplit

MAX_HAR_BYTES = 512 * 1024 * 1024  # refuse larger files before reading them


class HarError(Exception):
    """The file is not HAR 1.2 as this reader understands it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Exchange:
    """One HAR entry: the HTTP/1.1 request and response as recorded."""

    def __init__(self, index, name, user, method, url, req_headers, req_body, status,
                 status_text, resp_headers, resp_body, wait_ms=None, req_head_size=-1,
                 req_body_size=-1, resp_head_size=-1, resp_body_size=-1):
        self.index = index
        self.name = name
        self.user = user
        self.method = method
        self.url = url
        parts = urlsplit(url)
        self.netloc = parts.netloc
        self.scheme = parts.scheme
        self.path = parts.path or "/"
        self.query = parts.query if "?" in url else None
        self.req_headers = req_headers  # [(name, value)] in order
        self.req_body = req_body
        self.status = status
        self.status_text = status_text
        self.resp_headers = resp_headers
        self.resp_body = resp_body
        self.wait_ms = wait_ms
        self.req_head_size = req_head_size
        self.req_body_size = req_body_size
        self.resp_head_size = resp_head_size
        self.resp_body_size = resp_body_size

    @property
    def target(self):
        """The request target as sent (origin form: path and query)."""
        return self.path + ("?" + self.query if self.query is not None else "")

    def __repr__(self):
        return "<Exchange " + str(self.index) + " " + self.method + " " + self.target + ">"


def _text_bytes(text, encoding, where):
    if text is None:
        return b""
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as e:
            raise HarError(where + ": bad base64: " + str(e))
    if encoding:
        raise HarError(where + ": unknown encoding " + repr(encoding))
    return text.encode("utf-8")


def _headers(items, where):
    out = []
    for h in items or ():
        try:
            name, value = h["name"], h["value"]
        except (KeyError, TypeError):
            raise HarError(where + ": a header without name/value")
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-header
        out.append((name, value))
    return out


def _int(value, default=-1):
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def parse(har):
    """[Exchange] from a HAR object (the decoded JSON)."""
    try:
        entries = har["log"]["entries"]
    except (KeyError, TypeError):
        raise HarError("not a HAR file: no log.entries")
    out = []
    for i, e in enumerate(entries):
        where = "entry " + str(i + 1)
        try:
            req, resp = e["request"], e["response"]
            method, url, status = req["method"], req["url"], resp["status"]
        except (KeyError, TypeError):
            raise HarError(where + ": request.method/url or response.status missing")
        post = req.get("postData") or {}
        body = _text_bytes(post.get("text"), post.get("encoding") or post.get("_encoding"),
                           where + " postData")
        content = resp.get("content") or {}
        rbody = _text_bytes(content.get("text"), content.get("encoding"), where + " content")
        path = urlsplit(url).path
        name = e.get("_name") or (method + " " + path)
        wait = (e.get("timings") or {}).get("wait")
        out.append(Exchange(
            i + 1, name, e.get("_user"), method, url, _headers(req.get("headers"), where),
            body, status, resp.get("statusText") or "", _headers(resp.get("headers"), where),
            rbody, wait if isinstance(wait, (int, float)) and wait >= 0 else None,
            _int(req.get("headersSize")), _int(req.get("bodySize")),
            _int(resp.get("headersSize")), _int(resp.get("bodySize"))))
    return out


def load(path):
    """[Exchange] from a HAR file."""
    with open(path, "rb") as f:
        data = f.read(MAX_HAR_BYTES + 1)
    if len(data) > MAX_HAR_BYTES:
        raise HarError(str(path) + ": larger than " + str(MAX_HAR_BYTES) + " bytes")
    try:
        har = json.loads(data.decode("utf-8-sig"))
    except (UnicodeError, ValueError) as e:
        raise HarError(str(path) + ": not JSON: " + str(e))
    return parse(har)


def header(headers, name):
    """The first value of header `name` (case-insensitive), or None."""
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None
