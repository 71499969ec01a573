"""Shared fixtures. No test ever touches the real user data folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pledgebook.models.db import close_database, open_database


@pytest.fixture(autouse=True)
def _isolate_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every user folder (data, config, home) into a temporary place."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "localappdata"))
    monkeypatch.setenv("APPDATA", str(home / "appdata"))
    monkeypatch.delenv("PLEDGEBOOK_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path):
    """A fresh, empty, migrated ledger file (not yet initialised)."""
    path = tmp_path / "ledger.db"
    open_database(path)
    yield path
    close_database()


@pytest.fixture
def county(db_path: Path):
    """A small hand-made county: one committee, two branches, three members, year 2011 open.

    Returns a dict of the records by short name.
    """
    from pledgebook.models import rules

    root = rules.init_county("墨江哈尼族自治县", "530822", 2011)
    committee = rules.create_org("中共联珠镇委员会", "党委", root.id, township="联珠镇", sector="农村")
    b1 = rules.create_org("新华村党支部", "党支部", committee.id, sector="农村")
    b2 = rules.create_org("碧溪村党支部", "党支部", committee.id, sector="农村")
    zhang = rules.create_person("张三", b1.id, gender="男", post="党支部书记")
    li = rules.create_person("李四", b1.id, gender="女")
    wang = rules.create_person("王五", b2.id)
    return {
        "path": db_path,
        "root": root,
        "committee": committee,
        "b1": b1,
        "b2": b2,
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "year": 2011,
        "today": date.today(),
    }


@pytest.fixture
def demo_path(tmp_path: Path):
    """A small demo county (2,000 pledges over two years) in a temp file."""
    from pledgebook.demo import build_demo

    path = tmp_path / "demo.db"
    open_database(path)
    build_demo(total_pledges=2_000, seed=7)
    yield path
    close_database()
