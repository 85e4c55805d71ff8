"""A real Synapse homeserver on SQLite in a temporary directory, for tests, tools and demos.

Usage as a library (tests/e2e/conftest.py, tools/capture.py):

    with Synapse() as hs:
        hs.register_user("alice", "secret")
        token = hs.login("alice", "secret")
        print(hs.url)

Usage from a shell: `python tools/synapse_harness.py run` starts one, prints its URL and the
shared registration secret, and stops it on Ctrl-C.

Synapse comes from its own virtual environment (`make synapse-setup` makes `.venv-synapse/`); this
module only needs the standard library so that it imports from any interpreter.
"""

import argparse
import atexit
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VENV = REPO / ".venv-synapse"
# Where the venv is looked for unless a path is passed in; lets CI point at a shared one.
VENV_ENV_VAR = "MXCOAP_SYNAPSE_VENV"

# Synapse on SQLite creates its schema on first start: ~5-15 s on a CI core, so 60 s is ample.
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
# How many fresh ports are tried when another process takes ours between probe and bind.
PORT_ATTEMPTS = 5
LOG_TAIL_LINES = 40
# Limits that no test or capture should ever hit (Synapse's defaults allow ~0.2 msg/s).
_UNLIMITED = {"per_second": 100000, "burst_count": 1000000}


class SynapseError(Exception):
    """Synapse could not be found, started, reached or asked to do something."""

    def __init__(self, message, log_tail=""):
        Exception.__init__(self, message + ("\n--- homeserver log tail ---\n" + log_tail
                                            if log_tail else ""))
        self.log_tail = log_tail


def find_venv(venv=None):
    """The Synapse virtual environment, or SynapseError telling how to make it."""
    venv = Path(venv or os.environ.get(VENV_ENV_VAR) or DEFAULT_VENV)
    python = venv / "bin" / "python"
    if not python.exists():
        raise SynapseError(
            f"no Synapse virtual environment at {venv} (missing {python}); "
            "run `make synapse-setup` first")
    return venv


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def homeserver_config(root, port, server_name, secret):
    """The homeserver.yaml settings (a dict; JSON is valid YAML) for a throwaway test server."""
    root = Path(root)
    return {
        "server_name": server_name,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(root / "homeserver.pid"),
        "report_stats": False,
        # One plain HTTP listener: the client API and the media repository. No federation.
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": False,
            "x_forwarded": False,
            "resources": [{"names": ["client", "media"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": str(root / "homeserver.db")}},
        "media_store_path": str(root / "media_store"),
        "signing_key_path": str(root / "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": secret + "-macaroon",
        "form_secret": secret + "-form",
        "enable_registration": False,
        "bcrypt_rounds": 4,
        "enable_media_repo": True,
        "url_preview_enabled": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "presence": {"enabled": True},
        # Room version 12 (MSC4291): room ids are "!" + a 32-byte hash, no server part.
        "default_room_version": "12",
        # Let users publish rooms to the directory (the default denies everyone).
        "room_list_publication_rules": [{"action": "allow"}],
        "enable_metrics": False,
        "rc_message": _UNLIMITED,
        "rc_registration": _UNLIMITED,
        "rc_registration_token_validity": _UNLIMITED,
        "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED,
                     "failed_attempts": _UNLIMITED},
        "rc_admin_redaction": _UNLIMITED,
        "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
        "rc_joins_per_room": _UNLIMITED,
        "rc_3pid_validation": _UNLIMITED,
        "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED,
                       "per_issuer": _UNLIMITED},
        "rc_third_party_invite": _UNLIMITED,
        "rc_media_create": _UNLIMITED,
        "rc_presence": {"per_user": _UNLIMITED},
        "rc_delayed_event_mgmt": _UNLIMITED,
        "rc_room_creation": _UNLIMITED,
        "rc_reports": _UNLIMITED,
        "rc_user_directory": _UNLIMITED,
        "rc_profile": _UNLIMITED,
        "rc_key_requests": _UNLIMITED,
    }


class Synapse:
    """One Synapse process: start(), url, register_user(), login(), stop().

    root: directory for config, database, media and log (a fresh temporary one by default,
    removed on stop unless keep=True or the start failed).
    """

    def __init__(self, root=None, venv=None, server_name="localhost",
                 startup_timeout=STARTUP_TIMEOUT, keep=False):
        self.venv = find_venv(venv)
        self.server_name = server_name
        self.startup_timeout = startup_timeout
        self.keep = keep
        self._own_root = root is None
        self.root = Path(root) if root is not None else None
        self.secret = os.urandom(16).hex()
        self.port = None
        self.process = None
        self._log_file = None

    # -- life cycle -------------------------------------------------------------------------

    @property
    def url(self):
        """Base URL of the client and media APIs, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    @property
    def log_path(self):
        return self.root / "homeserver.log"

    def start(self):
        """Start Synapse and return once /_matrix/client/versions answers."""
        if self.process is not None:
            raise SynapseError("already started")
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="mxcoap-synapse-"))
        self.root.mkdir(parents=True, exist_ok=True)
        atexit.register(self.stop)
        last = None
        try:
            for _ in range(PORT_ATTEMPTS):
                try:
                    self._start_once(free_port())
                    return self
                except _PortTaken as exc:
                    last = exc
        except BaseException:
            # Ctrl-C or a failure half-way: no Synapse may outlive this call.
            self._reap()
            raise
        raise SynapseError(f"no free port after {PORT_ATTEMPTS} attempts", str(last))

    def _start_once(self, port):
        self.port = port
        config_path = self.root / "homeserver.yaml"
        config = homeserver_config(self.root, port, self.server_name, self.secret)
        config_path.write_text(json.dumps(config, indent=1))
        self._log_file = open(self.log_path, "ab")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        # Synapse appends the git branch and commit of the checkout around its package to its
        # version (Server header); stop git from finding ours, so it says "Synapse/1.163.2".
        env["GIT_CEILING_DIRECTORIES"] = str(self.venv.resolve().parent)
        env.pop("GIT_DIR", None)
        # -u: the log reaches the file as it is written, for the tail on failure.
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "python"), "-u", "-m", "synapse.app.homeserver",
             "--config-path", str(config_path)],
            cwd=str(self.root), stdin=subprocess.DEVNULL, stdout=self._log_file,
            stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                tail = self.log_tail()
                self._reap()
                if "Address already in use" in tail:
                    raise _PortTaken(tail)
                raise SynapseError(f"Synapse exited with code {code} during start-up", tail)
            if self._versions_answer():
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise SynapseError(
                    f"Synapse did not answer {self.url}/_matrix/client/versions within "
                    f"{self.startup_timeout:.0f} s", tail)
            time.sleep(0.2)

    def _versions_answer(self):
        try:
            with urllib.request.urlopen(self.url + "/_matrix/client/versions", timeout=2) as r:
                return r.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def log_tail(self, lines=LOG_TAIL_LINES):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        """Terminate Synapse (SIGTERM, then SIGKILL), wait for it, remove the temp dir."""
        self._reap()
        if self._own_root and not self.keep and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        try:
            atexit.unregister(self.stop)
        except Exception:
            pass

    def _reap(self):
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(STOP_TIMEOUT)
                except ProcessLookupError:
                    pass
            else:
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- accounts -------------------------------------------------------------------------

    def request(self, method, path, body=None, token=None, timeout=30):
        """A JSON request to the running server; returns (status, decoded body)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, {"raw": raw.decode("utf-8", "replace")}

    def register_user(self, name, password, admin=False, displayname=None):
        """Register through the shared-secret admin API (HMAC-SHA1, as register_new_matrix_user
        does); returns the registration answer (user_id, access_token, device_id)."""
        path = "/_synapse/admin/v1/register"
        status, body = self.request("GET", path)
        if status != 200:
            raise SynapseError(f"GET {path}: {status} {body}")
        nonce = body["nonce"]
        # The MAC covers nonce, user, password and admin flag joined by NUL bytes.
        fields = (nonce, name, password, "admin" if admin else "notadmin")
        mac = hmac.new(self.secret.encode(), b"\x00".join(f.encode() for f in fields),
                       hashlib.sha1)
        req = {"nonce": nonce, "username": name, "password": password, "admin": admin,
               "mac": mac.hexdigest()}
        if displayname is not None:
            req["displayname"] = displayname
        status, body = self.request("POST", path, req)
        if status != 200:
            raise SynapseError(f"registering {name}: {status} {body}")
        return body

    def register_user_with_script(self, name, password, admin=False):
        """Register with Synapse's own `register_new_matrix_user` tool (slower: a process)."""
        cmd = [str(self.venv / "bin" / "register_new_matrix_user"), "-u", name, "-p", password,
               "--admin" if admin else "--no-admin", "-k", self.secret, self.url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise SynapseError(f"register_new_matrix_user {name} failed: "
                               + done.stdout + done.stderr)
        return f"@{name}:{self.server_name}"

    def login(self, name, password, device_id=None):
        """Password login; returns the access token."""
        req = {"type": "m.login.password",
               "identifier": {"type": "m.id.user", "user": name}, "password": password}
        if device_id:
            req["device_id"] = device_id
        status, body = self.request("POST", "/_matrix/client/v3/login", req)
        if status != 200:
            raise SynapseError(f"login {name}: {status} {body}")
        return body["access_token"]

    def create_user(self, prefix="user"):
        """Register a user with a fresh name (tests share one server); returns a dict with
        name, password, user_id, access_token and device_id."""
        name = f"{prefix}-{os.urandom(4).hex()}"
        password = os.urandom(8).hex()
        answer = self.register_user(name, password)
        return {"name": name, "password": password, "user_id": answer["user_id"],
                "access_token": answer["access_token"], "device_id": answer["device_id"]}

    def user_id(self, name):
        return f"@{name}:{self.server_name}"


class _PortTaken(SynapseError):
    """The port was taken between probing and Synapse's bind; start() retries another."""


def _run(args):
    try:
        with Synapse(keep=args.keep) as hs:
            for spec in args.user or ():
                name, _, password = spec.partition(":")
                hs.register_user(name, password or name)
                print(f"registered {hs.user_id(name)} (password {password or name!r})")
            print(f"Synapse {hs.url} (server_name {hs.server_name}, pid {hs.pid})")
            print(f"registration shared secret: {hs.secret}")
            print(f"directory: {hs.root}  log: {hs.log_path}")
            print("Ctrl-C stops it.", flush=True)
            while hs.process is not None and hs.process.poll() is None:
                time.sleep(0.5)
            print("Synapse exited on its own:\n" + hs.log_tail(), file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        # The with block has stopped Synapse by now (or start() has, if it came early).
        print("stopped")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a Synapse and keep it running until Ctrl-C")
    run.add_argument("--user", action="append", metavar="NAME[:PASSWORD]",
                     help="register this user at start (repeatable)")
    run.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    # SIGTERM (from a shell or a supervisor) stops Synapse the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args)
    except SynapseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
