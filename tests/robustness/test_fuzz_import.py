"""Fuzzed spreadsheets for every importer kind: a correct import or a clear error, never a crash or half a write.

Random bytes under spreadsheet names, random cells under real and deeply odd
headers, random encodings (UTF-8, BOM, GBK, GB18030, Big5, UTF-16, Latin-1),
huge cells and formula strings, as CSV and as xlsx. For each file and each
kind (auto, orgs, people, pledges, progress, evaluations) ``import_file``
either writes what it reports, or returns an unusable result / raises a
PledgebookError with a message — and then the ledger is unchanged.

The suite runs a small seeded set (derandomized); ``PLEDGEBOOK_FUZZ=5000``
runs thousands locally.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledgebook.importers.apply import KIND_NAMES, import_file
from pledgebook.importers.columns import COLUMNS
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.store.db import close_database, open_database

EXAMPLES = int(os.environ.get("PLEDGEBOOK_FUZZ", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 30,
    derandomize=not EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
KINDS = ("auto", *KIND_NAMES)
DATA_TABLES = ("org", "person", "pledge", "progress", "evaluation", "category", "work_year", "contact_point", "pairing",
               "stationing", "help_log")

REAL_HEADERS = sorted({h for canonical, variants in COLUMNS.items() for h in (canonical, *variants)})
ODD_HEADERS = ["", " ", "　", "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "姓名姓名", "姓 名", "（姓名）", "*姓名",
               "姓名\n(必填)", "x" * 300, "承诺事项" * 50, "\x00", "\ufeff序号", "NaN", "None", "#REF!", "群众评议/满意",
               "满意/满意/满意", "Unnamed: 3", "../../etc/passwd", "😀", "ZZ200000"]
FORMULAS = ["=1+1", "=HYPERLINK(\"http://x\")", "+SUM(A1:A9)", "-1", "@cmd", "=cmd|' /C calc'!A0", "\t=1", "\r=2"]
ORGS = ["新华村党支部", "碧溪村党支部", "中共联珠镇委员会", "墨江哈尼族自治县", "不存在的支部"]
PEOPLE = ["张三", "李四", "王五", "赵六"]
DATES = ["2011-12-31", "2011/3/1", "2011年3月1日", "40000", "2011.13.45", "昨天", "0", "-1", "99999999", "1900-01-00"]
STATUSES = ["践诺中", "已兑现", "已完成", "未兑现", "部分兑现", "已撤销", "满意", "优秀", "bogus"]

cell = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ORGS + PEOPLE + DATES + STATUSES + FORMULAS),
    st.text(max_size=40),
    st.text(alphabet="党支部承诺践诺评议满意基本不整改时限年月日0123456789-/ ", max_size=30),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["字", "a", "=", "\n", "\x00", "😀"]), st.integers(0, 40_000)),
)
header = st.one_of(st.sampled_from(REAL_HEADERS), st.sampled_from(ODD_HEADERS), st.text(max_size=20))
table = st.integers(1, 8).flatmap(lambda ncols: st.tuples(
    st.lists(header, min_size=ncols, max_size=ncols),
    st.lists(st.lists(cell, min_size=0, max_size=ncols + 2), max_size=25),
    st.integers(0, 3),  # blank or title rows above the header
))
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "latin-1"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    from pledgebook.models.ledger import rules

    folder = tmp_path_factory.mktemp("fuzz-import")
    path = folder / "ledger.db"
    open_database(path)
    root = rules.init_county("墨江哈尼族自治县", "530822", 2011)
    committee = rules.create_org("中共联珠镇委员会", "党委", root.id, township="联珠镇", sector="农村")
    b1 = rules.create_org("新华村党支部", "党支部", committee.id, sector="农村")
    b2 = rules.create_org("碧溪村党支部", "党支部", committee.id, sector="农村")
    zhang = rules.create_person("张三", b1.id, gender="男", post="党支部书记")
    rules.create_person("李四", b1.id)
    rules.create_person("王五", b2.id)
    rules.create_pledge(2011, "为群众代办事项二十件", person_id=zhang.id, due_date="2011-12-31")
    close_database()
    return path


def snapshot(path: Path) -> tuple:
    con = sqlite3.connect(path)
    try:
        return tuple((t, *con.execute(f'SELECT count(*), max(updated_at) FROM "{t}"').fetchone()) for t in DATA_TABLES)
    finally:
        con.close()


def check_outcome(ledger: Path, file: Path, kind: str) -> str:
    before = snapshot(ledger)
    open_database(ledger)
    try:
        try:
            result = import_file(file, kind=kind, year=2011, backup_folder=ledger.parent / "backups")
        except PledgebookError as exc:
            assert exc.message.strip(), "an error without a message"
            outcome = "error"
        else:
            if result.status in ("unusable", "failed", "aborted"):
                assert (result.message or result.problems), f"{result.status} without a message"
                outcome = "error"
            else:
                assert result.status in ("done", "already"), result.status
                for problem in result.problems:
                    assert problem.text().strip()
                outcome = "written" if (result.added or result.updated) else "nothing"
    finally:
        close_database()
    after = snapshot(ledger)
    if outcome != "written":
        assert after == before, f"{outcome}: the ledger changed"
    con = sqlite3.connect(ledger)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
    return outcome


def _text(value) -> str:
    return "" if value is None else str(value)


def write_csv(path: Path, headers: list, rows: list[list], skip: int, encoding: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for _ in range(skip):
        writer.writerow(["承诺台账（填报单位：某某）"])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def write_xlsx(path: Path, headers: list, rows: list[list], skip: int) -> None:
    import math

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True})
    ws = wb.add_worksheet("承诺台账")
    for i in range(skip):
        ws.write_string(i, 0, "承诺台账")
    ws.write_row(skip, 0, [h[:32767] for h in headers])
    for r, row in enumerate(rows, start=skip + 1):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value[:32767])
            elif isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
                ws.write_number(r, c, value)
            elif isinstance(value, int) and abs(value) > 2**53:
                ws.write_string(r, c, str(value))
            elif value is not None:
                ws.write(r, c, value)
    wb.close()


SEEN: dict[str, int] = {}


@FUZZ
@given(data=table, encoding=st.sampled_from(ENCODINGS), kind=st.sampled_from(KINDS))
def test_fuzzed_csv(ledger, tmp_path_factory, data, encoding, kind):
    headers, rows, skip = data
    file = tmp_path_factory.mktemp("csv") / "承诺台账.csv"
    write_csv(file, headers, rows, skip, encoding)
    outcome = check_outcome(ledger, file, kind)
    SEEN[outcome] = SEEN.get(outcome, 0) + 1


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 8))
@given(data=table, kind=st.sampled_from(KINDS))
def test_fuzzed_xlsx(ledger, tmp_path_factory, data, kind):
    headers, rows, skip = data
    file = tmp_path_factory.mktemp("xlsx") / "承诺台账.xlsx"
    write_xlsx(file, headers, rows, skip)
    check_outcome(ledger, file, kind)


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 15))
@given(blob=st.one_of(st.binary(max_size=4096),
                      st.builds(lambda head, tail: head + tail,
                                st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
                                                 b"<html>", b"%PDF-1.4", b"\xff\xfe", b"SQLite format 3\x00",
                                                 b"<table><tr><td>", b'<?xml version="1.0"?><?mso-application '
                                                 b'progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:'
                                                 b'office:spreadsheet">']),
                                st.binary(max_size=2048))),
       suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt", ".xlsm", ".ods"]), kind=st.sampled_from(KINDS))
def test_random_bytes(ledger, tmp_path_factory, blob, suffix, kind):
    file = tmp_path_factory.mktemp("bytes") / f"乡镇报表{suffix}"
    file.write_bytes(blob)
    assert check_outcome(ledger, file, kind) in ("error", "nothing")


def test_cli_exit_code_2_and_nothing_written_for_garbage(ledger, tmp_path):
    """The same through the command: exit 2, a message, no traceback."""
    import subprocess
    import sys

    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04" + os.urandom(3000))
    before = snapshot(ledger)
    done = subprocess.run([sys.executable, "-m", "pledgebook", "import", str(bad), "--db", str(ledger)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "坏文件.xlsx" in done.stdout + done.stderr
    assert snapshot(ledger) == before
