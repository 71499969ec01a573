"""Snapshots of home, list and detail at 80×24 and 120×40 (a fixed demo, a fixed today).

Regenerate deliberately: pytest tests/tui/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

import shutil

import pytest
from tui_util import TODAY, make_app, settle

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="session")
def snapshot_template(tmp_path_factory):
    from pledgebook.demo.pledges import build_demo
    from pledgebook.models.store.db import close_database, open_database

    path = tmp_path_factory.mktemp("snapdemo") / "demo.db"
    open_database(path)
    build_demo(total_pledges=1_200, seed=11, today=TODAY)
    close_database()
    return path


@pytest.fixture
def snap_db(snapshot_template, tmp_path):
    from pledgebook.models.store.db import close_database

    path = tmp_path / "snap.db"
    shutil.copy(snapshot_template, path)
    yield path
    close_database()


async def settled(pilot):
    """``run_before``: the first figures read and drawn."""
    await settle(pilot.app, pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, snap_db, size):
    assert snap_compare(make_app(snap_db), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_list(snap_compare, snap_db, size):
    async def before(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("2")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(snap_db), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail(snap_compare, snap_db, size):
    async def before(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("2")
        await settle(pilot.app, pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(snap_db), terminal_size=size, run_before=before)
