"""County → bundle → prefecture: same records and figures; two counties; re-import; newer wins; deletions."""

from __future__ import annotations

import json
import os
import sys
from datetime import date

import pytest
from handoff_util import downgrade, make_county, make_prefecture, members, rezip, use

from pledgebook.bundle.format import TABLES, BundleError, select_sql
from pledgebook.bundle.merge import import_bundle, is_bundle
from pledgebook.bundle.verify import verify_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.campaign.figures import CampaignBook
from pledgebook.models.ledger import rules
from pledgebook.models.ledger.figures import FigureBook
from pledgebook.models.store.tables import Org, database

SECOND = ("contact_point", "pairing", "stationing", "help_log")


def _records(where_root: str | None = None) -> dict[str, set]:
    out = {}
    for spec in TABLES:
        rows = database.execute_sql(select_sql(spec, include_pii=False)).fetchall()
        out[spec.name] = {r for r in rows}
    return out


def _figures_by_year(root_id: int | None) -> dict:
    years = [r[0] for r in database.execute_sql("SELECT DISTINCT year FROM pledge")]
    return {y: FigureBook(y, today=date(2026, 6, 1)).subtree(root_id).as_dict() for y in years}


def _help_by_year(root_id: int | None) -> dict:
    """The second ledger's figures (CampaignBook) of every year with help logs, and of each month of the last one."""
    years = sorted({int(r[0][:4]) for r in database.execute_sql("SELECT DISTINCT date FROM help_log")})
    assert years, "the demo has a campaign"
    out = {y: CampaignBook(y, today=date(2026, 6, 1)).subtree(root_id).as_dict() for y in years}
    out.update({(years[-1], m): CampaignBook(years[-1], m, today=date(2026, 6, 1)).subtree(root_id).as_dict()
                for m in range(1, 13)})
    return out


LABELS = ("org_id", "name", "code", "kind")  # a table row's org, not its figures


def _figures(row) -> dict:
    return {k: v for k, v in row.as_dict().items() if k not in LABELS}


def _headlines() -> dict[int, dict]:
    """The third ledger's figures of every year with appraisals: the total rows of 民主评议党员情况统计表,
    星级评定情况 and the 表彰 counts."""
    from pledgebook.models.appraisal.figures import appraisal_table
    from pledgebook.models.appraisal.standing import honour_table, star_table

    return {y: {"appraisal": _figures(appraisal_table(y)[-1]), "stars": _figures(star_table(y)[-1]),
                "honours": _figures(honour_table(y)[-1])}
            for (y,) in database.execute_sql("SELECT DISTINCT year FROM appraisal").fetchall()}


def _third_ledger_by_county(tmp_path, sa: dict, sb: dict) -> None:
    """At the prefecture: the third ledger's figures per county as each county had them, and in the report's
    民主评议党员情况统计表 one row per county."""
    import openpyxl

    from pledgebook.exporters.report import export_report
    from pledgebook.models.appraisal.figures import appraisal_table
    from pledgebook.models.appraisal.standing import honour_table, star_table

    assert sa and set(sa) == set(sb)
    for y in sa:
        tables = {"appraisal": appraisal_table(y, by="county"), "stars": star_table(y, by="county"),
                  "honours": honour_table(y, by="county")}
        got = {name: {t: _figures(next(r for r in rows if r.name == name)) for t, rows in tables.items()}
               for name in ("云岭县", "云海县")}
        assert got == {"云岭县": sa[y], "云海县": sb[y]}, y
        assert tables["appraisal"][-1].appraised == sa[y]["appraisal"]["appraised"] + sb[y]["appraisal"]["appraised"]
    y = max(sa)
    export_report(tmp_path / "report.xlsx", year=y)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "report.xlsx")["民主评议党员"].iter_rows(min_row=4)]
    assert [r[0] for r in rows[:3]] == ["云岭县", "云海县", "合计"]
    assert rows[0][1:4] == [sa[y]["appraisal"][k] for k in ("members", "appraised", "exempt")]


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
    make_prefecture(tmp_path / "p.db", trusting=[result.path])
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


def test_round_trip_of_the_second_ledger(county_a, tmp_path):
    """contact points, pairings, stationings and help logs travel with references by uid; same CampaignBook figures."""
    before = _records()
    campaign_figures = _help_by_year(None)
    result = write_bundle(tmp_path)
    assert json.loads(members(result.path)["manifest.json"])["format_version"] >= 2
    for name in SECOND:
        assert result.counts[name] == len(before[name]) > 0, name
    line = json.loads(members(result.path)["help_log.jsonl"].split(b"\n")[0])
    assert {"person_uid", "contact_point_uid", "pairing_uid", "stationing_uid", "org_uid"} <= set(line)
    assert not any(k.endswith("_id") for k in line)
    use(make_prefecture(tmp_path / "p.db", trusting=[result.path]))
    # the prefecture already has records of its own, so local ids differ from the county's
    database.execute_sql("INSERT INTO org (uid, created_at, updated_at, name, kind, parent_id, path, depth, pinyin, "
                         "active, sort) VALUES ('00000000-0000-4000-8000-000000000001', '2020-01-01 00:00:00', "
                         "'2020-01-01 00:00:00', '市直机关工委', 'working_committee', 1, '/1/2/', 1, '', 1, 0)")
    merged = import_bundle(result.path)
    for name in SECOND:
        assert merged.tables[name].inserted == result.counts[name], name
    after = _records()
    for name in SECOND:
        assert after[name] == before[name], name
    root = Org.get(Org.code == "539901")
    assert root.id != 1
    assert _help_by_year(root.id) == campaign_figures
    # every stored org_id of a help log is the local id of the org the county recorded
    bad = database.execute_sql(
        "SELECT count(*) FROM help_log h JOIN org o ON o.id = h.org_id WHERE o.path NOT LIKE ? || '%'", [root.path]
    ).fetchone()[0]
    assert bad == 0


def test_a_bundle_of_format_version_1_still_imports(county_a, tmp_path):
    """A county on an older program sends no second-ledger members: its pledges merge all the same."""
    src = downgrade(members(write_bundle(tmp_path).path), 1)
    m = json.loads(src["manifest.json"])
    # signed again by rezip with the county's key, as an older program signs
    old = rezip(src, tmp_path / "old.pledgebook", fix_manifest=True)
    before = _records()
    use(make_prefecture(tmp_path / "p.db", trusting=[old]))
    merged = import_bundle(old)
    assert merged.tables["pledge"].inserted == len(before["pledge"])
    assert all(merged.tables[name].read == 0 for name in SECOND)
    assert "不含四帮四促数据" in " ".join(merged.notes)
    assert database.execute_sql("SELECT count(*) FROM help_log").fetchone()[0] == 0
    # and a version-1 manifest that lists a second-ledger member is not a version-1 bundle
    src["help_log.jsonl"] = members(next(tmp_path.glob("539901_*.pledgebook")))["help_log.jsonl"]
    m["members"]["help_log.jsonl"] = {"sha256": "0" * 64, "size": 0}
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    with pytest.raises(BundleError, match="不应含有 help_log.jsonl"):
        import_bundle(rezip(src, tmp_path / "odd.pledgebook", fix_manifest=True))


def test_the_second_ledger_updates_deletes_and_reimports(county_a, tmp_path):
    from pledgebook.models.campaign import rules as helping

    first = write_bundle(tmp_path)
    log_id, = database.execute_sql(
        "SELECT id FROM help_log WHERE deleted_at IS NULL AND kind = 'visit' ORDER BY date DESC, id LIMIT 1").fetchone()
    helping.update_help_log(log_id, quantities={"households": 99, "person_times": 99}, note="补录")
    gone, = database.execute_sql(
        "SELECT id FROM help_log WHERE deleted_at IS NULL AND id != ? ORDER BY date DESC, id LIMIT 1", [log_id]).fetchone()
    helping.soft_delete("help_log", gone)
    cp_id, = database.execute_sql("SELECT id FROM contact_point WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()
    helping.update_contact_point(cp_id, name="新的联系点名称")
    uids = {n: database.execute_sql(f"SELECT uid FROM {t} WHERE id = ?", [i]).fetchone()[0]
            for n, t, i in (("log", "help_log", log_id), ("gone", "help_log", gone), ("cp", "contact_point", cp_id))}
    expected = _records()
    campaign_figures = _help_by_year(None)
    (tmp_path / "2").mkdir()
    second = write_bundle(tmp_path / "2")
    (tmp_path / "3").mkdir()
    third = write_bundle(tmp_path / "3")  # nothing changed since the second
    use(make_prefecture(tmp_path / "p.db", trusting=[first.path]))
    import_bundle(first.path)
    assert import_bundle(first.path).already_imported
    merged = import_bundle(second.path)
    assert merged.tables["help_log"].updated == 2 and merged.tables["help_log"].inserted == 0
    assert merged.tables["contact_point"].updated == 1
    assert merged.tables["pairing"].unchanged == merged.tables["pairing"].read
    assert database.execute_sql("SELECT households, note FROM help_log WHERE uid = ?", [uids["log"]]).fetchone() == (99, "补录")
    assert database.execute_sql("SELECT deleted_at FROM help_log WHERE uid = ?", [uids["gone"]]).fetchone()[0] is not None
    assert database.execute_sql("SELECT name FROM contact_point WHERE uid = ?", [uids["cp"]]).fetchone()[0] == "新的联系点名称"
    after = _records()
    for name in SECOND:
        assert after[name] == expected[name], name
    root = Org.get(Org.code == "539901")
    assert _help_by_year(root.id) == campaign_figures
    # the same records once more, under a new sequence number: nothing changes
    again = import_bundle(third.path)
    assert again.changed == 0 and not again.conflicts
    assert all(again.tables[name].unchanged == again.tables[name].read for name in SECOND)
    assert _records() == after


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
    fa, ha, sa = _figures_by_year(None), _help_by_year(None), _headlines()
    use(make_county(tmp_path / "b.db", seed=8, code="539902", name="云海县"))
    b = write_bundle(tmp_path / "out")
    fb, hb, sb = _figures_by_year(None), _help_by_year(None), _headlines()
    use(make_prefecture(tmp_path / "p.db", trusting=[a.path, b.path]))
    import_bundle(a.path)
    import_bundle(b.path)
    ra, rb = Org.get(Org.code == "539901"), Org.get(Org.code == "539902")
    assert _figures_by_year(ra.id) == fa and _figures_by_year(rb.id) == fb
    assert _help_by_year(ra.id) == ha and _help_by_year(rb.id) == hb
    _third_ledger_by_county(tmp_path, sa, sb)
    from pledgebook.models.store.db import close_database

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
    use(make_prefecture(tmp_path / "p.db", trusting=[first.path]))
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
    use(make_prefecture(tmp_path / "p.db", trusting=[first.path]))
    import_bundle(first.path)
    uid = database.execute_sql("SELECT uid FROM pledge ORDER BY id LIMIT 1").fetchone()[0]
    database.execute_sql("UPDATE pledge SET content = '州里改过的内容' WHERE uid = ?", [uid])
    # the county sends again, unchanged, with a new sequence number: its line is the one merged last time
    # (the digest kept at the prefecture), so nothing is compared and the local edit stands
    use(tmp_path / "a.db")
    (tmp_path / "2").mkdir()
    second = write_bundle(tmp_path / "2")
    use(tmp_path / "p.db")
    merged = import_bundle(second.path)
    assert merged.tables["pledge"].conflicts == 0 and merged.tables["pledge"].unchanged == merged.tables["pledge"].read
    # the county changes the same record too, keeping its updated_at: changed differently on each side
    use(tmp_path / "a.db")
    database.execute_sql("UPDATE pledge SET content = '县里改过的内容' WHERE uid = ?", [uid])
    (tmp_path / "3").mkdir()
    third = write_bundle(tmp_path / "3")
    use(tmp_path / "p.db")
    merged = import_bundle(third.path)
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


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib-only"])
def test_members_are_plain_deflate_that_any_unzip_reads(county_a, tmp_path, monkeypatch, isal):
    """Written with ISA-L or (where it is missing) zlib; read back with zlib alone, and the other way round."""
    import hashlib
    import zipfile

    from pledgebook.bundle import deflate

    if isal and not deflate.fast():
        pytest.skip("isal is not installed here")
    if not isal:
        monkeypatch.setattr(deflate, "isal_zlib", None)
    result = write_bundle(tmp_path)
    with zipfile.ZipFile(result.path) as zf:  # zipfile's own zlib, as any unzip program
        manifest = json.loads(zf.read("manifest.json"))
        for name, declared in manifest["members"].items():
            data = zf.read(name)
            assert (len(data), hashlib.sha256(data).hexdigest()) == (declared["size"], declared["sha256"]), name
            assert zf.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
    monkeypatch.undo()
    assert verify_bundle(result.path).ok  # inflated by ISA-L where it is installed


@pytest.mark.parametrize("encrypt", [False, True])
def test_a_stick_that_garbles_what_it_was_sent_is_caught_on_read_back(county_a, tmp_path, monkeypatch, encrypt):
    """What the stick gives back differs from what it was sent (a bad block, a fake-capacity stick)."""
    from pledgebook.bundle import readback

    drop = readback.drop_cache

    def garble(path):
        drop(path)
        with open(path, "r+b") as fh:  # one byte in the middle of the data, as a bad block would
            fh.seek(fh.seek(0, os.SEEK_END) // 2)
            byte = fh.read(1)
            fh.seek(-1, os.SEEK_CUR)
            fh.write(bytes([byte[0] ^ 0x40]))

    monkeypatch.setattr(readback, "drop_cache", garble)
    kw = {}
    if encrypt:
        from pledgebook.bundle import keys

        (tmp_path / "keys").mkdir()
        kw["encrypt_to"] = keys.init_keys(tmp_path / "keys", force=True)[2]  # any public key will do to seal it
    stick = tmp_path / "stick"
    stick.mkdir()
    with pytest.raises(BundleError, match="读回的数据包与写入的不一致"):
        write_bundle(stick, **kw)
    assert list(stick.iterdir()) == []


def test_verify_reports_counts_and_hash(county_a, tmp_path):
    result = write_bundle(tmp_path)
    report = verify_bundle(result.path)
    assert report.ok and report.sha256 == result.sha256 and report.counts == result.counts
    assert report.county["code"] == "539901"


def test_a_write_failing_midway_leaves_no_file(county_a, tmp_path, monkeypatch):
    import errno

    import pledgebook.bundle.members as bmod

    calls = []

    def full(self, data):
        calls.append(len(data))
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.raw.write(data)

    monkeypatch.setattr(bmod, "BATCH", 50)  # several batches per table, so the failure comes mid-member
    monkeypatch.setattr(bmod.HashingWriter, "write", full)
    with pytest.raises(BundleError, match="失败"):
        write_bundle(tmp_path)
    assert not [p for p in tmp_path.iterdir() if ".pledgebook" in p.name]


def test_a_bundle_killed_after_the_rename_does_not_reuse_its_number(tmp_path, monkeypatch):
    """The sequence is taken before writing: dying before the Handoff record costs a number, not a replay."""
    from pledgebook.bundle import write as bundle_mod
    from pledgebook.demo.pledges import build_demo
    from pledgebook.models.store.db import get_setting, open_database
    from pledgebook.models.store.tables import Handoff

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


def test_the_report_inside_is_built_beside_the_tables(county_a, tmp_path, monkeypatch):
    """report.xlsx comes from a thread of its own (own read-only connection, closed after); a failure there
    fails the export and leaves no file."""
    import io
    import threading

    import openpyxl

    import pledgebook.exporters.report as report_mod

    seen = []
    real = report_mod.build_report

    def spy(year, **kw):
        seen.append((threading.current_thread() is threading.main_thread(),
                     database.execute_sql("PRAGMA query_only").fetchone()[0]))
        return real(year, **kw)

    monkeypatch.setattr(report_mod, "build_report", spy)
    result = write_bundle(tmp_path)
    assert seen == [(False, 1)]
    assert database.execute_sql("PRAGMA query_only").fetchone()[0] == 0  # this thread's connection untouched
    book = openpyxl.load_workbook(io.BytesIO(members(result.path)["report.xlsx"]), read_only=True)
    assert any("统计" in name for name in book.sheetnames)

    def broken(year, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_mod, "build_report", broken)
    (tmp_path / "2").mkdir()
    with pytest.raises(BundleError, match="失败"):
        write_bundle(tmp_path / "2")
    assert not list((tmp_path / "2").iterdir())


def test_members_are_the_records_in_id_order_whatever_the_batch(county_a, tmp_path, monkeypatch):
    import pledgebook.bundle.members as bmod

    monkeypatch.setattr(bmod, "BATCH", 7)  # many batches, and a short last one
    database.execute_sql("DELETE FROM progress WHERE id % 3 = 0")  # gaps in the ids: some batches are empty
    got = members(write_bundle(tmp_path).path)
    expected = _expected_members()
    for name in expected:
        assert got[name] == expected[name], name


def _expected_members() -> dict[str, bytes]:
    return {
        f"{spec.name}.jsonl": b"".join(
            r[0] + b"\n" for r in database.execute_sql(select_sql(spec, include_pii=False, as_json=True, as_bytes=True))
        )
        for spec in TABLES
    }


def test_a_change_committed_while_the_bundle_is_written_is_not_in_it(county_a, tmp_path, monkeypatch):
    """Two connections read the tables side by side; both see the ledger as it was when the export began."""
    import sqlite3
    import threading

    import pledgebook.bundle.members as bmod

    before = _expected_members()
    monkeypatch.setattr(bmod, "BATCH", 7)  # many batches, shared by both readers
    monkeypatch.setattr(bmod, "spare_cpu", lambda: True)
    write = bmod.HashingWriter.write
    seen = {}

    def meanwhile(self, data):
        if not seen:  # someone edits the ledger while the first member is being written
            seen["readers"] = sum(t.name.startswith("pledgebook-read") for t in threading.enumerate())
            other = sqlite3.connect(database.database, isolation_level=None)
            other.execute("BEGIN")
            other.execute("UPDATE pledge SET content = content || '（改）', updated_at = '2030-01-01 00:00:00'")
            other.execute("DELETE FROM progress WHERE id % 2 = 0")
            other.execute("UPDATE org SET name = name || '新' WHERE parent_id IS NOT NULL")
            other.execute("COMMIT")
            other.close()
        write(self, data)

    monkeypatch.setattr(bmod.HashingWriter, "write", meanwhile)
    got = members(write_bundle(tmp_path).path)
    assert seen["readers"] == 2
    assert {k: got[k] for k in before} == before
    assert _expected_members() != before  # the change was committed, after the snapshot


def test_a_writer_holding_the_ledger_makes_the_bundle_read_on_one_connection(county_a, tmp_path, monkeypatch):
    """Someone is saving (the TUI, an import): the export does not wait for them, and reads alone."""
    import sqlite3
    import threading
    from contextlib import contextmanager

    import pledgebook.bundle.members as bmod

    before = _expected_members()
    monkeypatch.setattr(bmod, "LOCK_WAIT", 0.05)
    monkeypatch.setattr(bmod, "spare_cpu", lambda: True)
    other = sqlite3.connect(database.database, isolation_level=None)
    readers_of = bmod.snapshot_readers

    @contextmanager
    def saving_meanwhile():
        other.execute("BEGIN IMMEDIATE")  # holds the write lock while the tables are read
        other.execute("UPDATE pledge SET content = content || '（改）'")
        try:
            with readers_of() as readers:
                yield readers
        finally:
            other.execute("COMMIT")

    write = bmod.HashingWriter.write
    readers = []

    def count(self, data):
        readers.append(sum(t.name.startswith("pledgebook-read") for t in threading.enumerate()))
        write(self, data)

    monkeypatch.setattr(bmod, "snapshot_readers", saving_meanwhile)
    monkeypatch.setattr(bmod.HashingWriter, "write", count)
    try:
        got = members(write_bundle(tmp_path).path)
    finally:
        other.close()
    assert readers and max(readers) == 0
    assert {k: got[k] for k in before} == before
    assert _expected_members() != before


def test_one_import_run_of_several_bundles_takes_one_backup(tmp_path):
    """`pledgebook import a.pledgebook b.pledgebook`: one backup, from before the run, shared by both."""
    make_county(tmp_path / "a.db", seed=7, pledges=60)
    (tmp_path / "out").mkdir()
    a = write_bundle(tmp_path / "out")
    use(make_county(tmp_path / "b.db", seed=8, pledges=60, code="539902", name="云海县"))
    b = write_bundle(tmp_path / "out")
    use(make_prefecture(tmp_path / "p.db", trusting=[a.path, b.path]))
    from pledgebook.models.store.db import close_database

    close_database()
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "pledgebook", "import", str(a.path), str(b.path), "--json", "--db", str(tmp_path / "p.db")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    backups = sorted((tmp_path / "backups").glob("*before-import*"))
    assert len(backups) == 1, backups
    assert text.count(backups[0].name) == 2  # both results name the one backup
