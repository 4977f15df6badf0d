#!/usr/bin/env bash
# The release binary on a shared store, stopped by SIGTERM as a process
# manager does: it must exit 0, and the session set before must be there after
# a start. Usage: scripts/check-restart.sh STORE_URL (the binary must be built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
store=$1
jar=$(mktemp)
port=$(free_port)
trap 'rm -f "$jar"; [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true' EXIT

start() {
  LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    SESSION_SECRET=restart-check-only-restart-check-only-restart-check-only-0123456789 \
    SESSION_COOKIE_SECURE=false SESSION_STORE="$store" RUST_LOG=warn \
    target/release/leptos-sessions &
  pid=$!
  local tries=100
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || { say "the server did not come up"; exit 1; }
    sleep 0.1
  done
}
expect() {
  local path=$1 want=$2 got
  got=$(curl -fsS -b "$jar" -c "$jar" "http://127.0.0.1:$port$path")
  [ "$got" = "$want" ] || { say "$path answered '$got', expected '$want'"; exit 1; }
}

start
expect /setsession "The session has been Set"
kill -TERM "$pid"
status=0; wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { say "SIGTERM: exit status $status, expected 0"; exit 1; }
start
expect /getsession "Welcome Admin"
expect /popsession "Session Deleted"
say "ok: exit 0 on SIGTERM, and the session outlived the restart (${store%%:*})"
