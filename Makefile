# partnergraph — `make run` serves the demo, `make test` runs the whole suite.
# Both set up a local .venv first, reinstalled whenever pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test lint test-sqlite test-postgres schema bench bench-integrations bench-load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The graphql-http audit (tests/test_http_audit.py) runs on Node, its package pinned.
AUDIT := tests/audit/node_modules/.installed-stamp
$(AUDIT): tests/audit/package.json tests/audit/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/audit --no-audit --no-fund --silent && touch $(AUDIT); \
	elif [ "$$CI" = "true" ]; then \
		echo "npm is missing and CI=true: failing"; exit 1; \
	else \
		echo "npm is missing: the graphql-http audit will be skipped"; \
	fi

setup: $(STAMP) $(AUDIT)

# The demo may send webhooks to receivers on this machine (http://127.0.0.1:…).
run: $(STAMP)
	$(BIN)/partnergraph migrate
	$(BIN)/partnergraph seed-demo
	PARTNERGRAPH_WEBHOOKS_ALLOW_PRIVATE_TARGETS=true $(BIN)/partnergraph serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The SQLite half also reports branch coverage of the planned executor.
PLAN_COVERAGE := --cov=schema.plans --cov=schema.shapes --cov=schema.relations --cov-branch --cov-report=term-missing

test-sqlite: $(STAMP) $(AUDIT)
	PARTNERGRAPH_TEST_DATABASE=sqlite $(BIN)/pytest $(PLAN_COVERAGE)

# Under CI=true a missing PostgreSQL is a failure; elsewhere the SQLite half still runs.
test-postgres: $(STAMP) $(AUDIT)
	@if $(BIN)/python -m tests.postgres_available; then \
		PARTNERGRAPH_TEST_DATABASE=postgres $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable and CI=true: failing"; exit 1; \
	else \
		echo "PostgreSQL is not reachable: ran the SQLite half only"; \
	fi

test: lint test-sqlite test-postgres

# partnergraph beside the raw floor, on SQLite and PostgreSQL: bench/results/report-*.md
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Bulk sync, change feed and webhook throughput: bench/results/integrations-*.md
bench-integrations: $(STAMP)
	$(BIN)/python -m bench.integrations $(BENCH_ARGS)

# 5 minutes of mixed reads and writes at 80 % of measured capacity: bench/results/load-postgres.md
bench-load: $(STAMP)
	$(BIN)/python -m bench.load $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/partnergraph export-schema > schema.graphql

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
