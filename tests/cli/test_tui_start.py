"""``pledgebook`` alone (or with only ``--db``) opens the TUI without building typer's parser; the rest parses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pledgebook.cli as cli
from pledgebook.cli import launch

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def at_terminal(monkeypatch):
    monkeypatch.setattr(launch, "terminal", lambda: True)


@pytest.mark.parametrize(("argv", "expected"), [
    ([], (True, None)),
    (["--db", "a.db"], (True, "a.db")),
    (["--db=b.db"], (True, "b.db")),
    (["stats"], (False, None)),
    (["--db", "a.db", "stats"], (False, None)),
    (["--help"], (False, None)),
    (["--version"], (False, None)),
    (["--db"], (False, None)),
    (["--db="], (False, None)),
    (["--db", "--help"], (False, None)),
    (["--db", "bad\nname.db"], (False, None)),  # the parser says what is wrong with it
])
def test_which_starts_skip_the_parser(at_terminal, argv, expected):
    assert cli.bare_tui_db(argv) == expected


def test_no_terminal_goes_through_the_parser(monkeypatch):
    # the parser's root command then says 「界面需要在终端窗口中运行」 (exit 2), as before
    monkeypatch.setattr(launch, "terminal", lambda: False)
    assert cli.bare_tui_db([]) == (False, None)


def _start(db: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, sys\n"
        "import pledgebook.cli as cli\n"
        "import pledgebook.cli.launch as launch\n"
        "launch.terminal = lambda: True\n"
        "opened = []\n"
        "cli.open_tui = lambda path: opened.append(str(path))\n"
        f"sys.argv = ['pledgebook', '--db', {str(db)!r}]\n"
        "cli.main()\n"
        "print(json.dumps({'opened': opened, 'loaded': sorted(m for m in ('typer', 'click', 'textual') if m in sys.modules)}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, timeout=120, env={**os.environ, "PYTHONUTF8": "1"})


def test_bare_start_opens_the_ledger_without_typer(tmp_path):
    db = tmp_path / "new.db"
    proc = _start(db)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["opened"] == [str(db)]
    assert db.exists()  # created, as `pledgebook --db new.db` always did (the welcome screen follows)
    assert out["loaded"] == []


def test_bare_start_refuses_a_foreign_file_with_the_message_and_code(tmp_path):
    db = tmp_path / "notes.db"
    db.write_bytes(b"just some text, not a database" * 10)
    proc = _start(db)
    assert proc.returncode == 2
    assert "错误：" in proc.stderr and "不是承诺台账数据库" in proc.stderr
    assert "Traceback" not in proc.stderr
