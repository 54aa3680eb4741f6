#!/usr/bin/env bash
# Small-request HTTP benchmark: GET /api/user and GET stack with wrk
# (2 threads, 32 connections, loopback) against a fresh server, plus idle RSS.
# Usage: bench/run-http-bench.sh [duration-seconds]   (after `make build`;
# BENCH_BINARY picks another binary, BENCH_BACKEND=postgres runs on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-deps" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_start_server "${BENCH_BINARY:-./build/statehouse}"

curl -sf -X POST "$base/api/stacks/admin/bench" -H "Authorization: token $token" \
  -H 'Content-Type: application/json' \
  -d '{"stackName":"dev","tags":{"pulumi:project":"bench","pulumi:runtime":"nodejs"}}' >/dev/null

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "idle RSS after start: $(rss)"

lua="$data/auth.lua"
cat >"$lua" <<LUA
wrk.headers["Authorization"] = "token $token"
wrk.headers["Accept"] = "application/vnd.pulumi+9"
LUA

for path in /api/user /api/stacks/admin/bench/dev; do
  echo
  echo "== wrk -t2 -c32 -d${duration}s --latency $base$path"
  wrk -t2 -c32 -d"${duration}s" --latency -s "$lua" "$base$path" | \
    grep -E 'Requests/sec|Latency |50%|90%|99%|Non-2xx|Socket errors|requests in'
done
echo
sleep 1
echo "RSS after load: $(rss)"
