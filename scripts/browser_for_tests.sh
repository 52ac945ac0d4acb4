#!/usr/bin/env bash
# Makes the widget's browser tests runnable: Debian's chromium (playwright cannot download
# browsers here) and web/node_modules (playwright-core, socket.io-client) from the lock file.
# Idempotent; the tests (tests/live/test_widget_browser.py) call it. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

# npm ci again only when package-lock.json changed since the last install.
if ! cmp -s web/package-lock.json web/node_modules/.cers-installed-lock 2>/dev/null; then
  echo "Installing web/node_modules (npm ci)..."
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  cp web/package-lock.json web/node_modules/.cers-installed-lock
fi
echo "chromium: $(command -v chromium)"
