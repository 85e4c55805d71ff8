"""Helpers shared by the portable tests (both interpreters)."""

import json
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"


def _root():
    # Tests run from the repository root under both `make test-mp` and pytest, but be robust to
    # pytest being started elsewhere: find tests/vectors from this file's own location.
    here = globals().get("__file__", "")
    if "/" in here:
        base = here.rsplit("/", 1)[0]  # .../tests/common
        return base.rsplit("/", 2)[0] if base.endswith("tests/common") else "."
    return "."


ROOT = _root()


def vector_path(name):
    return ROOT + "/tests/vectors/" + name


def load_json_vector(name):
    with open(vector_path(name)) as f:
        return json.load(f)


def read_vector(name):
    with open(vector_path(name), "rb") as f:
        return f.read()
