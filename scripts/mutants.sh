#!/usr/bin/env bash
# Breaks the security core one change at a time (cargo-mutants; the files are
# listed in .cargo/mutants.toml, in the app and in the store crate) and runs
# the unit tests of both, the store crate's SessionStore tests and the HTTP
# tests against each change: a change that no test fails on is a behaviour
# no test pins. Not part of `make test`: each mutant is a rebuild and a test
# run, so a whole run takes hours on two cores; split it with --shard K/N.
#
# It mutates a checkout of the committed HEAD in target/mutants/tree (never
# this working tree, which cargo-mutants' --in-place would edit), whose build
# is kept between runs. Results: target/mutants/tree/mutants.out/
#   (caught.txt, missed.txt, timeout.txt, unviable.txt).
# Usage: scripts/mutants.sh [cargo-mutants options, e.g. --shard 0/4, or
#   --re 'keys\.rs' for the mutants of one file: the files of
#   .cargo/mutants.toml are always examined, so -f would add, not narrow]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/services.sh

CARGO_MUTANTS_VERSION=27.1.0
if [[ "$(cargo mutants --version 2>/dev/null)" != *" $CARGO_MUTANTS_VERSION" ]]; then
  say "installing cargo-mutants $CARGO_MUTANTS_VERSION (a few minutes, once)"
  cargo install --quiet --locked cargo-mutants --version "$CARGO_MUTANTS_VERSION"
fi

tree=target/mutants/tree
if [ ! -e "$tree/.git" ]; then
  git worktree prune
  git worktree add --quiet --detach "$tree" HEAD
else
  git -C "$tree" checkout --quiet --detach --force HEAD
  git -C "$tree" reset --quiet --hard "$(git rev-parse HEAD)"
fi
say "mutating $(git -C "$tree" rev-parse --short HEAD) in $tree"

# Some HTTP tests need a Redis or PostgreSQL server whatever the store they
# are about (the outage tests, the hang-up test).
trap stop_services EXIT
start_services

# The store-generic tests run once per store; on memory and SQLite they
# reach every line here, so the server stores' copies are skipped.
cd "$tree"
# (Here rather than in the config: cargo-mutants puts the config's test
# arguments after these, where the test binaries would read them.)
# --workspace: the store crate's files are examined too (by default only the
# package in the current directory is).
# --test session_store: the store crate's own SessionStore tests.
cargo mutants --in-place --no-shuffle --workspace "$@" -- --lib --test api --test session_store \
  -- --skip ::redis:: --skip ::postgres:: --skip ::redis_cluster:: --skip ::redis_sentinel::
