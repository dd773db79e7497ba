#!/usr/bin/env bash
# Serve the demo: seed once, sync schedules, start one django-q2 worker and the web server.
# Ctrl-C stops all of them and the embedded PostgreSQL (when it is the one in use).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8000}
pids=()

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -z "${DATABASE_URL:-}" ]; then $PY -m helpdesk.embedded_pg stop; fi
  echo "Stopped."
}
trap cleanup EXIT INT TERM

$PY manage.py seed_demo
$PY manage.py sync_schedules
$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)
sleep 2
cat <<MSG

  Handoff is running:  http://127.0.0.1:$PORT/
  Admin:               http://127.0.0.1:$PORT/admin/
  API docs:            http://127.0.0.1:$PORT/api/docs/
  Demo logins are printed above by seed_demo (password: handoff-demo).
  Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}"
