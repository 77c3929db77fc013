#!/usr/bin/env bash
# Contract test of the JSON API against its OpenAPI document (Sources/HotlineServer/Resources/openapi.yaml, served at
# /openapi.yaml). Starts `hotline start` on a fresh SQLite database with the demo, signs in, and runs schemathesis once
# per kind of person — a unit handler, a dispatcher, the admin — and once more for sign-out alone. Each run gets a
# dictionary of real ids (orders in every state, units, users, notifications, photos) seen by that person, so the
# generated requests reach real orders as well as missing ones. Checks: no 5xx, documented status codes and content
# types, documented headers, response bodies that match their schemas. Exits non-zero when any run finds a failure.
# A server that dies during a run is reported and started again on a fresh database for the next run.
#
#   scripts/schemathesis.sh
#   SCHEMATHESIS_MAX_EXAMPLES=50 scripts/schemathesis.sh      # more cases per operation (default 15)
#   SCHEMATHESIS_SEED=1234 scripts/schemathesis.sh             # replay a run's generated data
#   SCHEMATHESIS_REPORT_DIR=/tmp/st scripts/schemathesis.sh    # keep JUnit and HAR reports there
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

version=4.32.5               # schemathesis: Python 3.9+, OpenAPI 3.1
port=${SCHEMATHESIS_PORT:-18090}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-15}
run_timeout=${SCHEMATHESIS_RUN_TIMEOUT:-600}
base="http://127.0.0.1:$port"
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance

echo "== pip install schemathesis==$version openapi-spec-validator"
python3 -m pip install -q --disable-pip-version-check "schemathesis==$version" "openapi-spec-validator>=0.7" 2>&1 |
    grep -v -e 'Running pip as the .root. user' -e 'warnings/venv' || true

echo "== openapi-spec-validator"
python3 - "$root/Sources/HotlineServer/Resources/openapi.yaml" <<'EOF'
import sys
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
spec, _ = read_from_filename(sys.argv[1])
validate(spec)
ops = sum(1 for item in spec["paths"].values() for m in item if m in ("get", "put", "post", "delete", "patch"))
print(f"valid OpenAPI {spec['openapi']}: {len(spec['paths'])} paths, {ops} operations")
EOF

if curl -s -o /dev/null "$base/healthz" 2>/dev/null; then
    echo "schemathesis.sh: something already answers on port $port; set SCHEMATHESIS_PORT" >&2
    exit 2
fi

echo "== swift build"
swift build --product hotline

tmp=$(mktemp -d)
pid=""
stop_server() {
    if [ -n "$pid" ]; then
        kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=""
    fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

servers=0
start_server() {
    servers=$((servers + 1))
    local db="$tmp/db$servers"
    mkdir -p "$db"
    echo "== hotline start on a fresh database (port $port)"
    # Its own process group (job control on), so that `swift run` and the server stop together.
    set -m
    DATABASE_URL="sqlite://$db/x.sqlite" HOTLINE_PHOTO_DIR="$db/photos" \
        swift run hotline start --port "$port" >"$tmp/server$servers.log" 2>&1 &
    pid=$!
    set +m
    for _ in $(seq 1 300); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" 2>/dev/null)" = "200" ]; then
            echo "healthz: $(curl -s "$base/healthz")"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then echo "the server exited:"; cat "$tmp/server$servers.log"; exit 1; fi
        sleep 1
    done
    echo "no 200 from /healthz after 300 s:"; cat "$tmp/server$servers.log"; exit 1
}

# Signs in with the demo password and prints the bearer token.
token() {
    curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"hotline2026\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# The ids one person can see, as a schemathesis config of dictionaries bound to the id parameters and body fields;
# the visible order ids also go to a file for the upload hook.
cat >"$tmp/ids.py" <<'EOF'
import base64, json, sys, urllib.error, urllib.request
base, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
def get(path, body=None, headers={}):
    req = urllib.request.Request(base + path, data=body, headers={"Authorization": "Bearer " + token, **headers})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)
    except urllib.error.HTTPError:
        return None
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
def upload(order_id):
    b = "hotline-st-boundary"
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (("orderId", order_id), ("tag", "before"))]
    parts.append(f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
                 f'Content-Type: image/png\r\n\r\n'.encode() + PNG + f'\r\n--{b}--\r\n'.encode())
    return get("/api/v1/photos", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={b}"})
orders = []
for state in ["received", "dispatched", "returnRequested", "handling", "replied", "awaitingCallback", "closed", "merged"]:
    orders += [o["id"] for o in (get(f"/api/v1/orders?state={state}&limit=4") or {"items": []})["items"]]
orders += [o["id"] for o in (get("/api/v1/queue?limit=8") or {"items": []})["items"] if o["id"] not in orders]
# Photos this person uploaded just now (where they may), then the ones the demo replies cite.
photos = [p["id"] for p in (upload(oid) for oid in orders[:6]) if p][:4]
for oid in orders:
    reply = (get(f"/api/v1/orders/{oid}") or {}).get("reply") or {}
    photos += reply.get("beforePhotoIds", []) + reply.get("afterPhotoIds", [])
ids = {
    "orders": orders,
    "units": [u["id"] for u in get("/api/v1/units") or []],
    "categories": [c["id"] for c in get("/api/v1/categories") or []],
    "users": [u["id"] for u in get("/api/v1/users") or []],
    "notifications": [n["id"] for n in (get("/api/v1/notifications") or {"items": []})["items"]][:20],
    "photos": photos[:20],
}
bindings = {
    "path.orderID": "orders", "body.leadOrderId": "orders", "path.unitID": "units", "body.leadUnitId": "units",
    "body.unitId": "units", "body.redispatchTo": "units", "body.assistingUnitIds[*]": "units", "body.parentId": "units",
    "body.defaultUnitId": "units", "query.unit": "units", "body.categoryId": "categories", "query.category": "categories",
    "path.userID": "users", "path.notificationID": "notifications", "path.photoID": "photos",
    "body.beforePhotoIds[*]": "photos", "body.afterPhotoIds[*]": "photos",
}
with open(out, "w") as f:
    for name, values in ids.items():
        if values:
            f.write(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n\n")
    f.write("[parameters]\n")
    for key, name in bindings.items():
        if ids[name]:
            f.write(f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}\n')
with open(out + ".orders", "w") as f:
    f.write(",".join(orders))
print("real ids: " + ", ".join(f"{len(v)} {k}" for k, v in ids.items()))
EOF

# Test-data hooks; they change what is sent, never what is checked.
cat >"$tmp/hooks.py" <<'EOF'
import base64, os, random, uuid
import schemathesis

# A 1x1 PNG, so that some uploads carry a real image.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
UNIQUE = {("POST", "/api/v1/orders"): "number", ("POST", "/api/v1/units"): "name", ("POST", "/api/v1/users"): "username"}

@schemathesis.hook
def before_call(context, case, kwargs):
    # Generated data repeats the same small values: most Idempotency-Keys get a fresh value (a key reused on another
    # path is 422 and would hide the operation), most new orders, units and users a fresh number or name.
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key" and random.random() < 0.9:
            case.headers[name] = "st-" + uuid.uuid4().hex
    body = case.body
    field = UNIQUE.get((case.operation.method.upper(), case.operation.path))
    if field and isinstance(body, dict) and isinstance(body.get(field), str) and random.random() < 0.8:
        body[field] = "st" + uuid.uuid4().hex[:10]
    if case.operation.path == "/api/v1/photos" and isinstance(body, dict):
        if "file" in body and random.random() < 0.5:
            body["file"] = PNG
        orders = [o for o in os.environ.get("HOTLINE_ST_ORDERS", "").split(",") if o]
        if orders and "orderId" in body and random.random() < 0.7:
            body["orderId"] = random.choice(orders)
EOF

failed=()
crashes=0

# run NAME TOKEN [extra schemathesis options...]
run() {
    local name=$1 tok=$2
    shift 2
    echo "== schemathesis as $name"
    python3 "$tmp/ids.py" "$base" "$tok" "$tmp/$name.toml"
    local opts=(--url "$base" --checks "$checks" --max-examples "$max_examples" --request-timeout 20
                --generation-database none --no-color)
    if [ -n "${SCHEMATHESIS_SEED:-}" ]; then opts+=(--seed "$SCHEMATHESIS_SEED"); fi
    if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
        opts+=(--report junit,har --report-dir "$SCHEMATHESIS_REPORT_DIR/$name")
    fi
    local status=0
    # From the scratch folder, so that schemathesis and hypothesis leave no caches in the work tree.
    (cd "$tmp" && SCHEMATHESIS_HOOKS="$tmp/hooks.py" HOTLINE_ST_ORDERS="$(cat "$tmp/$name.toml.orders")" \
        timeout "$run_timeout" python3 -m schemathesis.cli --config-file "$tmp/$name.toml" \
        run "$base/openapi.yaml" "${opts[@]}" -H "Authorization: Bearer $tok" "$@") || status=$?
    if [ "$status" -ne 0 ]; then failed+=("$name (schemathesis exit $status)"); fi
    if ! kill -0 "$pid" 2>/dev/null || ! curl -s -m 10 -o /dev/null "$base/healthz"; then
        crashes=$((crashes + 1))
        failed+=("server died during the $name run")
        echo "!! the server died during the $name run; its log says:"
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done   # let the backtrace finish
        grep -m 1 -E 'Fatal error|Program crashed|panic' "$tmp/server$servers.log" || true
        grep -A 40 -E '^Thread .* crashed:' "$tmp/server$servers.log" | grep -E ' at /' | head -n 16 || true
        stop_server
        return 1
    fi
}

start_server
# Every session is opened first: the admin's run may deactivate people, which ends their sessions.
tok_handler=$(token xiyuan.handler)
tok_dispatcher=$(token dispatcher)
tok_admin=$(token admin)
tok_logout=$(token admin)

# Sign-out would end the session the other runs use: it runs last, alone, with a session of its own.
no_logout=(--exclude-path /api/v1/auth/logout)
for who in handler dispatcher admin logout; do
    if [ -z "$pid" ]; then
        start_server
        tok_handler=$(token xiyuan.handler); tok_dispatcher=$(token dispatcher)
        tok_admin=$(token admin); tok_logout=$(token admin)
    fi
    case $who in
        handler) run xiyuan.handler "$tok_handler" "${no_logout[@]}" || true ;;
        dispatcher) run dispatcher "$tok_dispatcher" "${no_logout[@]}" || true ;;
        admin) run admin "$tok_admin" "${no_logout[@]}" || true ;;
        logout) run logout "$tok_logout" --include-path /api/v1/auth/logout --phases examples,coverage,fuzzing || true ;;
    esac
done

# Found by schemathesis (POST /api/v1/photos, negative data) but only now and then: a multipart part whose header
# name holds a byte >= 0x80 kills the server (MultipartKit's parser indexes a 128-entry table with it). Every route
# that decodes a body reads multipart, sign-in included, so this probe sends it there, without signing in.
if [ -z "$pid" ]; then start_server; fi
echo "== probe: multipart part header with a non-ASCII byte, POST /api/v1/auth/login"
printf -- '--B\r\n\xc3\xa9: x\r\n\r\ny\r\n--B--\r\n' >"$tmp/probe.bin"
probe=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/auth/login" \
    -H 'Content-Type: multipart/form-data; boundary=B' --data-binary @"$tmp/probe.bin" || true)
alive=yes
for _ in 1 2 3 4 5; do
    sleep 1
    if [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$base/healthz" || true)" != "200" ]; then alive=no; break; fi
done
if [ "$alive" = yes ]; then
    echo "answered $probe and the server lives on"
else
    echo "!! no answer (HTTP ${probe:-none}) and the server is gone; its log says:"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done   # let the backtrace finish
    grep -m 1 -E 'Fatal error|Program crashed' "$tmp/server$servers.log" || true
    grep -A 40 -E '^Thread .* crashed:' "$tmp/server$servers.log" | grep -E ' at /' | head -n 16 || true
    failed+=("multipart probe: the server died")
fi
stop_server

errors=$(cat "$tmp"/server*.log | grep -c '\[ ERROR \]' || true)
if [ "$errors" -gt 0 ]; then
    echo "the server logged $errors ERROR lines, most frequent:"
    cat "$tmp"/server*.log | grep '\[ ERROR \]' | sort | uniq -c | sort -rn | head -n 10
fi

if [ "${#failed[@]}" -gt 0 ]; then
    echo "schemathesis: FAILED —"
    printf '  - %s\n' "${failed[@]}"
    exit 1
fi
echo "schemathesis: every run conforms to the OpenAPI document (checks: $checks)"
