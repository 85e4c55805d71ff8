"""End-to-end fixtures: one real Synapse (SQLite, free port on 127.0.0.1) per test session.

Tests share the server, so they register users with fresh names: `synapse.create_user("alice")`.
A missing `.venv-synapse` fails the tests (it does not skip them): run `make synapse-setup`.
"""

import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import synapse_harness  # noqa: E402


@pytest.fixture(scope="session")
def synapse():
    """A running synapse_harness.Synapse: .url, .server_name, .create_user(), .request()."""
    try:
        server = synapse_harness.Synapse()
        server.start()
    except synapse_harness.SynapseError as err:
        pytest.fail(f"cannot start Synapse for the e2e tests: {err}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
