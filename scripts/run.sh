#!/usr/bin/env bash
# Starts the action server and the Rasa server (or a terminal chat with --shell); Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA=.venv/bin/rasa
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
mkdir -p var
pids=()

stop_all() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    echo; echo "Stopping the bot..."
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_for() {  # url, name, pid
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "The $2 stopped while starting; see var/$2.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "The $2 did not start within 2 minutes; see var/$2.log" >&2; exit 1
}

echo "Starting the action server on port $ACTION_PORT..."
$RASA run actions --actions actions --port "$ACTION_PORT" >var/action-server.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ACTION_PORT/health" action-server "${pids[-1]}"

if [[ "${1:-}" == "--shell" ]]; then
  $RASA shell --model models/cers.tar.gz --endpoints endpoints.yml
  exit 0
fi

echo "Starting the Rasa server on port $RASA_PORT (loading the model takes a few seconds)..."
.venv/bin/python -m channels.serve run --model models/cers.tar.gz --endpoints endpoints.yml --credentials credentials.yml \
  --port "$RASA_PORT" --cors "*" >var/rasa-server.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$RASA_PORT/" rasa-server "${pids[-1]}"

cat <<MSG

The CERS help assistant is running.
  Talk to it over REST:
    curl -s -X POST http://localhost:$RASA_PORT/webhooks/rest/webhook \\
         -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "how do I add a user?"}'
  Logs: var/rasa-server.log, var/action-server.log
  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "A server stopped; see the logs in var/." >&2
