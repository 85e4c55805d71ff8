"""Key files for the host: the identity (static X25519 private key) and the known-peers store.

The identity file holds 64 hex digits and a newline. It is created on first start with mode 0600
through os.open(..., O_CREAT | O_EXCL, 0o600), so it is never readable by others, not even for
an instant; an existing file is reused and must be 0600 or stricter. The known-peers file is the
text of mxcoap.session.KnownPeers, replaced atomically (write, fsync, rename).
"""

import os
import stat

from mxcoap.noise import generate_private, public_key
from mxcoap.session import KnownPeers
from mxcoap.session.errors import KeyStoreError

KEY_FILE_MODE = 0o600
MAX_KNOWN_PEERS_FILE = 1 << 20  # 4096 peers at ~100 bytes a line fit well below this


def load_or_create_identity(path):
    """(private, public) from `path`, creating it (0600) with a new key if it does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except FileExistsError:
        return _read_identity(path)
    try:
        private = generate_private()
        os.write(fd, (private.hex() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return private, public_key(private)


def _read_identity(path):
    st = os.stat(path)
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyStoreError(
            "identity key file " + str(path) + " is readable by others (mode "
            + oct(st.st_mode & 0o777) + "); chmod 600 it"
        )  # fmt: skip
    with open(path, "rb") as f:
        text = f.read(200)
    try:
        private = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise KeyStoreError("identity key file " + str(path) + " is not 64 hex digits") from None
    if len(private) != 32:
        raise KeyStoreError("identity key file " + str(path) + " is not 64 hex digits")
    return private, public_key(private)


def load_known_peers(path):
    """The store in `path`, or an empty one if the file does not exist."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KNOWN_PEERS_FILE + 1)
    except FileNotFoundError:
        return KnownPeers()
    if len(data) > MAX_KNOWN_PEERS_FILE:
        raise KeyStoreError("known peers file " + str(path) + " is too large")
    return KnownPeers.parse(data)


def save_known_peers(path, store):
    """Write the store atomically; clears store.dirty."""
    tmp = str(path) + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KEY_FILE_MODE)
    try:
        os.write(fd, store.serialise().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    store.dirty = False
