# Shared by the scripts in this folder: messages, and running as root or with sudo.
say() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# Installs Debian packages that are missing; says nothing when all are there.
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local log; log=$(mktemp)
  # Quiet unless it fails: apt's notes (debconf without apt-utils) are not news.
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; return 1
  fi
  rm -f "$log"
}
# Runs `npm ci` in folder $1 when its lock file is newer than what is installed.
# Refuses a node_modules that is a symlink: `npm ci` empties the folder it
# points to, which belongs to someone else (another checkout's wasm-opt).
npm_ci() {
  local dir=$1
  if [ -L "$dir/node_modules" ]; then
    say "$dir/node_modules is a symlink (to $(readlink "$dir/node_modules")); npm ci would empty its target: copy the folder instead"
    return 1
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in $dir"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
# Fails with a clear message when the file system holding build folder $2
# has too little room for a cold build of $1 GB: what the folder holds
# already counts towards it (a warm rerun needs little), 2 GB at least.
need_disk_gb() {
  local cold_kb=$(($1 * 1048576)) dir=$2 built_kb=0 want_kb free_kb
  if [ -d "$dir" ]; then built_kb=$(du -sk "$dir" | cut -f1); else dir=$(dirname "$dir"); fi
  want_kb=$((cold_kb - built_kb))
  [ "$want_kb" -ge 2097152 ] || want_kb=2097152
  free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  if [ "$free_kb" -lt "$want_kb" ]; then
    say "$((free_kb / 1048576)) GB free where $2 lives, and this build needs about $(((want_kb + 1048575) / 1048576)) GB more (a cold one about $1 GB): free some space first"
    return 1
  fi
}
# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# The release binary in production mode on store $1 at 127.0.0.1:$port, its
# log appended to file $2; sets pid, and returns once /healthz answers (10 s
# at most). For the check-*.sh scripts. Their load comes from this one
# address and starts hundreds of sessions (the fuzzer tens of thousands), so
# the limit on new sessions per client is off unless the caller sets it: it
# has tests of its own (tests/api/flood.rs, make bench's flood).
start_release() {
  LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    SESSION_SECRET=release-check-only-release-check-only-release-check-only-0123456 \
    SESSION_NEW_PER_CLIENT_PER_MINUTE="${SESSION_NEW_PER_CLIENT_PER_MINUTE:-0}" \
    SESSION_COOKIE_SECURE=false SESSION_STORE="$1" RUST_LOG=warn RUST_BACKTRACE=1 \
    target/release/leptos-sessions 2>>"$2" &
  pid=$!
  local tries=100
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || { cat "$2" >&2; say "the server did not come up"; exit 1; }
    sleep 0.1
  done
}
# Fails the script when the server's log $1 shows a panic.
no_panic() {
  if grep -q "panicked" "$1"; then grep -m5 -A3 "panicked" "$1" >&2; say "the server panicked"; exit 1; fi
}
