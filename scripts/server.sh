#!/usr/bin/env bash
# The commands that run the bot's processes, one copy for every way of running it: `make cluster`
# (scripts/cluster.sh) runs them on this machine, and the containers of deploy/ (Dockerfiles,
# docker-compose.yml, the Kubernetes manifests) run the same ones, so what the cluster tests
# exercise is what a county deploys (make deploy-check compares them).
#   scripts/server.sh rasa [rasa run options]   the Rasa server with the speed fixes and the widget (channels.serve)
#                                               MODEL (models/cers.tar.gz), RASA_ENDPOINTS (endpoints.cluster.yml)
#   scripts/server.sh actions [--port P]        the action server (ACTION_SERVER_HOST: the address it listens on)
#   scripts/server.sh migrate [--demo-if-empty] once, before any server starts: the facility database to the latest
#                                               schema (Alembic; the demo facilities when it is empty, if asked) and
#                                               the tracker store's table
#   scripts/server.sh import FOLDER             loads a CERS export (facilities.csv, submittals.csv, changes.csv)
#                                               into DATABASE_URL, all or nothing (as make import)
#   scripts/server.sh remind [options]          the deadline reminders due now (scripts/remind.py, as make remind):
#                                               a Kubernetes CronJob runs it every hour; it sends only 08:00-21:00
#                                               office time and each reminder once, however often it runs
#   scripts/server.sh remind-every SECONDS      the same, again every SECONDS (docker compose has no cron)
#   scripts/server.sh wait-for-schema [SECONDS] waits (600 s at most) until the facility database is at this
#                                               release's schema: a container's first step, so a new release's
#                                               servers start only after its migration job
# A variable whose value still holds the examples' placeholder (CHANGE-ME) stops it with the variable's
# name: an example file copied without filling it in must not run a public bot.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${CERS_PYTHON:-$PWD/.venv/bin/python}

die() { echo "server.sh: $*" >&2; exit 1; }

placeholders=$(env | grep -E '^[A-Z][A-Z0-9_]*=.*CHANGE-ME' | cut -d= -f1 | paste -sd' ' - || true)
[[ -z $placeholders ]] || die "still the example's placeholder (CHANGE-ME): $placeholders; set the real values"

command=${1:-}
[[ -n $command ]] && shift
case $command in
  rasa)
    exec "$PY" -m channels.serve run --model "${MODEL:-models/cers.tar.gz}" \
      --endpoints "${RASA_ENDPOINTS:-endpoints.cluster.yml}" --credentials credentials.yml --cors "*" "$@"
    ;;
  actions)
    exec "$PY" -m actions.serve "$@"
    ;;
  migrate)
    demo=0
    for arg in "$@"; do
      case $arg in
        --demo-if-empty) demo=1 ;;
        *) die "migrate: unknown option $arg" ;;
      esac
    done
    [[ -n ${TRACKER_STORE_URL:-} ]] || die "migrate: TRACKER_STORE_URL is not set"
    if ((demo)); then
      "$PY" -m cers.facilities.importer --if-empty demo/facilities  # migrates first
    else
      "$PY" -m cers.facilities.migrations
    fi
    "$PY" -m channels.tracker_store --create-tables "$TRACKER_STORE_URL"
    ;;
  import)
    exec "$PY" -m cers.facilities.importer "$@"
    ;;
  remind)
    exec "$PY" scripts/remind.py "$@"
    ;;
  remind-every)
    every=${1:-}
    [[ $every =~ ^[0-9]+$ && $every -ge 60 ]] || die "remind-every: give the seconds between runs (60 or more), not '${every}'"
    shift
    while true; do
      "$PY" scripts/remind.py "$@" || echo "server.sh: remind failed (exit $?); trying again in ${every} s" >&2
      sleep "$every"
    done
    ;;
  wait-for-schema)
    exec "$PY" -m cers.facilities.migrations --wait "${1:-600}"
    ;;
  *)
    echo "usage: $0 rasa|actions|migrate|import|remind|remind-every|wait-for-schema [options]" >&2
    exit 2
    ;;
esac
