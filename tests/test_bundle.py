"""County → bundle → prefecture: same records and figures; two counties; re-import; newer wins; deletions."""

from __future__ import annotations

import json
import os
import sys
from datetime import date

import pytest
from handoff_util import make_county, make_prefecture, members, use

from pledgebook.exporters.bundle import TABLES, BundleError, select_sql, verify_bundle, write_bundle
from pledgebook.importers.bundle import import_bundle, is_bundle
from pledgebook.models import rules
from pledgebook.models.figures import FigureBook
from pledgebook.models.tables import Org, database


def _records(where_root: str | None = None) -> dict[str, set]:
    out = {}
    for spec in TABLES:
        rows = database.execute_sql(select_sql(spec, include_pii=False)).fetchall()
        out[spec.name] = {r for r in rows}
    return out


def _figures_by_year(root_id: int | None) -> dict:
    years = [r[0] for r in database.execute_sql("SELECT DISTINCT year FROM pledge")]
    return {y: FigureBook(y, today=date(2026, 6, 1)).subtree(root_id).as_dict() for y in years}


@pytest.fixture
def county_a(tmp_path):
    return make_county(tmp_path / "a.db", seed=7)


def test_round_trip_gives_the_same_records_and_figures(county_a, tmp_path):
    before = _records()
    figures = _figures_by_year(None)
    result = write_bundle(tmp_path)
    assert result.path.name.startswith("539901_") and result.path.name.endswith(".pledgebook")
    assert result.path.name.isascii()
    assert not list(tmp_path.glob("*.part"))
    assert is_bundle(result.path)
    make_prefecture(tmp_path / "p.db")
    merged = import_bundle(result.path)
    assert merged.tables["pledge"].inserted == result.counts["pledge"]
    root = Org.get(Org.code == "539901")
    assert root.parent.kind == "prefecture" and root.path.startswith(root.parent.path)
    after = _records()
    for spec in TABLES:
        if spec.name in ("category", "work_year"):
            continue
        rows = {r for r in after[spec.name] if r[0] in {b[0] for b in before[spec.name]}}
        if spec.name == "org":  # the county root now has a parent: the prefecture
            strip = lambda s: {r[:4] + r[5:] for r in s}  # noqa: E731
            assert strip(rows) == strip(before[spec.name])
        else:
            assert rows == before[spec.name], spec.name
    assert _figures_by_year(root.id) == figures


def test_pii_left_out_unless_asked(county_a, tmp_path):
    database.execute_sql("UPDATE person SET phone = '13812345678' WHERE id = 1")
    plain = members(write_bundle(tmp_path).path)
    assert b"13812345678" not in plain["person.jsonl"]
    assert json.loads(plain["manifest.json"])["include_pii"] is False
    (tmp_path / "pii").mkdir()
    with_pii = members(write_bundle(tmp_path / "pii", include_pii=True).path)
    assert b"13812345678" in with_pii["person.jsonl"]


def test_two_counties_merge_and_stats_by_county(tmp_path):
    make_county(tmp_path / "a.db", seed=7)
    (tmp_path / "out").mkdir()
    a = write_bundle(tmp_path / "out")
    fa = _figures_by_year(None)
    use(make_county(tmp_path / "b.db", seed=8, code="539902", name="云海县"))
    b = write_bundle(tmp_path / "out")
    fb = _figures_by_year(None)
    use(make_prefecture(tmp_path / "p.db"))
    import_bundle(a.path)
    import_bundle(b.path)
    ra, rb = Org.get(Org.code == "539901"), Org.get(Org.code == "539902")
    assert _figures_by_year(ra.id) == fa and _figures_by_year(rb.id) == fb
    from pledgebook.models.db import close_database

    close_database()
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "pledgebook", "stats", "--by", "county", "--json", "--db", str(tmp_path / "p.db")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {c["name"] for c in data["by_county"]} == {"云岭县", "云海县"}
    year = data["year"]
    assert sum(c["pledges"] for c in data["by_county"]) == data["totals"]["pledges"] == fa[year]["pledges"] + fb[year]["pledges"]


def test_reimport_is_a_no_op_and_a_newer_bundle_updates(county_a, tmp_path):
    first = write_bundle(tmp_path)
    # the county changes one pledge and deletes another, then sends again
    year = rules.current_year()
    p1, p2 = database.execute_sql(
        "SELECT id FROM pledge WHERE year = ? AND status = 'in_progress' AND deleted_at IS NULL ORDER BY id LIMIT 2", [year]
    ).fetchall()
    rules.set_status(p1[0], "fulfilled", date.today())
    rules.soft_delete("pledge", p2[0])
    uid1, uid2 = (database.execute_sql("SELECT uid FROM pledge WHERE id = ?", [p[0]]).fetchone()[0] for p in (p1, p2))
    (tmp_path / "2").mkdir()
    second = write_bundle(tmp_path / "2")
    assert second.sequence == first.sequence + 1
    use(make_prefecture(tmp_path / "p.db"))
    import_bundle(first.path)
    again = import_bundle(first.path)
    assert again.already_imported and again.changed == 0
    merged = import_bundle(second.path)
    assert merged.tables["pledge"].updated == 2 and merged.tables["pledge"].inserted == 0
    assert merged.tables["evaluation"].unchanged == merged.tables["evaluation"].read
    status, = database.execute_sql("SELECT status FROM pledge WHERE uid = ?", [uid1]).fetchone()
    deleted, = database.execute_sql("SELECT deleted_at FROM pledge WHERE uid = ?", [uid2]).fetchone()
    assert status == "fulfilled" and deleted is not None
    assert import_bundle(second.path).already_imported
    # an older bundle after a newer one is a replay
    with pytest.raises(BundleError, match="重放"):
        import_bundle(first.path)


def test_conflict_is_reported_and_local_kept(county_a, tmp_path):
    first = write_bundle(tmp_path)
    use(make_prefecture(tmp_path / "p.db"))
    import_bundle(first.path)
    uid = database.execute_sql("SELECT uid FROM pledge ORDER BY id LIMIT 1").fetchone()[0]
    database.execute_sql("UPDATE pledge SET content = '州里改过的内容' WHERE uid = ?", [uid])
    # the county sends again, unchanged, with a new sequence number
    use(tmp_path / "a.db")
    (tmp_path / "2").mkdir()
    second = write_bundle(tmp_path / "2")
    use(tmp_path / "p.db")
    merged = import_bundle(second.path)
    assert merged.tables["pledge"].conflicts == 1
    assert merged.conflicts[0]["uid"] == uid and merged.conflicts[0]["fields"] == ["content"]
    assert database.execute_sql("SELECT content FROM pledge WHERE uid = ?", [uid]).fetchone()[0] == "州里改过的内容"


def test_county_ledger_cannot_import_a_bundle(county_a, tmp_path):
    result = write_bundle(tmp_path)
    with pytest.raises(BundleError, match="州/市级"):
        import_bundle(result.path)


def test_write_refuses_missing_small_or_readonly_target(county_a, tmp_path, monkeypatch):
    with pytest.raises(BundleError, match="不存在"):
        write_bundle(tmp_path / "no-stick")
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(BundleError, match="空间不足"):
        write_bundle(tmp_path)
    monkeypatch.undo()
    if os.name != "nt" and os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(BundleError, match="不能写入"):
            write_bundle(ro)
    assert not list(tmp_path.glob("*.pledgebook*"))


def test_failed_read_back_leaves_no_file_under_the_final_name(county_a, tmp_path, monkeypatch):
    import pledgebook.exporters.bundle as bmod

    def broken(path, **kw):
        raise BundleError("读回校验失败（测试）")

    monkeypatch.setattr(bmod, "verify_bundle", broken)
    with pytest.raises(BundleError, match="读回"):
        write_bundle(tmp_path)
    assert not [p for p in tmp_path.iterdir() if ".pledgebook" in p.name]


def test_verify_reports_counts_and_hash(county_a, tmp_path):
    result = write_bundle(tmp_path)
    report = verify_bundle(result.path)
    assert report.ok and report.sha256 == result.sha256 and report.counts == result.counts
    assert report.county["code"] == "539901"


def test_a_write_failing_midway_leaves_no_file(county_a, tmp_path, monkeypatch):
    import errno

    import pledgebook.exporters.bundle as bmod

    calls = []

    def full(self, data):
        calls.append(len(data))
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.raw.write(data)

    monkeypatch.setattr(bmod, "BATCH", 50)  # several batches per table, so the failure comes mid-member
    monkeypatch.setattr(bmod._HashingWriter, "write", full)
    with pytest.raises(BundleError, match="失败"):
        write_bundle(tmp_path)
    assert not [p for p in tmp_path.iterdir() if ".pledgebook" in p.name]


def test_a_bundle_killed_after_the_rename_does_not_reuse_its_number(tmp_path, monkeypatch):
    """The sequence is taken before writing: dying before the Handoff record costs a number, not a replay."""
    from pledgebook.demo import build_demo
    from pledgebook.exporters import bundle as bundle_mod
    from pledgebook.models.db import get_setting, open_database
    from pledgebook.models.tables import Handoff

    path = tmp_path / "c.db"
    open_database(path)
    build_demo(total_pledges=300, seed=2)
    out = tmp_path / "stick"
    out.mkdir()

    class Died(Exception):
        pass

    def die(*args, **kwargs):
        raise Died

    monkeypatch.setattr(Handoff, "create", die)
    try:
        bundle_mod.write_bundle(out)
    except Died:
        pass
    monkeypatch.undo()
    first = next(out.glob("*.pledgebook"))
    assert get_setting("bundle_sequence") == "1"
    second = bundle_mod.write_bundle(out)
    assert second.sequence == 2 and second.path != first
