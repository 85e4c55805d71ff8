"""coap-proxy-bench FILE.har [FILE.har ...] [--json FILE] [--png FILE] [options]

For every exchange of the HAR files, and in total: the bytes as HTTPS+JSON (warm and cold, from
https_measured.json) and as mxcoap (every datagram through the real encoder stack, checked by
decoding it again). Exit status: 0 when every exchange round-tripped; 1 when one did not or the
stack could not carry it (the error is printed); 2 for unreadable input.
"""

import argparse
import sys

from mxcoap_host.bench import https_cost, report
from mxcoap_host.bench.har import HarError, load

HELLO_LABEL = "send-hello"
# What the proxies carry: the Matrix APIs under /_matrix/ (a browser HAR also holds the web
# client's own files, which never cross the link); --all keeps everything.
MATRIX_PREFIXES = ("/_matrix/",)


def _route_name(ex, table):
    if table is not None:
        found = table.match(ex.path)
        if found is not None:
            return ex.method + " " + found[0].template
    return ex.method + " " + ex.path


def _stack():
    """(mxcoap_cost module, route table) or (None, reason) when the stack cannot be imported."""
    try:
        from mxcoap import maps

        from mxcoap_host.bench import mxcoap_cost
    except ImportError as e:
        return None, "mxcoap stack not importable: " + str(e)
    return mxcoap_cost, maps.builtin().route_table


def _hello(rows):
    """The steady-state "Hello world" sends: per user (client) of the HAR, in order, its entry
    named send-hello; when no user has one, the first message send (PUT
    .../send/m.room.message/...) made on an established session."""
    picks = []
    users = []
    fallback = None
    for r in rows:
        if r["mxcoap_request"] is None or r["handshake"]:
            continue
        if r.get("label") == HELLO_LABEL and r.get("user") not in users:
            users.append(r.get("user"))
            picks.append(r)
        if fallback is None and r["name"].startswith("PUT ") and "/send/" in r["name"] \
                and "m.room.message" in r["path"]:
            fallback = r
    if not picks and fallback is not None:
        picks = [fallback]
    return [{"label": r.get("label") or r["name"], "user": r.get("user"),
             "request": sum(r["up"]), "response": sum(r["down"])} for r in picks]


def _map_sets(files):
    """The map sets both peers hold, most preferred first: the files given, else the built-in mx1.
    A file in the base form (maps/mx1d.json) extends the built-in set."""
    from mxcoap import maps
    from mxcoap.matrix.errors import MapError

    sets = []
    for name in files or ():
        with open(name, "rb") as f:
            try:
                sets.append(maps.load(f.read()))
            except MapError as e:
                raise ValueError("map set " + name + ": " + str(e))
    return sets or [maps.builtin()]


def run(paths, args, out, err):
    model = https_cost.HttpsModel.load(args.measured, args.profile)
    mx, table = _stack()
    reason = None
    failed_stack = False
    if mx is None:
        reason, table = table, None
        err.write("mxcoap column: could not be computed: " + reason + "\n")
        failed_stack = True
    rows = []
    skipped = {}
    handshake = 0
    sessions = 0
    failed = False
    for path in paths:
        exchanges = load(path)
        sim = None
        if mx is not None:
            from mxcoap.coap import TransmissionParams

            params = (TransmissionParams.for_link(args.link_bps) if args.link_bps
                      else TransmissionParams())
            sets = _map_sets(args.maps)
            sim = mx.Simulation(params=params, delay=args.link_delay, link_bps=args.link_bps,
                                map_set=sets[0], edge_sets=sets, host_sets=sets)
        for ex in exchanges:
            if ex.status == 0:
                skipped["no response (status 0)"] = skipped.get("no response (status 0)", 0) + 1
                continue
            if not args.all and not ex.path.startswith(MATRIX_PREFIXES):
                skipped["not Matrix traffic"] = skipped.get("not Matrix traffic", 0) + 1
                continue
            if args.one_session:
                ex.user = None
            c = https_cost.cost(ex, model)
            row = {"name": _route_name(ex, table), "label": ex.name, "user": ex.user,
                   "path": ex.path,
                   "https_warm": c["warm"], "https_cold": c["cold"],
                   "https_c2s": c["c2s"], "https_s2c": c["s2c"], "mxcoap_request": None,
                   "mxcoap_response": None, "datagrams": None, "handshake": 0,
                   "retransmissions": 0, "up": [], "down": [], "notes": c["notes"]}
            if sim is not None:
                try:
                    r = mx.run_exchange(sim, ex)
                except mx.BenchError as e:
                    err.write("ERROR: " + e.message + "\n")
                    err.write("mxcoap column: not computed for the rest of " + str(path)
                              + " (the sessions' state is unknown after the error)\n")
                    failed = True
                    sessions += len(sim.edges)
                    sim = None
                else:
                    row.update(mxcoap_request=r.request, mxcoap_response=r.response,
                               datagrams=r.datagrams, handshake=r.handshake,
                               retransmissions=r.retransmissions, up=r.up, down=r.down)
                    handshake += r.handshake
            rows.append(row)
        if sim is not None:
            sessions += len(sim.edges)
    for why, n in sorted(skipped.items()):
        err.write("skipped {} HAR entries: {}\n".format(n, why))
    return rows, handshake, sessions, failed or failed_stack, model


def main(argv=None):
    p = argparse.ArgumentParser(prog="coap-proxy-bench", description=__doc__.splitlines()[2])
    p.add_argument("har", nargs="+", help="HAR 1.2 files (browser export or tools/capture.py)")
    p.add_argument("--json", metavar="FILE", help="write {exchanges, totals} as JSON")
    p.add_argument("--png", metavar="FILE", help="write a chart of bytes per exchange")
    p.add_argument("--measured", metavar="FILE", default=None,
                   help="HTTPS figures (default: the bundled https_measured.json)")
    p.add_argument("--profile", choices=["ecdsa", "rsa"], default=None,
                   help="certificate chain of the HTTPS server (default ecdsa: P-256 leaf)")
    p.add_argument("--link-bps", type=float, default=None,
                   help="simulate a link of this rate: serialisation delay and "
                        "TransmissionParams.for_link (default: CoAP defaults, no rate)")
    p.add_argument("--link-delay", type=float, default=0.05,
                   help="one-way propagation delay of the simulated link, s (default 0.05)")
    p.add_argument("--all", action="store_true",
                   help="also count entries outside /_matrix/ (a web client's own files)")
    p.add_argument("--maps", metavar="FILE", action="append",
                   help="a map set file both peers hold (repeatable, most preferred first; "
                        "default: the built-in mx1, which has no DEFLATE dictionary)")
    p.add_argument("--one-session", action="store_true",
                   help="one edge and session for all users (default: one per HAR _user)")
    args = p.parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        rows, handshake, sessions, failed, model = run(args.har, args, out, err)
    except (HarError, OSError, ValueError, KeyError) as e:
        err.write("coap-proxy-bench: " + str(getattr(e, "message", e)) + "\n")
        return 2
    if not rows:
        err.write("coap-proxy-bench: no exchanges to count\n")
        return 2
    m = model.data
    out.write("HTTPS+JSON: HTTP/1.1 as recorded, TLS 1.3 ({}, {}), TCP/IPv4 at MSS {} ({} B per"
              " segment + {} B headers); measured {} ({})\n".format(
                  m["profiles"][model.profile]["cipher"], m["profiles"][model.profile]["chain"],
                  m["model"]["mss"], model.segment_payload, model.header, m["measured"],
                  m["versions"]["openssl"]))
    out.write("  cold adds per exchange: TCP open {} + TLS handshake {} + close {} = {} B\n"
              .format(model.tcp_open, model.tls_handshake, model.close, model.connection))
    link = ("{:g} bit/s, TransmissionParams.for_link".format(args.link_bps) if args.link_bps
            else "no rate limit, CoAP default TransmissionParams")
    out.write("mxcoap: matrix -> CoAP -> session (IK, AES-CCM-8) -> UDP/IPv4 (+28 B each);"
              " link {}, {:g} s one way, lossless\n\n".format(link, args.link_delay))
    report.table(rows, out)
    notes = {}
    for r in rows:
        for n in r["notes"]:
            notes[n] = notes.get(n, 0) + 1
    report.summary(rows, handshake, sessions, _hello(rows), out)
    if notes:
        out.write("\nHTTP messages completed (the HAR lacked what the wire needs): "
                  + "; ".join("{} ({}x)".format(k, v) for k, v in sorted(notes.items()))
                  + "\n")
    if args.json:
        report.write_json(args.json, rows, handshake)
    if args.png:
        report.png(args.png, rows)
    if failed:
        err.write("coap-proxy-bench: some exchanges did not round-trip through mxcoap"
                  " (errors above)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
