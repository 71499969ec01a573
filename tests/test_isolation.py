"""Tests never touch the real user folders, not even from a module- or session-scoped fixture."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pledgebook.bundle.keys import keys_dir
from pledgebook.models.store.db import default_db_path


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
