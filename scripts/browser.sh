#!/usr/bin/env bash
# Browser tests (issue 4): a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) against
# the real server with the demo data on a fresh database. Phone (360×740) and desk (1920×1080) viewports.
# Exits with pytest's status. Extra arguments go to pytest (e.g. `scripts/browser.sh -k callback`).
# On a failure, the screenshot and HTML of every open browser are in screenshots/failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/browser/server.sh
export PYTHONDONTWRITEBYTECODE=1

browser_deps
server_start
export BROWSER_ARTIFACTS="$PWD/screenshots/failures"
rm -rf "$BROWSER_ARTIFACTS"
echo "== pytest tests/browser against $BASE_URL"
set +e
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python3 -m pytest tests/browser -v -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" != 0 ] && [ -n "${SERVER_WORK:-}" ]; then
    echo "== server log (last 40 lines)"; tail -n 40 "$SERVER_WORK/server.log"
fi
server_stop
exit "$status"
