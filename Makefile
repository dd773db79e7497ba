# Handoff: `make run` sets everything up and serves the demo; `make test` runs lint and tests.
# DATABASE_URL picks a PostgreSQL; without it a project-local server runs from .pgdata/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test setup install db migrate browser stop-db lint clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --progress-bar on -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

db: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m helpdesk.embedded_pg start >/dev/null && echo "Embedded PostgreSQL running in .pgdata/"; fi

migrate: db
	$(BIN)/python manage.py migrate --noinput

setup: migrate

run: setup
	PORT=$(PORT) bash scripts/run.sh

browser:
	@bash scripts/install_browser.sh

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

stop-db:
	$(BIN)/python -m helpdesk.embedded_pg stop

clean: stop-db
	rm -rf $(VENV) .pgdata staticfiles media artifacts
