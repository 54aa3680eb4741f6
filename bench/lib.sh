# Shared by the bench scripts (source it). bench_start_server BIN starts a
# fresh server on a free loopback port with a temp data dir and sets
#   root (temp dir, removed on exit), data, token, pid, port, base.
# Extra server flags come from BENCH_SERVER_ARGS.
bench_start_server() {
  local bin="$1"
  [ -x "$bin" ] || { echo "build first: make build (or pass the build dir)" >&2; exit 1; }
  root=$(mktemp -d)
  data="$root/data"
  mkdir -p "$data"
  token="pul-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local log="$root/server.log"
  # shellcheck disable=SC2086
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
  base="http://127.0.0.1:$port"
}
