"""Bytes an exchange costs as HTTPS+JSON: HTTP/1.1 in TLS 1.3 over TCP/IPv4, on a 1500-byte MTU
path, from the figures tools/measure_https.py measured on loopback (https_measured.json).

HTTP: the request and response exactly as the HAR recorded them (request line and header lines
as listed, then the body; status line, header lines, body). What a client or server must send
and the HAR lacks is added and noted: Host, Content-Length (or the chunked framing when
Transfer-Encoding says chunked and the HAR has no wire size).

TLS (RFC 8446 §5.2): each HTTP message is written at once and split into records of at most
16384 plaintext bytes, each costing 5 (header) + 1 (inner content type) + 16 (AEAD tag) bytes,
as measured.

TCP/IPv4: data segments carry at most `segment_payload` bytes (MSS 1460 less the 12 bytes of
timestamp option seen on every segment); every segment and every pure ACK costs the measured
IPv4 + TCP header (20 + 32). ACKs (RFC 5681 §4.2, Linux): the receiver of n segments ACKs every
second one at once (n // 2 ACKs); a last odd segment waits for the delayed-ACK timer (40 ms) and
rides on data if the receiver answers sooner: the server's response carries it unless the HAR's
server time (timings.wait) exceeds 40 ms; nothing carries the client's last one.

warm = the exchange on a connection already open. cold = warm + a new connection for it: the
TCP handshake, the full TLS 1.3 handshake (ServerHello ... Finished, and the server's two
NewSessionTickets) and the close (close_notify both ways, FIN/ACK), each as measured packet by
packet, data re-segmented for MSS 1460 with the ACK rule above. Session resumption is not
modelled (every cold exchange pays the certificate chain).
"""

import json
import zlib
from http import HTTPStatus
from pathlib import Path

from mxcoap_host.bench.har import header

DEFAULT_FILE = Path(__file__).resolve().parent / "https_measured.json"


def _ceil_div(a, b):
    return -(-a // b)


class HttpsModel:
    """The measured constants of one certificate profile and the cost functions over them."""

    def __init__(self, data, profile=None):
        self.data = data
        self.profile = profile or data["default_profile"]
        p = data["profiles"][self.profile]
        m = data["model"]
        self.segment_payload = m["segment_payload"]
        self.header = p["tcp"]["ip_header"] + p["tcp"]["tcp_header_data"]
        self.record_overhead = m["tls_record_overhead"]
        self.record_max = m["tls_record_max_plaintext"]
        self.delayed_ack_ms = m["delayed_ack_ms"]
        phases = p["loopback_phases"]
        self.tcp_open = self.phase_bytes(phases["tcp"])
        self.tls_handshake = self.phase_bytes(phases["tls"])
        self.close = self.phase_bytes(phases["close"])
        self.connection = self.tcp_open + self.tls_handshake + self.close

    @classmethod
    def load(cls, path=None, profile=None):
        with open(path or DEFAULT_FILE) as f:
            return cls(json.load(f), profile)

    def phase_bytes(self, packets):
        """Bytes of a measured packet sequence on a 1500-byte MTU path: payloads re-segmented,
        each segment with its measured headers, ACKs added by the rule for a flight that became
        several segments (ceil(n/2) ACKs where loopback showed one, n // 2 where none)."""
        total = 0
        for i, pkt in enumerate(packets):
            h = pkt["ip_header"] + pkt["tcp_header"]
            if not pkt["payload"]:
                total += h
                continue
            n = _ceil_div(pkt["payload"], self.segment_payload)
            total += pkt["payload"] + n * h
            acked = False
            for nxt in packets[i + 1:]:
                if nxt["dir"] != pkt["dir"]:
                    acked = nxt["payload"] == 0 and nxt["flags"] == "ACK"
                    break
            extra = _ceil_div(n, 2) - 1 if acked else n // 2
            total += extra * self.header
        return total

    def tls_bytes(self, plaintext):
        """Bytes of TLS records carrying `plaintext` bytes written at once."""
        if plaintext <= 0:
            return 0
        return plaintext + _ceil_div(plaintext, self.record_max) * self.record_overhead

    def segments(self, nbytes):
        return _ceil_div(nbytes, self.segment_payload) if nbytes > 0 else 0

    def exchange(self, request_bytes, response_bytes, wait_ms=None):
        """{"c2s", "s2c", "warm", "cold", "segments", "acks"} for one HTTP exchange."""
        q_tls = self.tls_bytes(request_bytes)
        r_tls = self.tls_bytes(response_bytes)
        nq = self.segments(q_tls)
        nr = self.segments(r_tls)
        late = wait_ms is not None and wait_ms > self.delayed_ack_ms
        server_acks = nq // 2 + (nq % 2 if late else 0)
        client_acks = nr // 2 + nr % 2
        c2s = q_tls + nq * self.header + client_acks * self.header
        s2c = r_tls + nr * self.header + server_acks * self.header
        return {"c2s": c2s, "s2c": s2c, "warm": c2s + s2c,
                "cold": c2s + s2c + self.connection, "segments": nq + nr,
                "acks": server_acks + client_acks}


def _line(name, value):
    return (name + ": " + value + "\r\n").encode("utf-8")


def request_bytes(ex):
    """(HTTP/1.1 request bytes, notes) for a har.Exchange."""
    notes = []
    headers = list(ex.req_headers)
    if header(headers, "host") is None:
        headers.insert(0, ("Host", ex.netloc))
        notes.append("added Host")
    body = ex.req_body
    if (body or ex.method in ("POST", "PUT", "PATCH")) and header(headers, "content-length") \
            is None and header(headers, "transfer-encoding") is None:
        headers.append(("Content-Length", str(len(body))))
        notes.append("added Content-Length")
    head = (ex.method + " " + ex.target + " HTTP/1.1\r\n").encode("utf-8")
    head += b"".join(_line(k, v) for k, v in headers) + b"\r\n"
    if ex.req_head_size >= 0 and not notes and ex.req_head_size != len(head):
        notes.append("HAR headersSize " + str(ex.req_head_size) + " != " + str(len(head)))
    return head + body, notes


def response_bytes(ex):
    """(length of the HTTP/1.1 response on the wire, notes) for a har.Exchange."""
    notes = []
    headers = list(ex.resp_headers)
    reason = ex.status_text
    if not reason:
        try:
            reason = HTTPStatus(ex.status).phrase
        except ValueError:
            reason = ""
        notes.append("reason phrase from RFC 9110")
    body = len(ex.resp_body)
    no_body = ex.status in (204, 304) or 100 <= ex.status < 200
    te = (header(headers, "transfer-encoding") or "").lower()
    ce = (header(headers, "content-encoding") or "identity").lower()
    if "chunked" in te:
        if ex.resp_body_size >= body:
            body = ex.resp_body_size  # the wire size with chunk framing, as recorded
        else:
            body = len(format(body, "x")) + 2 + body + 2 + 5  # one chunk, then "0\r\n\r\n"
            notes.append("chunk framing computed (one chunk)")
    elif ce != "identity" and 0 < ex.resp_body_size < body:
        body = ex.resp_body_size
        notes.append("body as transferred (" + ce + ")")
    elif ce in ("gzip", "x-gzip", "deflate") and body:
        # A browser's HAR holds the decoded body and often no transferred size: compress it
        # again as a server would (zlib level 6, the usual default).
        body = len(_compress(ex.resp_body, ce))
        notes.append("body " + ce + "-compressed here (level 6)")
    elif ce != "identity" and body:
        notes.append("body counted decoded (" + ce + " size unknown)")
    if not no_body and header(headers, "content-length") is None and "chunked" not in te:
        headers.append(("Content-Length", str(body)))
        notes.append("added Content-Length")
    head = ("HTTP/1.1 " + str(ex.status) + " " + reason + "\r\n").encode("utf-8")
    head += b"".join(_line(k, v) for k, v in headers) + b"\r\n"
    if ex.resp_head_size >= 0 and not notes and ex.resp_head_size != len(head):
        notes.append("HAR response headersSize " + str(ex.resp_head_size) + " != "
                     + str(len(head)))
    return len(head) + body, notes


def _compress(data, encoding):
    if encoding == "deflate":
        return zlib.compress(data, 6)  # RFC 9110 §8.4.1.2: the zlib format
    c = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip (RFC 1952)
    return c.compress(data) + c.flush()


def cost(ex, model):
    """The HTTPS cost of one har.Exchange: the model's dict plus "request", "response" (HTTP
    bytes) and "notes"."""
    req, qnotes = request_bytes(ex)
    resp, rnotes = response_bytes(ex)
    out = model.exchange(len(req), resp, ex.wait_ms)
    out["request"] = len(req)
    out["response"] = resp
    out["notes"] = qnotes + rnotes
    return out
