#!/usr/bin/env bash
# A store outage under load: 64 users read and write through the release
# binary while the store (redis or postgres, as started by services.sh) is
# stopped for 5 s and started again. Fails unless every answer is a 200 or a
# 503, the 503s from two seconds into the outage have a p99 under 50 ms,
# every request from one second after the store is back succeeds, and every
# session is intact. Prints the run's JSON line.
# Usage: scripts/check-outage.sh redis|postgres (with services.sh's variables
# exported; the binary and target/loadgen/release/loadgen built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
which=$1
case $which in
  redis) store=$TEST_REDIS_URL ;;
  postgres) store=$TEST_POSTGRES_URL ;;
  *) say "usage: $0 redis|postgres"; exit 2 ;;
esac
port=$(free_port)
log=$(mktemp)
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

start_release "$store" "$log"

services=". scripts/lib.sh; . scripts/services.sh"
target/loadgen/release/loadgen outage --base "http://127.0.0.1:$port" --target "$which" \
  --users 64 --down-at 3 --down-for 5 --after 3 \
  --stop "$services; stop_$which" --start "$services; start_$which"
no_panic "$log"
say "ok: $which stopped for 5 s under 64 users: only 200s and 503s, fast refusals, full recovery, sessions intact"
