#!/usr/bin/env bash
# Installs what is missing, then builds and serves the app at http://127.0.0.1:3000
# on the embedded SQLite store (data/sessions.db), in development mode: plain http,
# so the cookie is not `Secure`, and a generated key kept in data/ (see README).
# `scripts/run.sh watch` rebuilds and reloads on every save instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/setup.sh
. scripts/env.sh
# cargo-leptos 0.3.10 does not set LEPTOS_ENV itself, and unset means production.
export LEPTOS_ENV="${LEPTOS_ENV:-DEV}"
if [ "${1:-}" = watch ]; then
  # Unhashed asset names while developing: cargo-leptos 0.3.10 rewrites only
  # the unhashed stylesheet on an edit, so with hashed names the page would
  # keep linking the first build's file. Release builds stay hashed (Cargo.toml).
  export LEPTOS_HASH_FILES=false
  exec cargo leptos watch
fi
say "building (the first build takes 6 to 9 minutes), then serving at http://127.0.0.1:3000"
# Cargo's progress lines (hundreds on a cold build) are not news; errors still show.
export CARGO_TERM_QUIET=true
exec cargo leptos serve --release --precompress
