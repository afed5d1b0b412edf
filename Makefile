# Two commands matter: `make run` (the whole system) and `make test` (the whole suite).
# Everything else here is a step those two depend on.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_DIR := tools/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-stamp

.PHONY: install node run demo test check compose bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Dev-only Node.js oracles (Apollo composition/gateway, graphql-http audit) for tests.
node: $(NODE_STAMP)

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) scripts/run_all.py

# The original testing workflow against the running system (ROUTER_URL, default :8000).
demo: install
	$(PY) -m examples.walkthrough

test: install node
	$(PY) -m pytest

check: install
	$(PY) -m router check

compose: install
	$(PY) -m router compose --config supergraph.yaml --output supergraph.graphql

# Router vs its peers (bench/run.py; installs them into bench/node_modules on first run).
# Options: make bench BENCH_ARGS="--scenario all --rounds 3"
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules bench/node_modules .pytest_cache
	find . -name '*.db' -o -name '*.db-wal' -o -name '*.db-shm' | xargs rm -f
