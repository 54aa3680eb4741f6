# Shared by the bench scripts (source it). bench_start_server BIN starts a
# fresh server on a free loopback port with a temp data dir and sets
#   root (temp dir, removed on exit), data, token, pid, port, base.
# Extra server flags come from BENCH_SERVER_ARGS. With BENCH_BACKEND=postgres
# the server runs on a fresh PostgreSQL 15 cluster started here (durable
# settings: fsync and synchronous_commit on, as in production), removed on exit.
bench_start_postgres() {
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgdir=$(mktemp -d /tmp/statehouse-bench-pg-XXXXXX)
  chmod 755 "$pgdir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$pgdir"
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  (cd "$pgdir" && "${as[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 \
    --no-locale >/dev/null)
  pgport=$((20000 + RANDOM % 40000))
  printf "listen_addresses='127.0.0.1'\nport=%s\nunix_socket_directories=''\nmax_connections=200\n" \
    "$pgport" >"$pgdir/data/postgresql.auto.conf"
  (cd "$pgdir" && "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 30 start >/dev/null)
  psql -q "postgres://postgres@127.0.0.1:$pgport/postgres" -c "CREATE DATABASE statehouse_bench"
  bench_database="postgres://postgres@127.0.0.1:$pgport/statehouse_bench"
  bench_stop_postgres="${as[*]} $pgbin/pg_ctl -D $pgdir/data -m fast -w stop >/dev/null; rm -rf $pgdir"
}

bench_start_server() {
  local bin="$1"
  [ -x "$bin" ] || { echo "build first: make build (or pass the build dir)" >&2; exit 1; }
  root=$(mktemp -d)
  data="$root/data"
  mkdir -p "$data"
  token="pul-$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local log="$root/server.log"
  local db_args=""
  bench_stop_postgres=":"
  if [ "${BENCH_BACKEND:-sqlite}" = postgres ]; then
    bench_start_postgres
    db_args="--database $bench_database"
  fi
  # shellcheck disable=SC2086
  "$bin" serve --listen 127.0.0.1:0 --data-dir "$data" --bootstrap-token "$token" \
    $db_args ${BENCH_SERVER_ARGS:-} >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; eval "$bench_stop_postgres"; rm -rf "$root"' EXIT
  port=""
  for _ in $(seq 1 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$log"; exit 1; }
  base="http://127.0.0.1:$port"
}
