# Redis past one server, on loopback, for the tests: a Redis Cluster of three
# primaries with a replica each, and a primary with one replica watched by
# three sentinels. Sourced by services.sh (after lib.sh), inside its folder
# $SERVICES_DIR:
#   start_redis_cluster    exports TEST_REDIS_CLUSTER_URL and
#                          TEST_REDIS_CLUSTER_PORTS (every node)
#   start_redis_sentinel   exports TEST_REDIS_SENTINEL_URL and
#                          TEST_REDIS_SENTINEL_PORTS (primary, then replica)
#   kill_cluster_primary, kill_sentinel_primary
#                          a crash (SIGKILL) of the node holding the session
#                          keys' primary role
#   until_cluster_failover, until_sentinel_failover
#                          return once a replica has taken over (30 s at most)
#   restart_killed_node    starts the killed node again; it rejoins as a replica
#   stop_redis_ha          stops every node and sentinel

SENTINEL_NAME=sessions
# A node unreachable this long is failed over: short, so that a test's outage
# is short; production keeps Redis' defaults (15 s cluster, 30 s sentinel).
HA_NODE_TIMEOUT_MS=1000

# Starts a redis-server in folder $SERVICES_DIR/redis-ha/$1 on port $1 with
# the rest of the arguments; its command line is kept there for a restart.
start_node() {
  local port=$1; shift
  local dir="$SERVICES_DIR/redis-ha/$port"
  mkdir -p "$dir"
  printf '%q ' redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --daemonize yes "$@" \
    >"$dir/command"
  bash "$dir/command"
  wait_for redis-cli -p "$port" ping
}

start_redis_cluster() {
  local ports=() port
  for _ in 1 2 3 4 5 6; do ports+=("$(free_port)"); done
  # The bus port is named too: by default it is the port + 10000, which
  # may be taken, or past 65535.
  for port in "${ports[@]}"; do
    start_node "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-port "$(free_port)" --cluster-node-timeout "$HA_NODE_TIMEOUT_MS"
  done
  local nodes=()
  for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  # The first three become primaries, the last three one replica each.
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  for port in "${ports[@]}"; do
    wait_for bash -c "redis-cli -p $port cluster info | grep -q '^cluster_state:ok'"
  done
  # Every replica syncing, so that a failover has a replica that may take over.
  wait_for bash -c "[ \$(for p in ${ports[*]}; do redis-cli -p \$p role | sed -n 1p; done | grep -c slave) -eq 3 ]"
  export TEST_REDIS_CLUSTER_PORTS="${ports[*]}"
  local url="redis-cluster://127.0.0.1:${ports[0]}" sep='?'
  for port in "${ports[@]:1}"; do url+="${sep}node=127.0.0.1:$port"; sep='&'; done
  export TEST_REDIS_CLUSTER_URL=$url
}

start_redis_sentinel() {
  apt_install redis-sentinel
  local primary replica sentinels=() port
  primary=$(free_port); replica=$(free_port)
  start_node "$primary"
  start_node "$replica" --replicaof 127.0.0.1 "$primary"
  wait_for bash -c "redis-cli -p $replica info replication | grep -q '^master_link_status:up'"
  for _ in 1 2 3; do
    port=$(free_port); sentinels+=("$port")
    local dir="$SERVICES_DIR/redis-ha/sentinel-$port"
    mkdir -p "$dir"
    # Sentinels rewrite their own file as they learn the set-up.
    cat >"$dir/sentinel.conf" <<EOF
port $port
bind 127.0.0.1
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor $SENTINEL_NAME 127.0.0.1 $primary 2
sentinel down-after-milliseconds $SENTINEL_NAME $HA_NODE_TIMEOUT_MS
sentinel failover-timeout $SENTINEL_NAME 10000
EOF
    redis-sentinel "$dir/sentinel.conf"
  done
  # Ready when each sentinel knows the replica and the two other sentinels.
  for port in "${sentinels[@]}"; do
    wait_for bash -c "redis-cli -p $port sentinel master $SENTINEL_NAME | grep -A1 -x 'num-slaves' | grep -qx 1"
    wait_for bash -c "redis-cli -p $port sentinel master $SENTINEL_NAME | grep -A1 -x 'num-other-sentinels' | grep -qx 2"
  done
  export TEST_REDIS_SENTINEL_PORTS="$primary $replica"
  export TEST_REDIS_SENTINEL_URL="redis-sentinel://127.0.0.1:${sentinels[0]}/0?sentinelServiceName=$SENTINEL_NAME&node=127.0.0.1:${sentinels[1]}&node=127.0.0.1:${sentinels[2]}"
  export SENTINEL_PORTS="${sentinels[*]}"
}

# The port of the node that is a primary now, among ports "$@".
primary_among() {
  local port
  for port in "$@"; do
    [ "$(redis-cli -p "$port" role 2>/dev/null | sed -n 1p)" = master ] && { echo "$port"; return 0; }
  done
  return 1
}

# SIGKILL, as a crash or a pulled cable: no last snapshot, no goodbye to replicas.
kill_node() {
  local port=$1 pid
  pid=$(cat "$SERVICES_DIR/redis-ha/$port/redis.pid")
  kill -KILL "$pid"
  # Not `kill -0`: a dead daemon may linger as a zombie until init reaps it.
  wait_for bash -c "! redis-cli -p $port ping"
  echo "$port" >"$SERVICES_DIR/redis-ha/killed"
}

# The cluster's primary for the session keys is any of the three: the
# load's sessions are spread over every slot, so kill the first primary.
kill_cluster_primary() {
  # shellcheck disable=SC2086
  kill_node "$(primary_among $TEST_REDIS_CLUSTER_PORTS)"
}

kill_sentinel_primary() {
  # shellcheck disable=SC2086
  kill_node "$(primary_among $TEST_REDIS_SENTINEL_PORTS)"
}

until_cluster_failover() {
  local killed port alive=()
  killed=$(cat "$SERVICES_DIR/redis-ha/killed")
  for port in $TEST_REDIS_CLUSTER_PORTS; do [ "$port" = "$killed" ] || alive+=("$port"); done
  local tries=300
  until [ "$(for p in "${alive[@]}"; do redis-cli -p "$p" role | sed -n 1p; done | grep -c master)" -eq 3 ] &&
      redis-cli -p "${alive[0]}" cluster info | grep -q '^cluster_state:ok'; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || { say "no replica took over in 30 s"; return 1; }
    sleep 0.1
  done
}

until_sentinel_failover() {
  local killed port
  killed=$(cat "$SERVICES_DIR/redis-ha/killed")
  local tries=300
  until port=$(redis-cli -p "${SENTINEL_PORTS%% *}" sentinel get-master-addr-by-name "$SENTINEL_NAME" | sed -n 2p) &&
      [ "$port" != "$killed" ] && [ "$(redis-cli -p "$port" role | sed -n 1p)" = master ]; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || { say "the sentinels promoted no replica in 30 s"; return 1; }
    sleep 0.1
  done
}

restart_killed_node() {
  local port
  port=$(cat "$SERVICES_DIR/redis-ha/killed")
  rm -f "$SERVICES_DIR/redis-ha/killed"
  bash "$SERVICES_DIR/redis-ha/$port/command"
  wait_for redis-cli -p "$port" ping
}

stop_redis_ha() {
  local pidfile
  for pidfile in "$SERVICES_DIR"/redis-ha/*/redis.pid "$SERVICES_DIR"/redis-ha/*/sentinel.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
}
