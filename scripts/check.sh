#!/usr/bin/env bash
# The fast tier (`make check`, first in `make test`): lint, format, types, and the tests that need
# no trained model and no servers. Each step's time is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started=$(date +%s%N)
step() { echo; echo "=== $* ($(( ($(date +%s%N) - started) / 1000000 )) ms)"; }

step "ruff: lint"
$BIN/ruff check .
step "ruff: format"
$BIN/ruff format --check --quiet . || { echo "FAIL: run '.venv/bin/ruff format .' and commit"; exit 1; }
step "mypy: cers/ and actions/"
$BIN/mypy --no-error-summary
step "pytest: tests/unit and tests/store (SQLite)"
# Two workers: the two cores of these machines. TEST_POSTGRES_URL is left to `make test`.
env -u TEST_POSTGRES_URL $BIN/python -m pytest tests/unit tests/store -q -p no:cacheprovider -n 2 "$@"
step "check passed"
