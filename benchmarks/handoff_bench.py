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
   each): time and records per second; then the re-import of one (a no-op).

CPU time is user+sys of this process (all threads) and of the child
processes it started (the merge reads the next bundle in one); on a shared machine it is the steadier figure,
wall time the one people feel. Aims: report < 3 s, bundle write+verify < 3 s,
merging 12 counties < 20 s.
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

    from pledgebook.bundle.merge import import_bundle, import_bundles
    from pledgebook.bundle.verify import verify_bundle
    from pledgebook.bundle.write import write_bundle
    from pledgebook.demo.pledges import build_demo
    from pledgebook.exporters.report import export_report
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database, open_database, set_setting
    from pledgebook.models.store.tables import database

    big, per_county, counties = (3_000, 1_150, 3) if args.quick else (100_000, 11_500, 12)
    per_county, counties = args.per_county or per_county, args.counties or counties
    tag = ("quick-" if args.quick else "") + ("" if per_county in (1_150, 11_500) else f"{per_county}-")
    rows: list[tuple[str, str, str, str]] = []  # what, wall, cpu, aim

    def fresh(folder: Path) -> Path:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

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

    # ---- 12 county bundles of 11,500 pledges (one year each), merged at a prefecture
    if "merge" in parts:
        from pledgebook.bundle import keys

        bundles, county_keys = [], []
        for i in range(counties):
            db = work / f"{tag}county{i}.db"
            code = f"5399{i + 10:02d}"
            open_database(db)
            if not database.execute_sql("SELECT count(*) FROM setting").fetchone()[0]:
                build_demo(total_pledges=per_county, seed=100 + i, years=1)
                with database.atomic():
                    set_setting("county_code", code)
                    set_setting("county_name", f"第{i + 1}县")
                    database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])
            # each county signs (keys init); the prefecture trusts each key, as after the phone call
            county_keys.append(keys.own_public_key() or keys.init_keys(work, force=True)[0])
            bundles.append(write_bundle(fresh(work / f"{tag}bundles{i}")).path)
            close_database()
        pref = work / f"{tag}prefecture.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{pref}{suffix}").unlink(missing_ok=True)
        open_database(pref)
        from datetime import date

        rules.init_county("普洱市", "530800", date.today().year, level="prefecture")
        for pub in county_keys:
            keys.trust(pub)
        records = pledges = logs = 0
        t = {}
        with clock(t):
            # as `pledgebook import *.pledgebook` does: one backup, the next bundle read while one merges
            for r in import_bundles(bundles):
                assert not hasattr(r, "error"), r.error.message
                records += r.records
                pledges += r.tables["pledge"].read
                logs += r.tables["help_log"].read
        rows.append((f"prefecture merge of {counties} bundles ({pledges:,} pledges, {logs:,} help logs, {records:,} records)",
                     f"{t['wall']:.2f} s", f"{t['cpu']:.2f} s", "< 20 s"))
        rows.append(("  records per second", f"{records / t['wall']:,.0f}/s", f"{records / t['cpu']:,.0f}/s", ""))
        t = {}
        with clock(t):
            r = import_bundle(bundles[0])
        assert r.already_imported and r.changed == 0
        rows.append(("re-import of one bundle (no-op)", f"{t['wall']:.3f} s", f"{t['cpu']:.3f} s", ""))
        close_database()

    head = ("figure", "wall", "CPU", "aim")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, *rows]:
        print(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    print(f"(CPU = user+sys of this process and its children; {os.cpu_count()} CPUs; files in {work})")


if __name__ == "__main__":
    main()
