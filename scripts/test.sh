#!/usr/bin/env bash
# The whole test suite (`make test`, after make check): deploy/ checked, data validation, test stories, NLU held-out evaluation, PostgreSQL and live-server tests.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA=.venv/bin/rasa
PY=.venv/bin/python
mkdir -p results
started=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - started )) s)"; }

step "deploy/ without a cluster or a Docker daemon (make deploy-check)"
$PY scripts/deploy_check.py

step "rasa data validate"
$RASA data validate --fail-on-warnings 2>&1 | tee results/validate.log
# Rasa reports unused intents/responses as warnings without failing: clean means none. A
# response that code sends though no story names it (an action's *_RESPONSE from the vocabulary,
# a form's utter_ask_<slot>, a topic answered by action_office_topic) is used: those warnings are
# dropped, for the names scripts/responses_sent_by_code.py lists.
sent_by_actions=$($PY scripts/responses_sent_by_code.py | paste -sd'|' -)
if grep -E "UserWarning|MissingResponse" results/validate.log \
    | grep -vE "The utterance '(${sent_by_actions:-none})' is not used in any story or rule"; then
  echo "FAIL: rasa data validate printed the warnings above"; exit 1
fi

step "test stories (--fail-on-prediction-errors)"
$RASA test core --model models/cers.tar.gz --stories tests/test_stories.yml \
  --fail-on-prediction-errors --out results/core

step "NLU: held-out sets and emergency sets (floors in tests/nlu/floors.yml)"
$PY scripts/evaluate_nlu.py --model models/cers.tar.gz --json results/nlu.json

step "PostgreSQL for the store and tracker-store tests"
# A throwaway server (installed from Debian's packages when missing), stopped when we exit.
TEST_POSTGRES_URL=$(scripts/postgres_for_tests.sh start)
export TEST_POSTGRES_URL
trap 'scripts/postgres_for_tests.sh stop >/dev/null 2>&1 || true' EXIT

# make check ran tests/unit, tests/rasa and tests/store (on SQLite) already: here the store and
# tracker-store tests again with PostgreSQL beside SQLite, then everything that needs servers.
step "pytest: store and tracker-store tests on PostgreSQL"
$PY -m pytest tests/store tests/rasa/test_speed_tracker_store.py -q -p no:cacheprovider "$@"

step "pytest: the trained model (tests/model), then conversations with live servers (tests/live, tests/cluster's single-process tests)"
$PY -m pytest tests/model tests/live tests/cluster -q -p no:cacheprovider "$@"

# The suite passes for any office (issue 23): the fast tier's unit tests and the FAQ, status and
# walkthrough conversations again, with a second, fictional office (another phone and hours, due
# April 1, no UST program): the tests read the office in use.
step "with another office (OFFICE_FILE=offices/example-county.yml): tests/unit, FAQ, status and walkthrough conversations"
OFFICE_FILE=offices/example-county.yml $PY -m pytest tests/unit -q -p no:cacheprovider -n 2 "$@"
OFFICE_FILE=offices/example-county.yml $PY -m pytest tests/live/test_faq_conversations.py \
  tests/live/test_status_conversations.py tests/live/test_walkthrough_conversations.py -q -p no:cacheprovider "$@"

step "all tests passed"
