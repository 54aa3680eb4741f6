#!/usr/bin/env bash
# Checkpoint benchmark over HTTP on loopback (bench/checkpoint_bench.py):
# full checkpoints at ~466 KB and ~25 MB, delta checkpoints on a 25 MB /
# 5,000-resource state, a replayed 1,000-resource `pulumi up`, and the
# SHA-256 time of the same 25 MB for comparison. Starts a fresh server on a
# temp data dir.
# Usage: bench/run-checkpoint-bench.sh [build-dir]
#   BENCH_ROUNDS=30 saves per figure; BENCH_PARTS=full,delta,up selects the parts.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
bin="./$build/statehouse"
[ -x "$bin" ] || { echo "build first: make build (or pass the build dir)" >&2; exit 1; }

root=$(mktemp -d)
data="$root/data"
mkdir -p "$data"
token="pul-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
log="$root/server.log"
"$bin" serve --listen 127.0.0.1:0 --data-dir "$data" --bootstrap-token "$token" \
  ${BENCH_SERVER_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$root"' EXIT

port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; exit 1; }

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
