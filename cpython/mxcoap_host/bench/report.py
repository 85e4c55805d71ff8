"""The benchmark's output: the table, the --json document and the --png chart.

Rows are dicts with the JSON keys ("name", "https_warm", "https_cold", "mxcoap_request",
"mxcoap_response", "datagrams"; mxcoap values are None when the stack could not compute them)
plus "label" (the HAR entry name), "https_c2s"/"https_s2c" (warm, by direction),
"retransmissions" and "notes" for the table only.
"""

import json

# The 2019 Go coap-proxy's published figures (DESIGN.md, "Where the bytes go").
PROXY_2019_HELLO_REQUEST = 173
PROXY_2019_HELLO_RESPONSE = 97
PROXY_2019_SESSION_BYTES = 9300
PROXY_2019_SESSION_EXCHANGES = 24
JSON_KEYS = ("name", "https_warm", "https_cold", "mxcoap_request", "mxcoap_response",
             "datagrams")


def totals(rows, handshake):
    """The "totals" object: bytes over every row (mxcoap None if any row lacks it)."""
    out = {"https_warm": sum(r["https_warm"] for r in rows),
           "https_cold": sum(r["https_cold"] for r in rows)}
    if rows and all(r["mxcoap_request"] is not None for r in rows):
        out["mxcoap"] = sum(r["mxcoap_request"] + r["mxcoap_response"] for r in rows)
        out["handshake"] = handshake
    else:
        out["mxcoap"] = None
        out["handshake"] = None
    return out


def document(rows, handshake):
    return {"exchanges": [{k: r[k] for k in JSON_KEYS} for r in rows],
            "totals": totals(rows, handshake)}


def write_json(path, rows, handshake):
    with open(path, "w") as f:
        json.dump(document(rows, handshake), f, indent=1)
        f.write("\n")


def _n(v):
    return "n/a" if v is None else str(v)


def _ratio(a, b):
    return "" if not b else "{:.1f}x".format(a / b)


def table(rows, out):
    w = max([len(r["name"]) for r in rows] + [4])
    w = min(w, 72)
    head = ("{:>3} {:<" + str(w) + "} {:>10} {:>10} {:>8} {:>8} {:>5} {:>6}  {}").format(
        "#", "name", "https_warm", "https_cold", "mx_req", "mx_resp", "dgram", "warm/m",
        "entry")
    out.write(head + "\n")
    for i, r in enumerate(rows, 1):
        mx = None
        if r["mxcoap_request"] is not None:
            mx = r["mxcoap_request"] + r["mxcoap_response"]
        name = r["name"] if len(r["name"]) <= w else r["name"][:w - 1] + "~"
        extra = r.get("label") or ""
        if r.get("retransmissions"):
            extra += " (" + str(r["retransmissions"]) + " retransmission"
            extra += "s)" if r["retransmissions"] > 1 else ")"
        out.write(("{:>3} {:<" + str(w) + "} {:>10} {:>10} {:>8} {:>8} {:>5} {:>6}  {}\n")
                  .format(i, name, r["https_warm"], r["https_cold"], _n(r["mxcoap_request"]),
                          _n(r["mxcoap_response"]), _n(r["datagrams"]),
                          _ratio(r["https_warm"], mx), extra))


def summary(rows, handshake, sessions, hello, out):
    """`hello`: the steady-state Hello world sends, one per client (cli._hello); may be empty."""
    t = totals(rows, handshake)
    n = len(rows)
    out.write("\nTotals over {} exchanges (bytes on the wire, headers included):\n".format(n))
    out.write("  HTTPS+JSON warm (one kept-alive connection): {:>9}\n".format(t["https_warm"]))
    out.write("  HTTPS+JSON cold (a new connection each):     {:>9}\n".format(t["https_cold"]))
    if t["mxcoap"] is None:
        out.write("  mxcoap: could not be computed (see the errors above)\n")
        return
    out.write("  mxcoap (every datagram + 28 B IPv4/UDP):     {:>9}   ({} session{}, handshake"
              " share {} B)\n".format(t["mxcoap"], sessions, "" if sessions == 1 else "s",
                                     handshake))
    out.write("  by direction: HTTPS warm client->server {}, server->client {}; mxcoap edge->host"
              " {}, host->edge {}\n".format(
                  sum(r["https_c2s"] for r in rows), sum(r["https_s2c"] for r in rows),
                  sum(r["mxcoap_request"] for r in rows), sum(r["mxcoap_response"] for r in rows)))
    out.write("  HTTPS warm / mxcoap: {}   HTTPS cold / mxcoap: {}\n".format(
        _ratio(t["https_warm"], t["mxcoap"]), _ratio(t["https_cold"], t["mxcoap"])))
    out.write("\nBeside the 2019 coap-proxy:\n")
    for h in hello or ():
        who = h["label"] + (", " + h["user"] if h.get("user") else "")
        out.write("  \"Hello world\" send ({}), UDP payload, encrypted, steady state: request {}"
                  " B, response {} B   (2019: {} B / {} B)\n".format(
                      who, h["request"], h["response"],
                      PROXY_2019_HELLO_REQUEST, PROXY_2019_HELLO_RESPONSE))
    if not hello:
        out.write("  \"Hello world\" send: no steady-state message send in this HAR\n")
    out.write("  session: {} B for {} exchanges, {:.0f} B per exchange   (2019: ~{:.1f} KB for {}"
              " exchanges, ~{:.0f} B per exchange)\n".format(
                  t["mxcoap"], n, t["mxcoap"] / n if n else 0,
                  PROXY_2019_SESSION_BYTES / 1000, PROXY_2019_SESSION_EXCHANGES,
                  PROXY_2019_SESSION_BYTES / PROXY_2019_SESSION_EXCHANGES))


def png(path, rows):
    """A bar chart of bytes per exchange, HTTPS+JSON (warm, cold) beside mxcoap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(rows)
    xs = list(range(n))
    width = 0.28
    fig, ax = plt.subplots(figsize=(max(8, n * 0.28), 5.5))
    ax.bar([x - width for x in xs], [r["https_cold"] for r in rows], width,
           label="HTTPS+JSON cold", color="#d62728")
    ax.bar(xs, [r["https_warm"] for r in rows], width, label="HTTPS+JSON warm",
           color="#ff9896")
    mx = [0 if r["mxcoap_request"] is None else r["mxcoap_request"] + r["mxcoap_response"]
          for r in rows]
    ax.bar([x + width for x in xs], mx, width, label="mxcoap", color="#1f77b4")
    ax.set_yscale("log")
    ax.set_ylabel("bytes on the wire (log scale)")
    ax.set_xticks(xs)
    ax.set_xticklabels([r.get("label") or r["name"] for r in rows], rotation=90, fontsize=7)
    ax.set_xlim(-1, n)
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.set_title("Bytes per exchange: HTTPS+JSON (TLS 1.3/TCP/IPv4) and mxcoap (UDP/IPv4)",
                 pad=28)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
