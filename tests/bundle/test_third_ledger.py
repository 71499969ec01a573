"""The third ledger (奖诺) in the hand-off bundle, format 3: round trip into a prefecture, an older format,
tampered records refused, and the monthly re-merge recognising its unchanged records."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from handoff_util import (
    THIRD,
    downgrade,
    file_state,
    make_county,
    make_prefecture,
    members,
    put,
    rezip,
    rows,
    use,
)

from pledgebook.bundle.format import FORMAT_VERSION, TABLE_BY_NAME, select_sql
from pledgebook.bundle.merge import import_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.db import close_database
from pledgebook.models.store.tables import database, utcnow

# the appraisals with a 处置, as the office reads them: the member, the branch, the grade, the votes, the 处置
DISPOSED = (
    "SELECT a.uid, p.name, o.name, a.grade, a.ballots_valid, a.votes_unqualified, d.kind, d.due_date, d.closed_on "
    "FROM appraisal a JOIN person p ON p.id = a.person_id JOIN org o ON o.id = a.org_id "
    "JOIN disposal d ON d.appraisal_id = a.id ORDER BY a.uid, d.uid"
)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A county with the third ledger, its bundle, the same ledger's next bundle (nothing changed) and the
    one after (an appraisal deleted and made again for the same member, a 处置 closed); the records as written."""
    d = tmp_path_factory.mktemp("third")
    for sub in ("1", "2", "3"):
        (d / sub).mkdir()
    make_county(d / "a.db", seed=5, pledges=120)
    records = {t: set(database.execute_sql(select_sql(TABLE_BY_NAME[t])).fetchall()) for t in THIRD}
    disposed = database.execute_sql(DISPOSED).fetchall()
    still_open = database.execute_sql("SELECT count(*) FROM disposal WHERE closed_on IS NULL").fetchone()[0]
    first = write_bundle(d / "1").path
    again = write_bundle(d / "2").path
    now = f"{date.today() + timedelta(days=1)} 00:00:00"  # later than the demo's stamps of today (any time of day)
    old = database.execute_sql("SELECT id, person_id, org_id, year, uid FROM appraisal WHERE grade = 'qualified' "
                               "ORDER BY id LIMIT 1").fetchone()
    database.execute_sql("UPDATE appraisal SET deleted_at = ?, updated_at = ? WHERE id = ?", [now, now, old[0]])
    database.execute_sql(
        "INSERT INTO appraisal (uid, created_at, updated_at, year, person_id, org_id, self_review, grade, comment, "
        "source) VALUES ('0badf00d-0000-4000-8000-00000000a001', ?, ?, ?, ?, ?, '', 'excellent', '重新评定', 'manual')",
        [now, now, old[3], old[1], old[2]])
    database.execute_sql("UPDATE disposal SET closed_on = decided_on, result = '已销号', updated_at = ? "
                         "WHERE closed_on IS NULL", [now])
    later = write_bundle(d / "3").path
    close_database()
    return {"first": first, "again": again, "later": later, "records": records, "disposed": disposed,
            "open": still_open, "replaced": old[4], "dir": d}


def _prefecture(county, tmp_path: Path) -> Path:
    path = make_prefecture(tmp_path / "p.db", trusting=[county["first"]])
    use(path)
    return path


def test_the_third_ledger_travels_into_the_prefecture(county, tmp_path):
    src = members(county["first"])
    assert json.loads(src["manifest.json"])["format_version"] == FORMAT_VERSION == 3
    line = rows(src, "disposal")[0]
    assert "appraisal_uid" in line and not any(k.endswith("_id") for k in line)
    _prefecture(county, tmp_path)
    merged = import_bundle(county["first"])
    for t in THIRD:
        assert merged.tables[t].inserted == len(county["records"][t]) > 0, t
        assert set(database.execute_sql(select_sql(TABLE_BY_NAME[t])).fetchall()) == county["records"][t], t
    # the records' fields as the office reads them: the member, the branch, the grade, the votes, the 处置
    assert database.execute_sql(DISPOSED).fetchall() == county["disposed"] != []
    assert database.execute_sql("SELECT count(*), count(person_id) FROM honour WHERE kind = 'advanced_org'"
                                ).fetchone()[1] == 0
    owners = dict(database.execute_sql(
        "SELECT tbl, count(*) FROM record_owner WHERE county = '539901' AND digest IS NOT NULL GROUP BY tbl").fetchall())
    assert {t: owners.get(t) for t in THIRD} == {t: len(county["records"][t]) for t in THIRD}


def test_a_bundle_of_format_version_2_still_merges(county, tmp_path):
    old = rezip(downgrade(members(county["first"]), 2), tmp_path / "v2.pledgebook", fix_manifest=True)
    _prefecture(county, tmp_path)
    merged = import_bundle(old)
    assert merged.tables["pledge"].inserted > 0 and merged.tables["help_log"].inserted > 0
    assert all(merged.tables[t].read == 0 for t in THIRD)
    assert "不含奖诺数据" in " ".join(merged.notes)
    assert database.execute_sql("SELECT count(*) FROM appraisal").fetchone()[0] == 0


def _edit(src: dict[str, bytes], table: str, change) -> dict[str, bytes]:
    recs = rows(src, table)
    change(recs)
    return put(dict(src), table, recs)


def _first(recs: list[dict], **match) -> dict:
    return next(r for r in recs if all(r[k] == v for k, v in match.items()))


def _copy_of(recs: list[dict], uid: str, **change) -> None:
    """A second record like ``recs``' first, with a new uid (and ``change``)."""
    recs.append({**recs[0], "uid": uid, **change})


def _counted(rs: list[dict]) -> dict:
    """The first appraisal with its ballots counted and a grade."""
    return next(r for r in rs if r["ballots_issued"] is not None and r["grade"] is not None)


TAMPERED = {
    "unknown grade": ("appraisal", lambda rs: _first(rs, grade="excellent").update(grade="great"),
                      "appraisal.jsonl 第 .* 行：字段「grade」是未知代码「great」"),
    "votes beyond the valid ballots": ("appraisal", lambda rs: (r := _counted(rs)).update(
        votes_qualified=r["ballots_valid"] + 1), "优秀＋合格＋基本合格＋不合格＝[0-9]+，多于有效票 [0-9]+"),
    "valid beyond issued": ("appraisal", lambda rs: (r := _counted(rs)).update(ballots_valid=r["ballots_issued"] + 1),
                            "有效票 [0-9]+ 不能多于发放票数 [0-9]+"),
    "negative votes": ("appraisal", lambda rs: _counted(rs).update(votes_unqualified=-1), "票数 -1 不能为负数"),
    "exempt and graded": ("appraisal", lambda rs: _first(rs, grade="excellent").update(exempt_reason="流动党员"),
                          "不参评（流动党员）的党员不能有评定等次「优秀」"),
    "a second live appraisal": ("appraisal", lambda rs: _copy_of(rs, "0badf00d-0000-4000-8000-00000000b001"),
                                "同一党员每个年度只能有一条有效的民主评议"),
    "unknown disposal kind": ("disposal", lambda rs: rs[0].update(kind="fine"), "字段「kind」是未知代码「fine」"),
    "closed before decided": ("disposal", lambda rs: rs[0].update(closed_on="2001-01-01"),
                              "销号日期 2001-01-01 早于 decided_on"),
    "no due date": ("disposal", lambda rs: rs[0].update(due_date=None), "字段「due_date」缺失或为空"),
    "a star level out of range": ("star_rating", lambda rs: rs[0].update(stars=9), "星级 9 不在 1–7 星之间"),
    "negative points": ("star_rating", lambda rs: rs[0].update(score_public=-2.0), "得分 -2.0 不能为负数"),
    "a second live star rating": ("star_rating", lambda rs: _copy_of(rs, "0badf00d-0000-4000-8000-00000000c001"),
                                  "同一党组织每个年度只能有一条有效的星级评定"),
    "unknown honour status": ("honour", lambda rs: rs[0].update(status="maybe"), "字段「status」是未知代码「maybe」"),
    "a branch honoured with a member": ("honour", lambda rs: _first(rs, kind="advanced_org").update(
        person_uid=_first(rs, kind="excellent_member")["person_uid"]), "先进基层党组织表彰的是党组织，不应填党员"),
    "criteria unmet without a reason": ("honour", lambda rs: rs[0].update(meets_criteria=False, reason=" "),
                                        "不符合表彰条件的候选人必须写明推荐理由"),
}


@pytest.mark.parametrize("case", TAMPERED, ids=list(TAMPERED))
def test_a_tampered_third_ledger_record_is_refused(county, tmp_path, case):
    """Signed again with the county's own key: only the checks of the data can catch it; nothing is written."""
    table, change, message = TAMPERED[case]
    bundle = rezip(_edit(members(county["first"]), table, change), tmp_path / "t.pledgebook", fix_manifest=True)
    path = _prefecture(county, tmp_path)
    before = file_state(path)
    with pytest.raises(PledgebookError, match=message) as caught:
        import_bundle(bundle)
    assert "已拒绝" in caught.value.message
    assert file_state(path) == before


def test_an_unchanged_bundle_merged_again_is_recognised_unchanged(county, tmp_path, monkeypatch):
    """The next month's bundle, nothing changed: the third ledger's lines are held (their digests), not parsed."""
    import pledgebook.bundle.known as known_mod

    held: dict[str, int] = {}
    real = known_mod.split_member

    def split(table, data, h):
        got = real(table, data, h)
        held[table] = got[2] if got else 0
        return got

    monkeypatch.setattr("pledgebook.bundle.readahead.split_member", split)
    path = make_prefecture(tmp_path / "p.db", trusting=[county["first"], county["again"]])
    use(path)
    import_bundle(county["first"])
    again = import_bundle(county["again"])
    for t in THIRD:
        n = len(county["records"][t])
        assert held[t] == n, t
        counts = again.tables[t]
        assert (counts.read, counts.unchanged, counts.inserted, counts.updated, counts.conflicts) == (n, n, 0, 0, 0), t


def test_a_member_appraised_again_and_a_disposal_closed_merge_as_a_month_later(county, tmp_path):
    """The county deleted an appraisal and made a new one for the same member and year: the deletion is
    merged before the new record, so the prefecture keeps one live appraisal; the open 处置 is closed."""
    path = make_prefecture(tmp_path / "p.db", trusting=[county["first"], county["later"]])
    use(path)
    import_bundle(county["first"])
    later = import_bundle(county["later"])
    assert later.tables["appraisal"].inserted == 1 and later.tables["appraisal"].updated == 1
    assert later.tables["disposal"].updated == county["open"] > 0
    assert database.execute_sql("SELECT count(*) FROM disposal WHERE closed_on IS NULL").fetchone()[0] == 0
    assert database.execute_sql("SELECT grade FROM appraisal WHERE uid = '0badf00d-0000-4000-8000-00000000a001'"
                                ).fetchone()[0] == "excellent"


def test_a_second_live_appraisal_beside_a_held_one_is_refused(county, tmp_path):
    """A re-merge: the duplicate is new, the record it clashes with is held (not parsed): still refused."""
    src = members(county["again"])
    first = rows(src, "appraisal")[0]
    src = _edit(src, "appraisal", lambda rs: rs.append(
        {**first, "uid": "0badf00d-0000-4000-8000-00000000d001", "updated_at": str(utcnow())}))
    dup = rezip(src, tmp_path / "dup.pledgebook", fix_manifest=True)
    path = make_prefecture(tmp_path / "p.db", trusting=[county["first"]])
    use(path)
    import_bundle(county["first"])
    before = file_state(path)
    with pytest.raises(PledgebookError, match=f"同一党员每个年度只能有一条有效的民主评议.*uid {first['uid']}"):
        import_bundle(dup)
    assert file_state(path) == before


def test_a_replaced_appraisal_the_prefecture_holds_newer_is_refused_not_doubled(county, tmp_path):
    """The prefecture's own copy of the appraisal the county replaced is newer (kept): merging the new one
    would leave the member two live appraisals of the year. Refused with the rule, nothing written."""
    path = make_prefecture(tmp_path / "p.db", trusting=[county["first"], county["later"]])
    use(path)
    import_bundle(county["first"])
    database.execute_sql("UPDATE appraisal SET updated_at = ? WHERE uid = ?",
                         [f"{date.today() + timedelta(days=2)} 00:00:00", county["replaced"]])
    before = file_state(path)
    with pytest.raises(PledgebookError, match="appraisal.jsonl：合并民主评议党员时与本台账保留的记录冲突（同一党员每个年度只能有一条"
                                              "有效的民主评议") as caught:
        import_bundle(county["later"])
    assert "台账未作任何改动" in caught.value.message and "Traceback" not in caught.value.message
    assert file_state(path) == before
