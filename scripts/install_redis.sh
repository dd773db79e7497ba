#!/usr/bin/env bash
# Make Debian/Ubuntu's redis-server available for the multi-process test (two gunicorn and two
# qcluster processes sharing one Redis broker on loopback). The server is only started by that
# test, on a free port; nothing runs as a service. Without it that test skips.
set -uo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "redis-server is not installed and apt needs root: the multi-process test will be skipped." >&2; exit 0
  fi
fi
if command -v apt-get >/dev/null 2>&1; then
  echo "Installing redis-server for the multi-process test..."
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: the server alone; the test starts its own instance on a free port.
  $SUDO apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1; } \
    || echo "Could not install redis-server: the multi-process test will be skipped." >&2
elif command -v brew >/dev/null 2>&1; then
  brew install redis >/dev/null || echo "Could not install redis: the multi-process test will be skipped." >&2
else
  echo "No apt-get or brew: install redis-server yourself for the multi-process test (it skips otherwise)." >&2
fi
exit 0
