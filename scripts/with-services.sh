#!/usr/bin/env bash
# Runs a command with the test Redis and PostgreSQL started (and stopped after),
# e.g. `scripts/with-services.sh cargo test --features ssr outage`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. scripts/services.sh
trap stop_services EXIT
start_services
"$@"
