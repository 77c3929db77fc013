#!/usr/bin/env bash
# The PostgreSQL half of the test suite against a stock server, as an operator's would be (issue 16 part 6):
# creates a second Debian cluster `stock` on port 5433 with default settings (max_connections 100, fsync on), a
# `hotline` superuser on it, runs every PostgreSQL test against it while sampling pg_stat_activity, prints the
# runner's summary, the time and the peak of client connections, and drops the cluster again.
# Needs a built test binary (swift build --build-tests) and Debian's postgresql (scripts/postgres.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${STOCK_PORT:-5433}
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
out=${STOCK_OUT:-.build/stock-postgres}
mkdir -p "$out"

if pg_lsclusters -h | awk '{print $1"/"$2}' | grep -q "^${version}/stock$"; then
    echo "a cluster ${version}/stock exists already; drop it first (pg_dropcluster --stop ${version} stock)" >&2
    exit 2
fi
pg_createcluster "$version" stock --port "$port" >/dev/null
sampler=
cleanup() {
    [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null
    pg_dropcluster --stop "$version" stock
}
trap cleanup EXIT
pg_ctlcluster "$version" stock start
for _ in $(seq 1 30); do
    su postgres -c "psql -p $port -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -p $port -qc \"create role hotline with login superuser password 'hotline'\""
settings=$(su postgres -c "psql -p $port -qtAc \"select string_agg(name || '=' || setting, ' ' order by name) from pg_settings
    where name in ('max_connections', 'superuser_reserved_connections', 'fsync', 'synchronous_commit')\"")
echo "== stock PostgreSQL ${version} on port ${port}: ${settings}"

# Client connections, five times a second, for the peak.
( while true; do
      su postgres -c "psql -p $port -qtAc \"select count(*) from pg_stat_activity where backend_type = 'client backend'\"" 2>/dev/null
      sleep 0.2
  done ) >"$out/connections.txt" &
sampler=$!

start=$(date +%s.%N)
set +e
HOTLINE_TEST_ENGINES=postgres HOTLINE_TEST_POSTGRES_URL="postgres://hotline:hotline@127.0.0.1:${port}/postgres" \
    .build/debug/hotlinePackageTests.xctest --testing-library swift-testing >"$out/output.txt" 2>&1
status=$?
set -e
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null; sampler=

grep -E '^(✔|✘) Test run' "$out/output.txt" | tail -n 1 || tail -n 20 "$out/output.txt"
echo "too many clients: $(grep -c 'too many clients' "$out/output.txt" || true)"
printf 'time: %.0f s; peak client connections (incl. the sampler): %s of max_connections %s\n' \
    "$(echo "$end - $start" | bc)" "$(sort -n "$out/connections.txt" | tail -n 1)" \
    "$(sed -E 's/.*max_connections=([0-9]+).*/\1/' <<<"$settings")"
exit "$status"
