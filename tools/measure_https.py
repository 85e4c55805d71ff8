"""Measure what HTTPS+JSON costs on the wire: a real TLS 1.3 handshake and real records on loopback.

Writes cpython/mxcoap_host/bench/https_measured.json, which the bandwidth benchmark
(`coap-proxy-bench`) reads, so the benchmark itself needs neither tcpdump nor root.

What runs: a TLS 1.3 server (Python ssl) with a Let's Encrypt style chain made here with
`cryptography` (root -> intermediate -> leaf; the server sends leaf + intermediate, as certbot's
fullchain.pem does), for two leaf profiles: "ecdsa" (leaf ECDSA P-256, intermediate P-384 "E6",
root P-384 "ISRG Root X2" style; certbot's default since 2.0) and "rsa" (leaf RSA-2048,
intermediate RSA-2048 "R11", root RSA-4096 "ISRG Root X1" style). The leaf carries what a Let's
Encrypt leaf carries: SAN, key usage, EKU, basic constraints, SKI/AKI, AIA (CA issuers), CRL
distribution point, certificate policy and two embedded SCTs of realistic size. The client is
Python ssl (OpenSSL defaults, SNI, ALPN h2/http/1.1 as a browser offers). tcpdump captures the
test's own port on `lo`; the TCP payload is reassembled per direction and split into TLS records.

Phases of one connection, separated by pauses (so delayed ACKs fire and phases do not overlap):
TCP connect; TLS handshake (with the server's NewSessionTickets); HTTP-sized exchanges on the
warm connection; close (close_notify both ways, FIN/ACK).

Loopback has MTU 65536 and segmentation offload, so its segments are far larger than on a normal
path. The file therefore keeps the observed packets for reference and gives the model the
benchmark uses for a 1500-byte MTU path: MSS 1460, payload per segment 1460 - TCP options seen on
data segments (timestamps: 12 B) = 1448 B; every segment carries the IPv4 and TCP header sizes
measured here; ACKs as RFC 5681 §4.2 / RFC 1122 §4.2.3.2 (every second full-sized segment, a
delayed ACK otherwise; Linux's minimum delayed-ACK time is 40 ms).

Usage (root, for tcpdump): .venv/bin/python tools/measure_https.py [--out FILE]
"""

import datetime
import json
import os
import platform
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "cpython" / "mxcoap_host" / "bench" / "https_measured.json"
HOSTNAME = "matrix.example.org"
PAUSE = 0.3  # seconds between phases: longer than Linux's 40 ms delayed-ACK timer
# (request plaintext bytes, response plaintext bytes) sent on the warm connection.
WARM_SIZES = [(300, 100), (2000, 60), (300, 5000), (300, 20000), (300, 70000)]
MSS = 1460  # IPv4 over a 1500-byte MTU: 1500 - 20 (IPv4) - 20 (TCP)


# ---------------------------------------------------------------------------- certificates

def _name(cn, org=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "US")] if org else []
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _sct_list():
    """Two SCTs as a CT log embeds them (RFC 6962 §3.3): each is version, 32-byte log id,
    timestamp, no extensions, and an ECDSA P-256 signature (~71 B DER)."""
    scts = b""
    for i in range(2):
        sig = b"\x30\x45\x02\x20" + bytes([0x40 + i] * 32) + b"\x02\x21\x00" + bytes([0x50] * 32)
        body = (b"\x00" + bytes([0xA0 + i] * 32) + struct.pack(">Q", 1764000000000 + i)
                + b"\x00\x00" + b"\x04\x03" + struct.pack(">H", len(sig)) + sig)
        scts += struct.pack(">H", len(body)) + body
    return struct.pack(">H", len(scts)) + scts


def _issued(builder, key, issuer_key, issuer_tag, crl_file):
    """The extensions every Let's Encrypt issued certificate has: SKI, AKI, AIA (CA issuers),
    the domain-validated policy, a CRL distribution point."""
    return (builder
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://" + issuer_tag + ".i.lencr.org/"))]),
                critical=False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://" + issuer_tag + ".c.lencr.org/"
                                                + crl_file)], None, None, None)]),
                critical=False))


def _der_octet_string(data):
    n = len(data)
    if n < 128:
        return b"\x04" + bytes([n]) + data
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(size)]) + size + data


def make_chain(profile):
    """(leaf key, [leaf, intermediate], root) for profile "ecdsa" or "rsa"."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    if profile == "ecdsa":
        root_key = ec.generate_private_key(ec.SECP384R1())
        inter_key = ec.generate_private_key(ec.SECP384R1())
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        root_cn, inter_cn, sig_hash = "ISRG Root X2", "E6", hashes.SHA384()
    else:
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
        inter_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_cn, inter_cn, sig_hash = "ISRG Root X1", "R11", hashes.SHA256()
    org = "Internet Security Research Group"
    root_name = _name(root_cn, org)
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=3650))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, sig_hash))
    inter_name = _name(inter_cn, "Let's Encrypt")
    inter = (x509.CertificateBuilder().subject_name(inter_name).issuer_name(root_name)
             .public_key(inter_key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=400))
             .not_valid_after(now + datetime.timedelta(days=700))
             .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
             .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                          False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                   ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
             )
    root_tag = "x2" if profile == "ecdsa" else "x1"
    inter = _issued(inter, inter_key, root_key, root_tag, "").sign(root_key, sig_hash)
    leaf = (x509.CertificateBuilder().subject_name(_name(HOSTNAME)).issuer_name(inter_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=89))
            .add_extension(x509.KeyUsage(True, profile == "rsa", False, False, False, False,
                                         False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME)]),
                           critical=False)
            .add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"),
                _der_octet_string(_sct_list())),
                critical=False))
    leaf = _issued(leaf, leaf_key, inter_key, inter_cn.lower(), "42.crl").sign(
        inter_key, hashes.SHA256())
    return leaf_key, [leaf, inter], root


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------------------- pcap

def parse_pcap(data):
    """[(time, src_port, dst_port, flags, ip_header, tcp_header, payload bytes)] of TCP/IPv4."""
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        magic = struct.unpack(">I", data[:4])[0]
    nano = magic == 0xA1B23C4D
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    skip = {0: 4, 1: 14, 113: 16, 276: 20, 12: 0, 101: 0}.get(linktype)
    if skip is None:
        raise SystemExit("unknown pcap link type " + str(linktype))
    out = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        ip = pkt[skip:]
        if not ip or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport = struct.unpack(">HH", tcp[:4])
        seq = struct.unpack(">I", tcp[4:8])[0]
        thl = (tcp[12] >> 4) * 4
        flags = tcp[13]
        ts = sec + frac / (1e9 if nano else 1e6)
        out.append({"t": ts, "sport": sport, "dport": dport, "seq": seq, "flags": flags,
                    "ip_header": ihl, "tcp_header": thl, "payload": bytes(tcp[thl:])})
    return out


EXTENSION_NAMES = {0: "server_name", 5: "status_request", 10: "supported_groups",
                   11: "ec_point_formats", 13: "signature_algorithms", 16: "alpn",
                   18: "signed_certificate_timestamp", 21: "padding", 22: "encrypt_then_mac",
                   23: "extended_master_secret", 27: "compress_certificate", 35: "session_ticket",
                   41: "pre_shared_key", 43: "supported_versions", 45: "psk_key_exchange_modes",
                   51: "key_share", 65037: "encrypted_client_hello"}


def client_hello_extensions(stream):
    """[(name, bytes)] of the extensions in the ClientHello at the start of `stream`
    (RFC 8446 §4.1.2: record header 5, handshake header 4, version 2, random 32, then
    session id, cipher suites and compression methods, each length-prefixed)."""
    pos = 5 + 4 + 2 + 32
    pos += 1 + stream[pos]
    pos += 2 + struct.unpack(">H", stream[pos:pos + 2])[0]
    pos += 1 + stream[pos]
    end = pos + 2 + struct.unpack(">H", stream[pos:pos + 2])[0]
    pos += 2
    out = []
    while pos + 4 <= end:
        t, n = struct.unpack(">HH", stream[pos:pos + 4])
        out.append([EXTENSION_NAMES.get(t, str(t)), n])
        pos += 4 + n
    return out


def tls_records(stream):
    """[(content type, record length on the wire)] of a TLS byte stream."""
    out = []
    pos = 0
    while pos + 5 <= len(stream):
        ctype = stream[pos]
        n = struct.unpack(">H", stream[pos + 3:pos + 5])[0]
        out.append((ctype, 5 + n))
        pos += 5 + n
    return out


# ---------------------------------------------------------------------------- the run

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return buf


def run_connection(port, certfile, keyfile, cafile, marks):
    """One connection through every phase; appends (phase name, wall time) to marks."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sctx.load_cert_chain(certfile, keyfile)
    sctx.set_alpn_protocols(["http/1.1"])
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(1)
    errors = []
    go = [threading.Event() for _ in range(len(WARM_SIZES) + 3)]

    def server():
        try:
            raw, _ = lsock.accept()
            go[0].wait(10)
            conn = sctx.wrap_socket(raw, server_side=True)  # handshake, then tickets
            for req, resp in WARM_SIZES:
                recv_exact(conn, req)
                conn.sendall(b"r" * resp)
            go[-1].wait(10)
            while conn.recv(4096):
                pass  # until the client's close_notify
            conn.unwrap()
            conn.close()
        except Exception as e:  # reported by the main thread
            errors.append(e)

    t = threading.Thread(target=server, daemon=True)
    t.start()
    cctx = ssl.create_default_context(cafile=cafile)
    cctx.minimum_version = ssl.TLSVersion.TLSv1_3
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    raw = socket.create_connection(("127.0.0.1", port))
    time.sleep(PAUSE)
    marks.append(("tls", time.time()))
    go[0].set()
    conn = cctx.wrap_socket(raw, server_hostname=HOSTNAME)
    time.sleep(PAUSE)
    for i, (req, resp) in enumerate(WARM_SIZES):
        marks.append(("warm" + str(i), time.time()))
        conn.sendall(b"q" * req)
        recv_exact(conn, resp)
        time.sleep(PAUSE)
    version, cipher = conn.version(), conn.cipher()[0]
    marks.append(("close", time.time()))
    go[-1].set()
    raw2 = conn.unwrap()  # close_notify, then the server's close_notify
    raw2.close()
    t.join(10)
    time.sleep(PAUSE)
    lsock.close()
    if errors:
        raise errors[0]
    return version, cipher


def measure(profile, workdir):
    leaf_key, chain, root = make_chain(profile)
    keyfile = os.path.join(workdir, profile + "-key.pem")
    certfile = os.path.join(workdir, profile + "-chain.pem")
    cafile = os.path.join(workdir, profile + "-root.pem")
    with open(keyfile, "wb") as f:
        f.write(leaf_key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with open(certfile, "wb") as f:
        f.write(b"".join(_pem(c) for c in chain))
    with open(cafile, "wb") as f:
        f.write(_pem(root))
    port = free_port()
    pcap = os.path.join(workdir, profile + ".pcap")
    cmd = ["tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "0", "-w", pcap,
           "tcp and host 127.0.0.1 and port " + str(port)]
    dump = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    line = dump.stderr.readline()  # "listening on lo, ..." once the capture runs
    if "listening" not in line:
        dump.kill()
        raise SystemExit("tcpdump did not start: " + line)
    marks = [("tcp", time.time())]
    try:
        version, cipher = run_connection(port, certfile, keyfile, cafile, marks)
    finally:
        time.sleep(1.5)  # the capture buffer delivers in blocks; let the last one through
        dump.send_signal(signal.SIGINT)
        try:
            dump.wait(10)
        except subprocess.TimeoutExpired:
            dump.kill()
            dump.wait(10)
    with open(pcap, "rb") as f:
        packets = parse_pcap(f.read())
    return analyse(profile, packets, marks, port, chain, version, cipher, cmd)


def _phase(t, marks):
    name = marks[0][0]
    for n, start in marks:
        if t >= start:
            name = n
    return name


def ack_pattern(packets):
    """Pure ACKs per direction, and for each the ms since the data it acknowledges (a delayed
    ACK waits ~40 ms; loopback's quick-ACK mode answers at once)."""
    out = {"c2s_pure_acks": 0, "s2c_pure_acks": 0, "ack_delays_ms": []}
    last_data = {}
    for p in packets:
        if p["payload"]:
            last_data[p["dir"]] = p["ms"]
        elif p["flags"] == "ACK":
            out[p["dir"] + "_pure_acks"] += 1
            other = "s2c" if p["dir"] == "c2s" else "c2s"
            if other in last_data:
                out["ack_delays_ms"].append(round(p["ms"] - last_data[other], 3))
    return out


def analyse(profile, packets, marks, port, chain, version, cipher, cmd):
    phases = {}
    streams = {}
    for p in packets:
        d = "c2s" if p["dport"] == port else "s2c"
        ph = _phase(p["t"], marks)
        rec = phases.setdefault(ph, {"packets": []})
        kind = []
        for bit, name in ((2, "SYN"), (1, "FIN"), (4, "RST"), (16, "ACK")):
            if p["flags"] & bit:
                kind.append(name)
        rec["packets"].append({"dir": d, "flags": "/".join(kind), "ip_header": p["ip_header"],
                               "tcp_header": p["tcp_header"], "payload": len(p["payload"]),
                               "ms": round((p["t"] - packets[0]["t"]) * 1000, 3)})
        streams.setdefault((ph, d), []).append(p)
    tls = {}
    hello_ext = None
    for (ph, d), pkts in streams.items():
        data = b"".join(p["payload"] for p in sorted(pkts, key=lambda p: p["seq"]))
        if ph == "tls" and d == "c2s":
            hello_ext = client_hello_extensions(data)
        tls.setdefault(ph, {})[d] = {"bytes": len(data),
                                     "records": [list(r) for r in tls_records(data)]}
    syn = [p for p in packets if p["flags"] & 2]
    data_pkts = [p for p in packets if p["payload"]]
    hs = tls.get("tls", {})
    leaf_der = len(chain[0].public_bytes(serialization.Encoding.DER))
    inter_der = len(chain[1].public_bytes(serialization.Encoding.DER))
    warm = []
    for i, (req, resp) in enumerate(WARM_SIZES):
        t = tls.get("warm" + str(i), {})
        warm.append({"request_plaintext": req, "response_plaintext": resp,
                     "c2s_records": [r for r in t.get("c2s", {}).get("records", [])
                                     if r[0] == 23],
                     "s2c_records": [r for r in t.get("s2c", {}).get("records", [])
                                     if r[0] == 23],
                     "acks": ack_pattern(phases.get("warm" + str(i), {}).get("packets", [])),
                     "loopback_packets": phases.get("warm" + str(i), {}).get("packets", [])})
    return {
        "profile": profile,
        "tls_version": version,
        "cipher": cipher,
        "certificate_der_bytes": {"leaf": leaf_der, "intermediate": inter_der},
        "leaf_key": "ECDSA P-256" if profile == "ecdsa" else "RSA-2048",
        "chain": ("leaf ECDSA P-256 <- intermediate E6 (P-384) <- root ISRG Root X2 (P-384)"
                  if profile == "ecdsa" else
                  "leaf RSA-2048 <- intermediate R11 (RSA-2048) <- root ISRG Root X1 (RSA-4096)"),
        "tcp": {
            "ip_header": data_pkts[0]["ip_header"],
            "tcp_header_data": data_pkts[0]["tcp_header"],
            "tcp_header_syn": syn[0]["tcp_header"],
            "tcp_header_synack": syn[1]["tcp_header"],
        },
        "tls_handshake": {
            "c2s_bytes": hs.get("c2s", {}).get("bytes"),
            "s2c_bytes": hs.get("s2c", {}).get("bytes"),
            "c2s_records": hs.get("c2s", {}).get("records"),
            "s2c_records": hs.get("s2c", {}).get("records"),
            "client_hello_extensions": hello_ext,
        },
        "tls_close": {
            "c2s_bytes": tls.get("close", {}).get("c2s", {}).get("bytes", 0),
            "s2c_bytes": tls.get("close", {}).get("s2c", {}).get("bytes", 0),
        },
        "warm_exchanges": warm,
        "loopback_phases": {k: v["packets"] for k, v in phases.items()},
        "tcpdump_command": " ".join(cmd),
    }


def tcpdump_version():
    r = subprocess.run(["tcpdump", "--version"], capture_output=True, text=True)
    return (r.stdout + r.stderr).splitlines()[0]


def main(argv):
    out = OUT
    if "--out" in argv:
        out = Path(argv[argv.index("--out") + 1])
    if shutil.which("tcpdump") is None:
        raise SystemExit("tcpdump not found: apt-get install -y tcpdump (Debian package)")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for profile in ("ecdsa", "rsa"):
            results[profile] = measure(profile, workdir)
    first = results["ecdsa"]
    data = {
        "measured": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python tools/measure_https.py",
        "versions": {"python": sys.version.split()[0], "openssl": ssl.OPENSSL_VERSION,
                     "cryptography": cryptography.__version__, "tcpdump": tcpdump_version(),
                     "kernel": platform.release()},
        "client": "Python ssl (OpenSSL defaults, SNI " + HOSTNAME + ", ALPN h2,http/1.1)",
        "server": "Python ssl, TLS 1.3 only, ALPN http/1.1, chain = leaf + intermediate",
        "model": {
            "mss": MSS,
            "mss_note": "1500-byte MTU path: MSS 1460; payload per data segment = MSS minus the"
                        " TCP options seen on data segments (loopback MTU 65536 and offload make"
                        " its own segments far larger, so segment counts are derived, headers"
                        " are as measured)",
            "segment_payload": MSS - (first["tcp"]["tcp_header_data"] - 20),
            "ack_rule": "RFC 5681 §4.2: the receiver ACKs every second full-sized segment at"
                        " once; a lone last segment gets a delayed ACK (Linux: 40 ms minimum)"
                        " unless data in the other direction carries it first",
            "delayed_ack_ms": 40,
            "tls_record_max_plaintext": 16384,
            "tls_record_overhead": 5 + 1 + 16,
            "tls_record_overhead_note": "record header 5 B + inner content type 1 B + AEAD tag"
                                        " 16 B (TLS 1.3, RFC 8446 §5.2), no padding",
        },
        "profiles": results,
        "default_profile": "ecdsa",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    for name, r in results.items():
        h = r["tls_handshake"]
        print(f"{name}: {r['tls_version']} {r['cipher']}, {r['chain']}")
        print(f"  certificates DER: {r['certificate_der_bytes']}")
        print(f"  TLS handshake bytes: client->server {h['c2s_bytes']}, server->client "
              f"{h['s2c_bytes']}")
        print(f"  records c2s {h['c2s_records']}")
        print(f"  ClientHello extensions {h['client_hello_extensions']}")
        print(f"  records s2c {h['s2c_records']}")
        print(f"  close: {r['tls_close']}; TCP headers {r['tcp']}")
        for w in r["warm_exchanges"]:
            print(f"  warm {w['request_plaintext']}/{w['response_plaintext']}: records "
                  f"{w['c2s_records']} / {w['s2c_records']}; loopback ACKs {w['acks']}")
    print("wrote", out)


if __name__ == "__main__":
    main(sys.argv[1:])
