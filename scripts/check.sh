#!/usr/bin/env bash
# The fast tier (`make check`, first in `make test`): lint, format, types, and the tests that need
# no trained model and no servers (tests/unit, tests/store on SQLite). Each step's time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started=$(date +%s%N)
step() { echo; echo "=== $* ($(( ($(date +%s%N) - started) / 1000000 )) ms)"; }

step "ruff: lint"
$BIN/ruff check .
step "ruff: format"
$BIN/ruff format --check --quiet . || { echo "FAIL: run '.venv/bin/ruff format .' and commit"; exit 1; }

step "mypy (cers/, actions/) beside pytest (tests/unit, tests/store; two workers)"
mkdir -p var
$BIN/mypy --no-error-summary --cache-dir var/mypy-cache >var/check-mypy.log 2>&1 &
mypy_pid=$!
# TEST_POSTGRES_URL is left to `make test`: this tier runs the store tests on SQLite only.
env -u TEST_POSTGRES_URL $BIN/python -m pytest tests/unit tests/store -q -p no:cacheprovider -n 2 "$@"
if ! wait "$mypy_pid"; then
  cat var/check-mypy.log; echo "FAIL: mypy"; exit 1
fi
step "check passed"
