#!/usr/bin/env bash
# Checkpoint benchmark over HTTP on loopback (bench/checkpoint_bench.py):
# full checkpoints at ~466 KB and ~25 MB, delta checkpoints on a 25 MB /
# 5,000-resource state, a replayed 1,000-resource `pulumi up`, and the
# SHA-256 time of the same 25 MB for comparison. Starts a fresh server on a
# temp data dir.
# Usage: bench/run-checkpoint-bench.sh [build-dir]
#   BENCH_ROUNDS=30 saves per figure; BENCH_PARTS=full,delta,export,up selects the parts.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_start_server "./$build/statehouse"

python3 bench/checkpoint_bench.py "http://127.0.0.1:$port" "$token" "$pid" "$data"

state="$root/state25.json"
[ -f "$state" ] || exit 0
echo
echo "== sha256 of the same $(stat -c %s "$state") bytes"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 2 --runs 10 --style basic "openssl dgst -sha256 $state" 2>/dev/null |
    grep -E 'Time|Range'
else
  time openssl dgst -sha256 "$state"
fi
echo "RSS after the run: $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status")"
