#!/usr/bin/env bash
# Hostile requests against the release binary on SQLite (SECURITY.md,
# row 15): fails on any 5xx, an answer that is not HTTP, a request left
# unanswered, a connection closed (or an answer's head cut off) without an
# answer unless the request could not be framed or its client hung up,
# counts by class that do not add up to the requests sent, memory that grows
# without bound or could not be sampled, or a panic in the server's log.
# Prints the run's JSON line; the server's log stays in target/fuzz/.
# Usage: scripts/check-fuzz.sh REQUESTS (the binary and
# target/loadgen/release/loadgen must be built).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
requests=$1
dir=$(mktemp -d /tmp/leptos-sessions-fuzz.XXXXXX)
port=$(free_port)
log=target/fuzz/server.log
mkdir -p target/fuzz
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

# Production settings, so what is fuzzed is what is deployed.
: > "$log"
start_release "sqlite://$dir/sessions.db" "$log"

status=0
target/loadgen/release/loadgen fuzz --base "http://127.0.0.1:$port" --requests "$requests" --pid "$pid" || status=$?
no_panic "$log"
curl -fs "http://127.0.0.1:$port/livez" >/dev/null || { say "the server did not survive the run"; exit 1; }
[ "$status" -eq 0 ] || { say "the fuzzer found failures (see the JSON line's samples)"; exit 1; }
say "ok: $requests hostile requests, no 5xx, no hang, no close without an answer it could give, no panic, memory bounded"
