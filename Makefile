# The CERS help assistant: `make run` starts it, `make test` tests all of it.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/cers.tar.gz
SPACY_PIPELINE := build/spacy_en_lookup/meta.json
# The website widget's socket.io client (and playwright-core for its browser tests), from npm.
WIDGET_DEPS := web/node_modules/.cers-installed-lock
TRAINING_FILES := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
# The classifier's code is pickled into the model, and the policy (config.yml names it) is
# trained with the model: a change to either means training again.
TRAINING_FILES += cers/intent_model.py channels/intent_classifier.py
# The topic table makes the one-reply topics' rules (config.yml's importers).
TRAINING_FILES += cers/topics.yml cers/topics.py channels/topic_rules.py channels/policies.py

# Defaults for endpoints.yml; override any of them in the environment.
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export TRACKER_STORE_URL ?= sqlite:///$(CURDIR)/var/conversations.db
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore

.PHONY: run setup train shell test check validate bench import migrate demo-data lock clean cluster test-cluster staff-user purge deploy-check bench-cluster audit remind

## Set everything up, train if needed, start the action server (5055) and Rasa (5005).
run: setup $(MODEL) migrate demo-data
	@scripts/run.sh

## The bot as a cluster on this machine: PostgreSQL, Redis, REPLICAS (2) Rasa replicas with an
## action server each, haproxy on 5005 (README, "Running as a cluster"). Ctrl-C stops all of it.
cluster: setup $(MODEL)
	@scripts/cluster.sh run

## A terminal conversation with the bot (starts the action server too).
shell: setup $(MODEL) migrate demo-data
	@scripts/run.sh --shell

## Import an office's CERS export (facilities.csv, submittals.csv, changes.csv) into DATABASE_URL.
import: setup
	@test -n "$(DATA)" || { echo "usage: make import DATA=path/to/folder"; exit 2; }
	$(PY) -m cers.facilities.importer "$(DATA)"

## Bring the facility database (DATABASE_URL) to the latest schema: once, before any server starts.
migrate: setup
	@$(PY) -m cers.facilities.migrations

## A staff account for the office's dashboard (/staff/), or a new one-time password for an
## existing one (its sessions end): make staff-user NAME=maria.lopez. Prints the one-time password.
staff-user: setup migrate
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=maria.lopez"; exit 2; }
	@$(PY) -m cers.dashboard.accounts "$(NAME)"

## Delete conversations older than RETENTION_DAYS (365) from TRACKER_STORE_URL, logged. Run it daily.
purge: setup
	@$(PY) -m cers.dashboard.retention

## Load the demo facilities when the facility database is empty.
demo-data: setup
	@$(PY) -m cers.facilities.importer --if-empty demo/facilities

setup: $(VENV)/.installed $(SPACY_PIPELINE) var/.created $(WIDGET_DEPS)

$(VENV)/.installed: requirements.lock requirements-nodeps.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.10 (pyenv install 3.10)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-nodeps.lock
	@touch $@

$(SPACY_PIPELINE): $(VENV)/.installed scripts/build_spacy_pipeline.py
	$(PY) scripts/build_spacy_pipeline.py build/spacy_en_lookup

$(WIDGET_DEPS): web/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18 or later (the website widget needs its socket.io client)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@cp web/package-lock.json $@

var/.created:
	@mkdir -p var models && touch $@

## Train only when the training data, domain or config changed since the last model.
train: setup $(MODEL)
$(MODEL): $(TRAINING_FILES) $(SPACY_PIPELINE)
	$(RASA) train --fixed-model-name cers --out models --num-threads 2

validate: setup
	$(RASA) data validate --fail-on-warnings

## Fast checks first, then the whole suite: data validation, test stories, NLU held-out
## evaluation, pytest (unit, store, action tests, and conversations through live servers).
test: check $(MODEL)
	@scripts/test.sh

## The fast tier (under a minute, no model, no servers): lint, format, types, unit, Rasa-side and store tests.
check: setup
	@scripts/check.sh

## deploy/ checked without a cluster or a Docker daemon (under a minute; in make test): the Kubernetes
## manifests rendered and validated, the compose file against the Compose specification, the
## Dockerfiles linted, their commands the cluster's (scripts/deploy_check.py).
deploy-check: setup
	@$(PY) scripts/deploy_check.py

## The cluster's tests (tests/cluster/, at most 10 minutes): they start their own cluster (in
## var/cluster-test/run-<pid>, on free ports) and put it under load, kill a replica, restart Redis
## and PostgreSQL.
test-cluster: setup $(MODEL)
	@dir=var/cluster-test/run-$$$$; \
	  CERS_CLUSTER_TESTS=1 CERS_CLUSTER_DIR=$$dir timeout -k 20 600 $(PY) -m pytest tests/cluster -q -p no:cacheprovider; \
	  status=$$?; CLUSTER_DIR=$$dir scripts/cluster.sh stop >/dev/null 2>&1 || true; \
	  if [ $$status = 0 ]; then rm -rf $$dir; else echo "logs of the cluster: $$dir"; fi; exit $$status

## The deadline reminders due now, texted through Twilio (scripts/remind.py, issue 21); ARGS="--dry-run"
## prints what would be sent and records nothing, ARGS="--now 2026-11-23T10:30" runs at that office time.
remind: setup
	@$(PY) scripts/remind.py $(ARGS)

## A vulnerability scan of both lock files (Python and npm); says "NOT CHECKED: ... no database"
## and fails (exit 3) where a scanner cannot reach its database: never a silent pass.
audit:
	@scripts/audit.sh

bench: setup $(MODEL)
	$(PY) -m bench.run
	$(PY) bench/bench_store.py
	$(PY) bench/bench_widget.py
	$(PY) bench/bench_dashboard.py
	$(PY) bench/bench_limits.py
	$(PY) bench/bench_reminders.py

## The cluster against the single process, side by side (1 and 2 replicas, the Redis lock's cost);
## writes docs/deploy.md's measurements and deploy/sizes.json.
bench-cluster: setup $(MODEL)
	$(PY) bench/bench_cluster.py

## Regenerate the lock file from requirements.in (needs the package registry).
lock:
	rm -rf /tmp/cers-lock-venv && $(PYTHON) -m venv /tmp/cers-lock-venv
	/tmp/cers-lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/cers-lock-venv/bin/pip freeze --all | grep -v '^pip==' > requirements.lock

clean:
	rm -rf models/*.tar.gz build results var/*.db
