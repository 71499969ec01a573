"""Fuzzed hand-off bundles: random members, names, sizes and bytes; and random field values.

Each is either merged correctly (when the change was harmless) or refused
with a BundleError (a PledgebookError, exit 2 in the CLI) — and then the
prefecture's file is byte-for-byte unchanged. ``PLEDGEBOOK_FUZZ=2000`` for a
long local run; the suite runs a small seeded set.

The field fuzzer changes values inside valid JSON lines and signs the manifest again with the county's own
trusted key: only the checks of the data stand between it and the ledger. A bundle it gets merged must
leave a file that ``pledgebook doctor`` calls healthy.
"""

from __future__ import annotations

import json
import os
import zipfile

import pytest
from handoff_util import file_state, make_county, make_prefecture, members, put, rezip, rows, slim
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pledgebook.bundle.merge import import_bundle
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.db import close_database, open_database

EXAMPLES = int(os.environ.get("PLEDGEBOOK_FUZZ", "0"))
FUZZ = settings(
    max_examples=max(EXAMPLES // 2, 0) or 15,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # shrinking a bundle takes minutes: report the first failure as found
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

NAMES = ["manifest.json", "signature.json", "report.xlsx", "org.jsonl", "person.jsonl", "pledge.jsonl", "progress.jsonl",
         "contact_point.jsonl", "pairing.jsonl", "stationing.jsonl", "help_log.jsonl",
         "evaluation.jsonl", "../evil.jsonl", "/etc/passwd", "C:\\evil.jsonl", "dir/pledge.jsonl", "承诺.jsonl",
         "PLEDGE.JSONL", "pledge.jsonl\x00.txt", "a" * 300, "", "."]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    from pledgebook.bundle.write import write_bundle

    d = tmp_path_factory.mktemp("fuzz-bundle")
    make_county(d / "a.db", seed=7, pledges=120)
    path = write_bundle(d).path
    close_database()
    make_prefecture(d / "prefecture.db", trusting=[path])
    close_database()  # checkpointed: the bytes on disk are the whole state
    return members(path), d / "prefecture.db"


@pytest.fixture(scope="module")
def blank(good):
    return good[1]


def fresh_prefecture(template, folder):
    import shutil

    shutil.copyfile(template, folder / "p.db")
    return folder / "p.db"


def mutate(src: dict[str, bytes], op: str, name: str, blob: bytes, pos: int) -> dict[str, bytes]:
    out = dict(src)
    keys = sorted(out)
    target = keys[pos % len(keys)]
    if op == "drop":
        out.pop(target)
    elif op == "add":
        out[name] = blob
    elif op == "replace":
        out[target] = blob
    elif op == "truncate":
        out[target] = out[target][: pos % (len(out[target]) + 1)]
    elif op == "flip":
        data = bytearray(out[target])
        if data:
            data[pos % len(data)] ^= 0xFF
        out[target] = bytes(data)
    elif op == "line":  # a valid-looking JSON line with random fields appended to a table
        jsonl = [k for k in keys if k.endswith(".jsonl")]
        t = jsonl[pos % len(jsonl)]
        try:
            extra = json.dumps(json.loads(blob.decode("utf-8")), ensure_ascii=False).encode()
        except (UnicodeDecodeError, ValueError):
            extra = blob.replace(b"\n", b" ")
        out[t] = out[t] + extra + b"\n"
    elif op == "rename":
        out[name] = out.pop(target)
    return out


json_blob = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["uid", "name", "org_uid", "pledge_uid", "year", "status", "content", "updated_at", "x",
                         "contact_point_uid", "pairing_uid", "kind", "households", "funds"]) | st.text(max_size=8),
        inner, max_size=6),
    max_leaves=12,
).map(lambda v: json.dumps(v, ensure_ascii=False).encode())


@FUZZ
@given(ops=st.lists(st.tuples(st.sampled_from(["drop", "add", "replace", "truncate", "flip", "line", "rename"]),
                              st.sampled_from(NAMES) | st.text(min_size=1, max_size=20),
                              st.binary(max_size=600) | json_blob,
                              st.integers(0, 10**6)), min_size=1, max_size=3),
       fix_manifest=st.booleans(), drop_signature=st.booleans())
def test_fuzzed_bundles(good, tmp_path_factory, ops, fix_manifest, drop_signature):
    src = dict(good[0])
    for op in ops:
        src = mutate(src, *op)
    d = tmp_path_factory.mktemp("b")
    bundle = d / "539901_20260101-120000.pledgebook"
    try:
        rezip(src, bundle, fix_manifest=fix_manifest and "manifest.json" in src, drop_signature=drop_signature)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return  # the mutation made a manifest the helper itself cannot re-hash: nothing to test
    pref = fresh_prefecture(good[1], d)
    before = file_state(pref)
    open_database(pref)
    try:
        import_bundle(bundle, allow_unsigned=True)
    except PledgebookError as exc:
        assert exc.message.strip()
        close_database()
        after = file_state(pref)
        assert after == before, (f"a refused bundle changed the prefecture's file: {exc.message} "
                                 f"{[(o[0], o[1][:40], o[3]) for o in ops]} fix={fix_manifest} "
                                 f"db same={after[0] == before[0]} wal {len(before[1])}→{len(after[1])}")
    else:
        close_database()
    import sqlite3

    con = sqlite3.connect(pref)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 10))
@given(blob=st.binary(max_size=3000), zipped=st.booleans())
def test_random_bytes_as_a_bundle(blank, tmp_path_factory, blob, zipped):
    d = tmp_path_factory.mktemp("raw")
    bundle = d / "539901_20260101-120000.pledgebook"
    if zipped:
        with zipfile.ZipFile(bundle, "w") as zf:
            zf.writestr("manifest.json", blob)
    else:
        bundle.write_bytes(blob)
    pref = fresh_prefecture(blank, d)
    before = file_state(pref)
    open_database(pref)
    with pytest.raises(PledgebookError):
        import_bundle(bundle, allow_unsigned=True)
    close_database()
    assert file_state(pref) == before
    open_database(pref)
    close_database()


@pytest.fixture(scope="module")
def slim_good(tmp_path_factory):
    """A small signed county bundle (members slimmed to those referenced) and a prefecture trusting its key."""
    from pledgebook.bundle.write import write_bundle

    d = tmp_path_factory.mktemp("fuzz-values")
    make_county(d / "a.db", seed=11, pledges=60)
    (d / "out").mkdir()
    path = rezip(slim(members(write_bundle(d / "out").path)), d / "slim.pledgebook", fix_manifest=True)
    close_database()
    make_prefecture(d / "prefecture.db", trusting=[path])
    close_database()
    return members(path), d / "prefecture.db"


TABLE_NAMES = ["category", "work_year", "org", "person", "pledge", "progress", "evaluation", "contact_point", "pairing",
               "stationing", "help_log"]
HOSTILE_TEXT = ["", " ", "\x00", "a\x07b", "\x1b[2J", "\x85", "\u202e", "\ud800", "２０２６-01-01", "2026-02-30",
                "2026-99-99 99:99:99", "2026-01-01T24:00:00", "2999-12-31 00:00:00", "0000-00-00", "1899-12-31",
                "county", "prefecture", "fulfilled", "satisfied", "excellent", "public", "visit", "x" * 2001,
                "５３９９０１", "539901", "null", "NaN", "-1", "1e309", "=cmd|' /C calc'!A0"]
field_value = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.sampled_from([0, -1, 1, 99999, 1999, 2101, 101, 2**53 + 1]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT), st.text(max_size=12),
    st.sampled_from(["@self", "@other-uid", "@same-table-uid"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


SEEN = {"tried": 0, "refused": 0, "merged": 0}  # printed with -s: how the field fuzzer's bundles fared


def mutate_value(src: dict[str, bytes], table: str, line: int, field: int, value) -> dict[str, bytes]:
    """Set one field of one record to ``value`` (a few tokens name another record's uid, or its own)."""
    recs = rows(src, table)
    if not recs:
        return src
    rec = recs[line % len(recs)]
    name = sorted(rec)[field % len(rec)]
    if value == "@self":
        value = rec["uid"]
    elif value == "@same-table-uid":
        value = recs[(line + 1) % len(recs)]["uid"]
    elif value == "@other-uid":
        other = rows(src, TABLE_NAMES[(TABLE_NAMES.index(table) + 1 + line) % len(TABLE_NAMES)])
        value = other[line % len(other)]["uid"] if other else None
    rec[name] = value
    return put(dict(src), table, recs)


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(TABLE_NAMES), st.integers(0, 10**6), st.integers(0, 40), field_value),
                        min_size=1, max_size=3))
def test_fuzzed_field_values(slim_good, tmp_path_factory, changes):
    from pledgebook.models.store import health

    src = dict(slim_good[0])
    for change in changes:
        src = mutate_value(src, *change)
    d = tmp_path_factory.mktemp("v")
    bundle = rezip(src, d / "539901_20260101-120000.pledgebook", fix_manifest=True)  # signed again: valid
    pref = fresh_prefecture(slim_good[1], d)
    before = file_state(pref)
    open_database(pref)
    SEEN["tried"] += 1
    try:
        import_bundle(bundle)
    except PledgebookError as exc:
        assert exc.message.strip() and "Traceback" not in exc.message
        close_database()
        assert file_state(pref) == before, f"a refused bundle changed the prefecture's file: {exc.message}"
        SEEN["refused"] += 1
        print(f"field fuzzer: {SEEN}")
        return
    SEEN["merged"] += 1
    print(f"field fuzzer: {SEEN}")
    try:
        report = health.check(pref)
        assert report["ok"], (changes, [c for c in report["checks"] if not c["ok"]])
    finally:
        close_database()
