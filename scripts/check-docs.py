#!/usr/bin/env python3
"""The docs are written from the tree; this checks they still match it.

- README.md's module map names every file under src/, and every src/ path
  it names exists.
- Every test SECURITY.md cites (`module::…::name`) exists under tests/api/ or
  src/.
- .env.example names every variable the server reads, and nothing else.
"""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
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

security = (root / "SECURITY.md").read_text()
sources = "\n".join(p.read_text() for p in [*root.glob("tests/api/*.rs"), *root.glob("src/**/*.rs")])
for cited in set(re.findall(r"`([a-z_]+(?:::[a-z_*…]+)+)`", security)):
    parts = cited.split("::")
    module, name = parts[0], parts[-1]
    if name in ("*", "…"):
        if not any((root / d / f"{module}.rs").exists() for d in ["tests/api", "src"]) and not list(root.glob(f"src/**/{module}.rs")):
            problems.append(f"SECURITY.md cites {cited}: no module {module}")
    elif not re.search(rf"\b{re.escape(name)}\b", sources):
        problems.append(f"SECURITY.md cites {cited}: no test named {name}")

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

for problem in problems:
    print(f"check-docs: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
