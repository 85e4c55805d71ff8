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

.PHONY: setup test lint mpy test-py test-mp bench clean

setup: $(VENV)/.setup-done

$(VENV)/.setup-done: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(UV_PIN)
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]'
	$(MP) -c "import sys; print('micropython', sys.implementation.version)"
	$(MPYCROSS) --version
	touch $@

test: setup lint mpy test-py test-mp

lint: setup
	$(BIN)/ruff check .

# Catches syntax that MicroPython cannot compile before anything runs on a board.
mpy: setup
	@rm -rf build/mpy && mkdir -p build/mpy
	@n=0; for f in $$(find common micropython -name '*.py'); do \
	  out=build/mpy/$${f%.py}.mpy; mkdir -p $$(dirname $$out); \
	  $(MPYCROSS) -o $$out $$f || exit 1; n=$$((n+1)); done; \
	  echo "mpy-cross: compiled $$n files"

test-py: setup
	$(BIN)/pytest

test-mp: setup
	MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(MP_HEAP) tests/common/run_tests.py

bench: setup
	$(BIN)/python tools/bench.py

clean:
	rm -rf build .pytest_cache
