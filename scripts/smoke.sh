#!/usr/bin/env bash
# The README's first command on a fresh database: the server must start with the demo and answer /healthz 200.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=${SMOKE_PORT:-18080}
DATABASE_URL="sqlite://$work/hotline.sqlite" swift run hotline start --port "$port" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    if body=$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null); then
        echo "healthz: $body"
        orders=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["orders"])' "$body")
        grep -q "dispatcher" "$work/server.log" || { echo "smoke: the sign-in help was not printed"; cat "$work/server.log"; exit 1; }
        if [ "$orders" -ge 300 ]; then echo "smoke test ok: README start command serves the demo"; exit 0; fi
        echo "smoke: only $orders demo orders"; exit 1
    fi
    kill -0 $pid 2>/dev/null || { echo "smoke: server exited"; cat "$work/server.log"; exit 1; }
    sleep 1
done
echo "smoke: no answer from /healthz"; cat "$work/server.log"; exit 1
