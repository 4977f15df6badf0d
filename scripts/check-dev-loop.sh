#!/usr/bin/env bash
# The development loop as a developer meets it: `make watch` in a copy of the
# tree, then a browser sees a stylesheet edit swapped in place and a component
# edit reload the page. The copy keeps the edits away from the working tree;
# its build goes to target/dev-loop here, so later runs rebuild only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/setup.sh
. scripts/env.sh
apt_install chromium curl
npm_ci end2end
repo=$PWD
copy=$(mktemp -d /tmp/leptos-sessions-dev-loop.XXXXXX)
log="$repo/target/dev-loop.log"
mkdir -p target
trap 'stop_watch; rm -rf "$copy"' EXIT
stop_watch() {
  if [ -n "${watch_pid:-}" ]; then
    # cargo-leptos and the server it runs share the process group started below.
    kill -TERM -- "-$watch_pid" 2>/dev/null || true
    wait "$watch_pid" 2>/dev/null || true
    watch_pid=
  fi
}

git ls-files -z | xargs -0 cp --parents -t "$copy"
# A copy of the build tools (wasm-opt), never a link: `npm ci` in the copy
# (its package-lock.json is newer than what is installed) empties
# node_modules, and through a link it would empty the project's.
cp -a "$repo/node_modules" "$copy/node_modules"
touch -r "$repo/package-lock.json" "$copy/package-lock.json"  # installed already: no reinstall
tools_before=$(cd "$repo/node_modules" && find . -printf '%p %s %T@\n' | sort | sha256sum)
port=$(free_port)
reload_port=$(free_port)

say "make watch in a copy of the tree (a cold debug build takes a few minutes); log: $log"
(
  cd "$copy"
  export CARGO_TARGET_DIR="$repo/target/dev-loop" DATA_DIR="$copy/data" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_RELOAD_PORT="$reload_port"
  exec setsid make watch
) >"$log" 2>&1 &
watch_pid=$!

# Ready once the first build is served; bounded so a broken build fails the run.
deadline=$((SECONDS + 900))
until curl -fs "http://127.0.0.1:$port/livez" >/dev/null; do
  if ! kill -0 "$watch_pid" 2>/dev/null; then tail -20 "$log"; say "make watch exited"; exit 1; fi
  if [ "$SECONDS" -ge "$deadline" ]; then tail -20 "$log"; say "no page after 15 minutes"; exit 1; fi
  sleep 1
done

(cd end2end && DEV_LOOP_URL="http://127.0.0.1:$port" DEV_LOOP_DIR="$copy" \
  npx playwright test --config dev-loop.config.ts)

tools_after=$(cd "$repo/node_modules" && find . -printf '%p %s %T@\n' | sort | sha256sum)
if [ "$tools_after" != "$tools_before" ]; then
  say "the project's node_modules changed during the dev loop (wasm-opt lives there)"
  exit 1
fi
