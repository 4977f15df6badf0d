#!/usr/bin/env bash
# The release binary on a shared store, stopped by SIGTERM as a process
# manager does: it must exit 0, and the session set before must be there after
# a start. Usage: scripts/check-restart.sh STORE_URL (the binary must be built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
store=$1
jar=$(mktemp)
log=$(mktemp)
port=$(free_port)
trap 'rm -f "$jar" "$log"; [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true' EXIT

expect() {
  local path=$1 want=$2 got
  got=$(curl -fsS -b "$jar" -c "$jar" "http://127.0.0.1:$port$path")
  [ "$got" = "$want" ] || { say "$path answered '$got', expected '$want'"; exit 1; }
}

start_release "$store" "$log"
expect /setsession "The session has been Set"
kill -TERM "$pid"
status=0; wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { say "SIGTERM: exit status $status, expected 0"; exit 1; }
start_release "$store" "$log"
expect /getsession "Welcome Admin"
expect /popsession "Session Deleted"
say "ok: exit 0 on SIGTERM, and the session outlived the restart (${store%%:*})"
