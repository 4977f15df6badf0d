# Starts the Redis and PostgreSQL servers the tests use, on free ports in a
# temporary folder, and stops them again. Sourced by test.sh after lib.sh:
#   start_services   exports TEST_REDIS_URL and TEST_POSTGRES_URL, and the
#                    Redis Cluster's and Sentinel set-up's (redis-ha.sh)
#   stop_services    stops them all and removes the folder (safe to call twice)
#   stop_redis, start_redis, stop_postgres, start_postgres
#                    an outage of one store, keeping its data (the start
#                    returns once the store answers)
PG_BIN=/usr/lib/postgresql/15/bin
. "$(dirname "${BASH_SOURCE[0]}")/redis-ha.sh"

# Runs a PostgreSQL program: as the `postgres` user when we are root, since
# its server refuses to run as root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Waits up to 10 s for `$@` to succeed.
wait_for() {
  local tries=100
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { say "gave up waiting for: $*"; return 1; }
    sleep 0.1
  done
}

start_services() {
  apt_install redis-server postgresql
  SERVICES_DIR=$(mktemp -d /tmp/leptos-sessions-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"

  export SERVICES_DIR REDIS_PORT PG_PORT
  REDIS_PORT=$(free_port)
  mkdir "$SERVICES_DIR/redis"
  start_redis
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

  PG_PORT=$(free_port)
  mkdir "$SERVICES_DIR/pg"
  [ "$(id -u)" -ne 0 ] || chown postgres "$SERVICES_DIR/pg"
  as_pg "$PG_BIN/initdb" -D "$SERVICES_DIR/pg/data" -U postgres --auth=trust \
    --no-sync --encoding=UTF8 >/dev/null
  start_postgres
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

  start_redis_cluster
  start_redis_sentinel
  say "Redis on port $REDIS_PORT, PostgreSQL on port $PG_PORT, Redis Cluster on ports $TEST_REDIS_CLUSTER_PORTS, Sentinel's primary and replica on $TEST_REDIS_SENTINEL_PORTS (sentinels on $SENTINEL_PORTS), in $SERVICES_DIR"
}

# No snapshots while running (the tests need none); `stop_redis` saves one
# on the way down so that a restart finds its sessions again.
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$SERVICES_DIR/redis" --pidfile "$SERVICES_DIR/redis/redis.pid" \
    --logfile "$SERVICES_DIR/redis/redis.log" --daemonize yes
  wait_for redis-cli -p "$REDIS_PORT" ping
}

stop_redis() {
  local pid; pid=$(cat "$SERVICES_DIR/redis/redis.pid")
  redis-cli -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || true
  wait_for bash -c "! kill -0 $pid"
}

start_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/server.log" -w \
    -o "-p $PG_PORT -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null
}

stop_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -m fast -w stop >/dev/null
}

stop_services() {
  [ -n "${SERVICES_DIR:-}" ] && [ -d "$SERVICES_DIR" ] || return 0
  if [ -f "$SERVICES_DIR/redis/redis.pid" ]; then
    kill "$(cat "$SERVICES_DIR/redis/redis.pid")" 2>/dev/null || true
  fi
  stop_redis_ha
  if [ -f "$SERVICES_DIR/pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$SERVICES_DIR"
  SERVICES_DIR=
}
