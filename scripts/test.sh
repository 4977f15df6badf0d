#!/usr/bin/env bash
# Runs every test: the docs against the tree, formatting, clippy for both
# builds and the store crate, unit and HTTP tests, the store crate's own
# tests, the release build (restarts, .env.example) and
# Debian's Chromium with Playwright, then the `make watch` loop. Installs what
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/services.sh
# A cold run's builds write several GB to target/; say so up front rather
# than as a compiler's "No space left on device" minutes in.
need_disk_gb 12 target
scripts/setup.sh
. scripts/env.sh
apt_install chromium redis-server redis-sentinel postgresql curl
npm_ci end2end

step() { printf '\n==> %s\n' "$*" >&2; }

step "docs match the tree (README module map and benchmark figures, SECURITY.md's tests, .env.example, store URL forms); first, that those checks can fail"
scripts/check-docs.py --self-test
scripts/check-docs.py

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy, server build (ssr)"
cargo clippy --quiet --all-targets --features ssr -- -D warnings

step "clippy, browser build (hydrate, wasm32)"
cargo clippy --quiet --all-targets --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "clippy, the session store crate (crates/tower-sessions-lossless-store)"
cargo clippy --quiet -p tower-sessions-lossless-store --all-targets -- -D warnings

step "rustdoc of the session store crate, as docs.rs would build it (broken or private links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet -p tower-sessions-lossless-store --no-deps

step "clippy, the benchmark's load generator (bench/loadgen)"
cargo clippy --quiet --release --manifest-path bench/loadgen/Cargo.toml --target-dir target/loadgen -- -D warnings
cargo fmt --manifest-path bench/loadgen/Cargo.toml -- --check

step "the load generator's own tests (how the fuzz, outage and drain checks judge what they see)"
cargo test --quiet --release --manifest-path bench/loadgen/Cargo.toml --target-dir target/loadgen

step "starting Redis, PostgreSQL, a Redis Cluster and a Sentinel set-up for the tests (temporary, on free ports)"
trap stop_services EXIT
start_services

step "the session store crate's own tests, without the app: tower-sessions' SessionStore on memory, SQLite, Redis, PostgreSQL, Redis Cluster and Sentinel"
cargo test --quiet -p tower-sessions-lossless-store

step "unit and HTTP integration tests (memory, SQLite, Redis, PostgreSQL, Redis Cluster, Sentinel)"
cargo test --quiet --features ssr

step "release build (server and WASM, assets precompressed; 6 to 10 minutes cold)"
# Cargo's progress lines (hundreds on a cold build) would bury the results.
CARGO_TERM_QUIET=true cargo leptos build --release --precompress

step "hostile requests: 50,000 from the fuzzer against the release binary (1,000,000 in make bench)"
cargo build --quiet --release --manifest-path bench/loadgen/Cargo.toml --target-dir target/loadgen
scripts/check-fuzz.sh 50000

step "store outages under load: Redis, then PostgreSQL, stopped for 5 s and started under 64 users; PostgreSQL restarted"
scripts/check-outage.sh redis
scripts/check-outage.sh postgres
scripts/check-outage.sh postgres-restart

step "failovers under load: a Redis Cluster primary, then the Sentinel set-up's primary, killed under 64 users"
scripts/check-outage.sh redis-cluster
scripts/check-outage.sh redis-sentinel

step "release binary: SIGTERM exits 0 and sessions outlive a restart"
rm -rf target/check-restart
scripts/check-restart.sh "sqlite://target/check-restart/sessions.db"
scripts/check-restart.sh "$TEST_REDIS_URL"
scripts/check-restart.sh "$TEST_POSTGRES_URL"

step "release binary: SIGTERM under 64 users answers every request it took, exits 0 within 12 s, loses no write"
rm -rf target/check-drain
scripts/check-drain.sh "sqlite://target/check-drain/sessions.db"
scripts/check-drain.sh "$TEST_REDIS_URL"
scripts/check-drain.sh "$TEST_POSTGRES_URL"

step ".env.example: sourced as it is, it changes nothing (plain-http cookie under LEPTOS_ENV=DEV)"
scripts/check-env-example.sh

step "browser tests (Playwright, Debian's Chromium: JavaScript on and off, two instances per shared store)"
# Five distinct free ports below the kernel's ephemeral range: port-0 binds and
# outgoing connections (Playwright's own health checks among them) draw from that
# range, so none of them can take a port here before its server binds it.
read -r port_a port_b port_c port_d port_e < <(python3 -c '
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
top = low if low > 11000 else 65535
ports = set()
while len(ports) < 5:
    port = random.randrange(10000, top)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            ports.add(port)
        except OSError:
            pass
print(*ports)')
export E2E_PORT="${E2E_PORT:-$port_a}"
export E2E_INSTANCE_PORTS="$port_b,$port_c,$port_d,$port_e"
# --forbid-only: a test.only left in a spec fails the run here too, not only under CI.
(cd end2end && npx playwright test --forbid-only)

step "make watch: a stylesheet edit is swapped in place, a component edit reloads the page"
scripts/check-dev-loop.sh
