"""The Synapse harness and the HAR capture tool, against a real Synapse."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import synapse_harness

REPO = Path(__file__).resolve().parents[2]
CAPTURE = REPO / "tools" / "capture.py"
HARNESS = REPO / "tools" / "synapse_harness.py"
C = "/_matrix/client/v3"

# The scenario in tools/capture.py: every exchange answers 200 except these two on purpose.
CAPTURE_EXCHANGES = 69
CAPTURE_ERRORS = {"alias-resolve-missing": 404, "whoami-after-logout": 401}


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes only once reaped.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_register_login_send_and_sync(synapse):
    alice = synapse.create_user("alice")
    bob = synapse.create_user("bob")
    token_a = synapse.login(alice["name"], alice["password"])
    token_b = synapse.login(bob["name"], bob["password"])
    assert token_a != alice["access_token"]  # a second device, a second token

    status, room = synapse.request("POST", C + "/createRoom",
                                   {"preset": "private_chat", "invite": [bob["user_id"]]},
                                   token=token_a)
    assert status == 200, room
    room_id = room["room_id"]
    # Room version 12: "!" + 43 characters of unpadded base64url (32-byte hash), no server part.
    assert room_id.startswith("!") and ":" not in room_id and len(room_id) == 44
    status, body = synapse.request("POST", f"{C}/join/{room_id}", {}, token=token_b)
    assert status == 200, body
    status, body = synapse.request("GET", C + "/sync?timeout=0", token=token_b)
    assert status == 200, body
    since = body["next_batch"]

    status, sent = synapse.request(
        "PUT", f"{C}/rooms/{room_id}/send/m.room.message/txn1",
        {"msgtype": "m.text", "body": "Hello world"}, token=token_a)
    assert status == 200, sent
    status, body = synapse.request("GET", f"{C}/sync?timeout=10000&since={since}",
                                   token=token_b)
    assert status == 200, body
    events = body["rooms"]["join"][room_id]["timeline"]["events"]
    assert [(e["event_id"], e["content"]["body"]) for e in events] == [
        (sent["event_id"], "Hello world")]
    assert events[0]["sender"] == alice["user_id"]


def test_register_with_synapse_script(synapse):
    name = "scripted-" + os.urandom(3).hex()
    assert synapse.register_user_with_script(name, "pw-" + name) == synapse.user_id(name)
    assert synapse.login(name, "pw-" + name).startswith("syt_")


def test_stop_leaves_no_process_and_no_directory():
    server = synapse_harness.Synapse()
    with server:
        pid, root = server.pid, server.root
        assert _pid_alive(pid)
        status, body = server.request("GET", "/_matrix/client/versions")
        assert status == 200 and "v1.11" in body["versions"]
    assert not _pid_alive(pid)
    assert server.process is None
    assert not root.exists()


def test_missing_venv_says_how_to_make_it(tmp_path):
    with pytest.raises(synapse_harness.SynapseError, match="make synapse-setup"):
        synapse_harness.Synapse(venv=tmp_path / "nowhere")


def test_cli_run_prints_url_and_stops_on_sigint():
    proc = subprocess.Popen([sys.executable, str(HARNESS), "run", "--user", "carol:pw"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines, url, pid = [], None, None
        deadline = time.monotonic() + synapse_harness.STARTUP_TIMEOUT + 10
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Synapse http://"):
                url = line.split()[1]
                pid = int(line.rsplit("pid ", 1)[1].rstrip(")\n"))
        assert url, "".join(lines)
        assert "registered @carol:localhost" in "".join(lines)
        assert _pid_alive(pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert not _pid_alive(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_capture_writes_valid_har(synapse, tmp_path):
    alice = synapse.create_user("alice")
    bob = synapse.create_user("bob")
    out = tmp_path / "scenario.har"
    samples = tmp_path / "samples"
    done = subprocess.run(
        [sys.executable, str(CAPTURE), "--homeserver", synapse.url,
         "--server-name", synapse.server_name,
         "--alice", f"{alice['name']}:{alice['password']}",
         "--bob", f"{bob['name']}:{bob['password']}",
         "--alias", "station-" + os.urandom(3).hex(),
         "--out", str(out), "--samples", str(samples)],
        capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    har = json.loads(out.read_text(encoding="utf-8"))
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] and log["creator"]["version"]
    entries = log["entries"]
    assert len(entries) == CAPTURE_EXCHANGES
    statuses = {e["_name"]: e["response"]["status"] for e in entries}
    assert len(statuses) == CAPTURE_EXCHANGES  # names are unique
    assert {n: s for n, s in statuses.items() if s != 200} == CAPTURE_ERRORS
    started = [e["startedDateTime"] for e in entries]
    assert started == sorted(started)

    for e in entries:
        req, resp = e["request"], e["response"]
        for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
            assert key in e, key
        assert req["httpVersion"] == resp["httpVersion"] == "HTTP/1.1"
        assert req["url"].startswith(synapse.url + "/_matrix/")
        names = [h["name"] for h in req["headers"]]
        assert names[0] == "Host"
        head = f"{req['method']} {req['url'][len(synapse.url):]} HTTP/1.1\r\n" + "".join(
            f"{h['name']}: {h['value']}\r\n" for h in req["headers"]) + "\r\n"
        assert req["headersSize"] == len(head.encode("latin-1"))
        if "?" in req["url"]:
            assert req["queryString"]
        if req["method"] in ("POST", "PUT"):
            post = req["postData"]
            assert post["text"], e["_name"]
            assert req["bodySize"] == (len(post["text"].encode()) if "_encoding" not in post
                                       else len(base64.b64decode(post["text"])))
        else:
            assert "postData" not in req and req["bodySize"] == 0
            if e["_user"] != "alice" or e["_name"] not in ("versions", "login-flows"):
                assert "Authorization" in names, e["_name"]
        content = resp["content"]
        assert content["text"], e["_name"]
        assert content["mimeType"]
        assert resp["headers"] and resp["headersSize"] > 0
        for key in ("send", "wait", "receive"):
            assert e["timings"][key] >= 0

    by_name = {e["_name"]: e for e in entries}
    emoji = by_name["send-emoji"]["request"]["postData"]["text"]
    assert "\\ud83d\\ude00" in emoji
    assert "🎉" in by_name["send-utf8"]["request"]["postData"]["text"]
    upload = by_name["media-upload"]["request"]["postData"]
    assert upload["_encoding"] == "base64" and upload["mimeType"] == "image/png"
    download = by_name["media-download"]["response"]["content"]
    assert download["encoding"] == "base64"
    assert base64.b64decode(download["text"]) == base64.b64decode(
        upload["text"])
    longpoll = by_name["sync-longpoll-bob"]
    assert longpoll["connection"] != by_name["send-wakeup"]["connection"]
    assert "Are you there?" in longpoll["response"]["content"]["text"]

    to_device = json.loads(by_name["sync-encrypted-alice"]["response"]["content"]["text"])
    assert to_device["to_device"]["events"][0]["type"] == "m.room.encrypted"
    claimed = json.loads(by_name["keys-claim"]["response"]["content"]["text"])
    assert claimed["one_time_keys"][alice["user_id"]]

    index = json.loads((samples / "index.json").read_text())
    assert len(index) == CAPTURE_EXCHANGES
    files = sorted(p.name for p in samples.glob("*-re*-*.json"))
    assert len(files) > CAPTURE_EXCHANGES
    for item in index:
        entry = entries[item["n"] - 1]
        if "request" in item:
            raw = (samples / item["request"]).read_bytes()
            assert raw.decode() == entry["request"]["postData"]["text"]
            json.loads(raw)
        if "response" in item:
            raw = (samples / item["response"]).read_bytes()
            assert raw.decode() == entry["response"]["content"]["text"]
            json.loads(raw)
