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

.PHONY: run test install install-dev compile build lint clean system-deps serve test-db test-db-stop

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

# Debian packages for the tests: Chromium and CJK fonts (map tests in a real browser, PNG export)
# and PostgreSQL 15 with PostGIS 3 (the scenario store's tests on a throw-away server).
# Installed when missing and running as root (CI); otherwise a note, and those tests skip.
# Package names of Debian 12 (bookworm): postgresql (15) and postgresql-15-postgis-3.
SYSTEM_PACKAGES := chromium chromium-driver fonts-noto-cjk postgresql postgresql-15-postgis-3

system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
	    && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then \
		echo "chromium, chromium-driver, Noto CJK fonts, PostgreSQL and PostGIS present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES)) \
		|| { if [ -n "$$CI" ]; then echo "error: could not install $(SYSTEM_PACKAGES) (required in CI)"; exit 1; \
		     else echo "note: could not install $(SYSTEM_PACKAGES); the browser and PostgreSQL tests will be skipped"; fi; }; \
	else \
		echo "note: install Debian packages $(SYSTEM_PACKAGES) for the browser and PostgreSQL tests (skipped without them)"; \
	fi

# A throw-away PostgreSQL cluster for the store tests (tests/pg_cluster.sh: initdb in a temp dir,
# a free loopback port, as the postgres user when root). `make test` starts and stops its own;
# for a manual session: eval "$$(make -s test-db)" ... make test-db-stop
PG_TEST_DIR ?= /tmp/shudao-test-pg-$(shell id -u)

test-db:
	@url=$$(sh tests/pg_cluster.sh start $(PG_TEST_DIR)) && echo "export SHUDAO_TEST_DATABASE_URL=$$url"

test-db-stop:
	@sh tests/pg_cluster.sh stop $(PG_TEST_DIR)

# The suite runs against a PostgreSQL cluster of its own (unless SHUDAO_TEST_DATABASE_URL is
# already set); without a server the PostgreSQL cases skip, but in CI (CI set) they fail.
test: install-dev system-deps
	$(BIN)/shudao data build
	@pgdir=$$(mktemp -d /tmp/shudao-test-pg.XXXXXX); \
	if [ -z "$$SHUDAO_TEST_DATABASE_URL" ]; then \
		if url=$$(sh tests/pg_cluster.sh start $$pgdir); then \
			export SHUDAO_TEST_DATABASE_URL=$$url; echo "PostgreSQL test server at $$url"; \
		elif [ -n "$$CI" ]; then echo "error: could not start the PostgreSQL test server (required in CI)"; \
			sh tests/pg_cluster.sh stop $$pgdir; exit 1; \
		else echo "note: no PostgreSQL test server; its store tests will be skipped"; fi; \
	fi; \
	$(BIN)/python -m pytest; rc=$$?; \
	sh tests/pg_cluster.sh stop $$pgdir; exit $$rc

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) data/geo/build
