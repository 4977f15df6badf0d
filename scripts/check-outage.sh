#!/usr/bin/env bash
# A store outage under load: 64 users read and write through the release
# binary while the store, as started by services.sh, fails:
#   redis, postgres   stopped for 5 s and started again
#   postgres-restart  stopped and started at once, as a restart does
#   redis-cluster     one primary of three killed (SIGKILL); its replica
#                     takes over
#   redis-sentinel    the primary killed; the sentinels promote the replica
# Each user reads its greeting, writes its counter, reads its keys, writes,
# in turn. Fails on an answer other than 200 or 503; a 200 that shows the
# user signed out, or its counter below the last value a write was
# acknowledged for (during the run or after it); no request sent while the
# store was stopped; in the 5 s outages, no 503 while the store was down, or
# no 503s from two seconds in to take the p99 of (a restart or a failover
# may honestly show none: a client that retries hides them; that the store
# restarted or failed over is the commands' own check); a p99 of those 503s
# of 50 ms or more; any failure from one second after the store is back (or
# a replica has taken over); a user signed out afterwards. A failover may
# lose the writes its primary acknowledged in the last second before the
# crash (Redis replicates asynchronously), no other. Prints the run's JSON
# line; `missed` names each target missed.
# Usage: scripts/check-outage.sh redis|postgres|postgres-restart|redis-cluster|redis-sentinel
# (with services.sh's variables exported; the binary and
# target/loadgen/release/loadgen built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
services=". scripts/lib.sh; . scripts/services.sh"
which=$1
case $which in
  redis) store=$TEST_REDIS_URL
    how=(--down-for 5 --after 3 --stop "$services; stop_redis" --start "$services; start_redis") ;;
  postgres | postgres-restart) store=$TEST_POSTGRES_URL
    gap=$( [ "$which" = postgres ] && echo 5 || echo 0 )
    how=(--down-for "$gap" --after 3 --stop "$services; stop_postgres" --start "$services; start_postgres") ;;
  redis-cluster | redis-sentinel)
    set=${which#redis-}
    store=$( [ "$set" = cluster ] && echo "$TEST_REDIS_CLUSTER_URL" || echo "$TEST_REDIS_SENTINEL_URL" )
    how=(--down-for 0 --after 5 --failover --stop "$services; kill_${set}_primary" --start "$services; until_${set}_failover") ;;
  *) say "usage: $0 redis|postgres|postgres-restart|redis-cluster|redis-sentinel"; exit 2 ;;
esac
port=$(free_port)
log=$(mktemp)
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

start_release "$store" "$log"
status=0
target/loadgen/release/loadgen outage --base "http://127.0.0.1:$port" --target "$which" \
  --users 64 --down-at 3 "${how[@]}" || status=$?
# The crashed node back, as a replica now: the next run finds a whole set-up.
[ -z "${set:-}" ] || bash -c "$services; restart_killed_node"
[ "$status" -eq 0 ] || exit "$status"
no_panic "$log"
say "ok: $which failed under 64 users: only 200s and 503s, never a user signed out, no write lost (but in a failover's last second), fast refusals, full recovery"
