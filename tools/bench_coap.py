"""CoAP message encode and decode throughput (mxcoap.coap.Message), CPython and MicroPython.

Messages: a Matrix send as mxcoap carries it (1-byte token, two short options, 40-byte payload),
its piggybacked 2.04 response, an empty ACK, and a Block2 block of 1024 bytes with ETag and
Size2. Prints messages/s for encode, decode and both together; on CPython also aiocoap's codec
for scale, then runs itself under .venv/bin/micropython. Figures only; no assertions.
Usage: python tools/bench_coap.py [--seconds S]     (MicroPython: micropython tools/bench_coap.py)
"""

import sys

# benchlib first: on CPython it puts common/ on sys.path for mxcoap.
from benchlib import IS_MICROPYTHON, clock, elapsed, micropython_path, option, run_micropython
from mxcoap.coap import (
    ACK,
    BLOCK2,
    CHANGED,
    CON,
    CONTENT,
    CONTENT_FORMAT,
    ETAG,
    POST,
    SIZE2,
    URI_PATH,
    Message,
    encode_block,
)


def samples():
    send = Message(CON, POST, 0x1234, b"\x07", [(URI_PATH, b"s"), (CONTENT_FORMAT, b"\x3c")],
                   b"\xa3\x01\x58\x20" + b"r" * 32 + b"\x02\x61x")
    resp = Message(ACK, CHANGED, 0x1234, b"\x07", None, b"\x58\x20" + b"e" * 32)
    empty = Message(ACK, 0, 0x1235)
    block = Message(ACK, CONTENT, 0x1236, b"\x08",
                    [(ETAG, b"\x2a"), (BLOCK2, encode_block(3, True, 6)), (SIZE2, b"\x40\x00")],
                    bytes(range(256)) * 4)
    return [("send request", send), ("send response", resp), ("empty ACK", empty),
            ("1 KiB Block2", block)]


def rate(fn, arg, seconds):
    n = 0
    batch = 200
    t0 = clock()
    while True:
        for _ in range(batch):
            fn(arg)
        n += batch
        t = elapsed(t0)
        if t >= seconds:
            return n / t


def run(seconds, label, encode, decode):
    print(label)
    for name, msg in samples():
        wire = encode(msg)
        enc = rate(encode, msg, seconds)
        dec = rate(decode, wire, seconds)
        both = 1.0 / (1.0 / enc + 1.0 / dec)
        print("  {:<14} {:>5d} B  encode {:>8.0f}/s  decode {:>8.0f}/s  encode+decode {:>8.0f}/s"
              .format(name, len(wire), enc, dec, both))


def main():
    seconds = option("--seconds", 0.5)
    if IS_MICROPYTHON:
        run(seconds, "mxcoap.coap on MicroPython " + ".".join(str(v) for v in
                                                              sys.implementation.version),
            lambda m: m.encode(), Message.decode)
        return
    import warnings

    run(seconds, "mxcoap.coap on CPython " + sys.version.split()[0], lambda m: m.encode(),
        Message.decode)
    try:
        from aiocoap.message import Message as AiocoapMessage
        from aiocoap.optiontypes import OpaqueOption

        def to_aiocoap(m):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = AiocoapMessage(code=m.code, payload=m.payload)
                a.mtype, a.mid, a.token = m.mtype, m.mid, m.token
                for n, v in m.options:
                    a.opt.add_option(OpaqueOption(n, v))
            return a

        print("aiocoap 0.4 codec on CPython (for scale; encode of a prebuilt aiocoap message)")
        for name, msg in samples():
            a = to_aiocoap(msg)
            wire = a.encode()
            enc = rate(lambda x: x.encode(), a, seconds)
            dec = rate(AiocoapMessage.decode, wire, seconds)
            print("  {:<14} {:>5d} B  encode {:>8.0f}/s  decode {:>8.0f}/s"
                  .format(name, len(wire), enc, dec))
    except ImportError:
        print("aiocoap not installed: no reference figures")
    if micropython_path():
        run_micropython([__file__, "--seconds", str(seconds)])
    else:
        print("no micropython found beside this interpreter: MicroPython figures skipped")


if __name__ == "__main__":
    main()
