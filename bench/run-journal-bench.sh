#!/usr/bin/env bash
# Journaling benchmark, every figure of bench/README.md "Journaling" in one
# run: the in-process replay micro bench (fold + materialise 10,000
# resources), then over HTTP on loopback (bench/journal_bench.py), on each
# engine, each part on a fresh server (and fresh PostgreSQL cluster, see
# lib.sh) so that no part counts another's background writes:
#   ack         ACK latency of 100-entry batches on a 5,000-resource (~25 MB)
#               stack; export mid-update vs a plain export of the same state
#   up-journal  a replayed 1,000-resource `pulumi up`, journaled
#   up-delta    the same `up` with delta checkpoints
# Usage: bench/run-journal-bench.sh [build-dir]
#   BENCH_PARTS=micro,ack,up-journal,up-delta and BENCH_BACKENDS="sqlite postgres"
#   select what runs.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
parts="${BENCH_PARTS:-micro,ack,up-journal,up-delta}"
echo "== $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ ",$parts," == *,micro,* ]]; then
  "./$build/statehouse_bench" --benchmark_filter=Journal --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true 2>&1 | grep -E "^BM_.*_median"
fi
for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
  for part in ${parts//,/ }; do
    [ "$part" = micro ] && continue
    (
      export BENCH_BACKEND="$backend"
      # shellcheck source=bench/lib.sh
      . bench/lib.sh
      bench_start_server "./$build/statehouse"
      db_dir=""
      [ "$backend" = postgres ] && db_dir="$pgdir/data"
      echo "== $backend, $part (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      BENCH_PARTS="$part" BENCH_DB_URL="${bench_database:-}" BENCH_DB_DIR="$db_dir" \
        python3 bench/journal_bench.py "http://127.0.0.1:$port" "$token" "$pid" "$data"
      echo "RSS after the run: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status")"
    )
  done
done
