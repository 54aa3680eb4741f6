#!/usr/bin/env bash
# Before/after comparison of two checkouts, each built in its own build/
# directory, measured one after the other on this machine, on both engines:
# GET /api/user and get stack (wrk, bench/run-http-bench.sh), full PATCH of a
# 466 KB deployment and delta PATCH on a 25 MB state
# (bench/run-checkpoint-bench.sh), and engine-event ingest in 50- and
# 500-event batches (build/statehouse_bench).
# Usage: bench/compare-builds.sh BEFORE_CHECKOUT AFTER_CHECKOUT [http-seconds]
#   e.g. git worktree add /tmp/before <commit> && (cd /tmp/before && make build)
#        bench/compare-builds.sh /tmp/before . 10
set -euo pipefail
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
seconds="${3:-10}"
for engine in sqlite postgres; do
  for side in before after; do
    dir=${!side}
    echo "### $engine $side ($dir)"
    (cd "$dir" && BENCH_BACKEND=$engine bench/run-http-bench.sh "$seconds" 2>&1 |
      grep -E '^== wrk|Requests/sec|    99%')
    (cd "$dir" && BENCH_BACKEND=$engine BENCH_ROUNDS="${BENCH_ROUNDS:-20}" BENCH_PARTS=full,delta \
      bench/run-checkpoint-bench.sh build 2>&1 | grep -E '^full PATCH|^delta PATCH')
    if [ "$engine" = sqlite ]; then
      (cd "$dir" && ./build/statehouse_bench --benchmark_filter='EngineEventIngest/[0-9]' \
        --benchmark_min_time=2 2>&1 | grep -E '^BM_')
    else
      (cd "$dir" && bench/run-micro-bench-postgres.sh build 'EngineEventIngest.*Postgres' \
        --benchmark_min_time=2 2>&1 | grep -E '^BM_')
    fi
  done
done
