#!/usr/bin/env bash
# Issue 12: attacks on the demo server from outside (parallel brute force, 40 MB bodies without signing in with the
# server's memory sampled, open redirects, headers, cross-unit probes, masking in text), as a table. Exits non-zero
# when an attack got further than it should. Loopback only; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/browser/server.sh
server_start
export SERVER_PID
set +e
python3 scripts/security.py
status=$?
set -e
if [ "$status" != 0 ] && [ -n "${SERVER_WORK:-}" ]; then
    echo "== server log (last 30 lines)"; tail -n 30 "$SERVER_WORK/server.log"
fi
server_stop
exit "$status"
