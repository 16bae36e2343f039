# HIMS. `make run` for the demo, `make test` for the whole suite. Nothing else to set up.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL := $(or $(HIMS_TEST_POSTGRES_URL),$(DATABASE_URL))
CHROMIUM := $(or $(HIMS_CHROMIUM),/usr/bin/chromium)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck migrations-check pytest pytest-sqlite pytest-postgres ci lock messages clean browser-deps

$(BIN)/python:
	@$(PY) -c 'import ensurepip, venv' 2>/dev/null || { echo "Installing python3-venv (Debian)"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	$(PY) -m venv $(VENV)

$(VENV)/.run-installed: $(BIN)/python requirements/lock.txt pyproject.toml
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements/lock.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements/dev-lock.txt
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements/dev-lock.txt
	@touch $@

## The seeded demo network on SQLite (var/hims.sqlite3) at http://127.0.0.1:$(PORT)
run: $(VENV)/.run-installed
	HIMS_DEMO=1 $(BIN)/hims migrate --noinput
	HIMS_DEMO=1 $(BIN)/hims seed-demo
	HIMS_DEMO=1 $(BIN)/hims runserver 127.0.0.1:$(PORT)

browser-deps:
	@[ -x "$(CHROMIUM)" ] || { echo "Installing Debian's chromium for the browser tests"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-core; }
	@fc-list 2>/dev/null | grep -qi "Noto Sans Devanagari" || $(SUDO) apt-get install -y -qq fonts-noto-core
	@command -v pdftotext >/dev/null || { echo "Installing poppler-utils (the PDF tests read the slips)"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils; }

## The whole suite: lint, types, migrations, pytest on SQLite and (when configured) PostgreSQL
test: $(VENV)/.dev-installed browser-deps lint typecheck migrations-check pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check hims $(wildcard benchmarks)
	$(BIN)/ruff format --check hims $(wildcard benchmarks)

typecheck: $(VENV)/.dev-installed
	HIMS_TESTING=1 $(BIN)/mypy hims

migrations-check: $(VENV)/.dev-installed
	HIMS_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: $(VENV)/.dev-installed
	env -u DATABASE_URL HIMS_TESTING=1 $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

pytest-postgres: $(VENV)/.dev-installed
ifneq ($(PG_URL),)
	HIMS_TESTING=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)
else
	@echo "PostgreSQL run skipped: set HIMS_TEST_POSTGRES_URL (CI does) to run the suite on PostgreSQL too."
endif

ci: test

## Regenerate the hashed lock files from pyproject.toml (needs uv: pip install uv)
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements/lock.txt -q
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements/dev-lock.txt -q

## Extract and compile the Hindi catalogue (needs gettext)
messages: $(VENV)/.dev-installed
	cd hims && HIMS_TESTING=1 ../$(BIN)/python ../manage.py makemessages -l hi --no-obsolete --ignore "tests/*"
	cd hims && HIMS_TESTING=1 ../$(BIN)/python ../manage.py compilemessages -l hi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
