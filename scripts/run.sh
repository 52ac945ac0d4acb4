#!/usr/bin/env bash
# Starts the action server, the Rasa server and the widget's demo page (or a terminal chat with
# --shell); Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA=.venv/bin/rasa
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
DEMO_PORT=${DEMO_PORT:-8080}
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
.venv/bin/python -m actions.serve --port "$ACTION_PORT" >var/action-server.log 2>&1 &
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

# The demo page: a mock county page embedding the chat widget, served from another port (as a
# county site would be: another origin). Optional: the bot runs without it.
BOT_URL=${PUBLIC_BASE_URL:-http://localhost:$RASA_PORT}
BOT_URL=${BOT_URL%/}
DEMO_URL=""
.venv/bin/python scripts/serve_demo.py --port "$DEMO_PORT" --bot-url "$BOT_URL" >var/demo-page.log 2>&1 &
demo_pid=$!
for _ in $(seq 1 20); do
  sleep 0.25
  kill -0 "$demo_pid" 2>/dev/null || break  # e.g. the port is taken
  if curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_PORT/" 2>/dev/null; then DEMO_URL="http://localhost:$DEMO_PORT/"; break; fi
done
if [[ -n "$DEMO_URL" ]]; then
  pids+=("$demo_pid")
else
  kill "$demo_pid" 2>/dev/null || true
  echo "The widget's demo page did not start (is port $DEMO_PORT taken? set DEMO_PORT); see var/demo-page.log" >&2
fi

cat <<MSG

The CERS help assistant is running.
  Talk to it over REST:
    curl -s -X POST http://localhost:$RASA_PORT/webhooks/rest/webhook \\
         -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "how do I add a user?"}'
  The website chat widget: ${DEMO_URL:+open the demo page }${DEMO_URL:-(demo page not started)}
    embed it with <script src="$BOT_URL/widget.js" data-bot-url="$BOT_URL" defer></script>
$(.venv/bin/python -m channels.config credentials.yml --rasa-url "http://localhost:$RASA_PORT" --demo-url "$DEMO_URL" | sed 's/^/  /')
  Logs: var/rasa-server.log, var/action-server.log, var/demo-page.log
  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "A server stopped; see the logs in var/." >&2
