#!/usr/bin/env bash
# Installs what building the app needs, once per machine; quiet when it is all there.
# Why these versions: the README, "Versions that must match" (under Develop).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

CARGO_LEPTOS_VERSION=0.3.10
# The CLI must be the same version as the wasm-bindgen crate Cargo.toml pins.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1
fi

if [[ "$(cargo leptos --version 2>/dev/null)" != *" $CARGO_LEPTOS_VERSION" ]]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION; this is a one-time build of about 15 minutes on 2 cores (most of it compiles swc)"
  # no_downloads: it must never try to fetch tools from GitHub, which this network refuses.
  # Fat LTO off: same tool, about 2.5 minutes less to build.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --quiet --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads
fi

if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION to match the crate (about 3 minutes, once)"
  # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
  cargo install --quiet --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt for release builds, from npm's binaryen: Debian's (version 108)
# corrupts wasm-bindgen's externref table and hydration dies at start-up.
npm_ci .
