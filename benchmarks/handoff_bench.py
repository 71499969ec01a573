"""Hand-off benchmark: the figures issue 5 asks for, wall and CPU time side by side.

    python benchmarks/handoff_bench.py            # 100,000-pledge file; 12 counties of 11,500 pledges
    python benchmarks/handoff_bench.py --quick    # small scale (< 30 s), checks nothing crashes
    python benchmarks/handoff_bench.py --dir D    # keep the built ledgers in D and reuse them next time
    python benchmarks/handoff_bench.py --only merge
    python benchmarks/handoff_bench.py --only bundle --repeat 7   # the bundle's median of 7 runs

Measures, in one process:

1. the report workbook for the open year of the 100,000-pledge demo;
2. the whole-file bundle of that demo: write + read-back verify, and its size;
3. verifying that bundle alone;
4. a prefecture merging 12 county bundles of 11,500 pledges each (one year
   each): time, records per second and the peak memory; then the re-import of one (a no-op);
5. the monthly re-merge: a copy of each county with 5% of its busy tables' records edited, deleted or
   added (:func:`month_later`) exports again, and the prefecture merges the 12 bundles;
6. beside 4 and 5, their floors: a raw ``executemany`` of the same rows (for 5, of the changed rows) into
   the same schema, one transaction per bundle.

CPU time is user+sys of this process (all threads) and of the child
processes it started (the merge reads the next bundle in one); on a shared machine it is the steadier figure,
wall time the one people feel. Aims: report < 3 s, bundle write+verify < 3 s,
first merge of 12 counties ≤ 30 s (≥ 40,000 records/s, ≤ 300 MB), the re-merge ≤ 6 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARTS = ("report", "bundle", "merge")


def cpu_time() -> float:
    """user+sys of this process and of its children that have ended (the merge's read-ahead)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


@contextmanager
def clock(box: dict):
    wall, cpu = time.perf_counter(), cpu_time()
    yield
    box["wall"] = time.perf_counter() - wall
    box["cpu"] = cpu_time() - cpu


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def county_ledger(db: Path, i: int, pledges: int, members: int | None = None) -> None:
    """Open county ``i``'s ledger (code 5399xx, 第i县), building its demo (one year) the first time."""
    from pledgebook.demo.pledges import build_demo
    from pledgebook.models.store.db import open_database, set_setting
    from pledgebook.models.store.tables import database

    code = f"5399{i + 10:02d}"
    open_database(db)
    if not database.execute_sql("SELECT count(*) FROM setting").fetchone()[0]:
        build_demo(total_pledges=pledges, seed=100 + i, years=1, member_count=members)
        with database.atomic():
            set_setting("county_code", code)
            set_setting("county_name", f"第{i + 1}县")
            database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])


def build_counties(work: Path, tag: str, counties: int, per_county: int, fresh) -> tuple[list[Path], list]:
    """The county ledgers (built once, kept in the work folder) and one signed bundle of each."""
    from pledgebook.bundle import keys
    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.store.db import close_database

    bundles, county_keys = [], []
    for i in range(counties):
        county_ledger(work / f"{tag}county{i}.db", i, per_county)
        # each county signs (keys init); the prefecture trusts each key, as after the phone call
        county_keys.append(keys.own_public_key() or keys.init_keys(work, force=True)[0])
        bundles.append(write_bundle(fresh(work / f"{tag}bundles{i}")).path)
        close_database()
    return bundles, county_keys


# the tables a month of work changes: edited (2%), deleted (1%, as deleted_at) and added (2%, copies with new uids)
MONTH_TABLES = {"pledge": "content", "progress": "note", "evaluation": "comment", "help_log": "note",
                "person": "post", "pairing": "note"}


def month_later(src: Path, dst: Path, seed: int) -> int:
    """A copy of a county's ledger a month later: 5% of the records of its busy tables changed. Returns how many."""
    import sqlite3
    import uuid

    shutil.copyfile(src, dst)
    con = sqlite3.connect(dst)
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    changed = 0
    with con:
        for table, text in MONTH_TABLES.items():
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in ("id", "uid")]
            if text not in cols:
                continue
            changed += con.execute(f"UPDATE {table} SET {text} = coalesce({text}, '') || '（本月补充）', updated_at = ? "
                                   f"WHERE (id + ?) % 50 = 0", [now, seed]).rowcount
            changed += con.execute(f"UPDATE {table} SET deleted_at = ?, updated_at = ? WHERE (id + ?) % 100 = 7 "
                                   "AND deleted_at IS NULL", [now, now, seed]).rowcount
            copies = con.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE (id + ?) % 50 = 3", [seed]).fetchall()
            up = cols.index("updated_at")
            con.executemany(f"INSERT INTO {table} (uid, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))})",
                            [(str(uuid.uuid4()), *r[:up], now, *r[up + 1:]) for r in copies])
            changed += len(copies)
    con.close()
    return changed


def bundle_lines(path: Path) -> dict[str, list[bytes]]:
    """A bundle's JSON Lines members, split into lines (for the raw floor)."""
    import zipfile

    from pledgebook.bundle.format import TABLES

    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        return {s.name: zf.read(f"{s.name}.jsonl")[:-1].split(b"\n") for s in TABLES if f"{s.name}.jsonl" in names}


def raw_floor(target: Path, batches: list[dict[str, list[bytes]]]) -> float:
    """Seconds for a raw executemany of the same rows into the same schema (a fresh file), one transaction per
    bundle, references as a constant id: what a merge of these rows cannot beat. Parsing is not timed."""
    import json

    from pledgebook.bundle.format import TABLES, column_of
    from pledgebook.models.store.db import close_database, open_database
    from pledgebook.models.store.tables import database

    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    open_database(target)
    conn = database.connection()
    conn.execute("PRAGMA foreign_keys = OFF")
    spent = 0.0
    for lines in batches:
        tables = []
        for spec in TABLES:
            if spec.name not in lines or spec.name in ("category", "work_year") or not lines[spec.name][0]:
                continue
            names = [f.name for f in spec.fields]
            objs = json.loads(b"[" + b",".join(lines[spec.name]) + b"]")
            refs = [i for i, f in enumerate(spec.fields) if f.kind == "ref"]
            data = [tuple(1 if i in refs and v is not None else v for i, v in enumerate(map(o.get, names)))
                    for o in objs]
            cols = [column_of(f) for f in spec.fields] + (["path", "depth"] if spec.name == "org" else [])
            extra = ("", 0) if spec.name == "org" else ()
            tables.append((f"INSERT OR REPLACE INTO {spec.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                           [d + extra for d in data]))
        started = time.perf_counter()
        with database.atomic():
            for sql, data in tables:
                conn.executemany(sql, data)
        spent += time.perf_counter() - started
    close_database()
    return spent


def merge_figures(work: Path, tag: str, counties: int, per_county: int, fresh) -> list[tuple[str, str, str, str]]:
    """The first merge of the counties' bundles at a new prefecture, and the re-merge a month later, each with
    its raw floor and the peak memory."""
    import resource
    from datetime import date

    from pledgebook.bundle import keys
    from pledgebook.bundle.merge import import_bundle
    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database, open_database

    rows: list[tuple[str, str, str, str]] = []
    bundles, county_keys = build_counties(work, tag, counties, per_county, fresh)
    pref = work / f"{tag}prefecture.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{pref}{suffix}").unlink(missing_ok=True)
    open_database(pref)
    rules.init_county("普洱市", "530800", date.today().year, level="prefecture")
    for pub in county_keys:
        keys.trust(pub)
    t: dict = {}
    first = merge_run(bundles, t)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append((f"prefecture merge of {counties} bundles ({first['pledge']:,} pledges, {first['help_log']:,} help logs, "
                 f"{first['records']:,} records)", f"{t['wall']:.2f} s", f"{t['cpu']:.2f} s", "≤ 30 s"))
    rows.append(("  records per second", f"{first['records'] / t['wall']:,.0f}/s", f"{first['records'] / t['cpu']:,.0f}/s",
                 "≥ 40,000/s"))
    rows.append(("  peak memory of the process (max RSS)", f"{rss:.0f} MB", "", "≤ 300 MB"))
    t = {}
    with clock(t):
        r = import_bundle(bundles[0])
    assert r.already_imported and r.changed == 0
    rows.append(("re-import of one bundle (no-op)", f"{t['wall']:.3f} s", f"{t['cpu']:.3f} s", ""))
    close_database()
    # a month later: each county changed 5% of its busy tables and sends its whole ledger again
    later, changed = [], 0
    for i in range(counties):
        month = work / f"{tag}county{i}-month.db"
        changed += month_later(work / f"{tag}county{i}.db", month, i)
        open_database(month)
        later.append(write_bundle(fresh(work / f"{tag}month{i}")).path)
        close_database()
    open_database(pref)
    t = {}
    again = merge_run(later, t)
    close_database()
    rows.append((f"re-merge a month later ({again['records']:,} records; {changed:,} changed, new or deleted)",
                 f"{t['wall']:.2f} s", f"{t['cpu']:.2f} s", "≤ 6 s"))
    rows.append(("  unchanged records recognised per second", f"{again['unchanged'] / t['wall']:,.0f}/s",
                 f"{again['unchanged'] / t['cpu']:,.0f}/s", "≥ 200,000/s"))
    assert again["written"] >= changed * 0.9, again  # every change arrived
    # the floors: the same rows, raw executemany into the same schema
    first_lines = [bundle_lines(b) for b in bundles]
    floor = raw_floor(work / f"{tag}floor.db", first_lines)
    rows.append(("  floor of the first merge: raw executemany of the same rows", f"{floor:.2f} s", "", ""))
    changed_lines = []
    for old, new in zip(first_lines, (bundle_lines(b) for b in later)):
        changed_lines.append({k: sorted(set(v) - set(old.get(k, ()))) or [b""] for k, v in new.items()})
    floor = raw_floor(work / f"{tag}floor.db", changed_lines)
    rows.append(("  floor of the re-merge: raw executemany of the changed rows only", f"{floor:.2f} s", "", ""))
    return rows


def merge_run(bundles: list[Path], t: dict) -> dict[str, int]:
    """As ``pledgebook import *.pledgebook`` does: one backup, the next bundle read while one merges."""
    from pledgebook.bundle.merge import import_bundles

    got = dict.fromkeys(("records", "pledge", "help_log", "unchanged", "written"), 0)
    with clock(t):
        for r in import_bundles(bundles):
            assert not hasattr(r, "error"), r.error.message
            got["records"] += r.records
            got["pledge"] += r.tables["pledge"].read
            got["help_log"] += r.tables["help_log"].read
            got["unchanged"] += sum(c.unchanged for c in r.tables.values())
            got["written"] += r.changed
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    ap.add_argument("--repeat", type=int, default=1, help="write the bundle N times; its figure is the median")
    ap.add_argument("--counties", type=int, help="how many county bundles the prefecture merges (default 12, quick 3)")
    ap.add_argument("--per-county", type=int, help="pledges per county (default 11,500, quick 1,150)")
    args = ap.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if parts - set(PARTS):
        ap.error(f"--only: unknown part(s) {', '.join(sorted(parts - set(PARTS)))}")

    work = args.dir or Path(tempfile.mkdtemp(prefix="pledgebook-handoff-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CONFIG_HOME", str(work / "config"))  # keys never touch the real config

    from pledgebook.bundle.verify import verify_bundle
    from pledgebook.bundle.write import write_bundle
    from pledgebook.demo.pledges import build_demo
    from pledgebook.exporters.report import export_report
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database, open_database
    from pledgebook.models.store.tables import database

    big, per_county, counties = (3_000, 1_150, 3) if args.quick else (100_000, 11_500, 12)
    per_county, counties = args.per_county or per_county, args.counties or counties
    tag = ("quick-" if args.quick else "") + ("" if per_county in (1_150, 11_500) else f"{per_county}-")
    rows: list[tuple[str, str, str, str]] = []  # what, wall, cpu, aim

    # ---- the big file: report of its open year, whole-file bundle, verify alone
    if parts & {"report", "bundle"}:
        large = work / f"{tag}large.db"
        if not large.exists():
            open_database(large)
            build_demo(total_pledges=big, seed=2011)
            close_database()
        open_database(large)
        year = rules.current_year()
        if "report" in parts:
            n_year = database.execute_sql(
                "SELECT count(*) FROM pledge WHERE year = ? AND deleted_at IS NULL", [year]).fetchone()[0]
            t: dict = {}
            with clock(t):
                export_report(work / "report.xlsx", year=year)
            size = (work / "report.xlsx").stat().st_size
            rows.append((f"report workbook, open year {year} ({n_year:,} pledges; {size / 1024**2:.1f} MB)",
                         f"{t['wall']:.2f} s", f"{t['cpu']:.2f} s", "< 3 s"))
        if "bundle" in parts:
            runs = []
            for _ in range(args.repeat):
                t = {}
                with clock(t):
                    res = write_bundle(fresh(work / "stick"))
                runs.append(t)
            total = sum(res.counts.values())
            wall, cpu = (statistics.median(r[k] for r in runs) for k in ("wall", "cpu"))
            rows.append((f"bundle write+verify, whole file ({res.counts['pledge']:,} pledges, {total:,} records; "
                         f"{res.size / 1024**2:.1f} MB)" + (f", median of {len(runs)}" if len(runs) > 1 else ""),
                         f"{wall:.2f} s", f"{cpu:.2f} s", "< 3 s"))
            if len(runs) > 1:
                rows.append(("  each run", " ".join(f"{r['wall']:.2f}" for r in runs), "", ""))
            t = {}
            with clock(t):
                verify_bundle(res.path, check_trust=False)
            rows.append(("verify alone", f"{t['wall']:.2f} s", f"{t['cpu']:.2f} s", ""))
        close_database()

    # ---- 12 county bundles of 11,500 pledges (one year each), merged at a prefecture; a month later, again
    if "merge" in parts:
        rows += merge_figures(work, tag, counties, per_county, fresh)

    head = ("figure", "wall", "CPU", "aim")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, *rows]:
        print(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    print(f"(CPU = user+sys of this process and its children; {os.cpu_count()} CPUs; files in {work})")


if __name__ == "__main__":
    main()
