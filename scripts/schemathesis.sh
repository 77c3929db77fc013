#!/usr/bin/env bash
# Contract test of the JSON API: starts `hotline start` on a fresh SQLite database with the demo, signs in, and runs
# schemathesis against the served /openapi.yaml, once per kind of person (a unit handler, a dispatcher, the admin),
# then once more for sign-out alone. Exits non-zero when any run finds a failure.
#
#   scripts/schemathesis.sh                          # about 25 generated cases per operation and run
#   SCHEMATHESIS_MAX_EXAMPLES=100 scripts/schemathesis.sh
#   SCHEMATHESIS_SEED=1234 scripts/schemathesis.sh  # reproduce a run
#   SCHEMATHESIS_REPORT_DIR=/tmp/st scripts/schemathesis.sh   # keep JUnit and HAR reports there
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5               # supports Python 3.9+ and OpenAPI 3.1
port=${SCHEMATHESIS_PORT:-18090}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-25}
run_timeout=${SCHEMATHESIS_RUN_TIMEOUT:-900}
base="http://127.0.0.1:$port"

echo "== pip install schemathesis==$version"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "schemathesis==$version"
st=(python3 -m schemathesis.cli)
"${st[@]}" --version >/dev/null 2>&1 || st=(schemathesis)

if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then
    echo "schemathesis.sh: something already answers on port $port; set SCHEMATHESIS_PORT" >&2
    exit 2
fi

echo "== swift build"
swift build --product hotline

tmp=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "== hotline start on a fresh database (port $port)"
# Own process group, so that the server (and `swift run` above it) stop together.
DATABASE_URL="sqlite://$tmp/x.sqlite" HOTLINE_PHOTO_DIR="$tmp/photos" \
    setsid swift run hotline start --port "$port" >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" 2>/dev/null)" = "200" ]; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "the server exited:"; cat "$tmp/server.log"; exit 1; fi
    sleep 1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = "200" ] || { echo "no 200 from /healthz"; cat "$tmp/server.log"; exit 1; }
echo "healthz: $(curl -s "$base/healthz")"

# Signs in with the demo password and prints the bearer token.
token() {
    curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"hotline2026\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
failed=()

# run NAME TOKEN [extra schemathesis options...]
run() {
    local name=$1 tok=$2
    shift 2
    local opts=(--checks "$checks" --max-examples "$max_examples" --request-timeout 20
                --generation-database none --no-color --url "$base")
    [ -n "${SCHEMATHESIS_SEED:-}" ] && opts+=(--seed "$SCHEMATHESIS_SEED")
    if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
        opts+=(--report junit,har --report-dir "$SCHEMATHESIS_REPORT_DIR/$name")
    fi
    echo "== schemathesis as $name"
    local status=0
    timeout "$run_timeout" "${st[@]}" run "$base/openapi.yaml" "${opts[@]}" \
        -H "Authorization: Bearer $tok" "$@" || status=$?
    if [ "$status" -ne 0 ]; then failed+=("$name (exit $status)"); fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "the server died during the $name run:"; tail -n 50 "$tmp/server.log"
        failed+=("server died")
        return 1
    fi
}

# Sign-out would end the session the other runs use: it runs last, alone, with its own session.
no_logout=(--exclude-path /api/v1/auth/logout)
# Unit roles first and the admin last: the admin's run may change rules, the calendar and users.
run xiyuan.handler "$(token xiyuan.handler)" "${no_logout[@]}"
run dispatcher "$(token dispatcher)" "${no_logout[@]}"
run admin "$(token admin)" "${no_logout[@]}"
run logout "$(token reviewer)" --include-path /api/v1/auth/logout

if grep -qE 'Fatal error|Assertion failed|Segmentation fault' "$tmp/server.log"; then
    echo "the server log shows a crash:"; grep -nE -B2 -A5 'Fatal error|Assertion failed|Segmentation fault' "$tmp/server.log" | head -n 40
    failed+=("server crash")
fi
errors=$(grep -c '\[ ERROR \]' "$tmp/server.log" || true)
if [ "$errors" -gt 0 ]; then echo "server log has $errors ERROR lines, e.g.:"; grep '\[ ERROR \]' "$tmp/server.log" | sort | uniq -c | sort -rn | head -n 10; fi

if [ "${#failed[@]}" -gt 0 ]; then
    echo "schemathesis: FAILED — ${failed[*]}"
    exit 1
fi
echo "schemathesis: every run conforms to the OpenAPI document (checks: $checks)"
