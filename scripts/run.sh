#!/usr/bin/env bash
# Installs what is missing, then builds and serves the app at http://127.0.0.1:3000
# on the embedded SQLite store (data/sessions.db), in development mode: plain http,
# so the cookie is not `Secure`, and a generated key kept in data/ (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/setup.sh
. scripts/env.sh
export LEPTOS_ENV="${LEPTOS_ENV:-DEV}"
say "building (the first build takes about 6 minutes), then serving at http://127.0.0.1:3000"
exec cargo leptos serve --release
