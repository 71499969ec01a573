"""Import benchmark: a 20,000-row pledges workbook and the same rows as GBK CSV.

    python benchmarks/import_bench.py            # 20,000 rows into the default demo county
    python benchmarks/import_bench.py --quick    # 2,000 rows into a small demo (CI smoke run)

Beside each import: the raw rate — python-calamine reading the workbook plus
sqlite3 ``executemany`` of the same rows into the pledge table (three
indexes) in one transaction — and the ratio. Builds its files in a temporary
folder; the demo county is built once (``--db`` to reuse one).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["序号", "所属乡镇", "党组织", "姓名", "职务", "承诺类别", "承诺事项", "践诺措施", "完成时限", "公示时间", "责任人",
          "践诺情况"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pledgebook", *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def build_rows(db: Path, n: int) -> tuple[int, list[list]]:
    con = sqlite3.connect(db)
    year = con.execute("SELECT max(year) FROM work_year WHERE closed = 0").fetchone()[0]
    people = con.execute(
        "SELECT o.name, p.name, coalesce(o.township, ''), coalesce(p.post, '') FROM person p JOIN org o ON o.id = p.org_id "
        "WHERE p.state = 'active' AND o.name IN (SELECT name FROM org GROUP BY name HAVING count(*) = 1) "
        "AND (p.org_id, p.name) IN (SELECT org_id, name FROM person GROUP BY org_id, name HAVING count(*) = 1) "
        "ORDER BY p.id").fetchall()
    con.close()
    cats = ["推动科学发展", "促进社会和谐", "服务人民群众", "加强基层组织", "维护社会稳定", "加强自身建设"]
    rows = []
    for i in range(n):
        org, name, town, post = people[i % len(people)]
        rows.append([i + 1, town, org, name, post, cats[i % 6], f"为群众办实事第{i}件：帮助困难户解决饮水和道路问题",
                     "走访群众，制定计划，按月推进", f"{year}-12-31", f"{year}-03-0{1 + i % 9}", name,
                     "践诺中" if i % 3 else "已完成"])
    return year, rows


def write_xlsx(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("承诺台账")
    ws.write_row(0, 0, HEADER)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()


def raw_rate(xlsx: Path, db: Path, rows_expected: int) -> float:
    """python-calamine read + sqlite3 executemany of the same rows (the physical limit)."""
    from python_calamine import CalamineWorkbook

    work = db.with_name("raw.db")
    shutil.copy(db, work)
    started = time.perf_counter()
    data = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()[1:]
    con = sqlite3.connect(work)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=full")
    with con:
        con.executemany(
            "INSERT INTO pledge (uid, created_at, updated_at, year, org_id, person_id, scope, category, content, measures,"
            " due_date, term, status, source) VALUES (lower(hex(randomblob(16))),'2011','2011',?,1,NULL,'personal',?,?,?,?,"
            "'annual','in_progress','import')",
            [(2011, r[5], r[6], r[7], str(r[8])) for r in data],
        )
    con.close()
    elapsed = time.perf_counter() - started
    assert len(data) == rows_expected
    work.unlink()
    return elapsed


def timed_import(db: Path, path: Path, year: int) -> tuple[float, dict]:
    work = db.with_name(f"work-{path.suffix[1:]}.db")
    shutil.copy(db, work)
    started = time.perf_counter()
    proc = cli("import", str(path), "--db", str(work), "--year", str(year), "--json")
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"import failed ({proc.returncode})")
    data = json.loads(proc.stdout)
    shutil.rmtree(work.parent / "backups", ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return elapsed, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows into a small demo county")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--db", type=Path, default=None, help="an existing demo county to copy (default: build one)")
    args = parser.parse_args()
    n = args.rows or (2_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory(prefix="pb-import-bench-") as tmp:
        folder = Path(tmp)
        db = folder / "county.db"
        if args.db:
            shutil.copy(args.db, db)
        else:
            proc = cli("demo", "--db", str(db), *(["--scale", "2000"] if args.quick else []))
            if proc.returncode:
                raise SystemExit(proc.stderr)
        year, rows = build_rows(db, n)
        xlsx = folder / "承诺台账.xlsx"
        write_xlsx(xlsx, rows)
        gbk = folder / "承诺台账.csv"
        with gbk.open("w", encoding="gbk", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        raw = min(raw_rate(xlsx, db, n) for _ in range(3))
        print(f"{n} rows, 12 columns, year {year}")
        print(f"raw calamine read + executemany : {raw:6.2f} s  {n / raw:8.0f} rows/s")
        for path in (xlsx, gbk):
            elapsed, data = timed_import(db, path, year)
            inner = data["files"][0]["seconds"]
            added = data["totals"]["added"]
            assert added == n, data["totals"]
            label = "pledgebook import GBK CSV" if path.suffix == ".csv" else "pledgebook import xlsx"
            print(label.ljust(32)
                  + f": {elapsed:6.2f} s  {n / elapsed:8.0f} rows/s  (in-process {inner:.2f} s, {n / inner:.0f} rows/s;"
                  f" raw/import = {elapsed / raw:.1f}×)")


if __name__ == "__main__":
    main()
