#!/usr/bin/env bash
# `.env.example` must behave like leaving every variable unset: sourced, then
# LEPTOS_ENV=DEV set as a developer would, the release binary serves a cookie
# without `Secure` (plain http works) and the seed flow completes with curl.
# Usage: scripts/check-env-example.sh (the release binary must be built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true' EXIT
port=$(free_port)
(
  set -a
  . ./.env.example
  set +a
  export LEPTOS_ENV=DEV DATA_DIR="$work/data" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn
  exec target/release/leptos-sessions
) &
pid=$!
tries=100
until curl -fs "http://127.0.0.1:$port/livez" >/dev/null; do
  tries=$((tries - 1)); [ "$tries" -gt 0 ] || { say "the server did not come up"; exit 1; }
  sleep 0.1
done

headers=$(curl -fsS -D - -o /dev/null -c "$work/jar" "http://127.0.0.1:$port/setsession")
cookie=$(printf '%s\n' "$headers" | grep -i '^set-cookie:' || true)
case "$cookie" in
  *"session="*) ;;
  *) say "/setsession set no session cookie: $headers"; exit 1 ;;
esac
if printf '%s' "$cookie" | grep -qi '; *secure\|__Host-'; then
  say "the cookie is Secure under LEPTOS_ENV=DEV after sourcing .env.example: $cookie"; exit 1
fi
for step in "getsession:Welcome Admin" "popsession:Session Deleted" "getsession:Welcome Anonymous"; do
  got=$(curl -fsS -b "$work/jar" -c "$work/jar" "http://127.0.0.1:$port/${step%%:*}")
  [ "$got" = "${step#*:}" ] || { say "/${step%%:*} answered '$got', expected '${step#*:}'"; exit 1; }
done
say "ok: .env.example sourced with LEPTOS_ENV=DEV gives a plain-http cookie and the seed flow"
