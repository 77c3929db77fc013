#!/usr/bin/env bash
# The README's first command on a fresh database: the server must start with the demo and answer /healthz 200.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=${SMOKE_PORT:-18080}
DATABASE_URL="sqlite://$work/hotline.sqlite" swift run hotline start --port "$port" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
# The exports as an office opens them: LibreOffice converts each .xlsx the server wrote to CSV, and every cell
# must match the server's own CSV of the same figures (scripts/xlsx-check.py).
spreadsheets() {
    local base="http://127.0.0.1:$port/api/v1" token
    token=$(curl -fsS -X POST "$base/auth/login" -H 'Content-Type: application/json' \
        -d '{"username":"leader","password":"hotline2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    local month
    month=$(TZ=Asia/Shanghai date +%Y-%m-%d)
    # The measures sheet opens with a title row that the CSV leaves out.
    for name in "measures?date=$month 1" "orders?state=closed 0"; do
        local skip=${name#* }
        name=${name% *}
        local file=${name%%\?*} query=${name#*\?}
        curl -fsS -H "Authorization: Bearer $token" "$base/exports/$file.xlsx?$query" -o "$work/$file.xlsx"
        curl -fsS -H "Authorization: Bearer $token" "$base/exports/$file.csv?$query" -o "$work/$file.csv"
        local rows
        rows=$(python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1], encoding="utf-8-sig")))' "$work/$file.csv")
        [ "$rows" -ge 10 ] || { echo "smoke: $file export has only $rows lines"; exit 1; }
        if command -v soffice >/dev/null || command -v libreoffice >/dev/null; then
            python3 scripts/xlsx-check.py --skip-rows "$skip" "$work/$file.xlsx" "$work/$file.csv"
            echo "smoke: $file.xlsx read by LibreOffice matches $file.csv ($rows lines)"
        else
            echo "smoke: LibreOffice missing, $file.xlsx not checked"; [ -z "${CI_REQUIRE_LIBREOFFICE:-}" ] || exit 1
        fi
    done
}

for _ in $(seq 1 600); do
    if body=$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null); then
        echo "healthz: $body"
        # /healthz is public and says nothing about the data; the count comes from the API, signed in as the
        # demo's read-only leader (who sees every order).
        python3 -c 'import json,sys; assert "orders" not in json.loads(sys.argv[1])' "$body" \
            || { echo "smoke: /healthz tells the number of orders"; exit 1; }
        orders=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
            -d '{"username":"leader","password":"hotline2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' \
            | xargs -I{} curl -fsS -H "Authorization: Bearer {}" "http://127.0.0.1:$port/api/v1/orders?limit=1" \
            | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
        grep -q "dispatcher" "$work/server.log" || { echo "smoke: the sign-in help was not printed"; cat "$work/server.log"; exit 1; }
        [ "$orders" -ge 300 ] || { echo "smoke: only $orders demo orders"; exit 1; }
        echo "smoke test ok: README start command serves the demo"
        spreadsheets
        exit 0
    fi
    kill -0 $pid 2>/dev/null || { echo "smoke: server exited"; cat "$work/server.log"; exit 1; }
    sleep 1
done
echo "smoke: no answer from /healthz"; cat "$work/server.log"; exit 1
