"""Hostile bundles: each refused with a clear message and the prefecture's file byte-for-byte unchanged."""

from __future__ import annotations

import json
import zipfile
from datetime import date

import pytest
from handoff_util import file_state, make_county, make_prefecture, members, resign, rezip, use

from pledgebook.bundle.format import BundleError
from pledgebook.bundle.merge import import_bundle
from pledgebook.bundle.verify import verify_bundle
from pledgebook.bundle.write import write_bundle


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """One good bundle from a small county, and the prefecture file it goes to."""
    from pledgebook.models.store.db import close_database

    d = tmp_path_factory.mktemp("hostile")
    make_county(d / "a.db", seed=7, pledges=200)
    path = write_bundle(d).path
    (d / "other").mkdir()
    use(make_county(d / "b.db", seed=9, pledges=200, code="539902", name="云海县"))
    other = write_bundle(d / "other").path
    close_database()
    return d, path, other


@pytest.fixture
def pref(good, tmp_path):
    make_prefecture(tmp_path / "p.db", trusting=[good[1], good[2]])
    return tmp_path / "p.db"


def _refused(path, pref, match):
    before = file_state(pref)
    with pytest.raises(BundleError, match=match):
        import_bundle(path)
    with pytest.raises(BundleError):
        verify_bundle(path)
    assert file_state(pref) == before


def _edit(good, tmp_path, name="bad.pledgebook", *, fix=False, **changes):
    src = members(good[1])
    for k, v in changes.items():
        key = k.replace("__", ".")
        if v is None:
            src.pop(key)
        else:
            src[key] = v
    return rezip(src, tmp_path / name, fix_manifest=fix)


def test_good_bundle_imports(good, pref):
    assert import_bundle(good[1]).tables["pledge"].inserted == 200


def test_truncated(good, pref, tmp_path):
    data = good[1].read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.pledgebook"
        bad.write_bytes(data[:cut])
        _refused(bad, pref, "不完整|截断|损坏")


def test_bit_flipped(good, pref, tmp_path):
    data = bytearray(good[1].read_bytes())
    with zipfile.ZipFile(good[1]) as zf:
        info = zf.getinfo("pledge.jsonl")
    data[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x10
    bad = tmp_path / "flip.pledgebook"
    bad.write_bytes(bytes(data))
    _refused(bad, pref, "损坏|校验值|长度")


def test_rezipped_with_edits(good, pref, tmp_path):
    lines = members(good[1])["pledge.jsonl"].replace("践诺中".encode(), "已兑现".encode())
    edited = members(good[1])["pledge.jsonl"].replace(b'"status":"in_progress"', b'"status":"fulfilled"')
    assert edited != lines or True
    _refused(_edit(good, tmp_path, pledge__jsonl=edited), pref, "校验值|长度")


@pytest.mark.parametrize("name", ["../evil.jsonl", "/etc/evil.jsonl", "data\\..\\evil.jsonl", "C:evil.jsonl", "extra.txt"])
def test_hostile_member_names(good, pref, tmp_path, name):
    bad = _edit(good, tmp_path, **{name.replace(".", "__"): b"x\n"}) if False else None
    src = members(good[1])
    src[name] = b"{}\n"
    bad = rezip(src, tmp_path / "names.pledgebook")
    _refused(bad, pref, "路径穿越|绝对路径|反斜杠|盘符|多余")


def test_missing_member(good, pref, tmp_path):
    _refused(_edit(good, tmp_path, evaluation__jsonl=None), pref, "缺少")


def test_zip_bomb_refused_before_decompressing(good, pref, tmp_path):
    src = members(good[1])
    bad = tmp_path / "bomb.pledgebook"
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in src.items():
            if name != "report.xlsx":
                zf.writestr(name, data)
        with zf.open("report.xlsx", "w") as out:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(64):
                out.write(chunk)
    _refused(bad, pref, "压缩炸弹|压缩比")


def test_declared_size_too_large(good, pref, tmp_path):
    src = members(good[1])
    m = json.loads(src["manifest.json"])
    m["members"]["pledge.jsonl"]["size"] = 10**12
    src["manifest.json"] = json.dumps(m).encode()
    _refused(rezip(src, tmp_path / "big.pledgebook"), pref, "长度|上限")


def test_manifest_of_another_county(good, pref, tmp_path):
    src = members(good[1])
    src["manifest.json"] = members(good[2])["manifest.json"]
    _refused(rezip(src, tmp_path / "swap.pledgebook"), pref, "长度|校验值")
    # a manifest rewritten to claim another county, with hashes to match
    src = members(good[1])
    m = json.loads(src["manifest.json"])
    m["county"]["code"] = "539902"
    src["manifest.json"] = json.dumps(m).encode()
    before = file_state(pref)
    with pytest.raises(BundleError, match="不能冒充另一个县"):  # signed with 539901's key, trusted for 539901
        import_bundle(rezip(resign(src), tmp_path / "claim.pledgebook"))
    # unsigned, allowed: 539902's key is trusted here, so an unsigned bundle never speaks for it
    with pytest.raises(BundleError, match="加 --allow-unsigned 也不能导入"):
        import_bundle(rezip(src, tmp_path / "claim2.pledgebook", drop_signature=True), allow_unsigned=True)
    assert file_state(pref) == before


@pytest.mark.parametrize(
    "old,new,match",
    [
        (b'"status":"', b'"status":"bogus', "未知代码"),
        (b'"year":', b'"year":"', "应为整数|不是有效的 JSON"),
        (b'{"uid"', b'{"uid" x', "不是有效的 JSON"),
        (b'"due_date":"', b'"due_date":"2026-02-31', "日期"),
        (b'"org_uid":"', b'"org_uid":"0', "uid|引用"),
        (b'"content":"', b'"content":"\\ud800', "代理项"),  # a lone surrogate: sqlite3 could not encode it
    ],
)
def test_bad_records(good, pref, tmp_path, old, new, match):
    data = members(good[1])["pledge.jsonl"]
    lines = data.split(b"\n")
    lines[5] = lines[5].replace(old, new, 1)
    bad = _edit(good, tmp_path, fix=True, pledge__jsonl=b"\n".join(lines))
    before = file_state(pref)
    with pytest.raises(BundleError, match=match) as exc:
        import_bundle(bad)
    assert "pledge.jsonl" in str(exc.value)
    assert file_state(pref) == before


def test_record_of_another_county_is_refused(good, pref, tmp_path):
    import_bundle(good[2])
    other_uid = json.loads(members(good[2])["pledge.jsonl"].split(b"\n")[0])["uid"]
    src = members(good[1])
    data = src["pledge.jsonl"].split(b"\n")
    refs = src["progress.jsonl"] + src["evaluation.jsonl"] + b"".join(
        (json.loads(line)["carried_from_uid"] or "").encode() for line in data[:-1])
    n = next(i for i, line in enumerate(data[:-1]) if json.loads(line)["uid"].encode() not in refs)
    row = json.loads(data[n])
    row["uid"] = other_uid
    row["updated_at"] = f"{date.today().isoformat()} 23:59:59"
    data[n] = json.dumps(row, ensure_ascii=False).encode()
    bad = _edit(good, tmp_path, fix=True, pledge__jsonl=b"\n".join(data))
    before = file_state(pref)
    with pytest.raises(BundleError, match=f"pledge.jsonl 第 {n + 1} 行：承诺记录（uid {other_uid}）在本台账中属于「云海县（539902）」，本数据包（云岭县，539901）无权修改"):
        import_bundle(bad)
    assert file_state(pref) == before


def test_not_a_bundle(pref, tmp_path):
    bad = tmp_path / "x.pledgebook"
    bad.write_bytes(b"hello")
    _refused(bad, pref, "不是完整")


def _edit_record(good, tmp_path, member: str, pick, change) -> object:
    """Rewrite the first record of ``member`` that ``pick`` accepts, with hashes and counts fixed to match."""
    lines = members(good[1])[member].split(b"\n")
    n = next(i for i, line in enumerate(lines[:-1]) if pick(json.loads(line)))
    row = json.loads(lines[n])
    change(row)
    lines[n] = json.dumps(row, ensure_ascii=False).encode()
    return _edit(good, tmp_path, fix=True, **{member.replace(".", "__"): b"\n".join(lines)})


def _refused_unchanged(bad, pref, match, member):
    before = file_state(pref)
    with pytest.raises(BundleError, match=match) as exc:
        import_bundle(bad)
    assert member in str(exc.value)
    assert file_state(pref) == before
    assert not list(pref.parent.glob("backups/*.db")), "no backup for a bundle refused before merging"


UNKNOWN = "12345678-1234-4234-8234-123456789abc"


def test_help_log_pointing_at_an_unknown_contact_point(good, pref, tmp_path):
    bad = _edit_record(good, tmp_path, "help_log.jsonl", lambda r: r["contact_point_uid"],
                       lambda r: r.update(contact_point_uid=UNKNOWN))
    _refused_unchanged(bad, pref, "contact_point_uid.*不在数据包中", "help_log.jsonl")


def _both_places(r):
    r["pairing_uid"] = r["contact_point_uid"]  # (a uid that exists, in the wrong table too)


@pytest.mark.parametrize(
    "member,pick,change,match",
    [
        ("contact_point.jsonl", lambda r: True, lambda r: r.update(kind="palace"), "未知代码"),
        ("stationing.jsonl", lambda r: True, lambda r: r.update(role="boss"), "未知代码"),
        ("help_log.jsonl", lambda r: True, lambda r: r.update(kind="bribe"), "未知代码"),
        ("help_log.jsonl", lambda r: r["kind"] == "visit", lambda r: r.update(households=-3), "不在 0"),
        ("help_log.jsonl", lambda r: r["kind"] == "visit", lambda r: r.update(households=10**9), "不在 0"),
        ("help_log.jsonl", lambda r: r["kind"] == "visit", lambda r: r.update(funds=5.0), "不按万元计"),
        ("help_log.jsonl", lambda r: True, lambda r: r.update(person_times="12"), "应为整数"),
        ("help_log.jsonl", lambda r: True, lambda r: r.update(funds=float("inf")), "有限"),
        ("help_log.jsonl", lambda r: r["contact_point_uid"], _both_places, "恰好填一个"),
        ("help_log.jsonl", lambda r: r["contact_point_uid"], lambda r: r.update(contact_point_uid=None), "恰好填一个"),
        ("help_log.jsonl", lambda r: True, lambda r: r.update(org_uid=UNKNOWN), "org_uid.*不在数据包中"),
        ("help_log.jsonl", lambda r: True, lambda r: r.update(date="2025-13-01"), "日期"),
        ("pairing.jsonl", lambda r: r["household"], lambda r: r.update(household=None), "二者只能有一个"),
        ("pairing.jsonl", lambda r: True, lambda r: r.update(helper_uid=UNKNOWN), "helper_uid.*不在数据包中"),
        ("stationing.jsonl", lambda r: True, lambda r: r.update(village_uid=None), "缺失"),
        ("contact_point.jsonl", lambda r: True, lambda r: r.update(leader_uid="x"), "不是有效的 uid"),
    ],
)
def test_bad_second_ledger_records(good, pref, tmp_path, member, pick, change, match):
    _refused_unchanged(_edit_record(good, tmp_path, member, pick, change), pref, match, member)


def test_second_ledger_member_missing(good, pref, tmp_path):
    _refused(_edit(good, tmp_path, help_log__jsonl=None), pref, "缺少")


def test_a_bundle_is_backed_up_before_it_is_merged(good, pref):
    result = import_bundle(good[1])
    assert result.backup is not None and result.backup.exists()
    assert result.backup.parent == pref.parent / "backups" and "before-import" in result.backup.name
    assert import_bundle(good[1]).backup is None  # the same bundle again: nothing to merge, no backup
