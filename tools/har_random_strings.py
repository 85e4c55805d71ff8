"""How much of a HAR's Matrix traffic is random-looking text no lossless encoding can shrink.

Counts strings of 22 or more base64 characters (ids, keys, signatures, ciphertext, tokens) in
the request URLs and JSON bodies of /_matrix/ entries, as raw bytes (6 bits a character), in all
and counting each distinct string once, and the repeats of event ids ($ + 43 characters), which
interning across exchanges could save. A rough floor for the bandwidth figures, printed only.
Usage: python tools/har_random_strings.py [FILE.har]   (default: the recorded scenario)
"""

import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

HAR = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "synapse" / "scenario.har"
RANDOM = re.compile(r"[A-Za-z0-9+/_-]{22,}")
EVENT_ID = re.compile(r"\$[A-Za-z0-9_-]{43}")


def texts(har):
    for e in har["log"]["entries"]:
        if "/_matrix/" not in e["request"]["url"]:
            continue
        yield e["request"]["url"]
        yield (e["request"].get("postData") or {}).get("text") or ""
        content = e["response"].get("content") or {}
        if content.get("encoding") != "base64":
            yield content.get("text") or ""


def media_bytes(har):
    """Bytes of the bodies that are not JSON or text (media: already compressed formats)."""
    n = 0
    for e in har["log"]["entries"]:
        if "/_matrix/" not in e["request"]["url"]:
            continue
        post = e["request"].get("postData") or {}
        if post.get("text") and not (post.get("mimeType") or "").startswith(
                ("application/json", "text/")):
            n += len(post["text"].encode("latin-1", "replace"))
        content = e["response"].get("content") or {}
        if content.get("encoding") == "base64":
            n += len(base64.b64decode(content.get("text") or ""))
    return n


def measure(path):
    """(strings Counter, event ids Counter, total raw bytes, unique raw bytes, media bytes)."""
    with open(path) as f:
        har = json.load(f)
    strings = Counter()
    events = Counter()
    for t in texts(har):
        strings.update(RANDOM.findall(t))
        events.update(EVENT_ID.findall(t))
    total = sum(len(s) * 6 // 8 * n for s, n in strings.items())
    unique = sum(len(s) * 6 // 8 for s in strings)
    return strings, events, total, unique, media_bytes(har)


def main(argv):
    path = argv[0] if argv else HAR
    strings, events, total, unique, media = measure(path)
    repeats = sum(n - 1 for n in events.values())
    print(f"{path}")
    print(f"random-looking strings: {sum(strings.values())} ({len(strings)} distinct)")
    print(f"  as raw bytes: {total} B in all, {unique} B counting each distinct string once")
    print(f"event ids: {len(events)} distinct, {repeats} repeats (~{repeats * 29} B if each "
          "repeat cost 3 B instead of 32)")
    print(f"media bodies (not JSON or text): {media} B")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
