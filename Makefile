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

.PHONY: run test install install-dev compile build lint clean system-deps serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install $(PIP_FLAGS) -r requirements.lock
	$(PIP) install $(PIP_FLAGS) --no-deps --no-build-isolation -e . || $(PIP) install $(PIP_FLAGS) --no-deps -e .
	$(MAKE) --no-print-directory compile

install-dev: install
	$(PIP) install $(PIP_FLAGS) -r requirements-dev.lock
	$(MAKE) --no-print-directory compile

# Byte-compile once (not scgraph-data's literals, which are read as text): with
# PYTHONDONTWRITEBYTECODE set, every `shudao` process would otherwise recompile ~2,500 modules
# (about 2 s per call), and old packages' invalid escapes would warn at import time.
compile:
	@$(BIN)/python -m compileall -q -j 0 -x 'scgraph_data|/tests?/' $(VENV)/lib gis hubs corridors maps api > /dev/null 2>&1 || true

build: install
	$(BIN)/shudao data build

# The main job: build the layers, then serve the HTTP API on 127.0.0.1:8000 (Ctrl-C stops it).
run: build
	$(BIN)/shudao serve --host 127.0.0.1 --port 8000

# Debian's Chromium and CJK fonts, for the map tests in a real browser and PNG export.
# Installed when missing and running as root (CI); otherwise a note, and those tests skip.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		echo "chromium, chromium-driver and Noto CJK fonts present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk) \
		|| { if [ -n "$$CI" ]; then echo "error: could not install chromium (required in CI)"; exit 1; \
		     else echo "note: could not install chromium; the browser tests will be skipped"; fi; }; \
	else \
		echo "note: install Debian packages chromium, chromium-driver and fonts-noto-cjk for the browser tests (skipped without them)"; \
	fi

test: install-dev system-deps
	$(BIN)/shudao data build
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) data/geo/build
