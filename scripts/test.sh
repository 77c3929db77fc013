#!/usr/bin/env bash
# The whole test suite: every test of the engine, store and server on SQLite and on a real PostgreSQL.
# Starts PostgreSQL itself (installing it if needed), unless HOTLINE_TEST_POSTGRES_URL names a server: that one is
# used as it is, neither started nor reconfigured, and the tests size their connections to it (a stock server with
# max_connections 100 is enough; one too small fails saying what it needs). HOTLINE_TEST_ENGINES=sqlite skips
# PostgreSQL for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."

engines=${HOTLINE_TEST_ENGINES:-sqlite,postgres}
if [[ "$engines" == *postgres* ]]; then
    if [[ -n "${HOTLINE_TEST_POSTGRES_URL:-}" ]]; then
        shown=$(sed -E 's#(://[^:/@]+:)[^@]*@#\1***@#' <<<"$HOTLINE_TEST_POSTGRES_URL")
        echo "== PostgreSQL: the server at $shown, as it is (HOTLINE_TEST_POSTGRES_URL)"
        if command -v psql >/dev/null 2>&1; then
            PGCONNECT_TIMEOUT=5 psql -w "$HOTLINE_TEST_POSTGRES_URL" -qAtc "select 'max_connections ' || current_setting('max_connections')
                || ', in use ' || (select count(*) from pg_stat_activity where backend_type = 'client backend')" \
                || echo "== PostgreSQL at $shown does not answer; its tests will fail saying so"
        fi
    else
        bash scripts/postgres.sh
        export HOTLINE_TEST_POSTGRES_URL=postgres://hotline:hotline@127.0.0.1:5432/postgres
    fi
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
