#!/usr/bin/env bash
# A restart under load loses nothing: 64 users read and write through the
# release binary; it is sent SIGTERM. Every request it took must get its
# whole answer. Four writes are held open across the signal (head sent
# 500 ms before it, the body's rest 100 ms after): a server that stops at
# once cannot answer them. Of the users' requests, only a refused
# connection, a request handed back unsent, and a close on a request written
# after the signal or less than 50 ms before it (axum's shutdown may close a
# kept-alive connection whose next request it has not read yet) count as not
# taken; a close on one written earlier, an answer cut off, or a drain in
# which no request written before the signal was answered after it fails
# (see `ending` in bench/loadgen/src/drain/mod.rs). It must exit 0 within
# the stated bound, and a new instance must show each user's last
# acknowledged write (and no write that went unanswered). Prints the two
# JSON lines.
# Usage: scripts/check-drain.sh STORE_URL (the binary and
# target/loadgen/release/loadgen built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
store=$1
# SHUTDOWN_GRACE_SECS (10) plus the store's close: the bound we state.
bound_ms=12000
port=$(free_port)
state=$(mktemp)
log=$(mktemp)
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; rm -f "$state" "$log"' EXIT

start_release "$store" "$log"
row=$(target/loadgen/release/loadgen drain --base "http://127.0.0.1:$port" --target "${store%%:*}" \
  --users 64 --pid "$pid" --signal-after 2 --state "$state") || { echo "$row"; exit 1; }
echo "$row"
status=0; wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { cat "$log" >&2; say "SIGTERM under load: exit status $status, expected 0"; exit 1; }
exit_ms=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exit_ms"])' "$row")
[ "$exit_ms" -le "$bound_ms" ] || { say "exit took $exit_ms ms, over the $bound_ms ms bound"; exit 1; }
start_release "$store" "$log"
target/loadgen/release/loadgen drain-check --base "http://127.0.0.1:$port" --target "${store%%:*}" --state "$state"
no_panic "$log"
say "ok: SIGTERM under 64 users (${store%%:*}): every taken request answered, exit 0 in $exit_ms ms, every acknowledged write there"
