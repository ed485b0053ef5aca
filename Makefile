# The documented way to do things. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run data test test-sqlite test-postgres test-browser test-stack lint format messages lock check clean bench purge-suggestions

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1m%-15s\033[0m %s\n", $$1, $$2}'

$(BIN)/activate: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate ## Create .venv and install the locked dependencies

# axe-core, injected by the browser tests' accessibility scans, and vnu-jar, the Nu HTML
# Checker of tests/test_html_validity.py (test-only).
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: browser accessibility scans will be skipped"; fi

data: install ## Migrate the database and load territories, reference lists and seed poles (idempotent)
	$(MANAGE) migrate --noinput
	$(MANAGE) bootstrap

run: data ## From a fresh clone to a running site at http://127.0.0.1:8000
	$(MANAGE) runserver $(HOST):$(PORT)

test: install node_modules/.package-lock.json ## Whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(BIN)/pytest

test-sqlite: install node_modules/.package-lock.json ## Whole test suite on SQLite, whatever DATABASE_URL says
	env -u DATABASE_URL $(BIN)/pytest

test-browser: install node_modules/.package-lock.json ## Only the browser tests (Playwright + Debian's Chromium)
	$(BIN)/pytest tests/browser

test-postgres: install node_modules/.package-lock.json ## Whole test suite on the local PostgreSQL (127.0.0.1:5432)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ptce} $(BIN)/pytest

test-stack: install ## Production-like stage: nginx + two gunicorn + PostgreSQL + Redis (tests/stack)
	$(BIN)/pytest -m stack tests/stack

lint: install ## ruff check, ruff format --check, import layering, missing migrations, system checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

format: install ## Reformat the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install ## Update the French/English message files and compile them
	$(MANAGE) makemessages -l fr -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(MANAGE) compilemessages --ignore=.venv

lock: install ## Re-resolve the dependencies of pyproject.toml into the lock files
	$(BIN)/pip install --quiet uv
	$(BIN)/uv lock
	$(BIN)/uv export --format requirements-txt --no-dev --no-hashes -q -o requirements.txt
	$(BIN)/uv export --format requirements-txt --all-groups --no-hashes -q -o requirements-dev.txt

check: install ## Django's deployment checks with production settings
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') DJANGO_SETTINGS_MODULE=ptce_site.settings.prod $(MANAGE) check --deploy --fail-level WARNING

bench: install ## Benchmark at national scale: synthetic data on PostgreSQL, gunicorn, wrk (devtools/bench/README.md)
	$(PY) devtools/bench/run.py $(BENCH_ARGS)

purge-suggestions: install ## Erase contributors' e-mail addresses 12 months after the decision (run daily)
	$(MANAGE) purge_suggestions

clean: ## Remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache staticfiles
