"""Import benchmark: a 20,000-row pledges workbook, a 2,000-member roster, a 100,000-row GBK CSV.

    python benchmarks/import_bench.py            # the floors of issue 15, at full scale
    python benchmarks/import_bench.py --quick    # 2,000 rows into a small demo (CI smoke run)
    python benchmarks/import_bench.py --office   # the workbook re-saved by LibreOffice first

Every import is a fresh ``python -m pledgebook import`` process; its peak memory
is the largest resident set in its process tree (``os.wait4``, Linux/macOS).
Each figure stands beside its floor, measured in the same run:

- the workbook: the whole command ≤ 2× the raw time (python-calamine reading it
  plus sqlite3 ``executemany`` of its rows into the pledge table, one
  transaction), and peak memory ≤ 150 MB;
- the roster: ≥ 10,000 rows/s;
- the GBK CSV: at least 3× faster than ``sqlite-utils insert --csv`` of the same
  rows (when sqlite-utils is installed beside this Python, or given by --peer);
  beside them, its raw floor (decode, csv module, executemany into the county's
  pledge table with its indexes and triggers).

Each process's CPU time (user + system, its children included) is printed too:
on a shared machine the wall times swing with the load, the CPU times much less.

Builds its files in a temporary folder; the demo county is built once (``--db``
to reuse one).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


def raw_rate(xlsx: Path, db: Path, rows_expected: int) -> tuple[float, float]:
    """python-calamine read + sqlite3 executemany of the same rows (the physical limit): (seconds, CPU seconds)."""
    from python_calamine import CalamineWorkbook

    work = db.with_name("raw.db")
    shutil.copy(db, work)
    started, cpu = time.perf_counter(), time.process_time()
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
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(data) == rows_expected
    work.unlink()
    return elapsed, cpu


CPU: dict[str, float] = {}  # the last measured command's CPU seconds (user + system, its whole tree)


def measured(cmd: list[str]) -> tuple[float, float | None, str, str, int]:
    """Run one process: (seconds, peak RSS of its process tree in MB or None, stdout, stderr, exit code).

    Its CPU time (user + system, children included) is left in ``CPU['last']``: on a shared
    machine it says what the wall time cannot."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code
            peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
            CPU["last"] = usage.ru_utime + usage.ru_stime
        else:  # pragma: no cover - Windows
            code = proc.wait()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return elapsed, peak, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), code


def timed_import(db: Path, path: Path, year: int) -> tuple[float, dict]:
    elapsed, _, data = timed_import_peak(db, path, year)
    return elapsed, data


def timed_import_peak(db: Path, path: Path, year: int | None) -> tuple[float, float | None, dict]:
    work = db.with_name(f"work-{path.suffix[1:]}.db")
    shutil.copy(db, work)
    extra = ["--year", str(year)] if year else []
    elapsed, peak, stdout, stderr, code = measured(
        [sys.executable, "-m", "pledgebook", "import", str(path), "--db", str(work), *extra, "--json"])
    if code != 0:
        sys.stderr.write(stdout[-3000:] + stderr[-3000:])
        raise SystemExit(f"import failed ({code})")
    data = json.loads(stdout)
    shutil.rmtree(work.parent / "backups", ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return elapsed, peak, data


def id_number(i: int) -> str:
    from pledgebook.models.core.values import id_check_digit

    first17 = f"530822{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return first17 + id_check_digit(first17)


def write_roster(db: Path, path: Path, n: int) -> None:
    """A roster of ``n`` new members in the county's branches: 姓名, 性别, 民族, 出生日期, 入党时间, 所在党组织, 身份证号."""
    import xlsxwriter

    con = sqlite3.connect(db)
    branches = [name for (name,) in con.execute(
        "SELECT name FROM org WHERE kind = 'branch' AND deleted_at IS NULL GROUP BY name HAVING count(*) = 1 "
        "ORDER BY min(id)")]
    con.close()
    surnames, given = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "建国秀英志强海燕丽华明军文静春梅国庆"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("党员名册")
    text = wb.add_format({"num_format": "@"})
    ws.write_row(0, 0, ["序号", "姓名", "性别", "民族", "出生日期", "入党时间", "所在党组织", "公民身份号码"])
    for i in range(n):
        name = surnames[i % 16] + given[(i // 16) % 16] + given[(i // 256) % 16] + ("" if i < 4096 else str(i))
        ws.write_row(i + 1, 0, [i + 1, name, "男" if i % 2 else "女", "汉族", f"{1960 + i % 40}-01-01",
                                f"{1990 + i % 30}-07-01", branches[i % len(branches)]])
        ws.write_string(i + 1, 7, id_number(i + 7919), text)
    wb.close()


def office_copy(path: Path) -> Path | None:
    """The workbook re-saved by LibreOffice (as a township's office suite would), or None without one."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    out = path.parent / "office"
    out.mkdir(exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation=file://{path.parent / 'lo-profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)], check=True, capture_output=True,
                   timeout=900)
    return out / path.name


def peer_rate(csv_path: Path, peer: Path | None) -> float | None:
    """sqlite-utils insert --csv of the same file into a fresh database (decoded as GBK), or None."""
    exe = peer or Path(sys.executable).with_name("sqlite-utils")
    if not exe.exists():
        return None
    target = csv_path.with_name("peer.db")
    target.unlink(missing_ok=True)
    elapsed, _, _, stderr, code = measured([str(exe), "insert", str(target), "pledge", str(csv_path), "--csv",
                                            "--encoding", "gbk"])
    if code != 0:
        sys.stderr.write(stderr[-2000:])
        return None
    target.unlink(missing_ok=True)
    return elapsed


def floor(ok: bool) -> str:
    return "met" if ok else "NOT met"


def raw_csv_rate(gbk: Path, db: Path, rows_expected: int) -> tuple[float, float]:
    """The CSV's floor: decode GBK, csv.reader, executemany into the county's pledge table (its indexes and
    triggers), one transaction: (seconds, CPU seconds)."""
    work = db.with_name("raw-csv.db")
    shutil.copy(db, work)
    started, cpu = time.perf_counter(), time.process_time()
    data = list(csv.reader(gbk.read_bytes().decode("gbk").splitlines()))[1:]
    con = sqlite3.connect(work)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=full")
    with con:
        con.executemany(
            "INSERT INTO pledge (uid, created_at, updated_at, year, org_id, person_id, scope, category, content, measures,"
            " due_date, term, status, source) VALUES (lower(hex(randomblob(16))),'2011','2011',?,1,NULL,'personal',?,?,?,?,"
            "'annual','in_progress','import')",
            [(2011, r[5], r[6], r[7], r[8]) for r in data],
        )
    con.close()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(data) == rows_expected
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    return elapsed, cpu


def build_files(args: argparse.Namespace, folder: Path, db: Path, sizes: tuple[int, int, int]) -> tuple[int, Path, Path, Path]:
    """The workbook (or its LibreOffice copy), the GBK CSV and the roster: (year, workbook, csv, roster)."""
    n, n_csv, members = sizes
    year, rows = build_rows(db, max(n, n_csv))
    xlsx, gbk, roster = folder / "承诺台账.xlsx", folder / "承诺台账.csv", folder / "党员名册.xlsx"
    office = folder / "office" / xlsx.name
    if args.reuse and all(p.exists() for p in (xlsx, gbk, roster, *([office] if args.office else []))):
        return year, (office if args.office else xlsx), gbk, roster  # an earlier --keep run's: two trees alike
    write_xlsx(xlsx, rows[:n])
    if args.office:
        xlsx = office_copy(xlsx) or xlsx
    with gbk.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows[:n_csv])
    write_roster(db, roster, members)
    return year, xlsx, gbk, roster


def bench_workbook(db: Path, xlsx: Path, year: int, n: int) -> None:
    raw, raw_cpu = min(raw_rate(xlsx, db, n) for _ in range(3))
    print(f"workbook {n} rows × 12 columns ({'saved by LibreOffice' if xlsx.parent.name == 'office' else 'xlsxwriter'}),"
          f" year {year}")
    print(f"  raw calamine read + executemany : {raw:6.2f} s  {n / raw:8.0f} rows/s  (CPU {raw_cpu:.2f} s)")
    elapsed, peak, data = timed_import_peak(db, xlsx, year)
    assert data["totals"]["added"] == n, data["totals"]
    inner = data["files"][0]["seconds"]
    print(f"  pledgebook import xlsx          : {elapsed:6.2f} s  {n / elapsed:8.0f} rows/s  (in-process {inner:.2f} s,"
          f" CPU {CPU.get('last', 0):.2f} s);"
          f" import/raw = {elapsed / raw:.1f}× (floor ≤ 2×: {floor(elapsed <= 2 * raw)}; CPU {CPU.get('last', 0) / raw_cpu:.1f}×)")
    if peak is not None:
        print(f"  peak memory                     : {peak:6.0f} MB (floor ≤ 150 MB: {floor(peak <= 150)})")


def bench_roster(db: Path, roster: Path, members: int) -> None:
    one = roster.with_name("党员名册-1.xlsx")
    write_roster(db, one, 1)
    fixed, _, data = timed_import_peak(db, one, None)
    fixed_cpu = CPU.get("last", 0)
    assert data["totals"]["added"] == 1, data["totals"]
    elapsed, _, data = timed_import_peak(db, roster, None)
    assert data["totals"]["added"] == members, data["totals"]
    print(f"roster {members} members")
    print(f"  the same command, 1 member      : {fixed:6.2f} s  (CPU {fixed_cpu:.2f} s): what every import costs before"
          f" its rows; ≥ 10,000 rows/s needs the whole command in {members / 10_000:.2f} s")
    print(f"  pledgebook import roster        : {elapsed:6.2f} s  {members / elapsed:8.0f} rows/s"
          f" (in-process {data['files'][0]['seconds']:.2f} s, CPU {CPU.get('last', 0):.2f} s; floor ≥ 10,000 rows/s: "
          f"{floor(members / elapsed >= 10_000)})")


def bench_csv(db: Path, gbk: Path, year: int, n_csv: int, peer_command: Path | None) -> None:
    print(f"GBK CSV {n_csv} rows")
    raw, raw_cpu = min(raw_csv_rate(gbk, db, n_csv) for _ in range(2))
    print(f"  raw decode + csv + executemany  : {raw:6.2f} s  {n_csv / raw:8.0f} rows/s  (CPU {raw_cpu:.2f} s; into the"
          " county's pledge table, its indexes and triggers)")
    elapsed, peak, data = timed_import_peak(db, gbk, year)
    assert data["totals"]["added"] == n_csv, data["totals"]
    line = (f"  pledgebook import GBK CSV       : {elapsed:6.2f} s  {n_csv / elapsed:8.0f} rows/s"
            f"  (CPU {CPU.get('last', 0):.2f} s, peak {peak or 0:.0f} MB)")
    ours_cpu = CPU.get("last", 0)
    peer = peer_rate(gbk, peer_command)
    if peer is None:
        print(line + "  (sqlite-utils not found: give --peer PATH to compare)")
        return
    print(line)
    print(f"  sqlite-utils insert --csv       : {peer:6.2f} s  {n_csv / peer:8.0f} rows/s  (CPU {CPU.get('last', 0):.2f} s);"
          f" sqlite-utils/pledgebook = {peer / elapsed:.1f}× (floor ≥ 3×: {floor(peer >= 3 * elapsed)};"
          f" CPU {CPU.get('last', 0) / ours_cpu:.1f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows into a small demo county")
    parser.add_argument("--rows", type=int, default=None, help="rows of the workbook (default 20,000)")
    parser.add_argument("--csv-rows", type=int, default=None, help="rows of the GBK CSV (default 100,000)")
    parser.add_argument("--members", type=int, default=None, help="members in the roster (default 2,000)")
    parser.add_argument("--office", action="store_true", help="import the workbook as re-saved by LibreOffice")
    parser.add_argument("--peer", type=Path, default=None, help="the sqlite-utils command to compare the CSV with")
    parser.add_argument("--db", type=Path, default=None, help="an existing demo county to copy (default: build one)")
    parser.add_argument("--keep", type=Path, default=None, help="build the files in this folder and leave them there")
    parser.add_argument("--reuse", action="store_true", help="with --keep: use the files already there (same sizes)")
    args = parser.parse_args()
    # As installed: pip compiles a package to bytecode. Without this, a PYTHONDONTWRITEBYTECODE
    # environment makes every run compile our modules from source (~0.1 s the users never pay).
    import compileall

    compileall.compile_dir(ROOT / "pledgebook", quiet=1)
    n = args.rows or (2_000 if args.quick else 20_000)
    n_csv = args.csv_rows or (2_000 if args.quick else 100_000)
    members = args.members or (200 if args.quick else 2_000)
    with tempfile.TemporaryDirectory(prefix="pb-import-bench-") as tmp:
        folder = Path(tmp)
        if args.keep:
            folder = args.keep
            folder.mkdir(parents=True, exist_ok=True)
        db = folder / "county.db"
        if args.db:
            shutil.copy(args.db, db)
        else:
            proc = cli("demo", "--db", str(db), *(["--scale", "2000"] if args.quick else []))
            if proc.returncode:
                raise SystemExit(proc.stderr)
        year, xlsx, gbk, roster = build_files(args, folder, db, (n, n_csv, members))
        bench_workbook(db, xlsx, year, n)
        bench_roster(db, roster, members)
        bench_csv(db, gbk, year, n_csv, args.peer)


if __name__ == "__main__":
    main()
