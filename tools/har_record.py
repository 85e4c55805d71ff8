"""HTTP/1.1 exchanges recorded byte for byte, written as HAR 1.2 and as per-body sample files.

A hand-written HTTP/1.1 client on plain sockets: the request head is built and sent as is, the
response status line and header lines are kept as received (order and case), bodies are read by
Content-Length or de-chunked. Field by field description: docs/capture.md.
"""

import base64
import json
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

SOCKET_TIMEOUT = 90.0
MAX_HEAD = 64 * 1024
TEXT_TYPES = ("application/json", "text/")


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server has closed it."""

    def __init__(self, host, port, conn_id):
        self.host, self.port, self.conn_id = host, port, conn_id
        self.sock = self.rfile = None

    def close(self):
        if self.sock is not None:
            self.rfile.close()
            self.sock.close()
            self.sock = self.rfile = None

    def roundtrip(self, head, body):
        """Send head+body, read one response; returns (status line, headers, body, timings)."""
        connect_ms = -1.0
        if self.sock is None:
            t0 = time.perf_counter()
            self.sock = socket.create_connection((self.host, self.port), SOCKET_TIMEOUT)
            self.rfile = self.sock.makefile("rb")
            connect_ms = (time.perf_counter() - t0) * 1000
        t_send = time.perf_counter()
        self.sock.sendall(head + body)
        t_sent = time.perf_counter()
        status_line = self.rfile.readline(MAX_HEAD)
        t_first = time.perf_counter()
        if not status_line:
            raise ConnectionError("server closed the connection")
        headers, size = [], len(status_line)
        while True:
            line = self.rfile.readline(MAX_HEAD)
            size += len(line)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name, value.strip()))
        status = int(status_line.split()[1])
        body, wire = self._read_body(headers, status)
        t_end = time.perf_counter()
        if header(headers, "connection").lower() == "close":
            self.close()
        timings = {"blocked": -1, "dns": -1, "connect": round(connect_ms, 3),
                   "send": round((t_sent - t_send) * 1000, 3),
                   "wait": round((t_first - t_sent) * 1000, 3),
                   "receive": round((t_end - t_first) * 1000, 3), "ssl": -1}
        return status_line.decode("latin-1").rstrip("\r\n"), headers, size, body, wire, timings

    def _read_body(self, headers, status):
        """The body (de-chunked) and its size on the wire."""
        if status in (204, 304) or 100 <= status < 200:
            return b"", 0
        length = header(headers, "content-length")
        if length:
            data = self.rfile.read(int(length))
            return data, len(data)
        if "chunked" in header(headers, "transfer-encoding").lower():
            parts, wire = [], 0
            while True:
                line = self.rfile.readline(MAX_HEAD)
                wire += len(line)
                n = int(line.split(b";")[0], 16)
                chunk = self.rfile.read(n + 2)
                wire += len(chunk)
                if n == 0:
                    # Trailer section ends with an empty line; "0\r\n" was followed by it.
                    break
                parts.append(chunk[:-2])
            return b"".join(parts), wire
        data = self.rfile.read()
        self.close()
        return data, len(data)


def header(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return ""


class Recorder:
    """Sends requests on named connections and keeps a HAR entry for each exchange."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = parts.netloc
        self._records = []
        self._started = 0
        self._lock = threading.Lock()
        self._conns = {}

    @property
    def entries(self):
        """The HAR entries in the order their requests started."""
        with self._lock:
            return [entry for _, entry in sorted(self._records, key=lambda r: r[0])]

    def connection(self, conn_id):
        if conn_id not in self._conns:
            self._conns[conn_id] = Connection(self.host, self.port, conn_id)
        return self._conns[conn_id]

    def close(self):
        for conn in self._conns.values():
            conn.close()

    def exchange(self, conn_id, label, user, method, target, headers, body=b"", binary=False):
        """One recorded request/response; headers is the ordered list after Host."""
        conn = self.connection(conn_id)
        head_lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}"]
        head_lines += [f"{k}: {v}" for k, v in headers]
        head = ("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1")
        with self._lock:
            seq, self._started = self._started, self._started + 1
        started = datetime.now(UTC)
        try:
            result = conn.roundtrip(head, body)
        except ConnectionError:
            # A kept-alive connection the server had closed: one fresh attempt, as clients do.
            conn.close()
            started = datetime.now(UTC)
            result = conn.roundtrip(head, body)
        status_line, resp_headers, resp_head_size, resp_body, wire, timings = result
        entry = _har_entry(self.base_url + target, method, [("Host", self.host_header)] + headers,
                           len(head), body, binary, status_line, resp_headers, resp_head_size,
                           resp_body, wire, timings)
        entry["startedDateTime"] = started.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z")
        entry["connection"] = conn_id
        entry["serverIPAddress"] = self.host
        entry["_name"] = label
        entry["_user"] = user
        with self._lock:
            self._records.append((seq, entry))
        return int(status_line.split()[1]), resp_headers, resp_body


def _har_entry(url, method, req_headers, req_head_size, body, binary, status_line,
               resp_headers, resp_head_size, resp_body, wire, timings):
    query = urlsplit(url).query
    request = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in req_headers],
        "queryString": [{"name": unquote(k), "value": unquote(v)}
                        for k, _, v in (p.partition("=") for p in query.split("&") if p)],
        "headersSize": req_head_size, "bodySize": len(body),
    }
    if body or method in ("POST", "PUT"):
        post = {"mimeType": header(req_headers, "content-type")}
        if binary:
            # HAR 1.2 postData has no "encoding"; "_encoding" marks base64 (custom field).
            post["text"] = base64.b64encode(body).decode("ascii")
            post["_encoding"] = "base64"
        else:
            post["text"] = body.decode("utf-8")
        request["postData"] = post
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    mime = header(resp_headers, "content-type")
    content = {"size": len(resp_body), "mimeType": mime}
    try:
        if not mime.startswith(TEXT_TYPES):
            raise UnicodeError
        content["text"] = resp_body.decode("utf-8")
    except UnicodeError:
        content["text"] = base64.b64encode(resp_body).decode("ascii")
        content["encoding"] = "base64"
    response = {
        "status": int(code), "statusText": reason, "httpVersion": version, "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in resp_headers],
        "content": content, "redirectURL": header(resp_headers, "location"),
        "headersSize": resp_head_size, "bodySize": wire,
    }
    total = sum(v for v in timings.values() if v > 0)
    return {"time": round(total, 3), "request": request, "response": response, "cache": {},
            "timings": timings}


def build_har(entries, comment=""):
    return {"log": {
        "version": "1.2",
        "creator": {"name": "mxcoap tools/capture.py", "version": "1.0"},
        "pages": [],
        "entries": entries,
        "comment": comment,
    }}


def write_samples(har, directory):
    """One file per JSON body, bytes as on the wire: NN-req-<name>.json, NN-resp-<name>.json."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.json"):
        old.unlink()
    entries = har["log"]["entries"]
    width = max(2, len(str(len(entries))))
    index, count = [], 0
    for n, entry in enumerate(entries, 1):
        prefix = f"{n:0{width}d}"
        req, resp = entry["request"], entry["response"]
        item = {"n": n, "name": entry["_name"], "user": entry["_user"], "method": req["method"],
                "path": urlsplit(req["url"]).path, "status": resp["status"]}
        post = req.get("postData")
        if post and post["mimeType"].startswith("application/json") and post["text"]:
            fname = f"{prefix}-req-{entry['_name']}.json"
            (directory / fname).write_bytes(post["text"].encode("utf-8"))
            item["request"], count = fname, count + 1
        content = resp["content"]
        if content["mimeType"].startswith("application/json") and "encoding" not in content:
            fname = f"{prefix}-resp-{entry['_name']}.json"
            (directory / fname).write_bytes(content["text"].encode("utf-8"))
            item["response"], count = fname, count + 1
        index.append(item)
    (directory / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return count
