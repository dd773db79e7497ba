# Handoff: `make run` sets everything up and serves the demo; `make test` runs lint and tests.
# DATABASE_URL picks a PostgreSQL; without it a project-local server runs from .pgdata/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_NO_INPUT := 1

.PHONY: run test install models browser redis db stop-db lint clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed models

# The semantic triage model (about 90 MB, once); triage falls back to the built-in backend without it.
models: $(BIN)/.installed
	@bash scripts/fetch_models.sh || echo "warning: semantic triage model not installed; triage uses the built-in backend"

run: install
	PORT=$(PORT) bash scripts/run.sh

browser:
	@bash scripts/install_browser.sh </dev/null

# redis-server for the multi-process test (Redis broker shared by two web and two worker processes).
redis:
	@bash scripts/install_redis.sh </dev/null

test: install browser redis
	CI=true bash scripts/test.sh </dev/null

db: install
	$(BIN)/python -m helpdesk.embedded_pg start

stop-db:
	$(BIN)/python -m helpdesk.embedded_pg stop

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: stop-db
	rm -rf $(VENV) .pgdata staticfiles media artifacts
