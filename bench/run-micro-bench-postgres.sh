#!/usr/bin/env bash
# Runs the in-process micro benchmarks (build/statehouse_bench) with their
# PostgreSQL registrations enabled: starts a fresh, durable PostgreSQL cluster
# (bench/lib.sh: fsync and synchronous_commit on; removed on exit), points
# STATEHOUSE_BENCH_PG at its maintenance database (each benchmark run creates
# and drops its own database there) and runs the benchmarks matching FILTER,
# on both backends unless FILTER narrows it (e.g. 'Postgres').
# Usage: bench/run-micro-bench-postgres.sh [build-dir] [filter] [benchmark flags...]
#   bench/run-micro-bench-postgres.sh build 'EngineEvent|WebhookDelivery' --benchmark_min_time=2
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
filter="${2:-EngineEvent|WebhookDelivery}"
shift $(($# < 2 ? $# : 2))
bin="./$build/statehouse_bench"
[ -x "$bin" ] || { echo "build first: cmake --build $build --target statehouse_bench" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_start_postgres
trap 'eval "$bench_stop_postgres"' EXIT
export STATEHOUSE_BENCH_PG="postgres://postgres@127.0.0.1:$pgport/postgres"
"$bin" --benchmark_filter="$filter" "$@"
