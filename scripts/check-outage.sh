#!/usr/bin/env bash
# A store outage under load: 64 users read and write through the release
# binary while the store, as started by services.sh, fails:
#   redis, postgres   stopped for 5 s and started again
#   postgres-restart  stopped and started at once, as a restart does
#   redis-cluster     one primary of three killed (SIGKILL); its replica
#                     takes over
#   redis-sentinel    the primary killed; the sentinels promote the replica
# Fails unless every answer is a 200 or a 503, the 503s from two seconds into
# the outage have a p99 under 50 ms, every request from one second after the
# store is back (or a replica has taken over) succeeds, and every user is
# still signed in with its last acknowledged write (a failover may lose
# writes its primary acknowledged but had not yet sent to the replica: those
# are counted, as `writes_lost`, not failed). Prints the run's JSON line.
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
say "ok: $which failed under 64 users: only 200s and 503s, fast refusals, full recovery, every user signed in"
