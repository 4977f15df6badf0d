#!/usr/bin/env python3
"""The README's benchmark figures, written from bench/RESULTS.md.

The README quotes a run's figures in two places: the Benchmark section's
summary and the failover table under "Running several instances". Both are
generated here, between marker comments, from the RESULTS.md that
`make bench` writes, so they cannot quote another run than the one they
cite. `bench/run` rewrites them after each run (`--write`);
`scripts/check-docs.py` fails when they differ from what RESULTS.md gives.

    scripts/bench_summary.py           print what the README should hold
    scripts/bench_summary.py --write   rewrite the README's generated parts
"""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(__file__).resolve().parent.parent

BEGIN = "<!-- {name}: generated from bench/RESULTS.md by scripts/bench_summary.py; make bench rewrites it -->"
END = "<!-- end of {name} -->"


class MissingFigure(Exception):
    """RESULTS.md lacks a row or table the README quotes."""


def sections(results):
    """RESULTS.md's `## ` sections: title -> text."""
    parts = re.split(r"^## (.+)$", results, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def table(text):
    """The first Markdown table in `text`, as a list of dicts by column name."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    if len(lines) < 2:
        raise MissingFigure("a table is missing")
    cells = lambda line: [c.strip() for c in line.strip().strip("|").split("|")]
    head = cells(lines[0])
    return [dict(zip(head, cells(line))) for line in lines[2:]]


def row(rows, what, **match):
    for r in rows:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    raise MissingFigure(f"{what}: no row with {match}")


def number(text):
    """`23288`, `15.8 ×`, `8.9 ms`, `67.9 %`, `101628 B` -> float."""
    m = re.match(r"[\d.,]+", text.replace("**", "").strip())
    if not m:
        raise MissingFigure(f"not a number: {text!r}")
    return float(m.group().replace(",", ""))


def section(secs, title):
    if title not in secs:
        raise MissingFigure(f"no section '## {title}'")
    return secs[title]


class Results:
    def __init__(self, text):
        secs = sections(text)
        self.throughput = table(section(secs, "Throughput and latency"))
        self.half = table(section(secs, "Latency at half of the maximum"))
        self.targets = table(section(secs, "Targets"))
        self.weight = section(secs, "Page weight")
        self.tti = section(secs, "Time to interactive")
        self.outages = table(section(secs, "Store outages and failovers under load"))
        m = re.search(r"on (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", text)
        self.when = m.group(1) if m else None

    def rps(self, target, workload):
        return number(row(self.throughput, "throughput", target=target, workload=workload)["req/s"])

    def ratio(self, target, workload):
        r = row(self.throughput, "throughput", target=target, workload=workload)
        return number(r["× Flask seed"])

    def goal(self, name):
        """`15.8×` or `67.9 %`, with the goal and its verdict."""
        r = row(self.targets, "targets", target=name)
        measured, goal, verdict = r["measured"], r["goal"], r[""].replace("*", "")
        return measured.replace(" ×", "×"), f"goal {goal}: {verdict}"


def thousands(value):
    return f"{value:,.0f}"


def benchmark(res):
    """The Benchmark section's summary."""
    read, read_goal = res.goal("`GET /getsession` on SQLite vs the Flask seed")
    read_share, share_goal = res.goal("`GET /getsession` on SQLite vs our ceiling")
    fn, fn_goal = res.goal("server-function get on SQLite vs the Flask seed")
    fn_share, fn_share_goal = res.goal("server-function get on SQLite vs our ceiling")
    write_redis, write_redis_goal = res.goal("write cycle on Redis vs Flask-Session on Redis")
    write_sqlite, write_sqlite_goal = res.goal("write cycle on SQLite vs Flask-Session on Redis")
    static, static_goal = res.goal("static asset vs our ceiling")
    brotli, brotli_goal = res.goal("release WASM, brotli")
    click, click_goal = res.goal("first answered click, median")
    ceilings = [number(r["req/s"]) for r in res.throughput if r["workload"] == "ceiling"]
    if not ceilings:
        raise MissingFigure("throughput: no ceiling rows")
    p99_rows = [
        r for r in res.targets if r["target"].startswith("p99 at half load")
    ]
    if not p99_rows:
        raise MissingFigure("targets: no p99 rows")
    p99 = [number(r["measured"]) for r in p99_rows]
    p99_missed = sum("missed" in r[""] for r in p99_rows)
    flask_half = lambda workload: row(res.half, "half load", target="flask-seed", workload=workload)["p99"]
    total = re.search(r"\| \*\*total\*\* \| \| \*\*(\d+)\*\* \|", res.weight)
    wasm = re.search(r"\|\s*`/pkg/[^`]*\.wasm`\s*\|\s*br\s*\|\s*(\d+)\s*\|", res.weight)
    paint = re.search(r"first contentful paint[^)]*\) (\d+) ms", res.tti)
    if not (total and wasm and paint):
        raise MissingFigure("page weight or time to interactive: a figure is missing")
    p99_goal = " / ".join(sorted({r["goal"] for r in p99_rows}))
    when = f" ({res.when})" if res.when else ""
    intro = f"From the run in [bench/RESULTS.md](bench/RESULTS.md){when}, each figure with its goal from the same file:"
    items = [
        f"- `GET /getsession`: **{read}** the Flask seed on SQLite "
        f"({thousands(res.rps('sqlite', 'read'))} vs {thousands(res.rps('flask-seed', 'read'))} req/s; "
        f"{read_goal}), {read_share} of our ceiling ({share_goal}): the SQLite store's read "
        f"cache answers repeat reads. {res.ratio('redis', 'read')}× on Redis, "
        f"{res.ratio('memory', 'read')}× on the memory store, {res.ratio('postgres', 'read')}× on "
        f"PostgreSQL. Our ceiling (`/livez`, no session) measured "
        f"{thousands(min(ceilings))}–{thousands(max(ceilings))} req/s across the stores' runs.",
        f"- The page's server-function get: **{fn}** the Flask seed on SQLite ({fn_goal}), "
        f"{fn_share} of the ceiling ({fn_share_goal}); {res.ratio('redis', 'server-fn')}× on Redis.",
        f"- Set-then-pop write cycle: **{write_redis}** Flask-Session on Redis when ours is on "
        f"Redis too ({thousands(res.rps('redis', 'write'))} vs "
        f"{thousands(res.rps('flask-session-redis', 'write'))} req/s; {write_redis_goal}), "
        f"{write_sqlite} on SQLite ({write_sqlite_goal}).",
        f"- Static assets (held in memory, precompressed): {thousands(res.rps('sqlite', 'static'))} "
        f"req/s on SQLite's run, {static} of the ceiling ({static_goal}).",
        f"- p99 at half load: {min(p99)}–{max(p99)} ms for reads and writes on the four stores "
        f"(goal {p99_goal}: missed on {p99_missed} of {len(p99)}); the Flask seed's "
        f"{flask_half('read')} (read) and {flask_half('write')} (write).",
        f"- A first visit transfers {round(int(total.group(1)) / 1000)} KB (the WASM is "
        f"{thousands(int(wasm.group(1)))} B brotli, {brotli}; {brotli_goal}); the first "
        f"click is answered {click} after navigation start ({click_goal}; first paint "
        f"{paint.group(1)} ms).",
    ]
    wrap = lambda text, indent: textwrap.fill(
        text, 78, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    return "\n".join([wrap(intro, ""), ""] + [wrap(item, "  ") for item in items])


# RESULTS.md's store -> how the README's failover table names the event.
FAILOVERS = [
    ("redis-cluster", "Redis Cluster, a primary of three killed (SIGKILL)"),
    ("redis-sentinel", "Sentinel, the primary killed (SIGKILL)"),
    ("postgres-restart", "PostgreSQL restarted (`pg_ctl stop -m fast`, then start)"),
]


def failovers(res):
    """The failover table under "Running several instances"."""
    lines = [
        "| the store | until a replica took over | users saw 503s for | users who saw one | other or wrong answers | users signed out | acknowledged writes lost |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for store, event in FAILOVERS:
        r = row(res.outages, "outages", store=store)
        intact = re.fullmatch(r"(\d+) of (\d+)", r["sessions intact"])
        if not intact:
            raise MissingFigure(f"outages: {store}: sessions intact {r['sessions intact']!r}")
        users = intact.group(2)
        signed_out = int(users) - int(intact.group(1))
        lines.append(
            f"| {event} | {r['down']} | {r['failing']} | {r['users failed']} of {users} "
            f"| {r['other or wrong answers']} | {signed_out} | {r['writes lost']} |"
        )
    return "\n".join(lines)


PARTS = {"benchmark figures": benchmark, "failover figures": failovers}


def expected(results_text):
    """Each generated part's text: name -> text."""
    res = Results(results_text)
    return {name: make(res) for name, make in PARTS.items()}


def block(name, text):
    return f"{BEGIN.format(name=name)}\n{text}\n{END.format(name=name)}"


def current(readme, name):
    """The README's generated part `name`, or None."""
    begin, end = re.escape(BEGIN.format(name=name)), re.escape(END.format(name=name))
    m = re.search(f"{begin}\n(.*?)\n{end}", readme, re.S)
    return m.group(1) if m else None


def problems(readme, results_text):
    try:
        want = expected(results_text)
    except MissingFigure as err:
        return [f"bench/RESULTS.md lacks what the README quotes: {err}"]
    found = []
    for name, text in want.items():
        have = current(readme, name)
        if have is None:
            found.append(f"README.md has no generated {name} (the markers of scripts/bench_summary.py)")
        elif have != text:
            diff = [f"    README: {a}\n    RESULTS.md: {b}" for a, b in zip(have.splitlines(), text.splitlines()) if a != b]
            found.append(
                f"README.md's {name} differ from bench/RESULTS.md (scripts/bench_summary.py --write):\n"
                + "\n".join(diff or ["    (lines added or missing)"])
            )
    return found


def write(readme, results_text):
    try:
        parts = expected(results_text)
    except MissingFigure as err:
        sys.exit(f"bench/RESULTS.md lacks what the README quotes: {err}")
    for name, text in parts.items():
        begin, end = re.escape(BEGIN.format(name=name)), re.escape(END.format(name=name))
        readme, n = re.subn(f"{begin}\n(?:.*?\n)?{end}", lambda _: block(name, text), readme, flags=re.S)
        if n != 1:
            sys.exit(f"README.md: the markers of the {name} are missing")
    return readme


def self_test():
    """The check fails when a quoted figure or a quoted row differs."""
    readme = (root / "README.md").read_text()
    results = (root / "bench/RESULTS.md").read_text()
    failures = []
    if problems(readme, results):
        failures.append(f"the untouched files fail: {problems(readme, results)}")
    cases = [
        ("a ratio changed", r"\| sqlite \| read \| (\d+) \|", "| sqlite | read | 1 |"),
        ("a target's figure changed", r"\| \d+\.\d × \|", "| 999.9 × |"),
        ("a failover figure changed", r"\| redis-sentinel \| \d+\.\d s \|", "| redis-sentinel | 99.9 s |"),
        ("the page weight changed", r"\*\*total\*\* \| \| \*\*\d+\*\*", "**total** | | **1**"),
        ("a row gone", r"\n\| redis-cluster \|[^\n]*", ""),
    ]
    for what, old, new in cases:
        changed, n = re.subn(old, new, results, count=1)
        if n != 1:
            failures.append(f"{what}: the case does not apply to bench/RESULTS.md ({old!r})")
        elif not problems(readme, changed):
            failures.append(f"{what}: the check passed")
    for failure in failures:
        print(f"bench_summary self-test: {failure}", file=sys.stderr)
    if not failures:
        print(f"bench_summary self-test: the figures' check fails as it should in all {len(cases)} cases", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    results = (root / "bench/RESULTS.md").read_text()
    if sys.argv[1:] == ["--write"]:
        path = root / "README.md"
        path.write_text(write(path.read_text(), results))
    elif sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    elif not sys.argv[1:]:
        for name, text in expected(results).items():
            print(block(name, text), end="\n\n")
    else:
        sys.exit(f"usage: {sys.argv[0]} [--write | --self-test]")
