#!/usr/bin/env bash
# Engine benchmark (release build of the developer tool, `hotline-dev`): load N orders with their events, one sweep,
# one unit's queue p50/p99, on SQLite and on PostgreSQL (`hotline-dev bench`); then the batch-reply index
# (`hotline-dev bench-replies`): store R reply signatures, build the index from the database (time, peak memory),
# check 1,000 new replies (p50/p99); then a year of every unit's measures from M orders (`hotline-dev bench-measures`).
# Usage: scripts/bench.sh [orders] [replies] [measure-orders] ; not part of CI.
#
# bench-replies, 1,000,000 replies, 1,000 checks (2 shared cores, release build, 2026-11-29):
#   store             SQLite: signed 69–79 s, written 63–66 s   PostgreSQL: signed 87 s, written 27 s
#   build index       SQLite 22.7 s, PostgreSQL 24.9 s (about half reading, half indexing); index ≈ 585 MB,
#                     peak RSS while building 676 MB (SQLite) / 701 MB (PostgreSQL)
#   batch rule check  SQLite p50 1.59 ms, p99 3.77 ms   PostgreSQL p50 1.62 ms, p99 3.64 ms
#                     (45% of the new replies had a similar earlier one; all 26 copies of earlier replies caught)
#   whole server check (read rows since + quality gate + batch rule)
#                     SQLite p50 2.28 ms, p99 4.90 ms   PostgreSQL p50 2.95 ms, p99 6.36 ms
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-100000}
replies=${2:-1000000}
measured=${3:-1000000}
swift build -c release --scratch-path .build-release --product hotline-dev >/dev/null
bin=.build-release/release/hotline-dev
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
