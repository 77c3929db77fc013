#!/usr/bin/env bash
# The whole test suite: every test of the engine, store and server on SQLite and on a real PostgreSQL.
# Starts PostgreSQL itself (installing it if needed). HOTLINE_TEST_ENGINES=sqlite skips PostgreSQL for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."

engines=${HOTLINE_TEST_ENGINES:-sqlite,postgres}
if [[ "$engines" == *postgres* ]]; then
    bash scripts/postgres.sh
    export HOTLINE_TEST_POSTGRES_URL=${HOTLINE_TEST_POSTGRES_URL:-postgres://hotline:hotline@127.0.0.1:5432/postgres}
fi
export HOTLINE_TEST_ENGINES="$engines"
# The workbook tests check the .xlsx archives with unzip, a reader that is not ours; they fail without it.
if ! command -v unzip >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends unzip >/dev/null
fi

echo "== swift build"
swift build --build-tests
echo "== swift test (engines: $engines)"
set +e
swift test --skip-build 2>&1 | tee .build/test-output.txt
status=${PIPESTATUS[0]}
set -e
exit "$status"
