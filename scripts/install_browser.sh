#!/usr/bin/env bash
# Make Debian/Ubuntu's chromium available for the end-to-end tests (Playwright drives it via
# executable_path; `playwright install` cannot download here). Without it those tests skip.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "chromium is not installed and apt needs root: browser tests will be skipped." >&2; exit 0
  fi
fi
if command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q chromium >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q chromium >/dev/null 2>&1; } \
    || echo "Could not install chromium: browser tests will be skipped." >&2
else
  echo "No apt-get: install Chromium yourself for the browser tests (they skip otherwise)." >&2
fi
exit 0
