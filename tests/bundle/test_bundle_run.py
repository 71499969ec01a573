"""A run of several bundles (`import_bundles`): each merged as `import_bundle` would, the next read ahead."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from handoff_util import file_state, make_county, make_prefecture, members, rezip, use

import pledgebook.bundle.merge as merge_mod
import pledgebook.bundle.readahead as bundle_mod
from pledgebook.bundle.format import TABLES, BundleError, select_sql
from pledgebook.bundle.merge import BundleFailure, import_bundle, import_bundles
from pledgebook.bundle.merger import MergeResult
from pledgebook.bundle.read import open_bundle
from pledgebook.bundle.write import write_bundle
from pledgebook.models.store.tables import database


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Two counties: a's first bundle and a newer one (a pledge changed), b's; and a bad copy of b."""
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database

    d = tmp_path_factory.mktemp("run")
    for name in ("a1", "a2", "b"):
        (d / name).mkdir()
    make_county(d / "a.db", seed=7, pledges=120)
    a1 = write_bundle(d / "a1").path
    pid = database.execute_sql("SELECT id FROM pledge WHERE deleted_at IS NULL AND year = ? ORDER BY id LIMIT 1",
                               [rules.current_year()]).fetchone()[0]
    rules.soft_delete("pledge", pid)
    a2 = write_bundle(d / "a2").path
    use(make_county(d / "b.db", seed=9, pledges=120, code="539902", name="云海县"))
    b = write_bundle(d / "b").path
    close_database()
    src = members(b)
    lines = src["pledge.jsonl"].split(b"\n")
    lines[3] = lines[3].replace(b'"status":"', b'"status":"bogus', 1)
    src["pledge.jsonl"] = b"\n".join(lines)
    bad = rezip(src, d / "bad.pledgebook", fix_manifest=True)
    return {"a1": a1, "a2": a2, "b": b, "bad": bad}


@pytest.fixture
def pref(bundles, tmp_path):
    make_prefecture(tmp_path / "p.db", trusting=[bundles["a1"], bundles["b"]])
    return tmp_path / "p.db"


@pytest.fixture
def taken(monkeypatch):
    """What each read-ahead gave the merge: True when its tables were used."""
    got: list[bool] = []
    real = bundle_mod.ReadAhead.take
    monkeypatch.setattr(merge_mod, "spare_cpu", lambda: True)  # whatever this machine has

    def take(self, b):
        tables = real(self, b)
        got.append(tables is not None)
        return tables

    monkeypatch.setattr(bundle_mod.ReadAhead, "take", take)
    return got


def _records() -> dict[str, set]:
    """The counties' records (the prefecture's own root, categories and years have uids of their own)."""
    root = database.execute_sql("SELECT uid FROM org WHERE parent_id IS NULL").fetchone()[0]
    return {spec.name: {tuple("ROOT" if v == root else v for v in row)
                        for row in database.execute_sql(select_sql(spec, include_pii=False)).fetchall() if row[0] != root}
            for spec in TABLES if spec.name not in ("category", "work_year")}


def _tables(result: MergeResult) -> dict:
    return {k: vars(v) for k, v in result.tables.items()}


def test_a_run_merges_as_one_bundle_at_a_time(bundles, tmp_path, taken):
    paths = [bundles["a1"], bundles["b"], bundles["a2"]]
    use(make_prefecture(tmp_path / "one.db", trusting=paths))
    one = [import_bundle(p) for p in paths]
    expected = _records()
    use(make_prefecture(tmp_path / "run.db", trusting=paths))
    seen = []
    run = list(import_bundles(paths, progress=lambda path, stage, frac: seen.append(path)))
    # the second was read ahead, and used; the third, county a again, is a re-merge: read at its own turn,
    # the lines the prefecture holds not parsed again (bundle.known)
    assert taken == [True]
    assert [r.path for r in run] == paths and set(seen) == set(paths)
    assert all(isinstance(r, MergeResult) for r in run)
    assert [_tables(r) for r in run] == [_tables(r) for r in one]
    assert run[2].tables["pledge"].updated == 1
    assert _records() == expected
    # one backup for the run, taken before the first bundle
    assert run[0].backup is not None and all(r.backup == run[0].backup for r in run)
    assert len(list((tmp_path / "backups").glob("run_*before-import*"))) == 1


def test_a_bad_bundle_among_several_writes_nothing_and_the_others_merge(bundles, pref, taken):
    with pytest.raises(BundleError) as alone:
        import_bundle(bundles["bad"])
    assert "pledge.jsonl" in alone.value.message
    run = import_bundles([bundles["a1"], bundles["bad"], bundles["b"]])
    first = next(run)
    assert isinstance(first, MergeResult) and first.tables["pledge"].inserted == 120
    before = file_state(pref)
    failed = next(run)
    assert isinstance(failed, BundleFailure) and failed.path == bundles["bad"]
    assert failed.error.message == alone.value.message  # read by the child, refused here with the same words
    assert file_state(pref) == before
    last = next(run)
    assert isinstance(last, MergeResult) and last.tables["pledge"].inserted == 120 and last.backup == first.backup
    assert next(run, None) is None
    assert taken == [False, True]  # the child could not use the bad one: it was read again here


def test_the_ledger_is_asked_at_each_bundles_turn(bundles, pref, taken):
    """Checks against the ledger (sequence, already merged) see the bundles merged before in the same run."""
    run = list(import_bundles([bundles["a2"], bundles["a2"], bundles["a1"]]))
    assert isinstance(run[0], MergeResult) and not run[0].already_imported
    assert isinstance(run[1], MergeResult) and run[1].already_imported and run[1].changed == 0
    assert isinstance(run[2], BundleFailure) and "重放" in run[2].error.message
    # a county's newer bundle right after its older one, both read in the same run
    use(make_prefecture(pref.parent / "q.db", trusting=[bundles["a1"]]))
    run = list(import_bundles([bundles["a1"], bundles["a2"]]))
    assert [r.changed > 0 for r in run] == [True, True] and run[1].tables["pledge"].updated == 1


def test_no_read_ahead_for_a_bundle_already_merged(bundles, pref, monkeypatch):
    import_bundle(bundles["b"])
    started = []
    real = bundle_mod.ReadAhead.__init__
    monkeypatch.setattr(bundle_mod.ReadAhead, "__init__", lambda self, path: (started.append(path), real(self, path))[1])
    run = list(import_bundles([bundles["a1"], bundles["b"]]))
    assert run[1].already_imported and started == []


def test_no_read_ahead_on_one_cpu(bundles, pref, monkeypatch):
    started = []
    monkeypatch.setattr(bundle_mod.ReadAhead, "start", classmethod(lambda cls, path, allow: started.append(path)))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)  # pinned to one CPU
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    run = list(import_bundles([bundles["a1"], bundles["b"]]))
    assert started == [] and all(isinstance(r, MergeResult) and r.changed for r in run)


def test_the_read_ahead_is_only_a_head_start(bundles, pref, monkeypatch, taken):
    """A child that fails, or read other bytes than the merge opened, leaves the reading to the merge."""
    real = subprocess.Popen

    def broken(args, **kw):
        return real([sys.executable, "-c", "import sys; sys.stdout.write('garbage'); sys.exit(0)"], **kw)

    monkeypatch.setattr(subprocess, "Popen", broken)
    run = list(import_bundles([bundles["a1"], bundles["b"]]))
    assert taken == [False] and all(isinstance(r, MergeResult) and r.changed for r in run)
    monkeypatch.setattr(subprocess, "Popen", real)
    ahead = bundle_mod.ReadAhead(bundles["a2"])
    with open_bundle(bundles["b"]) as other:
        assert ahead.take(other) is None  # another file's tables are never used
    ahead.close()


def test_the_child_reads_what_the_merge_would(bundles):
    out = subprocess.run([sys.executable, "-m", "pledgebook.bundle.readahead", str(bundles["b"])],
                         capture_output=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.returncode == 0
    import marshal

    got = marshal.loads(out.stdout)
    assert got == bundle_mod.read_for_merge(bundles["b"])
    refused = subprocess.run([sys.executable, "-m", "pledgebook.bundle.readahead", str(bundles["bad"])],
                             capture_output=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert refused.returncode == 3 and refused.stdout == b""


def test_the_cli_reports_each_bundle_of_a_run(bundles, pref):
    from pledgebook.models.store.db import close_database

    close_database()
    out = subprocess.run(
        [sys.executable, "-m", "pledgebook", "import", str(bundles["a1"]), str(bundles["bad"]), str(bundles["b"]),
         "--json", "--db", str(pref)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert out.returncode == 2, out.stderr
    report = json.loads(out.stdout)
    files = report["files"]
    assert [f["status"] for f in files] == ["bundle", "unusable", "bundle"]
    assert "pledge.jsonl" in files[1]["message"] and "未知代码" in files[1]["message"]
    assert "已导入" in files[0]["message"] and "已导入" in files[2]["message"]
    assert "签名" not in files[0]["message"]  # signed with a trusted key: nothing to say about it
    backups = list((pref.parent / "backups").glob("*before-import*"))
    assert len(backups) == 1 and files[0]["backup"] == files[2]["backup"] == str(backups[0])


def test_bundles_encrypted_to_the_prefecture_are_read_ahead_too(tmp_path, taken):
    from pledgebook.bundle import keys

    make_prefecture(tmp_path / "p.db")
    (tmp_path / "pref").mkdir()
    _, _, pub_path = keys.init_keys(tmp_path / "pref")  # the child finds the private key as the merge does
    sealed, county_keys = [], []
    for i, (code, name) in enumerate((("539901", "云岭县"), ("539902", "云海县"))):
        use(make_county(tmp_path / f"{code}.db", seed=7 + i, pledges=60, code=code, name=name))
        county_keys.append(keys.own_public_key())
        (tmp_path / code).mkdir()
        sealed.append(write_bundle(tmp_path / code, encrypt_to=pub_path).path)
    use(tmp_path / "p.db")
    for pub in county_keys:
        keys.trust(pub)
    run = list(import_bundles(sealed))
    assert taken == [True] and [r.tables["pledge"].inserted for r in run] == [60, 60]


def test_a_dry_run_checks_and_counts_but_writes_nothing(bundles, pref):
    """`import --dry-run` of bundles: every check and the counts of a real merge; the ledger stays as it was."""
    from pledgebook.models.store.db import close_database

    use(pref)
    before = _records()
    close_database()

    def cli(*args: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "pledgebook", "import", str(bundles["a1"]), str(bundles["b"]), *args,
             "--json", "--db", str(pref)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    tried = cli("--dry-run")
    assert tried["dry_run"] and [f["status"] for f in tried["files"]] == ["bundle", "bundle"]
    assert all("试导入（未写入）" in f["message"] and f["backup"] is None for f in tried["files"])
    assert all("分别按台账现状计算" in f["message"] for f in tried["files"])  # two bundles: each counted alone
    use(pref)
    assert _records() == before
    assert database.execute_sql("SELECT count(*) FROM import_batch").fetchone()[0] == 0
    assert not (pref.parent / "backups").exists() or not list((pref.parent / "backups").iterdir())
    close_database()

    done = cli()  # the sequence was not remembered: the real import merges, with the counts the dry run gave
    assert all("已导入" in f["message"] and "试导入" not in f["message"] for f in done["files"])
    # each bundle of a dry run is counted against the ledger as it is (the first: exactly as the real run;
    # a later one would also meet what the earlier ones add, e.g. a work year the first one brings)
    def changed(f: dict) -> str:
        return f["message"].split("新增或更新 ")[1].split(" 条")[0]

    assert changed(tried["files"][0]) == changed(done["files"][0])
    use(pref)
    assert _records() != before
