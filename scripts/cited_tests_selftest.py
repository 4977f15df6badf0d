"""Shows that the SECURITY.md check (cited_tests.py) fails when it should.

Each case copies the inputs to a temporary folder, breaks one thing the way
a real change would, and expects the check to name the row and citation that
broke. The untouched copy must pass first, so each failure is the case's own.
Run by `scripts/check-docs.py --self-test`.
"""
import os
import pathlib
import re
import shutil
import tempfile

import cited_tests

INPUTS = ["SECURITY.md", "src", "crates", "tests/api", "end2end/tests", "end2end/playwright.config.ts"]


def edit(root, file, old, new, count=1):
    """Replaces `old` (a regex) in `file`; the case is void unless it occurs
    exactly `count` times (0: any number but none)."""
    path = root / file
    text, n = re.subn(old, new, path.read_text())
    if n == 0 or (count and n != count):
        raise AssertionError(f"{file}: {old!r} occurs {n} times, the case needs {count or 'some'}")
    write(path, text)


def write(path, text):
    # Each case's copy shares its files with the first copy (hard links):
    # a file is replaced, never written through, so the cases stay apart.
    path.unlink()
    path.write_text(text)


def rename(root, file, name, new):
    edit(root, file, rf"\bfn {name}\(", f"fn {new}(")


def add(root, file, text):
    path = root / file
    write(path, path.read_text() + text)


NOTE_PLAYWRIGHT = "Playwright … a note outlives a pop and a reload"

# (what breaks, how, what the check must say)
CASES = [
    (
        "a cited HTTP test renamed",
        lambda r: rename(r, "tests/api/timeouts.rs", "an_idle_session_ends_after_the_idle_timeout", "an_idle_session_ends_after_its_idle_timeout"),
        ["SECURITY.md row 3 cites timeouts::an_idle_session_ends_after_the_idle_timeout: no such test (nearest: timeouts::an_idle_session_ends_after_its_idle_timeout)"],
    ),
    (
        "a cited unit test renamed",
        lambda r: rename(r, "crates/tower-sessions-lossless-store/src/cache.rs", "a_fetch_that_a_write_overtook_is_not_kept", "a_fetch_that_a_write_overtook_is_dropped"),
        ["SECURITY.md row 4 cites cache::tests::a_fetch_that_a_write_overtook_is_not_kept: no such test"],
    ),
    (
        "a cited test deleted (cited in two rows)",
        lambda r: edit(r, "tests/api/logs.rs", r"(?s)#\[tokio::test\]\nasync fn no_session_id_cookie_or_value_reaches_the_log\(\).*?\n}\n", ""),
        [
            "SECURITY.md row 10 cites logs::no_session_id_cookie_or_value_reaches_the_log: no such test",
            "SECURITY.md row 13 cites logs::no_session_id_cookie_or_value_reaches_the_log: no such test",
        ],
    ),
    (
        "a per-store test taken off its store_tests! list (its fn kept)",
        lambda r: edit(r, "tests/api/every_store.rs", r"\n    a_second_set_retires_the_old_id,", ""),
        ["SECURITY.md row 1 cites every_store::*::a_second_set_retires_the_old_id: no such test"],
    ),
    (
        "a cited test left only in comments",
        lambda r: (
            rename(r, "tests/api/cookies.rs", "a_tampered_cookie_is_a_new_anonymous_session", "a_tampered_cookie_starts_afresh"),
            add(
                r,
                "tests/api/cookies.rs",
                "\n// #[tokio::test]\n// async fn a_tampered_cookie_is_a_new_anonymous_session() {}\n"
                "/// #[test] fn a_tampered_cookie_is_a_new_anonymous_session() {}\n"
                "/* #[tokio::test] /* nested */\nasync fn a_tampered_cookie_is_a_new_anonymous_session() {} */\n",
            ),
        ),
        ["SECURITY.md row 1 cites cookies::a_tampered_cookie_is_a_new_anonymous_session: no such test"],
    ),
    (
        "a cited test left only in strings",
        lambda r: (
            rename(r, "tests/api/cookies.rs", "a_tampered_cookie_is_a_new_anonymous_session", "a_tampered_cookie_starts_afresh"),
            add(
                r,
                "tests/api/cookies.rs",
                '\nconst _: &str = "#[tokio::test] async fn a_tampered_cookie_is_a_new_anonymous_session() {}";\n'
                'const _: &str = r#"\n#[test]\nfn a_tampered_cookie_is_a_new_anonymous_session() {}\n"#;\n',
            ),
        ),
        ["SECURITY.md row 1 cites cookies::a_tampered_cookie_is_a_new_anonymous_session: no such test"],
    ),
    (
        "a cited test whose name holds a digit renamed",
        lambda r: rename(
            r,
            "tests/api/notes.rs",
            "a_body_over_16_kb_is_refused_with_a_message_whether_or_not_it_says_its_length",
            "a_body_over_32_kb_is_refused_with_a_message_whether_or_not_it_says_its_length",
        ),
        ["SECURITY.md row 8 cites notes::a_body_over_16_kb_is_refused_with_a_message_whether_or_not_it_says_its_length: no such test"],
    ),
    (
        "a module cited as module::* left with no test",
        lambda r: edit(r, "tests/api/caching.rs", r"#\[tokio::test\]\n", "", count=0),
        ["SECURITY.md row 7 cites caching::*: no module with a test"],
    ),
    (
        "a module cited as module::tests left with no test",
        lambda r: edit(r, "crates/tower-sessions-lossless-store/src/merge.rs", r"#\[test\]\n", "", count=0),
        ["SECURITY.md row 5 cites tower_sessions_lossless_store::merge::tests: no module with a test"],
    ),
    (
        "a cited test that is #[ignore]d",
        lambda r: edit(r, "tests/api/seed_routes.rs", r"(#\[tokio::test\]\n)(async fn in_production_the_cookie_is_secure_and_host_only)", r"\1#[ignore]\n\2"),
        ["SECURITY.md row 11 cites seed_routes::in_production_the_cookie_is_secure_and_host_only: only #[ignore]d tests"],
    ),
    (
        "a cited test's file no longer declared in tests/api/main.rs",
        lambda r: edit(r, "tests/api/main.rs", r"\nmod timeouts;", ""),
        ["SECURITY.md row 3 cites timeouts::a_session_in_use_outlives_the_idle_timeout: no such test"],
    ),
    (
        "a cited Playwright title missing (JS off)",
        lambda r: edit(r, "end2end/tests/js-off.spec.ts", "with JavaScript off a note outlives a pop and a reload", "with JavaScript off a note survives a pop and a reload"),
        [f"SECURITY.md row 2 cites {NOTE_PLAYWRIGHT}: no Playwright test with that title in project js-off"],
    ),
    (
        "a cited Playwright test left only in a comment (JS on)",
        lambda r: edit(r, "end2end/tests/js-on.spec.ts", r"\ntest\('a note outlives a pop and a reload'", "\n// test('a note outlives a pop and a reload')\ntest('a note survives'"),
        [f"SECURITY.md row 2 cites {NOTE_PLAYWRIGHT}: no Playwright test with that title in project js-on"],
    ),
    (
        "a row left citing no test",
        lambda r: edit(r, "SECURITY.md", r"\| `caching::\*` \|", "| the caching tests |"),
        ["SECURITY.md row 7 cites no test"],
    ),
]


def copy_inputs(source, target):
    for name in INPUTS:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
        else:
            shutil.copy(source / name, target / name)


def main(root, verbose=False):
    lines, failed = [], 0

    def report(ok, text):
        nonlocal failed
        failed += not ok
        lines.append(f"check-docs self-test: {text}")

    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp, "base")
        copy_inputs(root, base)
        problems = cited_tests.problems(base)
        report(not problems, "the untouched copy passes" if not problems else f"the untouched copy fails: {problems}")
        # The old check's regex skipped every name with a digit: all must be read now.
        security = (base / "SECURITY.md").read_text()
        digits = set(re.findall(r"`([a-z_]+::[^`]*\d[^`]*)`", security))
        read = {text for _, _, text, _ in cited_tests.citations(security)[0]}
        report(digits and digits <= read, f"the {len(digits)} cited names with a digit are all checked")
        for n, (what, breaks, expected) in enumerate(CASES):
            case = pathlib.Path(tmp, str(n))
            shutil.copytree(base, case, copy_function=os.link)
            try:
                breaks(case)
            except AssertionError as void:
                report(False, f"{what}: the tree has changed under the case: {void}")
                continue
            problems = cited_tests.problems(case)
            missed = [e for e in expected if not any(p.startswith(e) for p in problems)]
            if missed:
                report(False, f"{what}: NOT caught as expected; wanted {missed}, got {problems}")
            else:
                report(True, f"{what}: fails as expected: {problems[0]}")
    if failed or verbose:
        print("\n".join(lines))
    if failed:
        print(f"check-docs self-test: {failed} of {len(lines)} failed")
        return 1
    print(f"check-docs self-test: the check fails as it should in all {len(CASES)} cases (-v to list them)")
    return 0
