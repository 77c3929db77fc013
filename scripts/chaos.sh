#!/usr/bin/env bash
# The fault test (issue 16, part 1): real processes under load with kill -9, a PostgreSQL restart and a paused
# instance, then a checker that compares the database with every acknowledged answer.
#
#   scripts/chaos.sh [seconds]          seconds of load per engine (default 60, or CHAOS_SECONDS)
#   CHAOS_ENGINES=postgres,sqlite       engines to run (default both)
#   CHAOS_BIN=path/to/hotline           binary (default .build-release/release/hotline when newer than the
#                                       sources, else .build/debug/hotline); hotline-dev is taken beside it
#   CHAOS_WORKERS=6                     concurrent load workers
#   CHAOS_DEMO_ORDERS=120               demo orders loaded before the run (hotline demo --orders)
#   CHAOS_WORK=dir                      where logs, the SQLite file and the ack logs go (default a temp folder)
#
# PostgreSQL runs on its own cluster `chaos` on port 5435 (created here, durable default settings, stopped on
# exit), never on the shared test cluster. Exits non-zero on any loss or duplicate.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-${CHAOS_SECONDS:-60}}
engines=${CHAOS_ENGINES:-postgres,sqlite}
workers=${CHAOS_WORKERS:-6}
demo_orders=${CHAOS_DEMO_ORDERS:-120}
for v in "$seconds" "$workers" "$demo_orders"; do
    case "$v" in ''|*[!0-9]*) echo "chaos: seconds, CHAOS_WORKERS and CHAOS_DEMO_ORDERS must be whole numbers, got '$v'" >&2; exit 2;; esac
done
if [ "$seconds" -lt 10 ] || [ "$workers" -lt 1 ]; then
    echo "chaos: at least 10 seconds and one worker" >&2; exit 2
fi
for e in ${engines//,/ }; do
    case "$e" in postgres|sqlite) ;; *) echo "chaos: unknown engine '$e' (postgres, sqlite)" >&2; exit 2;; esac
done

# The binary: CHAOS_BIN, else a release build newer than every source file, else the debug build.
if [ -n "${CHAOS_BIN:-}" ]; then
    bin=$CHAOS_BIN; why="CHAOS_BIN"
elif [ -x .build-release/release/hotline ] && [ -z "$(find Sources Package.swift -newer .build-release/release/hotline -type f -print -quit)" ]; then
    bin=.build-release/release/hotline; why="release build (newer than the sources)"
else
    bin=.build/debug/hotline; why="debug build"
fi
if [ ! -x "$bin" ]; then
    echo "chaos: no binary at $bin; build first (swift build)" >&2
    exit 2
fi
dev_bin=$(dirname "$bin")/hotline-dev
echo "== chaos: $seconds s per engine ($engines), binary $bin ($why)"

work=${CHAOS_WORK:-$(mktemp -d /tmp/hotline-chaos.XXXXXX)}
mkdir -p "$work"
echo "== chaos: logs in $work"

# Python: the standard library, plus psycopg2 for PostgreSQL (Debian's package, or pip into a venv).
py=python3
if [[ ",$engines," == *",postgres,"* ]]; then
    if ! $py -c 'import psycopg2' 2>/dev/null; then
        if /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
            py=/usr/bin/python3
        elif command -v apt-get >/dev/null && { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq python3-psycopg2 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-psycopg2 >/dev/null; }; } \
             && /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
            py=/usr/bin/python3
        else
            python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q psycopg2-binary && py="$work/venv/bin/python"
        fi
    fi
fi

pg_version=""
runner_pid=""
cleanup() {
    local rc=$?
    if [ -n "$runner_pid" ] && kill -0 "$runner_pid" 2>/dev/null; then
        kill -TERM "$runner_pid" 2>/dev/null || true
        wait "$runner_pid" 2>/dev/null || true
    fi
    if [ -n "$pg_version" ]; then
        pg_ctlcluster "$pg_version" chaos stop -m fast >/dev/null 2>&1 || true
    fi
    exit $rc
}
trap cleanup EXIT INT TERM

start_chaos_cluster() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        echo "== installing PostgreSQL (Debian package)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -q "^${pg_version}/chaos$"; then
        pg_createcluster "$pg_version" chaos --port 5435 >/dev/null
    fi
    if ! pg_lsclusters -h | awk '$1=="'"$pg_version"'" && $2=="chaos" {print $4}' | grep -q online; then
        pg_ctlcluster "$pg_version" chaos start
    fi
    for _ in $(seq 1 30); do
        su postgres -c "psql -p 5435 -qtAc 'select 1'" >/dev/null 2>&1 && break
        sleep 1
    done
    su postgres -c "psql -p 5435 -qtAc \"select 1 from pg_roles where rolname='hotline'\"" | grep -q 1 \
        || su postgres -c "psql -p 5435 -qc \"create role hotline with login superuser password 'hotline'\"" >/dev/null
    echo "== PostgreSQL ${pg_version} cluster chaos on 127.0.0.1:5435 ($(su postgres -c "psql -p 5435 -qtAc 'show fsync'") fsync, synchronous_commit $(su postgres -c "psql -p 5435 -qtAc 'show synchronous_commit'"))"
}

status=0
for engine in ${engines//,/ }; do
    dir="$work/$engine"
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$engine" = postgres ]; then
        start_chaos_cluster
        db="chaos_$(date +%Y%m%d%H%M%S)"
        su postgres -c "psql -p 5435 -qc 'create database $db owner hotline'" >/dev/null
        url="postgres://hotline:hotline@127.0.0.1:5435/$db"
    else
        url="sqlite://$dir/hotline.sqlite"
    fi
    "$py" scripts/chaos/run.py --engine "$engine" --seconds "$seconds" --bin "$bin" --dev-bin "$dev_bin" \
        --database-url "$url" --work "$dir" --workers "$workers" --demo-orders "$demo_orders" --pg-version "$pg_version" --pg-cluster chaos &
    runner_pid=$!
    if wait "$runner_pid"; then
        echo "== chaos $engine: passed"
    else
        rc=$?
        echo "== chaos $engine: FAILED (exit $rc); logs in $dir"
        status=1
    fi
    runner_pid=""
done
exit $status
