# Two commands for a fresh machine: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
VSCODE := editors/vscode
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest clean vsix
# `make` alone builds the VS Code extension's .vsix (editors/vscode/dist/agentls.vsix).
.DEFAULT_GOAL := vsix

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/agentls demo

test: lint typecheck pytest vscode-test

# stylua (npm, pinned in editors/nvim/package-lock.json) checks the Neovim plugin's Lua.
NVIM := editors/nvim
$(NVIM)/node_modules/.installed: $(NVIM)/package.json $(NVIM)/package-lock.json
	cd $(NVIM) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP) $(NVIM)/node_modules/.installed $(VSCODE)/node_modules/.installed
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	cd $(NVIM) && node_modules/.bin/stylua --check . ../../tests/editors/nvim
	cd $(VSCODE) && npm run --silent typecheck && npm run --silent lint

typecheck: $(STAMP)
	$(BIN)/mypy

# ACP's official TypeScript SDK, for tests/acp_agent/test_ts_client.py.
ACP_TS := tests/acp_agent/ts
$(ACP_TS)/node_modules/.installed: $(ACP_TS)/package.json $(ACP_TS)/package-lock.json
	cd $(ACP_TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

pytest: $(STAMP) $(ACP_TS)/node_modules/.installed
	$(BIN)/pytest -q

# The Neovim plugin alone (real headless Neovim 0.11); `make pytest` already includes it.
.PHONY: nvim-test
nvim-test: $(STAMP)
	$(BIN)/pytest -q tests/editors/test_nvim.py

# The VS Code extension: build, lint, type checks, the panel renderer in headless Chromium,
# and the .vsix in a real VS Code (code-server) against the simulator. Installs Node 24,
# code-server and Chromium on first use (cached in editors/vscode/.test-tools/).
.PHONY: vscode-test vscode-deps
$(VSCODE)/node_modules/.installed: $(VSCODE)/package.json $(VSCODE)/package-lock.json
	cd $(VSCODE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

vsix: $(VSCODE)/node_modules/.installed
	cd $(VSCODE) && npm run --silent package

vscode-deps: $(VSCODE)/node_modules/.installed
	$(VSCODE)/scripts/install-test-tools.sh

vscode-test: $(STAMP) vscode-deps
	AGENTLS_VSCODE_TESTS=1 $(BIN)/pytest -q tests/editors/test_vscode.py

clean:
	rm -rf $(VENV)

# Performance figures (docs/performance.md), side by side with their baselines in one run;
# not part of `make test`. Takes about 5-10 minutes; `bench/run.py --quick` is faster.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/run.py

# Full-size load (32 sessions x 5,000 deltas, loopback): prints time, deltas/s, cancel
# latency under load and server RSS; not part of `make test` (which runs a small size).
.PHONY: load
load: $(STAMP)
	AGENTLS_LOAD=full $(BIN)/pytest -q -s -p no:cacheprovider tests/e2e/test_load.py

# The configuration schema's copies (README and docs tables, the Neovim option list, the VS
# Code settings), rewritten from server/agentls/config.py; `make test` checks they are current.
.PHONY: config-docs
config-docs: $(STAMP)
	$(BIN)/python -m agentls.config_render
