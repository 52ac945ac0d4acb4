#!/usr/bin/env bash
# Runs the bot as a cluster on one machine (README, "Running as a cluster"): PostgreSQL, Redis,
# REPLICAS Rasa replicas (ports 5010+N) and as many action servers (5055+N), haproxy on 5005 in
# front of the replicas and on 127.0.0.1:5055 in front of the action servers (any replica calls any
# action server that is up), and the demo page on 8080.
#   scripts/cluster.sh start         starts whatever is not running; returns once all of it is healthy
#   scripts/cluster.sh stop [NAME]   stops all of it (or one process: rasa-1, actions-2, redis, postgres, haproxy, demo;
#                                    under `make cluster` it stays stopped, not started again behind your back,
#                                    until `scripts/cluster.sh start`)
#   scripts/cluster.sh run           start, say how to reach it, keep it running until Ctrl-C (a process that
#                                    stops is started again), then stop (`make cluster`)
#   scripts/cluster.sh status        what runs
#   scripts/cluster.sh roll          a new release or model (MODEL) without downtime: migrations, then each replica
#                                    in turn drained in haproxy, stopped, started again with its action server, back in
# Each process writes $CLUSTER_DIR/<name>.pid and its log, <name>.log (CLUSTER_DIR: var/cluster).
# Debian's postgresql, redis-server and haproxy are installed when missing (apt-get, as root or with sudo).
# Works unattended (CI=true, no terminal); as root, PostgreSQL runs as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

REPLICAS=${REPLICAS:-2}
BOT_PORT=${CLUSTER_PORT:-5005}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6380}
PG_PORT=${CLUSTER_POSTGRES_PORT:-5433}
RASA_BASE=${CLUSTER_RASA_PORT_BASE:-5010}        # rasa-N listens on RASA_BASE+N
ACTIONS_BASE=${CLUSTER_ACTIONS_PORT_BASE:-5055}  # actions-N on ACTIONS_BASE+N, haproxy for them on ACTIONS_BASE
DEMO_PORT=${DEMO_PORT:-8080}
mkdir -p "${CLUSTER_DIR:-var/cluster}"
DIR=$(cd "${CLUSTER_DIR:-var/cluster}" && pwd)
PY=$ROOT/.venv/bin/python
SUPERVISOR=$DIR/supervisor.pid  # make cluster (scripts/cluster.sh run), which starts again what stops
MODEL=${MODEL:-$ROOT/models/cers.tar.gz}

# What every replica and action server reads (cers/settings.py; README, "Configuration").
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/cers"
export TRACKER_STORE_URL="postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/cers_conversations"
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-5}
export TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1}
export RASA_TELEMETRY_ENABLED=${RASA_TELEMETRY_ENABLED:-false}
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore}

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# ------------------------------------------------------------------ packages
pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n $dir && -x $dir/initdb ]]; then echo "$dir"; fi
}
redis_server() { command -v redis-server || { [[ -x /usr/bin/redis-server ]] && echo /usr/bin/redis-server; } || true; }
haproxy_bin() { command -v haproxy || { [[ -x /usr/sbin/haproxy ]] && echo /usr/sbin/haproxy; } || true; }

install_packages() {
  local missing=()
  [[ -n $(pg_bin) ]] || missing+=(postgresql)
  [[ -n $(redis_server) ]] || missing+=(redis-server)
  [[ -n $(haproxy_bin) ]] || missing+=(haproxy)
  ((${#missing[@]})) || return 0
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    sudo -n true 2>/dev/null || die "${missing[*]} not installed, and we are not root: apt-get install ${missing[*]} first"
    sudo=(sudo -n)
  fi
  say "installing Debian's ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$DIR/apt-get.log" 2>&1 || { tail -n 30 "$DIR/apt-get.log" >&2; die "apt-get failed; see $DIR/apt-get.log"; }
}

# ------------------------------------------------------------------ processes
names() {
  echo postgres redis
  for n in $(seq 1 "$REPLICAS"); do echo "actions-$n"; done
  for n in $(seq 1 "$REPLICAS"); do echo "rasa-$n"; done
  echo haproxy demo
}

# A word of the command line of each process, to tell it from another process that got its pid.
marker() {
  case $1 in
    postgres) echo postgres ;; redis) echo redis-server ;; haproxy) echo haproxy ;;
    demo) echo serve_demo ;; actions-*) echo actions ;; rasa-*) echo 'channels.serve\|server.sh rasa' ;;
  esac
}

pid_of() { [[ -f $DIR/$1.pid ]] && cat "$DIR/$1.pid" 2>/dev/null || true; }
# A process stopped on purpose (scripts/cluster.sh stop NAME): make cluster's supervisor leaves it
# stopped; `scripts/cluster.sh start` starts it again.
held() { [[ -f $DIR/$1.held ]]; }

running() {
  local pid
  pid=$(pid_of "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(marker "$1")"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_port() {  # port, name
  port_free "$1" || die "port $1 (for $2) is taken by another program: stop it, or choose other ports (README, \"Running as a cluster\")"
}

# Starts a command in its own session (Ctrl-C reaches only this script, which stops it in order).
launch() {
  local name=$1; shift
  echo "=== $(date '+%F %T') starting: $*" >>"$DIR/$name.log"
  setsid "$@" >>"$DIR/$name.log" 2>&1 </dev/null 9>&- &  # without the start lock (fd 9)
  echo $! >"$DIR/$name.pid"
}

wait_healthy() {  # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      tail -n 30 "$DIR/$name.log" >&2 || true
      die "$name stopped while starting; see $DIR/$name.log"
    fi
    ((SECONDS < deadline)) || die "$name was not healthy within $seconds s; see $DIR/$name.log"
    sleep 0.5
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }

# ------------------------------------------------------------------ PostgreSQL
as_pg() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# PostgreSQL refuses to run as root: as root, its files belong to the postgres user, which must
# be able to reach them; when it cannot reach $DIR (a private home folder), they live in /var/tmp.
pg_home() {
  if [[ $(id -u) != 0 ]] || runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
    echo "$DIR"
  else
    echo "/var/tmp/cers-cluster-$(echo "$DIR" | md5sum | cut -c1-12)"
  fi
}

start_postgres() {
  { running postgres || held postgres; } && return 0
  need_port "$PG_PORT" postgres
  local bin home data
  bin=$(pg_bin)
  home=$(pg_home)
  data=$home/postgres
  mkdir -p "$data"
  touch "$home/postgres.log"
  if [[ $(id -u) == 0 ]]; then chown postgres: "$data" "$home/postgres.log"; fi
  chmod 700 "$data"
  if [[ $home != "$DIR" ]]; then ln -sfn "$home/postgres.log" "$DIR/postgres.log"; fi
  if [[ ! -f $data/PG_VERSION ]]; then
    say "creating the PostgreSQL cluster in $data"
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$home/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $data -c max_connections=300" start >/dev/null 9>&- \
    || { tail -n 30 "$home/postgres.log" >&2; die "PostgreSQL did not start; see $home/postgres.log"; }
  head -n 1 "$data/postmaster.pid" >"$DIR/postgres.pid"
  local db
  for db in cers cers_conversations; do
    if [[ -z $(as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$db"
    fi
  done
}

stop_postgres() {
  local home
  home=$(pg_home)
  if [[ -f $home/postgres/postmaster.pid ]]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$home/postgres" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -f "$DIR/postgres.pid"
}

# Migrations run once, here, before any replica or action server starts: the facility database's
# (Alembic, with the demo facilities when it is empty, as `make run` does) and the tracker store's table.
# The processes are started by scripts/server.sh, the commands the containers of deploy/ run too.
migrate() {
  "$ROOT/scripts/server.sh" migrate --demo-if-empty >>"$DIR/migrations.log" 2>&1 \
    || { tail -n 30 "$DIR/migrations.log" >&2; die "migrations failed; see $DIR/migrations.log"; }
}

# ------------------------------------------------------------------ the others
start_redis() {
  { running redis || held redis; } && return 0
  need_port "$REDIS_PORT" redis
  launch redis "$(redis_server)" "$ROOT/cluster/redis.conf" --port "$REDIS_PORT" --dir "$DIR"
  wait_healthy redis 30 bash -c "[[ \$(redis-cli -p $REDIS_PORT ping) == PONG ]]"
}

start_actions() {  # replica number
  local name=actions-$1 port=$((ACTIONS_BASE + $1))
  { running "$name" || held "$name"; } && return 0
  need_port "$port" "$name"
  launch "$name" "$ROOT/scripts/server.sh" actions --port "$port"
}

start_rasa() {  # replica number
  local name=rasa-$1 port=$((RASA_BASE + $1))
  { running "$name" || held "$name"; } && return 0
  need_port "$port" "$name"
  ACTION_SERVER_URL="http://127.0.0.1:$ACTIONS_BASE/webhook" \
    MODEL=$MODEL RASA_ENDPOINTS=endpoints.cluster.yml \
    launch "$name" "$ROOT/scripts/server.sh" rasa --interface 127.0.0.1 --port "$port"
}

haproxy_config() {
  local servers="" socketio="" actions="" n
  for n in $(seq 1 "$REPLICAS"); do
    servers+="    server rasa-$n 127.0.0.1:$((RASA_BASE + n)) check"$'\n'
    socketio+="    server rasa-$n 127.0.0.1:$((RASA_BASE + n)) check cookie rasa-$n"$'\n'
    actions+="    server actions-$n 127.0.0.1:$((ACTIONS_BASE + n)) check"$'\n'
  done
  "$PY" - "$servers" "$socketio" "$actions" "$BOT_PORT" "$ACTIONS_BASE" "$DIR" <<'PYTHON'
import sys
servers, socketio, actions, port, actions_port, folder = sys.argv[1:]
text = open("cluster/haproxy.cfg").read()
text = text.replace("@SERVERS@\n", servers).replace("@SOCKETIO_SERVERS@\n", socketio).replace("@PORT@", port)
text = text.replace("@ACTIONS_SERVERS@\n", actions).replace("@ACTIONS_PORT@", actions_port)
text = text.replace("global\n", f"global\n    stats socket {folder}/haproxy.sock mode 600 level admin\n", 1)
open(f"{folder}/haproxy.cfg", "w").write(text)
PYTHON
}

# How many replicas haproxy sends requests to (UP in its `rasa` backend).
replicas_up() {
  "$PY" - "$DIR/haproxy.sock" <<'PYTHON'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
rows = [line.split(",") for line in data.decode().splitlines() if line.startswith("rasa,rasa-")]
print(sum(1 for row in rows if row[17].startswith("UP")))
PYTHON
}

start_haproxy() {
  haproxy_config
  "$(haproxy_bin)" -c -q -f "$DIR/haproxy.cfg" || die "haproxy refuses $DIR/haproxy.cfg"
  if ! running haproxy && ! held haproxy; then
    need_port "$BOT_PORT" haproxy
    need_port "$ACTIONS_BASE" haproxy
    launch haproxy "$(haproxy_bin)" -db -f "$DIR/haproxy.cfg"
  fi
  wait_healthy haproxy 30 http_ok "http://127.0.0.1:$BOT_PORT/"
  # Every replica in service (haproxy's health checks, 1 s apart, two in a row to come back).
  local deadline=$((SECONDS + 30))
  until [[ $(replicas_up 2>/dev/null || echo 0) == "$REPLICAS" ]]; do
    ((SECONDS < deadline)) || die "haproxy does not see all $REPLICAS replicas up; see $DIR/haproxy.log"
    sleep 0.5
  done
}

start_demo() {
  { running demo || held demo; } && return 0
  if ! port_free "$DEMO_PORT"; then
    say "the demo page did not start: port $DEMO_PORT is taken (set DEMO_PORT)"
    return 0
  fi
  local bot_url=${PUBLIC_BASE_URL:-http://localhost:$BOT_PORT}
  launch demo "$PY" scripts/serve_demo.py --port "$DEMO_PORT" --bot-url "${bot_url%/}"
  local deadline=$((SECONDS + 10))
  until http_ok "http://127.0.0.1:$DEMO_PORT/"; do
    if ! running demo || ((SECONDS >= deadline)); then
      say "the demo page did not start; see $DIR/demo.log"
      return 0
    fi
    sleep 0.25
  done
}

start_all() {
  # One start at a time in a folder (make cluster's supervisor, a test, a person).
  exec 9>"$DIR/start.lock"
  flock 9
  [[ -f $MODEL ]] || die "$MODEL is missing: run \`make train\` (make cluster does it)"
  [[ -x $PY ]] || die ".venv is missing: run \`make setup\` (make cluster does it)"
  install_packages
  start_postgres
  start_redis
  local n serving=0
  for n in $(seq 1 "$REPLICAS"); do running "rasa-$n" && serving=1; done
  # Before the first replica starts (not when one is started again beside the others).
  ((serving)) || migrate
  for n in $(seq 1 "$REPLICAS"); do start_actions "$n"; done
  for n in $(seq 1 "$REPLICAS"); do start_rasa "$n"; done
  for n in $(seq 1 "$REPLICAS"); do
    held "actions-$n" || wait_healthy "actions-$n" 120 http_ok "http://127.0.0.1:$((ACTIONS_BASE + n))/health"
  done
  for n in $(seq 1 "$REPLICAS"); do
    # Loading the model takes a while, longer with the replicas loading at once.
    held "rasa-$n" || wait_healthy "rasa-$n" 300 http_ok "http://127.0.0.1:$((RASA_BASE + n))/"
  done
  start_haproxy
  start_demo
}

stop_one() {
  local name=$1 pid
  if [[ $name == postgres ]]; then stop_postgres; return 0; fi
  pid=$(pid_of "$name")
  if [[ -n $pid ]] && running "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Only the pid file of the process stopped here: one started meanwhile keeps its own.
  [[ $(pid_of "$name") != "$pid" ]] || rm -f "$DIR/$name.pid"
}

# `scripts/cluster.sh stop NAME`: under the start lock (make cluster's supervisor cannot start it
# again meanwhile), and held stopped while the supervisor runs.
stop_on_purpose() {
  local name=$1
  local known
  known=" $(names | paste -sd' ' -) "
  [[ $known == *" $name "* ]] || die "no process named $name (one of:$known)"
  exec 9>"$DIR/start.lock"
  flock 9
  touch "$DIR/$name.held"
  stop_one "$name"
  local pid
  pid=$(cat "$SUPERVISOR" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    say "$name stopped; make cluster leaves it stopped until \`scripts/cluster.sh start\`"
  else
    rm -f "$DIR/$name.held"
  fi
}

stop_all() {
  local name pid
  # make cluster's supervisor first: it would start again what is stopped. It stops the rest itself.
  pid=$(cat "$SUPERVISOR" 2>/dev/null || true)
  if [[ -n $pid && $pid != "$$" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  # haproxy first (no new requests), the stores last. Replicas stop in parallel.
  for name in $(names | tac); do
    case $name in
      rasa-*|actions-*) stop_one "$name" & ;;
      *) wait; stop_one "$name" ;;
    esac
  done
  wait
  # Whatever of ours lost its pid file: haproxy names this folder's config on its command line,
  # redis-server shows its port in its process title.
  local orphan
  for orphan in $(pgrep -f -- "$DIR/haproxy.cfg|redis-server .*:$REDIS_PORT\b" 2>/dev/null || true); do
    [[ $orphan != "$$" ]] && kill -TERM "$orphan" 2>/dev/null || true
  done
  rm -f "$DIR"/*.held
}

status() {
  local name
  for name in $(names); do
    if running "$name"; then echo "$name running (pid $(pid_of "$name"))"; else echo "$name stopped"; fi
  done
}

# A command to haproxy's admin socket; prints the answer.
haproxy_admin() {
  "$PY" - "$DIR/haproxy.sock" "$1" <<'PYTHON'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
print(data.decode().strip())
PYTHON
}

# Requests a server is serving now (scur of server $2 in haproxy's backend $1: rasa, actions).
requests_on() {
  haproxy_admin "show stat" | awk -F, -v backend="$1" -v name="$2" '$1 == backend && $2 == name { print $5 }'
}

drain() {  # backend, server: no new requests, then (the ones in flight done, 60 s at most) none
  haproxy_admin "set server $1/$2 state drain" >/dev/null
  local deadline=$((SECONDS + 60))
  until [[ $(requests_on "$1" "$2") == 0 ]] || ((SECONDS >= deadline)); do sleep 0.2; done
  haproxy_admin "set server $1/$2 state maint" >/dev/null
}

# Upgrades without downtime: each replica in turn leaves haproxy (drained: no new requests, the
# ones in flight finish), stops (SIGTERM: Sanic finishes its open turns), and starts again with
# its action server, so with today's code and $MODEL; the next one goes only once haproxy sends
# requests to it again. Conversations go on meanwhile on the other replicas (and a retried
# message is answered once: channels/dedup.py). Migrations run first, once, as a deployment's
# migration job does: a release's migrations must keep the running release working.
roll() {
  exec 9>"$DIR/start.lock"
  flock 9  # make cluster's supervisor waits instead of starting the stopped replica itself
  local n name
  for name in $(names); do
    [[ $name == demo ]] || running "$name" || die "$name is not running: scripts/cluster.sh start first"
  done
  [[ -f $MODEL ]] || die "$MODEL is missing"
  ((REPLICAS > 1)) || die "a rolling upgrade needs 2 replicas or more (REPLICAS)"
  say "migrations"
  migrate
  for n in $(seq 1 "$REPLICAS"); do
    say "rasa-$n and actions-$n: draining"
    haproxy_admin "set server socketio/rasa-$n state drain" >/dev/null
    drain rasa "rasa-$n"
    haproxy_admin "set server socketio/rasa-$n state maint" >/dev/null
    drain actions "actions-$n"
    say "rasa-$n: stopping, then starting it again with actions-$n ($MODEL)"
    stop_one "rasa-$n"
    stop_one "actions-$n"
    start_actions "$n"
    wait_healthy "actions-$n" 120 http_ok "http://127.0.0.1:$((ACTIONS_BASE + n))/health"
    haproxy_admin "set server actions/actions-$n state ready" >/dev/null
    start_rasa "$n"
    wait_healthy "rasa-$n" 300 http_ok "http://127.0.0.1:$((RASA_BASE + n))/"
    haproxy_admin "set server rasa/rasa-$n state ready" >/dev/null
    haproxy_admin "set server socketio/rasa-$n state ready" >/dev/null
    local deadline=$((SECONDS + 30))
    until [[ $(replicas_up 2>/dev/null || echo 0) == "$REPLICAS" ]]; do
      ((SECONDS < deadline)) || die "haproxy does not take rasa-$n back; see $DIR/haproxy.log"
      sleep 0.2
    done
    say "rasa-$n: serving again (pid $(pid_of "rasa-$n"))"
  done
}

summary() {
  cat <<MSG

The CERS help assistant is running as a cluster: $REPLICAS Rasa replicas behind haproxy.
  Every URL of \`make run\` works on port $BOT_PORT, e.g.
    curl -s -X POST http://localhost:$BOT_PORT/webhooks/rest/webhook \\
         -H 'Content-Type: application/json' \\
         -d '{"sender": "me", "message": "how do I add a user?", "metadata": {"message_id": "m1"}}'
  The website chat widget: $(http_ok "http://127.0.0.1:$DEMO_PORT/" && echo "open the demo page http://localhost:$DEMO_PORT/" || echo "(demo page not started)")
  Replicas: $(for n in $(seq 1 "$REPLICAS"); do printf 'rasa-%s :%s  ' "$n" $((RASA_BASE + n)); done)
  Action servers, behind haproxy on 127.0.0.1:$ACTIONS_BASE: $(for n in $(seq 1 "$REPLICAS"); do printf 'actions-%s :%s  ' "$n" $((ACTIONS_BASE + n)); done)
$("$PY" -m channels.config credentials.yml --rasa-url "http://localhost:$BOT_PORT" --demo-url "http://localhost:$DEMO_PORT/" 2>/dev/null | sed 's/^/  /')
  PostgreSQL 127.0.0.1:$PG_PORT (databases cers, cers_conversations), Redis 127.0.0.1:$REDIS_PORT
  Pids and logs: $DIR/<name>.pid, <name>.log
  Press Ctrl-C to stop all of it.
MSG
}

run() {
  local pid
  pid=$(cat "$SUPERVISOR" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    die "the cluster in $DIR is already running under make cluster (pid $pid); scripts/cluster.sh stop stops it"
  fi
  echo $$ >"$SUPERVISOR"
  trap 'trap - INT TERM; echo; say "stopping..."; stop_all; rm -f "$SUPERVISOR"; exit 130' INT TERM
  if ! (start_all); then
    say "stopping what had started"
    stop_all
    rm -f "$SUPERVISOR"
    exit 1
  fi
  summary
  # A process that stops (a crash) is started again, as a service manager would.
  while true; do
    sleep 3 & wait $!
    local name
    for name in $(names); do
      if [[ $name != demo ]] && ! held "$name" && ! running "$name"; then
        say "$name stopped (see $DIR/$name.log); starting it again"
        (start_all) || say "could not start everything again; trying again in a few seconds"
        break
      fi
    done
  done
}

case ${1:-run} in
  start) rm -f "$DIR"/*.held; start_all; say "all running: http://localhost:$BOT_PORT ($REPLICAS replicas)" ;;
  stop) if [[ -n ${2:-} ]]; then stop_on_purpose "$2"; else stop_all; fi ;;
  run) run ;;
  status) status ;;
  roll) roll; say "every replica replaced: $REPLICAS serving" ;;
  *) echo "usage: $0 start|stop [NAME]|run|status|roll" >&2; exit 2 ;;
esac
