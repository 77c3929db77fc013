#!/usr/bin/env bash
# Issue 12, item 9, "must show": on both engines, `hotline audit verify` finds a row changed directly in the
# database. Records two rule changes with `hotline rules`, verifies (exit 0), changes one row's detail with SQL
# outside the app, verifies again (must exit non-zero and name seq 1). PostgreSQL needs `scripts/postgres.sh`;
# there the append-only trigger is switched off first, as an attacker with the owner's rights would.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product hotline >/dev/null 2>&1
bin=$(swift build --show-bin-path)/hotline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo '{"signWindow": 43200}' >"$work/rules.json"
echo '{"holidays": ["2026-10-01"], "makeUpWorkdays": []}' >"$work/calendar.json"
pg_admin=${HOTLINE_TEST_POSTGRES_URL:-postgres://hotline:hotline@127.0.0.1:5432/postgres}
pg_db="hotline_audit_$$"
status=0

check() {  # engine, then the command that changes row 1
    local engine=$1 tamper=$2
    "$bin" rules --set-rules "$work/rules.json" >/dev/null
    "$bin" rules --set-calendar "$work/calendar.json" >/dev/null
    if ! "$bin" audit verify; then echo "FAIL $engine: an untouched chain did not verify"; status=1; return; fi
    eval "$tamper"
    if out=$("$bin" audit verify 2>&1); then
        echo "FAIL $engine: a changed row went unnoticed"; status=1
    elif grep -q "seq=1" <<<"$out"; then
        echo "ok   $engine: $(head -n 1 <<<"$out")"
    else
        echo "FAIL $engine: verify failed without naming seq 1: $out"; status=1
    fi
}

DATABASE_URL="sqlite://$work/audit.sqlite" check sqlite \
    "python3 -c \"import sqlite3; c = sqlite3.connect('$work/audit.sqlite'); c.execute(\\\"UPDATE audit_log SET detail = 'x' WHERE seq = 1\\\"); c.commit()\""

psql "$pg_admin" -qc "CREATE DATABASE $pg_db"
pg_url="${pg_admin%/*}/$pg_db"
DATABASE_URL="$pg_url" check postgres \
    "psql '$pg_url' -qc 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only' -c \"UPDATE audit_log SET detail = 'x' WHERE seq = 1\" -c 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only'"
# With the trigger on, the app's own role cannot change a row.
if psql "$pg_url" -qc "UPDATE audit_log SET detail = 'y' WHERE seq = 2" 2>/dev/null; then
    echo "FAIL postgres: UPDATE of audit_log was allowed"; status=1
else
    echo "ok   postgres: UPDATE of audit_log refused by the append-only trigger"
fi
psql "$pg_admin" -qc "DROP DATABASE $pg_db WITH (FORCE)"
exit $status
