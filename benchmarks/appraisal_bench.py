"""The third ledger's benchmark (奖诺): the star proposal for every branch of the default demo county.

    python benchmarks/appraisal_bench.py            # the default demo county (23,000 pledges, ~711 branches)
    python benchmarks/appraisal_bench.py --quick    # small scale, for CI: checks nothing crashes (no aim)

The default county is the file benchmarks/run.py builds and caches (``benchmarks/out/county-23000.db``:
``pledgebook demo --scale 23000``): built here too when missing, reused when present; every figure runs on a
fresh copy of it, in process. When the demo has no appraisals yet, every 在册 member of the last year is
given one first (untimed; about 1 in 8 优秀, a few 基本合格/不合格, a few exempt), so that 党员队伍好 has
something to count. Figures (median of a few runs):

- the star proposal for every branch, first time (every rating created) and again (every one unchanged),
  as a whole and per branch; aim (issue 19): < 2 s for the county's branches;
- the ledger's items alone (``ledger_scores``: the first ledger's FigureBook + one GROUP BY), the office's
  score of one branch, confirming every proposal, the 星级评定情况 table, and the honours proposed from the
  records;
- the 民主评议 paper round trip: the 民主测评票 + 计票表 for every branch, the 计票表 filled in (untimed, every
  branch within its quota) and imported back into a year with no appraisals (every member added), then the
  same values again (every row unchanged); aim (issue 19): the import < 2 s for the county's members.
- the 民主评议结果 import of the whole county (:func:`appraisal_import`): one row per member of the roster
  (13,724 in the default county: every member made 在册 for the run, the year's appraisals removed first),
  as a township's own results sheet names them (乡镇, 党组织, 姓名, 公民身份号码, the votes, 评定等次) — in
  process (``import_file``, the automatic backup included) and as a whole process (``pledgebook import FILE
  --json``), beside its floor: python-calamine reading the same file plus sqlite3 ``executemany`` of the same
  rows into the appraisal table, one transaction. Aim (issue 19): < 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
sys.path.insert(0, str(ROOT))

AIM = 2.0  # seconds: the star proposal for a whole county (issue 19)


def county_file(quick: bool, folder: Path) -> Path:
    """The cached default county (or a small one in ``folder`` with --quick), built through the CLI as run.py does."""
    scale = 1_500 if quick else 23_000
    path = (folder if quick else OUT) / f"county-{scale}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pledgebook", "demo", "--db", str(path), "--scale", str(scale), "--json"],
                       check=True, capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    return path


def appraise_everyone(year: int) -> int:
    """Give every 在册 member of ``year`` an appraisal when the file has none (untimed set-up): the demo's
    December before the demo makes its own."""
    from pledgebook.models.store.tables import database, fetch_all

    if fetch_all("SELECT count(*) FROM appraisal WHERE year = ?", [year])[0][0]:
        return 0
    with database.atomic("IMMEDIATE"):
        # grade by the member's id: 1 in 8 优秀, 1 in 60 基本合格, 1 in 200 不合格, 1 in 40 exempt, the rest 合格
        database.execute_sql(
            "INSERT INTO appraisal (uid, created_at, updated_at, year, person_id, org_id, self_review, grade, "
            "exempt_reason, comment, source) "
            "SELECT lower(hex(randomblob(16))), datetime('now'), datetime('now'), ?, id, org_id, '', "
            "CASE WHEN id % 40 = 0 THEN NULL WHEN id % 8 = 0 THEN 'excellent' WHEN id % 200 = 1 THEN 'unqualified' "
            "WHEN id % 60 = 1 THEN 'basic' ELSE 'qualified' END, "
            "CASE WHEN id % 40 = 0 THEN '流动党员' END, '', 'bench' "
            "FROM person WHERE deleted_at IS NULL AND state = 'active'", [year])
    return fetch_all("SELECT count(*) FROM appraisal WHERE year = ?", [year])[0][0]


def timed(runs: int, work: Callable[[], object], prepare: Callable[[], object] | None = None) -> tuple[float, object]:
    """Median wall time of ``runs`` calls of ``work`` (``prepare`` before each, untimed) and the last result."""
    times, result = [], None
    for _ in range(runs):
        if prepare:
            prepare()
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_timed(runs: int, work: Callable[[], object], prepare: Callable[[], object]) -> tuple[float, float, object]:
    """Median wall time and median CPU time (this process and its waited-for children: the workbook reader, a
    command) of ``runs`` calls of ``work``: on a shared machine the CPU time swings much less than the wall."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        prepare()
        started, cpu = time.perf_counter(), _cpu()
        result = work()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def stars(year: int, runs: int) -> list[tuple[str, str]]:
    """The star figures on the open file (its ratings of ``year`` removed before each first-time run)."""
    from pledgebook.models.appraisal import rules as A
    from pledgebook.models.appraisal.standing import star_table
    from pledgebook.models.store.tables import database

    def clear() -> None:
        with database.atomic("IMMEDIATE"):
            database.execute_sql("DELETE FROM star_rating WHERE year = ?", [year])
            database.execute_sql("DELETE FROM honour WHERE year = ?", [year])

    rows: list[tuple[str, str]] = []
    t, _ = timed(runs, lambda: A.ledger_scores(year))
    branches = len(A.ledger_scores(year))
    rows.append((f"ledger items of {branches} branches (ledger_scores)", f"{t * 1000:.0f} ms"))
    t, result = timed(runs, lambda: A.propose_stars(year), prepare=clear)
    rows.append((f"star proposal, first time ({getattr(result, 'created', 0)} created)",
                 f"{t:.2f} s, {t / branches * 1000:.2f} ms per branch{'' if t < AIM else f'  (OVER the {AIM:.0f} s aim)'}"))
    t, result = timed(runs, lambda: A.propose_stars(year))
    rows.append((f"star proposal, again ({getattr(result, 'unchanged', 0)} unchanged)",
                 f"{t:.2f} s, {t / branches * 1000:.2f} ms per branch"))
    one = next(iter(A.ledger_scores(year)))
    t, _ = timed(max(runs, 5), lambda: A.score(one, year, {"leadership": 18}))
    rows.append(("the office scores one branch (score)", f"{t * 1000:.0f} ms"))
    t, _ = timed(max(runs, 5), lambda: star_table(year))
    rows.append(("the star table per township (star_table)", f"{t * 1000:.0f} ms"))
    t, confirmed = timed(1, lambda: A.confirm_all(year))
    rows.append((f"confirm every proposal ({confirmed} confirmed)", f"{t * 1000:.0f} ms"))
    t, added = timed(1, lambda: A.propose_candidates(year))
    rows.append((f"honours proposed from the records ({sum(added.values()) if isinstance(added, dict) else 0})",
                 f"{t * 1000:.0f} ms"))
    return rows


def fill_tally(path: Path, out: Path) -> None:
    """The printed 计票表 filled in as the branches would (untimed): 发放/有效/votes and a grade for every
    member, ⌊n/3⌋ 优秀 per branch."""
    import openpyxl

    from pledgebook.exporters import paper

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    col = {h: j for j, (h, _) in enumerate(paper.APPRAISAL_TALLY_COLUMNS)}
    from pledgebook.models.store.tables import database

    branch_of = dict(database.execute_sql("SELECT uid, org_id FROM person").fetchall())  # names repeat
    blocks: dict[int, list] = {}
    for row in ws.iter_rows(min_row=paper.APPRAISAL_TALLY_HEADER_ROW + 2):
        if row[col["不参评原因"]].value is None:
            blocks.setdefault(branch_of[row[col["党员编号"]].value], []).append(row)
    for rows in blocks.values():
        n = len(rows)
        for i, row in enumerate(rows):
            best = i < n // 3
            for h, value in (("发放票数", n), ("有效票", n), ("优秀", n if best else 0), ("合格", 0 if best else n),
                             ("基本合格", 0), ("不合格", 0), ("组织评定等次", "优秀" if best else "合格")):
                row[col[h]].value = value
    wb.save(out)


def tally(year: int, folder: Path, quick: bool) -> list[tuple[str, str]]:
    """The 民主评议 paper round trip on the open file (its appraisals of ``year`` removed first, untimed); with
    ``quick``, for the first 乡镇（党委） only (the demo's members do not shrink with its scale)."""
    from pledgebook.exporters import paper
    from pledgebook.importers.apply import import_file
    from pledgebook.models.store.tables import database

    with database.atomic("IMMEDIATE"):
        database.execute_sql("DELETE FROM disposal WHERE appraisal_id IN (SELECT id FROM appraisal WHERE year = ?)",
                             [year])
        database.execute_sql("DELETE FROM honour WHERE year = ?", [year])
        database.execute_sql("DELETE FROM appraisal WHERE year = ?", [year])
    rows: list[tuple[str, str]] = []
    started, cpu = time.perf_counter(), time.process_time()
    under = database.execute_sql("SELECT id FROM org WHERE kind = 'committee' AND deleted_at IS NULL "
                                 "ORDER BY sort, id LIMIT 1").fetchone()[0] if quick else None
    printed = paper.print_appraisal_ballots(folder / "测评票.xlsx", org_id=under, year=year)
    rows.append((f"民主测评票 + 计票表 ({printed.units} branches, {printed.members:,} members)",
                 f"{time.perf_counter() - started:.2f} s (cpu {time.process_time() - cpu:.2f} s), "
                 f"{printed.size / 1e6:.1f} + {printed.tally_size / 1e6:.1f} MB"))
    assert printed.tally_path is not None
    filled = folder / "计票表_已填.xlsx"
    fill_tally(printed.tally_path, filled)
    for label in ("计票表 import, every member added", "计票表 import again (re-saved, all unchanged)"):
        started, cpu = time.perf_counter(), time.process_time()
        result = import_file(filled, backup_folder=folder / "backups")
        took = time.perf_counter() - started
        rows.append((f"{label} ({result.added:,} added, {result.unchanged:,} unchanged, {result.rejected} refused)",
                     f"{took:.2f} s (cpu {time.process_time() - cpu:.2f} s){'' if took < AIM else f'  (OVER the {AIM:.0f} s aim)'}"))
        fill_tally(filled, filled)  # other bytes, the same values: planned again, not recognised by its SHA-256
    return rows


HEADER = ["序号", "乡镇", "党组织", "姓名", "公民身份号码", "发放票数", "有效票", "优秀", "合格", "基本合格", "不合格",
          "评定等次", "不参评原因"]
_GRADE = {"excellent": "优秀", "qualified": "合格", "basic": "基本合格", "unqualified": "不合格"}


def _check_digit(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def prepare_import(db: Path, year: int) -> tuple[list[list], list[tuple]]:
    """Untimed set-up on ``db``: every member of the roster 在册, a namesake without an ID number given one (a
    branch's namesakes are told apart by it) as is the second holder of a number written twice, the year's
    appraisals (and their 处置) removed. Returns the rows of the results sheet (the year's grades as the demo made them, 合格 for a member it had not appraised) and the
    same rows as the floor inserts them."""
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE person SET state = 'active' WHERE deleted_at IS NULL")
        twins = con.execute("SELECT id FROM person WHERE deleted_at IS NULL AND (id_number IS NULL OR id_number = '') "
                            "AND (org_id, name) IN (SELECT org_id, name FROM person WHERE deleted_at IS NULL "
                            "GROUP BY org_id, name HAVING count(*) > 1)").fetchall()
        # and one ID number written for two people (the demo has one such typo): the second given its own
        twins += con.execute("SELECT p.id FROM person p WHERE p.deleted_at IS NULL AND p.id > (SELECT min(q.id) FROM "
                             "person q WHERE q.id_number = p.id_number AND q.deleted_at IS NULL)").fetchall()
        for (pid,) in twins:
            born = dt.date(1950, 1, 1) + dt.timedelta(days=pid)
            con.execute("UPDATE person SET id_number = ? WHERE id = ?", [_check_digit(f"539901{born:%Y%m%d}999"), pid])
        made = {pid: rest for pid, *rest in con.execute(
            "SELECT person_id, ballots_issued, ballots_valid, votes_excellent, votes_qualified, votes_basic_qualified, "
            "votes_unqualified, grade, exempt_reason FROM appraisal WHERE year = ? AND deleted_at IS NULL", [year])}
        con.execute("DELETE FROM disposal WHERE appraisal_id IN (SELECT id FROM appraisal WHERE year = ?)", [year])
        con.execute("DELETE FROM appraisal WHERE year = ?", [year])
        # an org whose name another org of the county shares (a demo's collision) is written by its code
        people = con.execute(
            "SELECT p.id, p.org_id, coalesce(o.township, ''), CASE WHEN (SELECT count(*) FROM org x WHERE x.name = o.name "
            "AND x.deleted_at IS NULL) > 1 THEN o.code ELSE o.name END, p.name, p.id_number FROM person p "
            "JOIN org o ON o.id = p.org_id WHERE p.deleted_at IS NULL ORDER BY o.path, p.id").fetchall()
    con.close()
    rows, floor = [], []
    for i, (pid, oid, town, org, name, number) in enumerate(people, start=1):
        votes = made.get(pid, [None, None, None, None, None, None, "qualified", None])
        rows.append([i, town, org, name, number or "", *(v if v is not None else "" for v in votes[:6]),
                     _GRADE.get(votes[6] or "", ""), votes[7] or ""])
        floor.append((year, pid, oid, *votes))
    return rows, floor


def write_sheet(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("民主评议结果")
    ws.write_row(0, 0, HEADER)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()


def floor_time(xlsx: Path, db: Path, floor: list[tuple]) -> float:
    """python-calamine read + sqlite3 executemany of the same rows into the appraisal table (one transaction)."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    data = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()[1:]
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=full")
    with con:
        con.executemany(
            "INSERT INTO appraisal (uid, created_at, updated_at, year, person_id, org_id, ballots_issued, ballots_valid, "
            "votes_excellent, votes_qualified, votes_basic_qualified, votes_unqualified, grade, exempt_reason, "
            "self_review, comment, source) VALUES (lower(hex(randomblob(16))), '2026', '2026', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, '', '', 'import')", floor)
    con.close()
    assert len(data) == len(floor)
    return time.perf_counter() - started


def appraisal_import(source: Path, folder: Path, year: int, runs: int) -> list[tuple[str, str]]:
    """The whole county's 民主评议结果 imported: in process, as a process, and the floor (see the docstring)."""
    from pledgebook.importers.apply import import_file
    from pledgebook.models.store.db import close_database, open_database

    prepared = folder / "import-base.db"
    shutil.copyfile(source, prepared)
    rows, floor = prepare_import(prepared, year)
    sheet = folder / "民主评议结果.xlsx"
    write_sheet(sheet, rows)
    run_db = folder / "import-run.db"

    def fresh() -> None:
        for leftover in folder.glob("import-run.db*"):
            leftover.unlink()
        shutil.copyfile(prepared, run_db)

    def in_process() -> object:
        open_database(run_db)
        try:
            return import_file(sheet, year=year, backup_folder=folder / "backups")
        finally:
            close_database()

    t, cpu, result = cpu_timed(runs, in_process, fresh)
    added, status = getattr(result, "added", 0), getattr(result, "status", "?")
    problems = getattr(result, "problems", [])
    out = [(f"民主评议结果 import, {len(rows):,} rows, in process ({status}, {added:,} added)",
            f"{t:.2f} s (CPU {cpu:.2f} s), {len(rows) / t:,.0f} rows/s{'' if t < AIM else f'  (OVER the {AIM:.0f} s aim)'}")]
    if problems:
        out.append(("  first problem", problems[0].text()))

    def process() -> object:
        return subprocess.run([sys.executable, "-m", "pledgebook", "import", str(sheet), "--json", "--db", str(run_db),
                               "--year", str(year)], capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL)

    t, cpu, done = cpu_timed(runs, process, fresh)
    code = getattr(done, "returncode", "?")
    out.append((f"民主评议结果 import as a process (pledgebook import --json, exit {code})",
                f"{t:.2f} s (CPU {cpu:.2f} s){'' if t < AIM else f'  (OVER the {AIM:.0f} s aim)'}"))
    t, cpu, _ = cpu_timed(runs, lambda: floor_time(sheet, run_db, floor), fresh)
    out.append(("  floor: calamine read + executemany of the same rows", f"{t:.2f} s (CPU {cpu:.2f} s)"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small scale, for CI: checks nothing crashes")
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    ap.add_argument("--only", choices=("stars", "import"),
                    help="only the star and tally figures, or only the results import")
    args = ap.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="pledgebook-appraisal-"))
    try:
        source = county_file(args.quick, temp)
        work = temp / "work.db"
        shutil.copyfile(source, work)

        from pledgebook.models.ledger import rules
        from pledgebook.models.store.db import close_database, open_database

        open_database(work)
        year = rules.current_year()
        assert year is not None
        appraised = appraise_everyone(year)
        rows = [(f"{source.name}, year {year}", f"{appraised:,} appraisals made for the run" if appraised else "")]
        if args.only != "import":
            rows += stars(year, 1 if args.quick else args.runs)
            rows += tally(year, temp, args.quick)
        close_database()
        if args.only != "stars":
            rows += appraisal_import(source, temp, year, 1 if args.quick else max(3, args.runs // 2))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    width = max(len(a) for a, _ in rows)
    print(f"Pledgebook appraisal benchmark — {'QUICK (small scale, smoke only)' if args.quick else 'county scale'}")
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


if __name__ == "__main__":
    main()
