"""Tests never touch the real user folders, not even from a module- or session-scoped fixture; and no
test module imports another (what tests share lives in helper modules: conftest, tests/*_util.py, crashkit)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from pledgebook.bundle.keys import keys_dir
from pledgebook.models.store.db import default_db_path

_IMPORT = re.compile(r"\s*(?:from|import)\s+([\w.]+)")


@pytest.fixture(scope="module")
def folders_seen_by_a_module_fixture() -> tuple[Path, Path]:
    return keys_dir(), default_db_path()


def test_module_fixtures_see_a_throwaway_home(folders_seen_by_a_module_fixture):
    temp = Path(tempfile.gettempdir()).resolve()
    for folder in folders_seen_by_a_module_fixture:
        assert temp in folder.resolve().parents, folder


def test_each_test_sees_its_own_home():
    temp = Path(tempfile.gettempdir()).resolve()
    assert temp in keys_dir().resolve().parents
    assert temp in default_db_path().resolve().parents


def test_no_test_module_imports_another():
    """A test module imported by another runs only if collected first (pytest puts its folder on the path).

    Read line by line, not with ast: on Python 3.11.7 ast.parse fails (a CPython bug) in a worker where
    another test hit a RecursionError."""
    tests = Path(__file__).parent
    found = [
        f"{path.relative_to(tests)}: {line.strip()}"
        for path in sorted(tests.rglob("test_*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if (m := _IMPORT.match(line)) and m.group(1).split(".")[-1].startswith("test_")
    ]
    assert found == []
