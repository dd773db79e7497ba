#!/usr/bin/env bash
# The test run behind `make test` and CI: database, migrations, lint, then pytest against PostgreSQL.
# Non-interactive (no stdin); stops the embedded PostgreSQL afterwards when it started it.
set -uo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-true}
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-helpdesk.settings_test}
started_db=""

cleanup() {
  if [ -n "$started_db" ]; then $PY -m helpdesk.embedded_pg stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  if ! $PY -m helpdesk.embedded_pg status >/dev/null; then started_db=1; fi
  $PY -m helpdesk.embedded_pg start >/dev/null || exit 1
fi
$PY manage.py migrate --noinput -v 0 || exit 1
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
# Types on the domain modules ([tool.mypy] in pyproject.toml says which).
.venv/bin/mypy || exit 1
# shellcheck disable=SC2086
$PY -m pytest -q ${PYTEST_ARGS:-} </dev/null
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$status"
