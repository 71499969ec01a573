"""Issue 21: at the prefecture, no county gets in where it does not belong.

Each class of hostile bundle is built here, imported, refused with its message, and the prefecture's file
(the database and its WAL) is byte-for-byte what it was. The bundles are signed again with the sending
county's own trusted key after every edit (:func:`handoff_util.rezip`): the checks of the data, not the
signature, must catch them. The generated sets count what they tried and what was refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from handoff_util import (
    downgrade,
    file_state,
    make_county,
    make_prefecture,
    members,
    put,
    resign,
    rezip,
    rows,
    slim,
    use,
)

from pledgebook.bundle import keys
from pledgebook.bundle.checks import MAX_TREE_DEPTH
from pledgebook.bundle.format import TABLE_BY_NAME, TABLES
from pledgebook.bundle.merge import import_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.db import close_database, open_database
from pledgebook.models.store.tables import AuditLog, ImportBatch, database

RECORDS = vocab.RECORD_TABLES  # every ledger's records (make_county gives each county some of the third ledger's)

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two signed counties A (云岭县) and B (云海县), slimmed bundles of both, and a prefecture that trusts
    both keys and has merged A (the template each test copies)."""
    d = tmp_path_factory.mktemp("trust")
    make_county(d / "a.db", seed=7, pledges=80)
    (d / "a").mkdir()
    a = rezip(slim(members(write_bundle(d / "a").path)), d / "539901_20260101-000001.pledgebook", fix_manifest=True)
    pub_a = keys.own_public_key()
    use(make_county(d / "b.db", seed=9, pledges=80, code="539902", name="云海县"))
    (d / "b").mkdir()
    b = rezip(slim(members(write_bundle(d / "b").path)), d / "539902_20260101-000001.pledgebook", fix_manifest=True)
    pub_b = keys.own_public_key()
    close_database()
    make_prefecture(d / "template.db", trusting=[a, b])
    import_bundle(a)
    pref_root = database.execute_sql("SELECT uid FROM org WHERE parent_id IS NULL").fetchone()[0]
    close_database()
    return {"dir": d, "a": a, "b": b, "A": members(a), "B": members(b), "pub_a": pub_a, "pub_b": pub_b,
            "pref_root": pref_root, "template": d / "template.db"}


@pytest.fixture
def pref(world, tmp_path):
    path = tmp_path / "p.db"
    shutil.copyfile(world["template"], path)
    open_database(path)
    yield path
    close_database()


def refused(bundle: Path, pref: Path, match: str, **kw) -> str:
    """Import ``bundle``: it must be refused with a message matching ``match``, nothing written."""
    before = file_state(pref)
    with pytest.raises(PledgebookError) as caught:
        import_bundle(bundle, **kw)
    import re

    assert re.search(match, caught.value.message), caught.value.message
    assert file_state(pref) == before
    return caught.value.message


def swap_uid(src: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    """Every mention of ``old`` (a record's uid and every reference to it) in the data made ``new``."""
    return {k: (v.replace(f'"{old}"'.encode(), f'"{new}"'.encode()) if k.endswith(".jsonl") else v) for k, v in src.items()}


# ------------------------------------------------------------------ 1. ownership


def _picks(src: dict[str, bytes], table: str) -> list[dict]:
    got = rows(src, table)
    if table == "org":  # the root, a committee (level 2), a branch (the last)
        return [got[0], next(r for r in got if r["kind"] == "committee"), got[-1]]
    return [got[0], got[-1]]


def test_no_record_of_another_county_or_table_can_be_touched(world, pref, tmp_path):
    """Generated: B's records given A's uids, table by table and across tables, plain and as tombstones."""
    tried = refused_n = 0
    for t_b in RECORDS:
        victim_b = _picks(world["B"], t_b)[0 if t_b != "org" else 2]
        for t_a in RECORDS:
            for victim_a in _picks(world["A"], t_a):
                for tombstone in ((False, True) if t_a == t_b else (False,)):
                    src = swap_uid(world["B"], victim_b["uid"], victim_a["uid"])
                    if tombstone:
                        recs = rows(src, t_b)
                        for r in recs:
                            if r["uid"] == victim_a["uid"]:
                                r["deleted_at"] = r["updated_at"] = f"{date.today().isoformat()} 00:00:00"
                        put(src, t_b, recs)
                    bundle = rezip(src, tmp_path / f"own{tried}.pledgebook", fix_manifest=True)
                    tried += 1
                    refused(bundle, pref, r"属于「云岭县（539901）」，本数据包（云海县，539902）无权修改")
                    refused_n += 1
    print(f"ownership: {tried} hostile bundles tried, {refused_n} refused")
    assert tried == refused_n >= 90


@pytest.mark.parametrize("which", ["root", "committee", "branch"])
def test_the_prefectures_own_tree_cannot_be_touched(world, pref, tmp_path, which):
    orgs = rows(world["B"], "org")
    victim = {"root": orgs[0], "committee": next(r for r in orgs if r["kind"] == "committee"), "branch": orgs[-1]}[which]
    bundle = rezip(swap_uid(world["B"], victim["uid"], world["pref_root"]), tmp_path / "pref.pledgebook", fix_manifest=True)
    refused(bundle, pref, r"党组织记录（uid .*）在本台账中属于「本级（普洱市）」，本数据包（云海县，539902）无权修改")


def test_an_upper_case_copy_of_another_countys_uid_is_refused(world, pref, tmp_path):
    victim = rows(world["B"], "pledge")[0]["uid"]
    bundle = rezip(swap_uid(world["B"], victim, rows(world["A"], "pledge")[0]["uid"].upper()), tmp_path / "up.pledgebook",
                   fix_manifest=True)
    refused(bundle, pref, "pledge.jsonl 第 1 行：字段「uid」不是有效的 uid")


def test_a_uid_cannot_change_tables_in_a_later_bundle(world, pref, tmp_path):
    """B's next bundle with a pledge and a progress record trading uids (B's own uids, other tables): refused."""
    import_bundle(world["b"])
    p_uid, q_uid = rows(world["B"], "pledge")[0]["uid"], rows(world["B"], "progress")[0]["uid"]
    src = swap_uid(swap_uid(swap_uid(world["B"], p_uid, "swap"), q_uid, p_uid), "swap", q_uid)
    m = json.loads(src["manifest.json"])
    m["sequence"] += 1
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    refused(rezip(src, tmp_path / "tables.pledgebook", fix_manifest=True), pref,
            r"(承诺|践诺记录)记录（uid .*）在本台账中属于「云海县（539902）」")


@pytest.mark.parametrize("table", RECORDS[1:])
def test_the_prefecture_roots_uid_in_any_table_is_refused(world, pref, tmp_path, table):
    victim = rows(world["B"], table)[0]
    bundle = rezip(swap_uid(world["B"], victim["uid"], world["pref_root"]), tmp_path / "pr.pledgebook", fix_manifest=True)
    refused(bundle, pref, r"属于「本级（普洱市）」")


def test_full_width_county_code_is_refused(world, pref, tmp_path):
    src = dict(world["B"])
    m = json.loads(src["manifest.json"])
    m["county"]["code"] = "５３９９０２"
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    refused(rezip(resign(src), tmp_path / "fw.pledgebook"), pref, "不是6位半角数字")
    # and the root's code in full-width digits, the manifest in ASCII
    src = dict(world["B"])
    recs = rows(src, "org")
    recs[0]["code"] = "５３９９０２"
    put(src, "org", recs)
    refused(rezip(src, tmp_path / "fw2.pledgebook", fix_manifest=True), pref, "根组织应为行政区划代码 539902")


def test_a_county_merges_again_and_a_second_county_beside_the_first(world, pref, tmp_path):
    """Positive: B's first bundle merges beside A, then B's second (one pledge changed) updates B only."""
    first = import_bundle(world["b"])
    assert first.tables["pledge"].inserted == len(rows(world["B"], "pledge"))
    owners = dict(database.execute_sql("SELECT county, count(*) FROM record_owner GROUP BY county").fetchall())
    assert owners["539901"] == sum(len(rows(world["A"], t)) for t in RECORDS)
    assert owners["539902"] == sum(len(rows(world["B"], t)) for t in RECORDS)
    src = dict(world["B"])
    recs = rows(src, "pledge")
    recs[0]["content"] += "（已修改）"
    recs[0]["updated_at"] = f"{date.today().isoformat()} 00:00:01"
    put(src, "pledge", recs)
    m = json.loads(src["manifest.json"])
    m["sequence"] += 1
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    second = import_bundle(rezip(src, tmp_path / "b2.pledgebook", fix_manifest=True))
    assert second.tables["pledge"].updated == 1 and second.changed == 1
    from pledgebook.models.store import health

    assert health.check(pref)["ok"], health.check(pref)


def test_migration_gives_records_merged_before_to_their_county(world, tmp_path):
    """A prefecture file of schema 5 (no owners yet) with A and B merged: step 6 gives each record to the
    county whose root it hangs under, none to the prefecture; then B cannot take A's root."""
    path = tmp_path / "old.db"
    shutil.copyfile(world["template"], path)
    open_database(path)
    import_bundle(world["b"])
    database.execute_sql("DROP TABLE record_owner")
    database.execute_sql("PRAGMA user_version = 5")
    close_database()
    open_database(path)  # migrates
    got = dict(database.execute_sql("SELECT county, count(*) FROM record_owner GROUP BY county").fetchall())
    then = [t for t in RECORDS if TABLE_BY_NAME[t].since < 3]  # a file of schema 5 had no third ledger
    assert got == {"539901": sum(len(rows(world["A"], t)) for t in then),
                   "539902": sum(len(rows(world["B"], t)) for t in then)}
    assert database.execute_sql("SELECT count(*) FROM record_owner WHERE uid = ?", [world["pref_root"]]).fetchone()[0] == 0
    src = swap_uid(world["B"], rows(world["B"], "org")[0]["uid"], rows(world["A"], "org")[0]["uid"])
    m = json.loads(src["manifest.json"])
    m["sequence"] += 1
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    refused(rezip(src, tmp_path / "after.pledgebook", fix_manifest=True), path, "属于「云岭县（539901）」")
    close_database()


# ------------------------------------------------------------------ 2. first contact is not trust


def test_a_county_with_no_trusted_key_is_refused_with_what_to_do(world, tmp_path):
    path = make_prefecture(tmp_path / "fresh.db")  # trusts nobody
    unsigned = rezip(dict(world["B"]), tmp_path / "u.pledgebook", drop_signature=True)
    msg = refused(unsigned, path, "没有签名，本台账也尚未信任「云海县」（539902）的公钥，默认不导入")
    assert "电话核对指纹" in msg and "pledgebook keys trust 539902.pub" in msg and "--allow-unsigned" in msg
    msg = refused(world["b"], path, "已签名（公钥指纹 .*），但本台账尚未信任「云海县」（539902）的公钥")
    assert world["pub_b"].fingerprint in msg
    # --allow-unsigned: merged, recorded in the audit log and the import batch, and said in the result
    result = import_bundle(world["b"], allow_unsigned=True)
    assert result.allow_unsigned_used and result.changed > 0
    assert any("--allow-unsigned" in n and "审计日志" in n for n in result.notes)
    assert ImportBatch.select().where(ImportBatch.kind == "bundle-unsigned").count() == 1
    assert AuditLog.select().where(AuditLog.note.contains("按 --allow-unsigned 导入")).count() == 1
    close_database()


def test_a_new_county_after_keys_trust(world, tmp_path):
    path = make_prefecture(tmp_path / "fresh.db")
    refused(world["b"], path, "尚未信任")
    keys.trust(world["pub_b"])
    result = import_bundle(world["b"])
    assert result.trusted and not result.allow_unsigned_used and result.changed > 0
    close_database()


def test_a_key_trusted_for_another_county_is_refused_outright(world, pref, tmp_path):
    """A's key signing a bundle that claims to be a third county (no key trusted yet): refused, even with
    --allow-unsigned."""
    src = dict(world["A"])
    m = json.loads(src["manifest.json"])
    m["county"] = {**m["county"], "code": "539903", "name": "云山县"}
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    bundle = rezip(resign(src), tmp_path / "claim.pledgebook")
    for allow in (False, True):
        refused(bundle, pref, "却是本台账为「云岭县」（539901）信任的公钥：一个县的密钥不能冒充另一个县", allow_unsigned=allow)


def test_an_unsigned_bundle_never_speaks_for_a_county_whose_key_is_trusted(world, pref, tmp_path):
    """--allow-unsigned is for first contact only: anyone can write an unsigned bundle that claims to be
    云岭县, so once its key is trusted an unsigned one is refused however it is imported."""
    unsigned = rezip(dict(world["A"]), tmp_path / "forged.pledgebook", drop_signature=True)
    for allow in (False, True):
        msg = refused(unsigned, pref, "本台账已信任「云岭县」（539901）的公钥，但该数据包没有签名，已拒绝（加 --allow-unsigned 也不能导入）",
                      allow_unsigned=allow)
        assert "keys trust 539901.pub --replace" in msg


def test_a_key_is_replaced_only_by_an_explicit_audited_retrust(world, pref, tmp_path):
    import nacl.signing

    new = keys.PublicKey("云海县", "539902", bytes(nacl.signing.SigningKey.generate().verify_key))
    before = file_state(pref)
    with pytest.raises(keys.KeyProblem, match="没有替换.*--replace"):
        keys.trust(new)
    assert file_state(pref) == before
    assert keys.trusted_key("539902") == world["pub_b"]
    old = keys.trust(new, replace=True)
    assert old == world["pub_b"] and keys.trusted_key("539902") == new
    assert AuditLog.select().where(AuditLog.note.contains("替换云海县（539902）的公钥")).count() == 1
    refused(world["b"], pref, "与本台账已信任的「云海县」公钥不一致")
    # one key, one county: A's key cannot be trusted for B
    with pytest.raises(keys.KeyProblem, match="已被信任为「云岭县」"):
        keys.trust(keys.PublicKey("云海县", "539902", world["pub_a"].key), replace=True)


def test_cli_keys_trust_replace_and_import_refusal(world, pref, tmp_path):
    close_database()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "pledgebook", *args, "--db", str(pref)], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, env=env)

    import nacl.signing

    pub_file = tmp_path / "539902.pub"
    other = keys.PublicKey("云海县", "539902", bytes(nacl.signing.SigningKey.generate().verify_key))
    pub_file.write_text(json.dumps(other.as_dict(), ensure_ascii=False), encoding="utf-8")
    out = run("keys", "trust", str(pub_file), "--yes")
    assert out.returncode == 2 and "--replace" in out.stdout + out.stderr
    out = run("keys", "trust", str(pub_file), "--yes", "--replace")
    assert out.returncode == 0 and "替换了原来的公钥" in out.stdout
    out = run("import", str(world["b"]), "--json")
    assert out.returncode == 2
    assert "不一致" in json.loads(out.stdout)["files"][0]["message"]
    open_database(pref)


# ------------------------------------------------------------------ 3. every field as strictly as local entry


def _today(days: int = 0) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# (table, pick a row, field, value, what the message must say)
FIELD_CASES = [
    ("pledge", 0, "year", 0, "年度 0 不在 2000–2100"),
    ("pledge", 0, "year", -1, "年度 -1 不在"),
    ("pledge", 0, "year", 99999, "年度 99999 不在"),
    ("work_year", 0, "year", 1999, "年度 1999 不在"),
    ("pledge", 0, "updated_at", "2026-99-99 99:99:99", "不是有效的时间"),
    ("pledge", 0, "updated_at", "２０２６-01-01 00:00:00", "不是有效的时间"),
    ("pledge", 0, "created_at", "2026-02-30 10:00:00", "日期不存在"),
    ("pledge", 0, "updated_at", "2099-01-01 00:00:00", "晚于今天"),
    ("pledge", 0, "updated_at", "2999-01-01 00:00:00", "年份不在"),
    ("org", 1, "updated_at", "2026-01-01T25:00:00", "不是有效的时间"),
    ("person", 0, "deleted_at", "0000-01-01 00:00:00", "日期不存在|年份不在"),
    ("person", 0, "deleted_at", "1066-10-14 09:00:00", "年份不在 1900–2100"),
    ("pledge", 0, "due_date", "２０２６-01-01", "不是有效的日期"),
    ("pledge", 0, "due_date", "2026-13-01", "日期不存在"),
    ("pledge", 0, "due_date", "1800-01-01", "年份不在|完成时限"),
    ("pledge", 0, "category", "no_such_category", "未知代码"),
    ("pledge", 0, "status", "fulfilled ", "未知代码"),
    ("pledge", 0, "scope", "ＯＲＧ", "未知代码"),
    ("pledge", 0, "content", "含有\x00空字符", "控制字符"),
    ("pledge", 0, "content", "响铃\x07", "控制字符"),
    ("pledge", 0, "measures", "C1\x85字符", "控制字符"),
    ("org", 1, "name", "名称\x1b[31m", "控制字符"),
    ("person", 0, "name", "\x7f", "控制字符"),
    ("pledge", 0, "content", "", "承诺事项）不能为空"),
    ("pledge", 0, "content", "   ", "不能为空"),
    ("pledge", 0, "content", "长" * 2001, "过长"),
    ("pledge", 0, "approved_by", "人" * 101, "过长"),
    ("org", 1, "name", "", "党组织名称）不能为空"),
    ("person", 0, "name", "", "姓名）不能为空"),
    ("org", 1, "kind", "county", "只有根组织可以是"),
    ("org", 1, "kind", "prefecture", "只有根组织可以是"),
    ("org", 1, "kind", "township", "未知代码"),
    ("person", 0, "id_number", "530822199001011234", "id_number"),
    ("person", 0, "id_number", "5.30822E+17", "id_number"),
    ("person", 0, "phone", "138abcd5678", "phone"),
    ("person", 0, "birth_date", _today(30), "晚于今天"),
    ("person", 0, "gender", "x", "未知代码"),
    ("progress", 0, "percent", 101, "完成进度 101"),
    ("progress", 0, "percent", -1, "完成进度 -1"),
    ("progress", 0, "date", _today(30), "晚于今天"),
    ("progress", 0, "note", "", "践诺情况）不能为空"),
    ("evaluation", 0, "score", 100.5, "分数 100.5"),
    ("evaluation", 0, "score", -3, "分数 -3"),
    ("evaluation", 0, "date", _today(30), "晚于今天"),
    ("evaluation", 0, "ballots_issued", -5, "不能为负数|有效票"),
    ("evaluation", 0, "kind", "vote", "未知代码"),
    ("category", 0, "code", "坏 代码", "类别代码"),
    ("category", 0, "label", "", "类别名称）不能为空"),
    ("pledge", 0, "source_row", 2**60, "数值过大"),
    ("pledge", 0, "year", "2026", "应为整数"),
    ("pledge", 0, "year", True, "应为整数"),
    ("pledge", 0, "content", ["a"], "应为文本"),
    ("pledge", 0, "content", {"a": 1}, "应为文本"),
    ("org", 1, "active", 2, "应为 true/false"),
    ("evaluation", 0, "score", "NaN", "应为数字"),
    ("contact_point", 0, "start_date", "1999-12-31", "开始日期"),
    ("contact_point", 0, "start_date", _today(400), "开始日期"),
    ("stationing", 0, "actual_end", "2000-01-01", "结束日期"),
    ("pairing", 0, "end_date", "2000-01-01", "结束日期"),
    ("help_log", 0, "date", _today(30), "晚于今天"),
    ("help_log", 0, "households", -1, "不在 0"),
    ("help_log", 0, "note", "\x00", "控制字符"),
]


def _set(src: dict[str, bytes], table: str, pick: int, field: str, value) -> tuple[dict[str, bytes], int]:
    recs = rows(src, table)
    n = pick if pick < len(recs) else 0
    if table == "evaluation" and field == "ballots_issued":
        n = next(i for i, r in enumerate(recs) if r["ballots_valid"] is not None)
    recs[n][field] = value
    return put(dict(src), table, recs), n + 1


def test_every_field_is_checked_as_local_entry_would(world, pref, tmp_path):
    tried = refused_n = 0
    wrong = []
    for table, pick, field, value, expect in FIELD_CASES:
        src, line = _set(world["B"], table, pick, field, value)
        bundle = rezip(src, tmp_path / f"f{tried}.pledgebook", fix_manifest=True)
        tried += 1
        try:
            msg = refused(bundle, pref, expect)
            assert msg.startswith(f"{table}.jsonl 第 {line} 行") and field in msg, msg
        except (AssertionError, pytest.fail.Exception) as exc:
            wrong.append((table, field, repr(value)[:30], str(exc)[:300]))
            continue
        refused_n += 1
    print(f"fields: {tried} hostile bundles tried, {refused_n} refused")
    assert not wrong, "\n".join(map(str, wrong))
    assert tried == refused_n == len(FIELD_CASES)


def test_rules_across_fields(world, pref, tmp_path):
    pledges = rows(world["B"], "pledge")
    # carried from itself, and from a pledge of the same or a later year
    src = put(dict(world["B"]), "pledge", [{**p, "carried_from_uid": p["uid"]} if i == 0 else p for i, p in enumerate(pledges)])
    refused(rezip(src, tmp_path / "self.pledgebook", fix_manifest=True), pref, "pledge.jsonl 第 1 行：字段「carried_from_uid」：承诺不能结转自它自己")
    later = next(i for i, p in enumerate(pledges) if p["year"] == max(q["year"] for q in pledges))
    src = put(dict(world["B"]), "pledge", [{**p, "carried_from_uid": pledges[later]["uid"]} if i == 0 else p
                                           for i, p in enumerate(pledges)])
    if pledges[0]["uid"] != pledges[later]["uid"]:
        refused(rezip(src, tmp_path / "later.pledgebook", fix_manifest=True), pref, "结转来源应是更早年度的承诺")
    # a grade that does not fit the kind of evaluation (doctor would call the file unhealthy)
    evs = rows(world["B"], "evaluation")
    i = next(i for i, e in enumerate(evs) if e["kind"] == "public")
    evs[i] = {**evs[i], "grade": "excellent"}
    refused(rezip(put(dict(world["B"]), "evaluation", evs), tmp_path / "grade.pledgebook", fix_manifest=True),
            pref, f"evaluation.jsonl 第 {i + 1} 行：字段「grade」：评定等次「优秀」不适用于群众评议")
    # votes that do not add up, and more valid ballots than issued
    evs = rows(world["B"], "evaluation")
    i = next(i for i, e in enumerate(evs) if e["votes_satisfied"] is not None)
    bad = dict(evs[i], votes_satisfied=evs[i]["votes_satisfied"] + 1)
    refused(rezip(put(dict(world["B"]), "evaluation", [bad if k == i else e for k, e in enumerate(evs)]),
                  tmp_path / "votes.pledgebook", fix_manifest=True), pref, "与有效票 .* 不符")
    bad = dict(evs[i], ballots_issued=(evs[i]["ballots_valid"] or 1) - 1)
    refused(rezip(put(dict(world["B"]), "evaluation", [bad if k == i else e for k, e in enumerate(evs)]),
                  tmp_path / "issued.pledgebook", fix_manifest=True), pref, "不能多于发放票数")
    # a uid used twice across tables of one bundle
    src = swap_uid(world["B"], pledges[0]["uid"], rows(world["B"], "org")[-1]["uid"])
    refused(rezip(src, tmp_path / "dup.pledgebook", fix_manifest=True), pref, "已用于 org.jsonl 中的另一条记录")


def test_a_merged_file_is_healthy(world, pref):
    from pledgebook.models.store import health

    import_bundle(world["b"])
    report = health.check(pref)
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]


# ------------------------------------------------------------------ 4. deep structures


@pytest.mark.parametrize("levels", [3_000, 100_000])
def test_json_nested_deep_in_a_field_is_refused(world, pref, tmp_path, levels):
    src = dict(world["B"])
    lines = src["pledge.jsonl"].split(b"\n")
    lines[2] = lines[2].replace(b'"content":', b'"content":' + b"[" * levels + b"]" * levels + b',"x":', 1)
    src["pledge.jsonl"] = b"\n".join(lines)
    refused(rezip(src, tmp_path / "deep.pledgebook", fix_manifest=True), pref, "pledge.jsonl 第 3 行：嵌套过深")


def test_a_deep_manifest_is_refused(world, pref, tmp_path):
    src = dict(world["B"])
    m = json.loads(src["manifest.json"])
    src["manifest.json"] = (json.dumps(m, ensure_ascii=False)[:-1] + ',"x":' + "[" * 50_000 + "]" * 50_000 + "}").encode()
    refused(rezip(resign(src), tmp_path / "deepm.pledgebook"), pref, "manifest.json 嵌套过深")


def _chain(src: dict[str, bytes], depth: int, children_first: bool) -> dict[str, bytes]:
    """B's tree with one chain of ``depth`` levels under the root (new orgs), listed children first."""
    import uuid

    orgs = rows(src, "org")
    root = orgs[0]
    chain, parent = [], root["uid"]
    for k in range(depth - 1):
        org = {**orgs[-1], "uid": str(uuid.uuid4()), "parent_uid": parent, "code": None, "name": f"第{k + 2}级",
               "kind": "branch"}
        chain.append(org)
        parent = org["uid"]
    if children_first:
        chain.reverse()
    return put(dict(src), "org", [root, *chain, *orgs[1:]])


def test_an_org_tree_1500_levels_deep_listed_children_first_is_refused(world, pref, tmp_path):
    bundle = rezip(_chain(world["B"], 1500, True), tmp_path / "tree.pledgebook", fix_manifest=True)
    refused(bundle, pref, f"党组织的层级超过 {MAX_TREE_DEPTH} 级")


def test_the_tree_bound_is_exact(world, pref, tmp_path):
    refused(rezip(_chain(world["B"], MAX_TREE_DEPTH + 1, False), tmp_path / "t13.pledgebook", fix_manifest=True),
            pref, f"层级超过 {MAX_TREE_DEPTH} 级")
    result = import_bundle(rezip(_chain(world["B"], MAX_TREE_DEPTH, True), tmp_path / "t12.pledgebook", fix_manifest=True))
    assert result.tables["org"].inserted == len(rows(world["B"], "org")) + MAX_TREE_DEPTH - 1
    assert database.execute_sql("SELECT max(depth) - min(depth) FROM org").fetchone()[0] == MAX_TREE_DEPTH


def test_a_cycle_in_the_tree_is_refused(world, pref, tmp_path):
    orgs = rows(world["B"], "org")
    a, b = orgs[-1], orgs[-2]
    a["parent_uid"], b["parent_uid"] = b["uid"], a["uid"]
    refused(rezip(put(dict(world["B"]), "org", orgs), tmp_path / "cycle.pledgebook", fix_manifest=True), pref, "构成了循环")


# ------------------------------------------------------------------ 5. a killed export's temporary files


def test_the_next_export_removes_what_a_killed_export_left(world, tmp_path):
    use(world["dir"] / "a.db")
    stick = tmp_path / "stick"
    stick.mkdir()
    ours = ["539901_20261201-101010.pledgebook.part", "539901_20261201-101010_2.pledgebook.part", ".pledgebook-probe-4242"]
    others = ["539902_20261201-101010.pledgebook.part", "539901_20261201-101010.pledgebook", "笔记.pledgebook.part",
              "539901_2026120-101010.pledgebook.part", "539901_20261201-101010.pledgebook.part.bak", "x.part"]
    for name in ours + others:
        (stick / name).write_bytes(b"partial")
    (stick / "539901_20261201-101010.pledgebook").write_bytes(b"an older finished bundle")
    result = write_bundle(stick)
    assert sorted(result.removed_stale) == sorted(ours)
    left = {p.name for p in stick.iterdir()}
    assert left == set(others) | {result.path.name}
    close_database()


def test_a_real_killed_export_leaves_a_part_that_the_cli_export_removes(world, tmp_path):
    """Kill an export midway (SIGKILL of the process): the next `export bundle` to that folder removes it."""
    if os.name == "nt":
        pytest.skip("SIGKILL")
    import signal
    import time

    db = world["dir"] / "a.db"
    stick = tmp_path / "stick"
    stick.mkdir()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    code = ("import sys, time\n"
            "from pledgebook.models.store.db import open_database\n"
            "from pledgebook.bundle import members, write\n"
            "open_database(sys.argv[1])\n"
            "real = members.write_tables\n"
            "def slow(*a, **k):\n"
            "    real(*a, **k)\n"
            "    print('written', flush=True)\n"
            "    time.sleep(60)\n"
            "members.write_tables = slow\n"
            "write.write_bundle(sys.argv[2])\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(stick)], stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    parts = [p.name for p in stick.iterdir() if p.name.endswith(".part")]
    assert len(parts) == 1
    out = subprocess.run([sys.executable, "-m", "pledgebook", "export", "bundle", "--to", str(stick), "--db", str(db)],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    assert out.returncode == 0, out.stderr
    assert f"已删除上次中断的导出留下的临时文件 1 个：{parts[0]}" in out.stdout
    assert not [p for p in stick.iterdir() if p.name.endswith(".part")]


# ------------------------------------------------------------------ issue 17 item 5: older programs


def test_an_older_program_and_a_version_1_bundle_are_told(world, pref, tmp_path):
    src = downgrade(world["B"], 1)
    m = json.loads(src["manifest.json"])
    m["program_version"] = "0.0.9"  # older than this program (0.1.0)
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    result = import_bundle(rezip(src, tmp_path / "old.pledgebook", fix_manifest=True))
    text = " ".join(result.notes)
    assert "该县使用的承诺台账版本较旧（0.0.9），建议随下次U盘带去新版" in text
    assert "不含四帮四促数据" in text
    # the current program's own bundle says neither
    shutil.copyfile(world["template"], tmp_path / "p2.db")
    use(tmp_path / "p2.db")
    assert not [n for n in import_bundle(world["b"]).notes if "较旧" in n or "四帮四促" in n]
    close_database()


def test_refusals_write_nothing_anywhere_and_never_a_traceback(world, pref, tmp_path):
    """A handful of the above through the CLI: exit 2 and a Chinese message, never a traceback."""
    close_database()
    bundle = rezip(_chain(world["B"], 1500, True), tmp_path / "tree.pledgebook", fix_manifest=True)
    out = subprocess.run([sys.executable, "-m", "pledgebook", "import", str(bundle), "--db", str(pref)],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout
    assert "层级超过" in out.stdout + out.stderr
    open_database(pref)


def test_ownership_covers_every_table_that_merges_by_uid():
    """category and work_year are the shared vocabulary and the years: never overwritten from a bundle."""
    assert {t.name for t in TABLES} - set(RECORDS) == {"category", "work_year"}


def test_verify_says_an_unsigned_bundle_of_a_trusted_county_will_be_refused(world, pref, tmp_path):
    from pledgebook.bundle.verify import verify_bundle

    report = verify_bundle(rezip(dict(world["A"]), tmp_path / "forged.pledgebook", drop_signature=True))
    assert report.trust == "unsigned"
    assert any("已信任该县的公钥：将被拒绝（加 --allow-unsigned 也不能导入）" in m for m in report.messages)
