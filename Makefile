# French IMPACT platform — every routine task is a make target (`make help`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run serve migrate demo worker test checks pytest test-postgres e2e chromium fmt lint lock bench bench-seed bench-calls bench-sirene bench-opendata bench-search clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (with the venv module): none was found on the PATH." >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "$(PYTHON) lacks the venv/ensurepip modules: install them (Debian/Ubuntu: apt install python3-venv)." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

install: $(STAMP) ## Create the virtual environment from the lock file

migrate: install ## Apply migrations and create the cache table
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate ## Load reference data and demo data (idempotent), publish the open datasets
	$(MANAGE) load_reference_data
	$(MANAGE) seed_demo
	$(MANAGE) publish_datasets

run: demo ## Install, prepare the database with demo data, and serve on 127.0.0.1:$(PORT)
	@PORT=$(PORT) PY=$(PY) scripts/serve.sh

serve: install ## Serve without touching the database (web + worker)
	@PORT=$(PORT) PY=$(PY) scripts/serve.sh

worker: install ## Run the background worker and the scheduler of periodic jobs
	$(MANAGE) run_worker

chromium: ## Check that a Chromium for the browser tests is available
	@scripts/find-chromium.sh >/dev/null || { echo "No Chromium found for the browser tests: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH to its binary." >&2; exit 1; }

checks: install ## Lint, format check, types, Django checks, migrations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DJANGO_ENV=test $(MANAGE) check --fail-level WARNING
	DJANGO_ENV=test $(MANAGE) makemigrations --check --dry-run

pytest: install chromium ## Run the whole pytest suite (browser tests included) on DATABASE_URL
	CHROMIUM_PATH="$$(scripts/find-chromium.sh)" $(VENV)/bin/pytest $(PYTEST_ARGS)

test: checks pytest ## Run every check and test (SQLite unless DATABASE_URL is set)

test-postgres: install chromium ## Run the pytest suite on PostgreSQL (starts a throwaway server if needed)
	scripts/with-postgres.sh $(MAKE) pytest

fmt: install ## Format and auto-fix the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: ## Re-pin the dependencies (needs network): edit pyproject.toml first
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

bench: demo ## Run the request-latency benchmark (bench/run.py; figures go in bench/RESULTS.md)
	$(PY) bench/run.py

bench-seed: install ## Time seed_demo with 100,000 organisations on a fresh SQLite database
	$(PY) bench/seed_demo.py

bench-calls: install ## Time the consolidation of 500 applications × 5 reviewers × 10 criteria (< 200 ms)
	$(PY) bench/bench_consolidation.py

bench-sirene: install ## Time the SIRENE StockUniteLegale import (2M rows, ~5 % ESS; BENCH_SIRENE_ROWS)
	$(PY) bench/bench_sirene_import.py

bench-opendata: install ## Time publishing the organisations dataset (BENCH_OPENDATA_ROWS, default 1,000,000)
	$(PY) bench/bench_publish_datasets.py

bench-search: install ## Search latency through the API at SCALE organisations (default 1,000,000) vs a tantivy reference
	$(PY) bench/bench_search.py

clean: ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var
