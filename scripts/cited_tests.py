"""SECURITY.md's table says which test shows each behaviour; this checks that
every test it cites is one that `make test` runs, by name.

The tests are read from the source, not grepped for: a name counts only where
it defines a test, never in a comment, a string or other code.

- Rust: a `fn` under `#[test]` or `#[tokio::test]` (proptest! passes the
  attribute through, so its cases count the same way), and the per-store tests
  `store_tests!([stores] => [names])` generates, `module::store::name`. The
  HTTP tests' paths start at their file under tests/api/ (`notes::…`); a unit
  test's path is its file's under src/ (`session::keys::tests::…`), or, in a
  crate of the workspace, the crate's name and its file's path under the
  crate's src/ (`tower_sessions_lossless_store::cache::tests::…`); a citation
  may shorten either from the left (`cache::tests::…`). An
  `#[ignore]`d test, or one in a file tests/api/main.rs does not declare,
  does not count: `make test` does not run it.
- Playwright: `test('title', …)` in the spec files a project of
  end2end/playwright.config.ts runs.

Citations (in backticks; in the table only its "Shown by" column, since the
other columns name modules that are not tests):
- `a::b::name` names one test; `*` stands for one module, as in
  `every_store::*::name` (one per store);
- `a::b::*`, `a::b::…` and `a::tests` name a module, which must hold a test;
- Playwright `… title` (JS on and off): a test whose title holds that text
  (all of it, without a `…`), in each project named.
"""
import difflib
import functools
import pathlib
import re
from dataclasses import dataclass

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True)
class Test:
    path: tuple  # modules, then the name
    anchored: bool  # an HTTP test: a citation starts at its file
    ignored: bool


# --- Rust -------------------------------------------------------------------

_RUST_LITERAL = re.compile(
    r"""
      //[^\n]*
    | (?P<block>/\*)
    | (?<![A-Za-z0-9_])[bc]?r(?P<hashes>\#*)"
    | [bc]?"(?:\\.|[^"\\])*"
    | (?<![A-Za-z0-9_])b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'
    """,
    re.X | re.S,
)
_RUST_COMMENT_END = re.compile(r"/\*|\*/")
_RUST_TOKEN = re.compile(rf"{IDENT}|::|=>|\S")
_OPEN, _CLOSE = "([{", ")]}"


def _blank(text):
    return re.sub(r"[^\n]", " ", text)


def strip_rust(source):
    """The source with comments, strings and char literals blanked out. A
    lifetime (`'a`) is left alone: it has no closing quote."""
    out, pos = [], 0
    while m := _RUST_LITERAL.search(source, pos):
        end = m.end()
        if m.group("block"):  # Rust's block comments nest
            depth = 1
            while depth and end < len(source):
                nxt = _RUST_COMMENT_END.search(source, end)
                if not nxt:
                    end = len(source)
                    break
                depth += 1 if nxt.group() == "/*" else -1
                end = nxt.end()
        elif m.group("hashes") is not None:
            close = source.find('"' + m.group("hashes"), end)
            end = len(source) if close < 0 else close + 1 + len(m.group("hashes"))
        out += [source[pos : m.start()], _blank(source[m.start() : end])]
        pos = end
    out.append(source[pos:])
    return "".join(out)


def _matching(toks, i):
    """The index of the bracket closing the one at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] in _OPEN:
            depth += 1
        elif toks[j] in _CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _idents(toks):
    return [t for t in toks if re.fullmatch(IDENT, t)]


@functools.lru_cache(maxsize=None)  # the self-test reads mostly the same files again
def rust_tests(source, module, anchored, file):
    """The tests defined in one file whose module path is `module`, and the
    problems found reading it."""
    toks = _RUST_TOKEN.findall(strip_rust(source))
    tests, problems = [], []
    mods = []  # (name, brace depth of its body)
    depth = 0
    attrs = []  # paths of the outer attributes on the next item

    def here():
        return module + tuple(name for name, _ in mods)

    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1 : i + 4]
        if t == "#" and nxt[:1] == ["["]:
            end = _matching(toks, i + 1)
            body = toks[i + 2 : end]
            cut = next((k for k, b in enumerate(body) if b in ("(", "=")), len(body))
            attrs.append("".join(body[:cut]))
            i = end + 1
        elif t == "#" and nxt[:2] == ["!", "["]:
            i = _matching(toks, i + 2) + 1
        elif t == "macro_rules" and nxt[:1] == ["!"]:
            # A macro's body defines nothing until it is invoked.
            i = _matching(toks, i + 3) + 1
        elif t == "mod" and len(nxt) > 1 and re.fullmatch(IDENT, nxt[0]) and nxt[1] == "{":
            depth += 1
            mods.append((nxt[0], depth))
            attrs = []
            i += 3
        elif t == "fn" and nxt and re.fullmatch(IDENT, nxt[0]):
            if any(a == "test" or a.endswith("::test") for a in attrs):
                tests.append(Test(here() + (nxt[0],), anchored, "ignore" in attrs))
            attrs = []
            i += 2
        elif t == "store_tests" and nxt[:1] == ["!"] and len(nxt) > 1 and nxt[1] in _OPEN:
            end = _matching(toks, i + 2)
            group = toks[i + 3 : end]
            arrow = group.index("=>") if "=>" in group else -1
            stores, names = _idents(group[:arrow]), _idents(group[arrow + 1 :])
            if arrow < 0 or not stores or not names:
                problems.append(f"{file}: cannot read a store_tests! invocation")
            tests += [Test(here() + (s, n), anchored, False) for s in stores for n in names]
            attrs = []
            i = end + 1
        else:
            if t == "{":
                depth += 1
            elif t == "}":
                if mods and mods[-1][1] == depth:
                    mods.pop()
                depth -= 1
            if t in ("{", "}", ";"):
                attrs = []
            i += 1
    return tuple(tests), tuple(problems)


def _declared_api_modules(root):
    main = strip_rust((root / "tests/api/main.rs").read_text())
    return set(re.findall(rf"\bmod\s+({IDENT})\s*;", main))


def _unit_test_files(root):
    """(file, module path) of every Rust file holding unit tests: the app's
    under src/, and each workspace crate's under crates/<name>/src/, its
    module path starting with the crate's name (`-` as `_`)."""
    trees = [(root / "src", ())] + [
        (src, (src.parent.name.replace("-", "_"),)) for src in sorted(root.glob("crates/*/src"))
    ]
    for src, crate in trees:
        for path in sorted(src.glob("**/*.rs")):
            parts = path.relative_to(src).with_suffix("").parts
            if parts[-1] == "mod" or parts == ("lib",) or parts == ("main",):
                parts = parts[:-1]
            yield path, crate + parts


def all_rust_tests(root):
    """Every Rust test `cargo test` finds: the HTTP tests in the files
    tests/api/main.rs declares, and the unit tests under src/ and the
    workspace crates' src/ (`make test` runs those too)."""
    tests, problems = [], []
    declared = _declared_api_modules(root)
    for path in sorted(root.glob("tests/api/*.rs")):
        if path.stem != "main" and path.stem not in declared:
            continue  # not compiled, so its tests never run
        module = () if path.stem == "main" else (path.stem,)
        found, bad = rust_tests(path.read_text(), module, True, str(path.relative_to(root)))
        tests += found
        problems += bad
    for path, module in _unit_test_files(root):
        found, bad = rust_tests(path.read_text(), module, False, str(path.relative_to(root)))
        tests += found
        problems += bad
    return tests, problems


def cites(citation, test):
    """Whether `citation` (its segments) names `test` or a module holding it."""
    module_only = citation[-1] in ("*", "…")
    pattern = citation[:-1] if module_only else citation
    full = test.path
    for start in [0] if test.anchored else range(len(full)):
        window = full[start : start + len(pattern)]
        if len(window) < len(pattern) or any(p not in ("*", w) for p, w in zip(pattern, window)):
            continue
        end = start + len(pattern)
        if end < len(full) and (module_only or pattern[-1] == "tests"):
            return True
        if end == len(full) and not module_only:
            return True
    return False


# --- Playwright -------------------------------------------------------------

_TS_LITERAL = re.compile(
    r"""//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`""",
    re.S,
)


def playwright_titles(source):
    """The titles of the tests a spec file defines (`test(…)`, not
    `test.skip(…)` or one in a comment)."""
    strings = []

    def keep(m):
        text = m.group()
        if text.startswith("/"):
            return _blank(text)
        body = text[1:-1]
        strings.append(body if text[0] == "`" else re.sub(r"\\(.)", r"\1", body))
        return f"\0{len(strings) - 1}\0"

    code = _TS_LITERAL.sub(keep, source)
    return [strings[int(n)] for n in re.findall(r"(?<![\w.$])test\s*\(\s*\0(\d+)\0", code)]


def playwright_projects(root):
    """{project: [titles]} for the projects of end2end/playwright.config.ts."""
    config = (root / "end2end/playwright.config.ts").read_text()
    projects = re.findall(r"name:\s*'([^']+)',\s*testMatch:\s*/((?:\\.|[^/\\])+)/", config)
    specs = {p.name: playwright_titles(p.read_text()) for p in sorted((root / "end2end/tests").glob("*.ts"))}
    return {
        name: [title for file, titles in specs.items() if re.search(match, file) for title in titles]
        for name, match in projects
    }


def playwright_problem(cited, variants, projects):
    text = cited.strip("… ").strip()
    loose = cited != text  # a `…` stands for the rest of the title
    wanted = [f"js-{v}" for v in variants] or list(projects)
    missing = []
    for project in wanted:
        titles = projects.get(project)
        if titles is None:
            return f"no Playwright project {project} in end2end/playwright.config.ts"
        if not any(text in t if loose else text == t for t in titles):
            missing.append(project)
    if variants and missing:
        return f"no Playwright test with that title in project {', '.join(missing)}"
    if not variants and len(missing) == len(wanted):
        return "no Playwright test with that title"
    return None


# --- SECURITY.md ------------------------------------------------------------

_SPAN = re.compile(r"(Playwright\s+)?`([^`]+)`(\s*\(JS (on|off)(?: and (on|off))?\))?")
_CITATION = re.compile(rf"{IDENT}(?:::(?:{IDENT}|\*))*::(?:{IDENT}|\*|…)")


def citations(security):
    """[(where, kind, text, variants)] for every test SECURITY.md cites, and
    the problems reading it. kind is "rust", "playwright" or "bad"."""
    found, problems = [], []
    lines = security.splitlines()
    table = [(n, line) for n, line in enumerate(lines, 1) if line.startswith("|")]
    if len(table) < 3:
        return found, ["SECURITY.md has no table of behaviours and tests"]
    header = [c.strip() for c in table[0][1].strip().strip("|").split("|")]
    if "Shown by" not in header:
        return found, ["SECURITY.md's table has no \"Shown by\" column"]
    shown_by = header.index("Shown by")
    texts = []
    for n, line in table[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(header):
            problems.append(f"SECURITY.md line {n}: {len(cells)} cells, the header has {len(header)}")
            continue
        texts.append((f"row {cells[0]}", cells[shown_by]))
    texts += [(f"line {n}", line) for n, line in enumerate(lines, 1) if not line.startswith("|")]
    for where, text in texts:
        before = len(found)
        for m in _SPAN.finditer(text):
            playwright, span = m.group(1), m.group(2)
            variants = [v for v in m.group(4, 5) if v]
            if playwright:
                found.append((where, "playwright", span, variants))
            elif _CITATION.fullmatch(span):
                found.append((where, "rust", span, []))
            elif "::" in span:
                found.append((where, "bad", span, []))
        if where.startswith("row") and len(found) == before:
            problems.append(f"SECURITY.md {where} cites no test")
    return found, problems


def problems(root):
    """What is wrong with SECURITY.md's citations under `root`."""
    root = pathlib.Path(root)
    found, out = citations((root / "SECURITY.md").read_text())
    tests, bad = all_rust_tests(root)
    out += bad
    projects = playwright_projects(root)
    for where, kind, cited, variants in found:
        head = f"SECURITY.md {where} cites {'Playwright ' if kind == 'playwright' else ''}{cited}"
        if kind == "bad":
            out.append(f"{head}: not a test path (a::b::name, a::*::name, a::*, a::tests)")
        elif kind == "playwright":
            if problem := playwright_problem(cited, variants, projects):
                out.append(f"{head}: {problem}")
        else:
            segments = tuple(cited.split("::"))
            named = [t for t in tests if cites(segments, t)]
            if not named:
                out.append(f"{head}: {_no_test(segments, tests)}")
            elif all(t.ignored for t in named):
                out.append(f"{head}: only #[ignore]d tests, which make test does not run")
    return out


def _no_test(segments, tests):
    if segments[-1] in ("*", "…", "tests"):
        return "no module with a test"
    # A renamed test is the usual cause: name the nearest one.
    by_name = {t.path[-1]: "::".join(t.path) for t in tests}
    close = difflib.get_close_matches(segments[-1], by_name, n=1, cutoff=0.8)
    return "no such test" + (f" (nearest: {by_name[close[0]]})" if close else "")
