#!/usr/bin/env bash
# Issue 13, part 6: the Open311 GeoReport v2 endpoint against a real client. Installs the PyPI GeoReport v2 client
# (`georeport`) and `requests`, starts the demo server on a fresh SQLite database on a free port, issues an API key
# with `hotline open311-key issue`, and runs scripts/open311_check.py: the client reads services and requests, a plain
# HTTP POST files a request, and the demo dispatcher's queue in the JSON API has it. A table; non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
echo "== pip install georeport requests"
python3 -m pip install -q "georeport==0.3.1" requests 2>&1 | grep -v -e 'Running pip as the .root. user' -e 'warnings/venv' || true
source tests/browser/server.sh
server_start
bin="$(swift build --show-bin-path)/hotline"
key=$(DATABASE_URL="sqlite://$SERVER_WORK/hotline.sqlite" HOTLINE_PHOTO_DIR="$SERVER_WORK/photos" \
    "$bin" open311-key issue --name "CI 检查" --note "scripts/open311.sh" 2>/dev/null | tail -n 1)
set +e
OPEN311_KEY="$key" python3 scripts/open311_check.py
status=$?
set -e
if [ "$status" != 0 ] && [ -n "${SERVER_WORK:-}" ]; then
    echo "== server log (last 30 lines)"; tail -n 30 "$SERVER_WORK/server.log"
fi
server_stop
exit "$status"
