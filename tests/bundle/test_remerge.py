"""The monthly re-merge: lines the prefecture holds are recognised by their digests, the rest parsed."""

from __future__ import annotations

import json

import pytest
from handoff_util import make_county, make_prefecture, members, rezip, use

import pledgebook.bundle.known as known_mod
from pledgebook.bundle.format import TABLES, select_sql
from pledgebook.bundle.merge import import_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.store.tables import database, utcnow


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """County a's first bundle and, a month later, one with records edited, deleted and added."""
    from pledgebook.models.store.db import close_database

    d = tmp_path_factory.mktemp("month")
    (d / "1").mkdir()
    (d / "2").mkdir()
    make_county(d / "a.db", seed=11, pledges=150)
    first = write_bundle(d / "1").path
    now = str(utcnow())  # later than anything the demo wrote
    database.execute_sql("UPDATE pledge SET content = content || '（补充）', updated_at = ? WHERE id % 10 = 0", [now])
    database.execute_sql("UPDATE progress SET deleted_at = ?, updated_at = ? WHERE id % 17 = 0", [now, now])
    # a new record pointing at a pledge that is itself unchanged (held: its local id comes from the ledger)
    pledge_id = database.execute_sql("SELECT id FROM pledge WHERE id % 10 = 3 ORDER BY id LIMIT 1").fetchone()[0]
    database.execute_sql(
        "INSERT INTO progress (uid, created_at, updated_at, pledge_id, date, note, percent) "
        "VALUES ('0badf00d-0000-4000-8000-000000000001', ?, ?, ?, '2024-05-01', '新的进展', 50)", [now, now, pledge_id])
    second = write_bundle(d / "2").path
    close_database()
    return {"first": first, "second": second, "dir": d}


def _records() -> dict[str, set]:
    root = database.execute_sql("SELECT uid FROM org WHERE parent_id IS NULL").fetchone()[0]
    return {spec.name: {tuple("ROOT" if v == root else v for v in row)
                        for row in database.execute_sql(select_sql(spec, include_pii=False)).fetchall() if row[0] != root}
            for spec in TABLES if spec.name not in ("category", "work_year")}


def _merge_twice(month, path, second) -> tuple[dict, dict]:
    use(make_prefecture(path, trusting=[month["first"], second]))
    import_bundle(month["first"])
    result = import_bundle(second)
    return {k: vars(v) for k, v in result.tables.items()}, _records()


def test_remerge_holds_unchanged_lines_and_ends_as_a_full_read(month, tmp_path, monkeypatch):
    held: list[int] = []
    real = known_mod.split_member

    def split(table, data, h):
        got = real(table, data, h)
        held.append(got[2] if got else 0)
        return got

    monkeypatch.setattr("pledgebook.bundle.readahead.split_member", split)
    fast_counts, fast = _merge_twice(month, tmp_path / "fast.db", month["second"])
    assert sum(held) > 0  # the short way was taken
    assert fast_counts["pledge"]["updated"] == 15 and fast_counts["progress"]["inserted"] == 1
    assert fast_counts["pledge"]["unchanged"] == 135
    digests = database.execute_sql("SELECT count(*) FROM record_owner WHERE digest IS NULL").fetchone()[0]
    assert digests == 0  # every record remembers the line it was merged from
    monkeypatch.setattr(known_mod, "has_records", lambda code: False)  # as before: every line parsed
    monkeypatch.setattr("pledgebook.bundle.merge.known.has_records", lambda code: False)
    full_counts, full = _merge_twice(month, tmp_path / "full.db", month["second"])
    assert fast == full and fast_counts == full_counts


def test_a_line_changed_keeping_its_timestamp_is_parsed_and_reported(month, tmp_path):
    """A tampered record with its old updated_at: its digest is unknown here, so it is parsed and compared."""
    src = members(month["first"])
    lines = src["pledge.jsonl"].split(b"\n")
    rec = json.loads(lines[5])
    rec["content"] = "改过的内容"
    lines[5] = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
    src["pledge.jsonl"] = b"\n".join(lines)
    manifest = json.loads(src["manifest.json"])
    manifest["sequence"] += 100
    src["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    tampered = rezip(src, tmp_path / "t.pledgebook", fix_manifest=True)
    use(make_prefecture(tmp_path / "p.db", trusting=[month["first"]]))
    import_bundle(month["first"])
    result = import_bundle(tampered)
    assert result.tables["pledge"].conflicts == 1 and result.conflicts[0]["fields"] == ["content"]
    assert result.tables["pledge"].unchanged == result.tables["pledge"].read - 1


def test_a_record_missing_from_the_bundle_reads_it_in_full(month, tmp_path, monkeypatch):
    """The short way needs every record of the county in the bundle; without, the bundle is read in full."""
    verdicts: list[bool] = []
    real = known_mod.sound
    monkeypatch.setattr(known_mod, "sound", lambda parsed, held: verdicts.append(real(parsed, held)) or verdicts[-1])
    src = members(month["second"])
    lines = src["progress.jsonl"].split(b"\n")
    keep = [line for line in lines if b'"pledge_uid"' in line][1:]  # one progress record left out
    src["progress.jsonl"] = b"\n".join(keep) + b"\n"
    manifest = json.loads(src["manifest.json"])
    manifest["counts"]["progress"] = len(keep)
    src["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    short = rezip(src, tmp_path / "s.pledgebook", fix_manifest=True)
    counts, _ = _merge_twice(month, tmp_path / "p.db", short)
    assert counts["progress"]["read"] == len(keep)
    assert verdicts == [False]
