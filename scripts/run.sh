#!/usr/bin/env bash
# Serve the demo: database, migrations, demo data (once), schedules, one django-q2 cluster and
# gunicorn (settings in gunicorn.conf.py, the same server as production). Ctrl-C (or SIGTERM) stops all of them, and the embedded PostgreSQL when this script
# started it, so nothing is left running.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# The demo is a development server: debug pages on unless the caller says otherwise.
export DEBUG=${DEBUG:-1}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
pids=()
started_db=""

cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$started_db" ]; then $PY -m helpdesk.embedded_pg stop && echo "Embedded PostgreSQL stopped."; fi
  echo "Stopped."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  if ! $PY -m helpdesk.embedded_pg status >/dev/null; then started_db=1; fi
  $PY -m helpdesk.embedded_pg start >/dev/null || exit 1
  echo "Embedded PostgreSQL running in .pgdata/"
fi
$PY manage.py migrate --noinput || exit 1
# The demo's Shopify: a loopback fake speaking the GraphQL Admin API (see docs/store.md).
STORE_PORT=${STORE_PORT:-8765}
$PY manage.py run_fake_store --port "$STORE_PORT" &
pids+=($!)
$PY manage.py seed_demo || exit 1
$PY manage.py seed_demo_store --api-base-url "http://127.0.0.1:$STORE_PORT" || exit 1
$PY manage.py sync_schedules || exit 1
$PY manage.py qcluster &
pids+=($!)
HOST=$HOST PORT=$PORT .venv/bin/gunicorn helpdesk.wsgi &
pids+=($!)

# Announce the URL once the server answers (or give up with the server's own error above).
if $PY - "$HOST" "$PORT" <<'PY'
import sys, time, urllib.request
url = f"http://{sys.argv[1]}:{sys.argv[2]}/api/v1/health/"
for _ in range(120):
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.25)
sys.exit(1)
PY
then
  cat <<MSG

  Handoff is running:  http://$HOST:$PORT/
  Admin:               http://$HOST:$PORT/admin/
  API docs:            http://$HOST:$PORT/api/docs/
  Logins are listed above (password: handoff-demo); admin is "admin".
  Press Ctrl-C to stop everything.

MSG
fi
wait -n "${pids[@]}"
