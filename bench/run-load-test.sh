#!/usr/bin/env bash
# Bounded load test on loopback (bench/load_test.py): 1,000 idle keep-alive
# connections, 50 concurrent `pulumi up`s of 100 resources each (delta
# checkpoints, engine-event batches, complete) and small reads (GET stack,
# GET /api/user) at the same time, against a fresh server on a temp data dir
# (BENCH_BACKEND=sqlite|postgres; postgres starts its own cluster, bench/lib.sh).
# Fails unless every request succeeded; stops by itself (LOAD_DEADLINE).
# Usage: bench/run-load-test.sh [build-dir]
#   LOAD_IDLE=1000 LOAD_UPS=50 LOAD_RESOURCES=100 LOAD_READERS=8 LOAD_DEADLINE=240
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
idle="${LOAD_IDLE:-1000}"
# The client needs a descriptor per connection; the server raises its own
# soft limit to the hard one at start-up (src/app/main.cc).
need=$((idle + 200))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$need" ] ||
    { echo "ulimit -n is $(ulimit -n); $need descriptors needed (raise the hard limit)" >&2; exit 1; }
fi
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_start_server "./$build/statehouse"
echo "backend ${BENCH_BACKEND:-sqlite}; server pid $pid, open file limit" \
  "$(awk '/Max open files/ {print $4}' "/proc/$pid/limits"); client ulimit -n $(ulimit -n)"
timeout "$(( ${LOAD_DEADLINE:-240} + 30 ))" python3 bench/load_test.py "$base" "$token" "$pid"
