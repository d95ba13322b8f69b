#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: data and unix socket in one directory, TCP only on
# 127.0.0.1, fsync off, trust auth for the superuser `postgres`. As root the server runs as the
# unprivileged `postgres` user (initdb refuses root); otherwise as the current user.
#
# Usage: pg.sh start|stop|url|down|up
#   start  initdb + start (replacing whatever an earlier run left in the directory)
#   stop   stop the server and remove the directory
#   url    print the admin URL (postgresql://postgres@127.0.0.1:PORT/postgres)
#   down   stop the server but keep its data (outage tests); `up` starts it again
# Env: AETHER_PG_DIR (default /tmp/aether-pg), AETHER_PG_PORT (default: 55432, or the next
# free port when 55432 is taken; an explicit port must be free), AETHER_PG_USER (default
# postgres, used when root), AETHER_PG_BIN (default: PostgreSQL 15's bin directory).
set -euo pipefail

DIR=${AETHER_PG_DIR:-/tmp/aether-pg}
RUNAS=${AETHER_PG_USER:-postgres}
[[ $DIR == /* && $DIR != / ]] || { echo "pg.sh: AETHER_PG_DIR must be an absolute path" >&2; exit 1; }

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

pg_bin() {
  if [[ -n ${AETHER_PG_BIN:-} ]]; then
    echo "$AETHER_PG_BIN"
  elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
  elif command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir
  else
    die "no PostgreSQL server binaries (apt-get install postgresql-15, or set AETHER_PG_BIN)"
  fi
}

# Runs a server binary as the unprivileged user when we are root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$DIR" && runuser -u "$RUNAS" -- "$@")
  else
    (cd "$DIR" && "$@")
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  if [[ -n ${AETHER_PG_PORT:-} ]]; then
    port_in_use "$AETHER_PG_PORT" && die "port $AETHER_PG_PORT on 127.0.0.1 is in use"
    echo "$AETHER_PG_PORT"
    return
  fi
  local port
  for ((port = 55432; port < 55532; port++)); do
    port_in_use "$port" || { echo "$port"; return; }
  done
  die "no free port in 55432-55531"
}

running() { [[ -f $DIR/data/postmaster.pid ]]; }

server_stop() {
  running || return 0
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null
}

server_start() {
  if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 start >/dev/null; then
    tail -n 20 "$DIR/server.log" >&2 || true
    die "the server did not start (log: $DIR/server.log)"
  fi
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

start() {
  local begin port
  begin=$(now_ms)
  if [[ $(id -u) -eq 0 ]]; then
    id -u "$RUNAS" >/dev/null 2>&1 || die "user '$RUNAS' does not exist (set AETHER_PG_USER)"
  fi
  if [[ -d $DIR/data ]]; then server_stop || true; fi
  port=$(pick_port)
  rm -rf "$DIR"
  mkdir -p "$DIR/sock"
  echo "$port" >"$DIR/port"
  if [[ $(id -u) -eq 0 ]]; then chown -R "$RUNAS" "$DIR"; fi
  chmod 700 "$DIR"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync --no-instructions >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  server_start
  echo "pg.sh: PostgreSQL on 127.0.0.1:$port ($DIR) ready in $(($(now_ms) - begin)) ms" >&2
}

url() {
  [[ -f $DIR/port ]] || die "no cluster in $DIR (run: pg.sh start)"
  echo "postgresql://postgres@127.0.0.1:$(cat "$DIR/port")/postgres"
}

BIN=$(pg_bin)
case "${1:-}" in
  start) start ;;
  stop)
    if [[ -d $DIR/data ]]; then server_stop || true; fi
    rm -rf "$DIR"
    ;;
  url) url ;;
  down) server_stop ;;
  up)
    [[ -d $DIR/data ]] || die "no cluster in $DIR (run: pg.sh start)"
    running && die "the server in $DIR is already running"
    server_start
    ;;
  *) die "usage: pg.sh start|stop|url|down|up" ;;
esac
