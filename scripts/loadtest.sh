#!/usr/bin/env bash
# HTTP load test on loopback against the release build: "my queue" and "sign", 64 connections, with the static
# /livez route of the same server as the framework's ceiling. Usage: scripts/loadtest.sh sqlite|postgres
# The developer tool seeds the database (`hotline-dev loadseed`), the product serves it.
# Needs: swift build -c release --scratch-path .build-release (both executables) ; wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
bin=.build-release/release/hotline
dev=.build-release/release/hotline-dev
port=${LOAD_PORT:-18100}
orders=${LOAD_ORDERS:-60000}
duration=${LOAD_DURATION:-15s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
work=$(mktemp -d)
if [ "$engine" = postgres ]; then
    bash scripts/postgres.sh >/dev/null
    su postgres -c "psql -qc 'drop database if exists hotline_load' -c 'create database hotline_load owner hotline'" >/dev/null
    export DATABASE_URL=postgres://hotline:hotline@127.0.0.1:5432/hotline_load
else
    export DATABASE_URL="sqlite://$work/load.sqlite"
fi
export HOTLINE_SWEEP_INTERVAL=0 HOTLINE_PHOTO_DIR="$work/photos"
"$dev" loadseed --orders "$orders" --ids "$work/ids.txt" --log warning
# Measure the steady state, not autovacuum catching up with the bulk load.
[ "$engine" = postgres ] && su postgres -c "psql -q -d hotline_load -c 'VACUUM ANALYZE'" >/dev/null
"$bin" serve --port "$port" --log warning >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.5; done
TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"xiyuan.handler","password":"hotline2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export TOKEN IDS_FILE="$work/ids.txt"

run() { # name, wrk args...
    local name=$1; shift
    local out
    out=$(wrk -t2 -c64 -d"$duration" --latency "$@")
    local rps p99
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local errors
    errors=$(awk '/non-2xx or errors/ {print $NF}' <<<"$out")
    printf '%-8s %-7s requests/s %10s   p99 %8s   non-2xx/errors %s\n' "$engine" "$name" "$rps" "$p99" "${errors:-0}"
    eval "${name}_rps=$rps"
}
curl -fs "http://127.0.0.1:$port/livez" >/dev/null
wrk -t2 -c64 -d3s "http://127.0.0.1:$port/livez" >/dev/null   # warm-up
run ceiling "http://127.0.0.1:$port/livez"
wrk -t2 -c64 -d3s -s scripts/load/queue.lua "http://127.0.0.1:$port" >/dev/null   # warm-up
run queue -s scripts/load/queue.lua "http://127.0.0.1:$port"
run sign -s scripts/load/sign.lua "http://127.0.0.1:$port"
python3 - "$ceiling_rps" "$queue_rps" "$sign_rps" <<'PY'
import sys
c, q, s = map(float, sys.argv[1:])
print(f"ratio to ceiling: queue {q / c:.0%}, sign {s / c:.0%}")
PY
