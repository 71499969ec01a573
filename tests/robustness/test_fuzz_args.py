"""Random command lines to every command: never a traceback; a refusal is exit 2 with a message.

The command lines are built from each command's own options (read from the CLI itself, so a new
option is fuzzed without touching this file) followed by random text — empty strings, huge
numbers, control characters, full-width digits, paths with odd names — and random positional
words. Every command runs in-process on one small demo ledger, in a scratch folder (a random
``-o`` writes there, never elsewhere). ``PLEDGEBOOK_FUZZ_EXAMPLES`` raises the case count
(default 100: about ten seconds on one core).
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pledgebook.cli import app
from pledgebook.models.store.db import close_database

EXAMPLES = int(os.environ.get("PLEDGEBOOK_FUZZ_EXAMPLES", "100"))
OUTCOMES: collections.Counter[str] = collections.Counter()


def _commands() -> dict[tuple[str, ...], list[str]]:
    """Every leaf command's words and its option names, from the typer app itself."""
    found: dict[tuple[str, ...], list[str]] = {}

    def walk(cmd, words: tuple[str, ...]) -> None:
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            if words:  # a group with its own callback (backup) is a command too
                found[words] = [o for p in cmd.params for o in p.opts if o.startswith("-")]
            for name, sub in cmd.commands.items():
                walk(sub, (*words, name))
            return
        found[words] = [o for p in cmd.params for o in p.opts if o.startswith("-")]

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()
# a demo of random size could take minutes: its size is fuzzed by test_cli's bounds, not here
SLOW_OPTIONS = {("demo",): {"--scale"}}

# no NUL: a real command line cannot carry one (execve takes C strings); no lone surrogates but the
# ones Python makes of bytes that are not UTF-8 (a GBK file name on Linux: "\udcb0\udca1")
nasty = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["", " ", "0", "-1", "10000000000000000000000", "2026", "1999", "2101", "５３０８２２",
                     "530822\n", "000000", "\x01", "\t", "\udcb0\udca1", "\udcb0\udca1.xlsx", "--", "-", ".", "..", "nan", "1e9", "２０２６",
                     "[" * 5000, "{}", "a" * 5000, "D:\\上报\\", "\\\\server\\share\\x.db", "%s%n", "'; DROP TABLE pledge;--"]),
    st.integers().map(str),
)


def _safe(token: str) -> str:
    """Keep a random path inside the scratch folder: no absolute paths, no home, no way up."""
    if token.startswith(("/", "~", "\\")) or ".." in token:
        return "x" + token.replace("..", "_")
    return token


@st.composite
def command_lines(draw) -> list[str]:
    words = draw(st.sampled_from(sorted(COMMANDS)))
    options = [o for o in COMMANDS[words] if o not in SLOW_OPTIONS.get(words, set()) and o != "--db"]
    args: list[str] = list(words)
    for _ in range(draw(st.integers(0, 4))):
        if options and draw(st.booleans()):
            args.append(draw(st.sampled_from(options)))
        args.append(_safe(draw(nasty)))
    return args


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "ledger.db"
    env = {**os.environ, "HOME": str(folder / "home"), "XDG_DATA_HOME": str(folder / "home"),
           "XDG_CONFIG_HOME": str(folder / "home")}
    subprocess.run([sys.executable, "-m", "pledgebook", "demo", "--db", str(db), "--scale", "100", "--json"],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, env=env)
    work = folder / "work"
    work.mkdir()
    here = os.getcwd()
    os.chdir(work)
    try:
        yield db, work
    finally:
        os.chdir(here)
        if os.environ.get("PLEDGEBOOK_FUZZ_REPORT"):
            print("\nfuzz outcomes:", dict(sorted(OUTCOMES.items())))


def _run(args: list[str]):
    try:
        return CliRunner().invoke(app, args)
    finally:
        close_database()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
@given(args=command_lines())
def test_random_command_lines_never_trace_back(scratch, args):
    db, work = scratch
    result = _run([*args, "--db", str(db)])
    shown = " ".join(repr(a)[:40] for a in args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output[-500:])
    if result.exit_code == 2:
        assert result.output.strip(), f"{shown}: refused without a word"
    words = max((w for w in COMMANDS if tuple(args[: len(w)]) == w), key=len)
    OUTCOMES[f"{' '.join(words)} → {result.exit_code}"] += 1
    # nothing outside the scratch folder: a random path stays in it
    assert not Path(db.parent / "x").exists() or Path(db.parent / "x").is_relative_to(work.parent)
    for extra in work.iterdir():
        if extra.is_dir() and extra.name in ("backups", "archive"):
            shutil.rmtree(extra, ignore_errors=True)


@settings(max_examples=max(30, EXAMPLES // 5), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.one_of(st.integers(), st.integers(1990, 2110)))
def test_a_year_is_taken_exactly_when_it_is_plausible(scratch, year):
    db, _ = scratch
    result = _run(["stats", "--year", str(year), "--db", str(db), "--json"])
    if 2000 <= year <= 2100:
        assert result.exit_code in (0, 2), result.output  # 2: a plausible year the ledger does not have
        if result.exit_code == 2:
            assert "年度" in result.output and "不合理" not in result.output
    else:
        assert result.exit_code == 2
        assert "不合理：请填写 2000 到 2100 之间的四位年份" in result.output.replace("\n", "").replace("│", "")
