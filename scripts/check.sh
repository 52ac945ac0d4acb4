#!/usr/bin/env bash
# The fast tier (`make check`, first in `make test`): lint, format, types, and the tests that need
# no trained model and no servers. Each step's time is printed.
#
# Two pytest processes side by side rather than pytest-xdist's workers (which each import every
# test module): tests/rasa (the Rasa-side code: imports Rasa and TensorFlow, about 6 s) with
# tests/store (SQLite) and the deadline rules' property tests (hypothesis, about 12 s) in one, the
# rest of the Rasa-free tests/unit in the other, about equal in time.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
started=$(date +%s%N)
step() { echo; echo "=== $* ($(( ($(date +%s%N) - started) / 1000000 )) ms)"; }

step "ruff: lint"
$BIN/ruff check .
step "ruff: format"
$BIN/ruff format --check --quiet . || { echo "FAIL: run '.venv/bin/ruff format .' and commit"; exit 1; }

step "mypy (cers/, actions/, channels/), pytest tests/rasa tests/store, pytest tests/unit: side by side"
mkdir -p var
$BIN/mypy --no-error-summary --cache-dir var/mypy-cache >var/check-mypy.log 2>&1 &
mypy_pid=$!
# TEST_POSTGRES_URL is left to `make test`: this tier runs the store tests on SQLite only.
PROPERTIES=tests/unit/test_deadlines_properties.py
env -u TEST_POSTGRES_URL $BIN/python -m pytest tests/rasa tests/store "$PROPERTIES" -q -p no:cacheprovider "$@" >var/check-rasa.log 2>&1 &
rasa_pid=$!
failed=""
env -u TEST_POSTGRES_URL $BIN/python -m pytest tests/unit --ignore "$PROPERTIES" -q -p no:cacheprovider "$@" || failed="$failed tests/unit"
echo "--- tests/rasa tests/store $PROPERTIES"
if wait "$rasa_pid"; then tail -n 1 var/check-rasa.log; else cat var/check-rasa.log; failed="$failed tests/rasa+store"; fi
if ! wait "$mypy_pid"; then cat var/check-mypy.log; failed="$failed mypy"; fi
[ -z "$failed" ] || { echo "FAIL:$failed"; exit 1; }
step "check passed"
