#!/usr/bin/env python3
"""The docs are written from the tree; this checks they still match it.

- README.md's module map names every file under src/ and under each
  workspace crate's src/ (crates/<name>/src/), and every such path it names
  exists.
- Every test SECURITY.md cites is one `make test` runs, by name (see
  scripts/cited_tests.py).
- .env.example names every variable the server reads, and nothing else;
  each line's value is the README's default (empty where the default is
  "unset", "none" or "empty").
- The store URL forms the server's own refusal lists (the store crate's
  src/url.rs) are the ones README.md and .env.example show.
- README.md's benchmark and failover figures are those of bench/RESULTS.md
  (scripts/bench_summary.py writes them).

`--self-test [-v]` shows instead that the SECURITY.md check fails when it
should (scripts/cited_tests_selftest.py), and the benchmark figures' check
too (scripts/bench_summary.py --self-test).
"""
import pathlib
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in scripts/
import bench_summary  # noqa: E402  (scripts/ is on the path: this file is there)
import cited_tests  # noqa: E402

root = pathlib.Path(__file__).resolve().parent.parent
STORE_URL_RS = "crates/tower-sessions-lossless-store/src/url.rs"


def readme_problems():
    problems = []
    readme = (root / "README.md").read_text()
    listed = ["git", "ls-files", "src", ":(glob)crates/*/src/**"]
    tracked = subprocess.run(listed, cwd=root, capture_output=True, text=True, check=True).stdout.split()
    for path in tracked:
        name = pathlib.Path(path).name
        if path not in readme and f"`{name}`" not in readme:
            problems.append(f"README.md's module map does not name {path}")
    for path in set(re.findall(r"(?:crates/[A-Za-z0-9_-]+/)?src/[A-Za-z0-9_/]+(?:\.rs)?", readme)):
        if not (root / path).exists():
            problems.append(f"README.md names {path}, which does not exist")
    return problems


def env_example_problems():
    problems = []
    env_example = (root / ".env.example").read_text()
    documented = set(re.findall(r"^# ([A-Z_]+)=", env_example, re.M))
    limits = (root / "src/config/limits.rs").read_text()  # the flood limits' settings
    config = (root / "src/config.rs").read_text() + (root / "src/telemetry.rs").read_text() + limits
    read = set(re.findall(r'var\("([A-Z_]+)"\)', config)) | set(re.findall(r'"([A-Z_]+)"', (root / "src/config.rs").read_text() + limits))
    read = {v for v in read if v.startswith(("SESSION_", "LEPTOS_", "DATA_", "METRICS_", "LOG_"))} | {"RUST_LOG", "LEPTOS_SITE_ADDR", "LEPTOS_SITE_ROOT"}
    read.discard("LEPTOS_HASH_FILES")  # cargo-leptos sets it; see README, Develop
    read.discard("LEPTOS_WATCH")
    for var in sorted(read - documented):
        problems.append(f".env.example does not list {var}")
    for var in sorted(documented - read):
        problems.append(f".env.example lists {var}, which the server does not read")
    for line in env_example.splitlines():
        if re.match(r"^\s*[A-Z_]+=", line):
            problems.append(f".env.example sets {line!r}: every line must be a commented default")
    return problems


def env_default_problems():
    """Each `# VAR=value` of .env.example holds the README's default, so that
    uncommenting a line changes nothing: empty where the default is unset."""
    problems = []
    readme = (root / "README.md").read_text()
    lines = dict(re.findall(r"^# ([A-Z_]+)=(.*)$", (root / ".env.example").read_text(), re.M))
    for var, default in re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", readme, re.M):
        if var not in lines:
            continue
        default = default.strip()
        if default.startswith(("unset", "none", "empty")):
            want = ""
        elif m := re.match(r"`([^`]*)`", default):
            want = m.group(1).replace("$DATA_DIR", "data")
        else:
            continue
        if lines[var] != want:
            problems.append(f".env.example has {var}={lines[var]}, but the README's default is {default!r}: write {var}={want}")
    return problems


def store_form_problems():
    """The forms SESSION_STORE's refusal names are the ones the docs show."""
    url_rs = (root / STORE_URL_RS).read_text()
    accepted = re.search(r'const ACCEPTED: &str = "(.*?)";', url_rs, re.S)
    if not accepted:
        return [f"{STORE_URL_RS} has no ACCEPTED forms"]
    problems = []
    for form in re.findall(r"`([^`]+)`", accepted.group(1)):
        for doc in ["README.md", ".env.example"]:
            if form not in (root / doc).read_text():
                problems.append(f"SESSION_STORE's refusal names {form}, which {doc} does not show")
    return problems


def bench_problems():
    return bench_summary.problems((root / "README.md").read_text(), (root / "bench/RESULTS.md").read_text())


if sys.argv[1:2] == ["--self-test"] and sys.argv[2:] in ([], ["-v"]):
    import cited_tests_selftest

    failed = cited_tests_selftest.main(root, verbose=sys.argv[2:] == ["-v"])
    sys.exit(bench_summary.self_test() or failed)
if sys.argv[1:]:
    sys.exit(f"usage: {sys.argv[0]} [--self-test [-v]]")

problems = (
    readme_problems()
    + cited_tests.problems(root)
    + env_example_problems()
    + env_default_problems()
    + store_form_problems()
    + bench_problems()
)
for problem in problems:
    print(f"check-docs: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
