#!/usr/bin/env bash
# Engine benchmark (release build): load N orders with their events, one sweep, one unit's queue p50/p99,
# on SQLite and on PostgreSQL; then the batch-reply index (`hotline bench-replies`): store R reply signatures, build
# the index from the database (time, peak memory), check 1,000 new replies (p50/p99); then a year of every unit's
# measures from M orders (`hotline bench-measures`).
# Usage: scripts/bench.sh [orders] [replies] [measure-orders] ; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-100000}
replies=${2:-1000000}
measured=${3:-1000000}
swift build -c release --scratch-path .build-release --product hotline >/dev/null
bin=.build-release/release/hotline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== SQLite"
DATABASE_URL="sqlite://$work/bench.sqlite" HOTLINE_SWEEP_INTERVAL=0 "$bin" bench --orders "$orders" --log warning
echo "== PostgreSQL"
bash scripts/postgres.sh >/dev/null
su postgres -c "psql -qc 'drop database if exists hotline_bench' -c 'create database hotline_bench owner hotline'" >/dev/null
DATABASE_URL=postgres://hotline:hotline@127.0.0.1:5432/hotline_bench HOTLINE_SWEEP_INTERVAL=0 "$bin" bench --orders "$orders" --log warning
echo "== Batch-reply index, SQLite"
DATABASE_URL="sqlite://$work/replies.sqlite" HOTLINE_SWEEP_INTERVAL=0 "$bin" bench-replies --replies "$replies" --log warning
echo "== Batch-reply index, PostgreSQL"
su postgres -c "psql -qc 'drop database if exists hotline_bench_replies' -c 'create database hotline_bench_replies owner hotline'" >/dev/null
DATABASE_URL=postgres://hotline:hotline@127.0.0.1:5432/hotline_bench_replies HOTLINE_SWEEP_INTERVAL=0 "$bin" bench-replies --replies "$replies" --log warning
echo "== Measures, SQLite"
DATABASE_URL="sqlite://$work/measures.sqlite" HOTLINE_SWEEP_INTERVAL=0 "$bin" bench-measures --orders "$measured" --log warning
echo "== Measures, PostgreSQL"
su postgres -c "psql -qc 'drop database if exists hotline_bench_measures' -c 'create database hotline_bench_measures owner hotline'" >/dev/null
DATABASE_URL=postgres://hotline:hotline@127.0.0.1:5432/hotline_bench_measures HOTLINE_SWEEP_INTERVAL=0 "$bin" bench-measures --orders "$measured" --log warning
