#!/usr/bin/env python3
"""The docs are written from the tree; this checks they still match it.

- README.md's module map names every file under src/, and every src/ path
  it names exists.
- Every test SECURITY.md cites is one `make test` runs, by name (see
  scripts/cited_tests.py).
- .env.example names every variable the server reads, and nothing else.

`--self-test [-v]` shows instead that the SECURITY.md check fails when it
should (scripts/cited_tests_selftest.py).
"""
import pathlib
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in scripts/
import cited_tests  # noqa: E402  (scripts/ is on the path: this file is there)

root = pathlib.Path(__file__).resolve().parent.parent


def readme_problems():
    problems = []
    readme = (root / "README.md").read_text()
    tracked = subprocess.run(["git", "ls-files", "src"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    for path in tracked:
        name = pathlib.Path(path).name
        if path not in readme and f"`{name}`" not in readme:
            problems.append(f"README.md's module map does not name {path}")
    for path in set(re.findall(r"src/[A-Za-z0-9_/]+(?:\.rs)?", readme)):
        if not (root / path).exists():
            problems.append(f"README.md names {path}, which does not exist")
    return problems


def env_example_problems():
    problems = []
    env_example = (root / ".env.example").read_text()
    documented = set(re.findall(r"^# ([A-Z_]+)=", env_example, re.M))
    config = (root / "src/config.rs").read_text() + (root / "src/telemetry.rs").read_text()
    read = set(re.findall(r'var\("([A-Z_]+)"\)', config)) | set(re.findall(r'"([A-Z_]+)"', (root / "src/config.rs").read_text()))
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


if sys.argv[1:2] == ["--self-test"] and sys.argv[2:] in ([], ["-v"]):
    import cited_tests_selftest

    sys.exit(cited_tests_selftest.main(root, verbose=sys.argv[2:] == ["-v"]))
if sys.argv[1:]:
    sys.exit(f"usage: {sys.argv[0]} [--self-test [-v]]")

problems = readme_problems() + cited_tests.problems(root) + env_example_problems()
for problem in problems:
    print(f"check-docs: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
