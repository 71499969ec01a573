"""SIGKILL at random moments during import, bundle export and prefecture merge.

After each kill: ``PRAGMA integrity_check`` is ok, the ledger holds the
change whole or not at all, and a re-run finishes the job. The suite kills
each writer a few times; ``PLEDGEBOOK_KILLS=50`` for a long local run.
(Rollover: tests/yearend/test_rollover.py kills it at each named point and at random.)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from crashkit import kill_loop
from workbook_util import pledge_workbook

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

KILLS = int(os.environ.get("PLEDGEBOOK_KILLS", "4"))
PB = [sys.executable, "-m", "pledgebook"]


def sh(*args: str) -> str:
    done = subprocess.run([*args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def count(path: Path, sql: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------- import of a big workbook


def test_import_killed_anywhere_is_all_or_nothing_and_a_rerun_finishes(tmp_path):
    rows = 2_000
    xlsx = tmp_path / "承诺台账.xlsx"
    info: dict[str, int] = {}

    def make(path: Path) -> None:
        sh(*PB, "demo", "--db", str(path), "--scale", "600", "--json")
        info["year"] = pledge_workbook(path, xlsx, rows)
        info["pledges"] = count(path, "SELECT count(*) FROM pledge")
        info["batches"] = count(path, "SELECT count(*) FROM import_batch")

    def state(path: Path) -> str:
        pledges = count(path, "SELECT count(*) FROM pledge")
        batches = count(path, "SELECT count(*) FROM import_batch")
        if (pledges, batches) == (info["pledges"], info["batches"]):
            return "before"
        if (pledges, batches) == (info["pledges"] + rows, info["batches"] + 1):
            return "after"
        return f"between: {pledges} pledges, {batches} batches"

    outcomes = kill_loop(make, lambda p: [*PB, "import", str(xlsx), "--db", str(p), "--year", str(info["year"]), "--json"],
                         state, tmp_path, kills=KILLS, max_delay=None, seed=7, finish=True)
    print("import kills:", outcomes)
    assert outcomes.get("before", 0) + outcomes.get("after", 0) == KILLS


# ---------------------------------------------------------------- bundle export


def test_bundle_export_killed_anywhere_leaves_no_bad_bundle_and_an_intact_ledger(tmp_path):
    from pledgebook.bundle.verify import verify_bundle

    def make(path: Path) -> None:
        sh(*PB, "demo", "--db", str(path), "--scale", "800", "--json")
        keys = tmp_path / "keys"
        keys.mkdir()
        sh(*PB, "keys", "init", "--db", str(path), "--out", str(keys), "--json")  # signed, as in the field

    def stick(path: Path) -> Path:
        folder = path.with_suffix(".stick")
        folder.mkdir(exist_ok=True)
        return folder

    def state(path: Path) -> str:
        for bundle in stick(path).glob("*.pledgebook"):
            verify_bundle(bundle, check_trust=False)  # anything under a final name is whole (raises if not)
        con = sqlite3.connect(path)
        try:
            handoffs = [Path(p) for (p,) in con.execute("SELECT path FROM handoff")]
        finally:
            con.close()
        if not handoffs:
            return "before"
        if all(p.exists() for p in handoffs):
            return "after"
        return f"a hand-off recorded without its file: {handoffs}"

    outcomes = kill_loop(make, lambda p: [*PB, "export", "bundle", "--to", str(stick(p)), "--db", str(p), "--json"],
                         state, tmp_path, kills=KILLS, max_delay=None, seed=11, finish=True)
    print("bundle export kills:", outcomes)
    assert outcomes.get("before", 0) + outcomes.get("after", 0) == KILLS


# ---------------------------------------------------------------- prefecture merge

PREFECTURE = (
    "import sys; from datetime import date; from pledgebook.models.ledger import rules; "
    "from pledgebook.models.store.db import open_database; open_database(sys.argv[1]); "
    "rules.init_county('普洱市', '530800', date.today().year, level='prefecture'); "
    # first contact is not trust (issue 21): the counties' public keys, trusted as after the phone call
    "from pathlib import Path; from pledgebook.bundle import keys; "
    "[keys.trust(keys.read_public_key(p)) for p in sorted(Path(sys.argv[2]).glob('*.pub'))]"
)
COUNTY = (
    "import sys; sys.path.insert(0, sys.argv[4]); from handoff_util import make_county; "
    "make_county(__import__('pathlib').Path(sys.argv[1]), seed=int(sys.argv[2]), pledges=1200, code=sys.argv[3], "
    "name='第' + sys.argv[3][-2:] + '县')"
)


def test_prefecture_merge_killed_anywhere_is_all_or_nothing(tmp_path):
    tests = str(Path(__file__).parents[1])
    bundles = []
    for i, code in enumerate(("539911", "539912")):
        db = tmp_path / f"county{i}.db"
        sh(sys.executable, "-c", COUNTY, str(db), str(20 + i), code, tests)
        out = tmp_path / f"stick{i}"
        out.mkdir()
        bundles.append(json.loads(sh(*PB, "export", "bundle", "--to", str(out), "--db", str(db), "--json"))["path"])
    info: dict[str, int] = {}

    def make(path: Path) -> None:
        sh(sys.executable, "-c", PREFECTURE, str(path), str(tmp_path))
        sh(*PB, "import", bundles[0], "--db", str(path), "--json")  # one county already merged
        info["pledges"] = count(path, "SELECT count(*) FROM pledge")
        info["orgs"] = count(path, "SELECT count(*) FROM org")
        info["batches"] = count(path, "SELECT count(*) FROM import_batch")

    def state(path: Path) -> str:
        now = (count(path, "SELECT count(*) FROM pledge"), count(path, "SELECT count(*) FROM org"),
               count(path, "SELECT count(*) FROM import_batch"))
        if now == (info["pledges"], info["orgs"], info["batches"]):
            return "before"
        if now[0] > info["pledges"] and now[1] > info["orgs"] and now[2] == info["batches"] + 1:
            info.setdefault("after", now)
            return "after" if now == info["after"] else f"after, but different: {now} vs {info['after']}"
        return f"between: {now}"

    outcomes = kill_loop(make, lambda p: [*PB, "import", bundles[1], "--db", str(p), "--json"],
                         state, tmp_path, kills=KILLS, max_delay=None, seed=13, finish=True)
    print("prefecture merge kills:", outcomes)
    assert outcomes.get("before", 0) + outcomes.get("after", 0) == KILLS
