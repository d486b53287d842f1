# The two set-up commands of the README:
#   make run   -> install (pinned) and run the main job on the embedded default data
#   make test  -> install (pinned, with test tools) and run the whole test suite
# Both are idempotent: a second run reuses the virtual environment and the build cache.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# scgraph-data ships 90 MB of Python literals that we parse as text and never import:
# skipping byte-compilation saves minutes on every fresh machine.
PIP_FLAGS := --disable-pip-version-check --no-compile -q

.PHONY: run test install install-dev build lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install $(PIP_FLAGS) -r requirements.lock
	$(PIP) install $(PIP_FLAGS) --no-deps --no-build-isolation -e . || $(PIP) install $(PIP_FLAGS) --no-deps -e .

install-dev: install
	$(PIP) install $(PIP_FLAGS) -r requirements-dev.lock

build: install
	$(BIN)/shudao data build

run: build

test: install-dev
	$(BIN)/shudao data build
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) data/geo/build
