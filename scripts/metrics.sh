#!/usr/bin/env bash
# Issue 16 part 5 against a real process: loads the demo into a fresh SQLite database, starts the debug server
# (`hotline serve`) with HOTLINE_METRICS_TOKEN and HOTLINE_LOG_FORMAT=json on a free port, and runs
# scripts/metrics_check.py: /metrics access, the exposition parsed by the PyPI prometheus-client parser with the
# expected families and growing histogram counts, JSON log lines and request ids, then SIGTERM during a stream of
# order writes (exit 0, every acknowledged write stored). Prints a table; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
venv="${HOTLINE_METRICS_VENV:-${TMPDIR:-/tmp}/hotline-metrics-venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "== python venv with prometheus-client ($venv)"
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q "prometheus-client==0.26.0"

echo "== swift build --product hotline"
swift build --product hotline 2>&1 | grep -E "error:|Compiling|omplete" | tail -n 3 || true
[ -x "$(swift build --show-bin-path)/hotline" ] || { echo "no hotline binary" >&2; exit 1; }
bin="$(swift build --show-bin-path)/hotline"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=${METRICS_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

echo "== hotline demo (fresh database: $work)"
DATABASE_URL="sqlite://$work/hotline.sqlite" HOTLINE_PHOTO_DIR="$work/photos" "$bin" demo >"$work/demo.log" 2>&1 \
    || { tail -n 20 "$work/demo.log"; exit 1; }

echo "== hotline serve --port $port (JSON logs, metrics token), traffic, scrapes, SIGTERM under writes"
set +e
HOTLINE_METRICS_TOKEN="$(python3 -c 'import secrets; print(secrets.token_hex(24))')" \
    "$venv/bin/python" scripts/metrics_check.py "$bin" "$work" "$port"
status=$?
set -e
if [ "$status" != 0 ]; then echo "== server log (last 30 lines)"; tail -n 30 "$work/server.log" || true; fi
exit "$status"
