# One command each: make install | demo | test | lint | bench
# `install` is idempotent: it (re)creates .venv from uv.lock only when the lock or pyproject changed.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.9.30
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-fast lint format audit bench bench-quick postgres chromium wrk fonts clean

$(VENV)/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check --user "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

# The notices' PDF prints the language-help taglines in Unicode fonts (Debian packages).
install: $(VENV)/.installed
	@bash scripts/ensure-fonts

PORT ?= 8000

demo: install
	$(BIN)/spenddown demo --port $(PORT)

# PostgreSQL server binaries and Debian's Chromium are part of the test suite (tests start a
# throw-away cluster and drive the pages in headless Chromium).
postgres:
	@bash scripts/ensure-postgres

chromium:
	@bash scripts/ensure-chromium

# The benchmarks over HTTP drive the server with Debian's wrk (docs/performance.md).
wrk:
	@bash scripts/ensure-wrk

fonts:
	@bash scripts/ensure-fonts

test: install postgres chromium
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -x -q tests/unit tests/rules

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Known vulnerabilities in uv.lock's packages (pip-audit) and in the Debian packages the project
# runs (debsecan); an unreachable vulnerability service is reported as SKIPPED, not a failure
# (docs/operations.md "Audit").
audit: install
	UV="$(UV)" $(BIN)/python scripts/audit.py

format: install
	$(BIN)/ruff format src tests $(wildcard bench)
	$(BIN)/ruff check --fix src tests $(wildcard bench)

bench: install postgres wrk
	$(BIN)/python -m bench.run

bench-quick: install postgres wrk
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
