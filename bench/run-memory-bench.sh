#!/usr/bin/env bash
# Memory under hostile input (bench/memory_bench.py): 50 concurrent gzip bombs
# on every body-carrying route, then 50 concurrent bodies under the gzip ratio
# cap on every state route, while ~25 MB gzip checkpoints are saved. Starts a
# fresh server (default budget and limits unless BENCH_SERVER_ARGS says
# otherwise) and prints RSS figures.
# Usage: bench/run-memory-bench.sh [build-dir]
#   MEM_CONCURRENCY=50 MEM_CHECKPOINTERS=3 MEM_EVADING_MB=480
#   bench/memory_bench.py --ratios   prints gzip ratios of generated states
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
BENCH_SERVER_ARGS="--log-level debug --no-access-log ${BENCH_SERVER_ARGS:-}"
bench_start_server "./$build/statehouse"
python3 bench/memory_bench.py "$base" "$token" "$pid" "$data" "$root/server.log"
