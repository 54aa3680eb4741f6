#!/usr/bin/env bash
# Journaling benchmark over HTTP on loopback (bench/journal_bench.py): ACK
# latency of 100-entry batches on a 5,000-resource (~25 MB) stack, export
# mid-update vs a plain export, and a replayed 1,000-resource `pulumi up`
# journaled vs with delta checkpoints. Starts a fresh server on a temp data
# dir (BENCH_BACKEND=postgres: on a fresh PostgreSQL cluster, see lib.sh).
# Usage: bench/run-journal-bench.sh [build-dir]
#   BENCH_PARTS=ack,up (or up-journal, up-delta) selects the parts.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_start_server "./$build/statehouse"
db_dir=""
[ "${BENCH_BACKEND:-sqlite}" = postgres ] && db_dir="$pgdir/data"
echo "== engine: ${BENCH_BACKEND:-sqlite}"
BENCH_DB_URL="${bench_database:-}" BENCH_DB_DIR="$db_dir" python3 bench/journal_bench.py "http://127.0.0.1:$port" "$token" "$pid" "$data"
echo "RSS after the run: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status")"
