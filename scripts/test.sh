#!/usr/bin/env bash
# Runs every test: formatting, clippy for both builds, unit and HTTP tests, then
# the release build in Debian's Chromium with Playwright. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/setup.sh
. scripts/env.sh
apt_install chromium
npm_ci end2end

step() { printf '\n==> %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy, server build (ssr)"
cargo clippy --quiet --all-targets --features ssr -- -D warnings

step "clippy, browser build (hydrate, wasm32)"
cargo clippy --quiet --all-targets --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and HTTP integration tests (real SQLite files)"
cargo test --quiet --features ssr

step "release build (server and WASM)"
cargo leptos build --release

step "browser tests (Playwright, Debian's Chromium, JavaScript on and off)"
export E2E_PORT="${E2E_PORT:-$(free_port)}"
(cd end2end && npx playwright test)
