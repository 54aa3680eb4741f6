#!/usr/bin/env bash
# Small-request HTTP benchmark: GET /api/user and GET stack with wrk
# (2 threads, 32 connections, loopback) against a fresh server, plus idle RSS.
# Usage: bench/run-http-bench.sh [duration-seconds]   (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
bin=./build/statehouse
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-deps" >&2; exit 1; }

data=$(mktemp -d)
token="pul-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
log="$data/server.log"
"$bin" serve --listen 127.0.0.1:0 --data-dir "$data" --bootstrap-token "$token" \
  ${BENCH_SERVER_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT

port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; exit 1; }
base="http://127.0.0.1:$port"

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
