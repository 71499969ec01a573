"""Hand-off benchmark: report workbook, bundle write+verify, verify alone, prefecture merge of 12 counties.

    python benchmarks/handoff_bench.py            # 100,000-pledge file; 12 counties of ~11,500 pledges
    python benchmarks/handoff_bench.py --quick    # small scale, checks nothing crashes

Builds its files in a temporary folder (or --dir). Aims: report < 3 s,
bundle write+verify < 3 s, merging 12 counties < 20 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    import os

    work = args.dir or Path(tempfile.mkdtemp(prefix="pledgebook-handoff-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CONFIG_HOME", str(work / "config"))  # keys never touch the real config

    from pledgebook.demo import build_demo
    from pledgebook.exporters.bundle import verify_bundle, write_bundle
    from pledgebook.exporters.report import export_report
    from pledgebook.importers.bundle import import_bundle
    from pledgebook.models import rules
    from pledgebook.models.db import close_database, open_database, set_setting
    from pledgebook.models.tables import database

    big, per_county, counties = (3_000, 1_150, 3) if args.quick else (100_000, 11_500, 12)
    rows: list[tuple[str, str]] = []

    # ---- the big file: report of its open year, whole-file bundle, verify
    large = work / "large.db"
    if not large.exists():
        open_database(large)
        build_demo(total_pledges=big, seed=2011)
        close_database()
    open_database(large)
    year = rules.current_year()
    n_year = database.execute_sql("SELECT count(*) FROM pledge WHERE year = ? AND deleted_at IS NULL", [year]).fetchone()[0]
    t = time.perf_counter()
    export_report(work / "report.xlsx", year=year)
    rows.append((f"report workbook, {year} ({n_year:,} pledges)", f"{time.perf_counter() - t:.2f} s"))
    out = work / "stick"
    out.mkdir(exist_ok=True)
    t = time.perf_counter()
    res = write_bundle(out)
    total = sum(res.counts.values())
    rows.append((f"bundle write+verify, whole file ({res.counts['pledge']:,} pledges, {total:,} records)",
                 f"{time.perf_counter() - t:.2f} s, {res.size / 1024**2:.1f} MB"))
    t = time.perf_counter()
    verify_bundle(res.path, check_trust=False)
    rows.append(("verify alone", f"{time.perf_counter() - t:.2f} s"))
    close_database()

    # ---- 12 county bundles (two years each, ~11,500 pledges a year), merged at a prefecture
    bundles = []
    for i in range(counties):
        db = work / f"county{i}.db"
        code = f"5399{i + 10:02d}"
        open_database(db)
        if not database.execute_sql("SELECT count(*) FROM setting").fetchone()[0]:
            build_demo(total_pledges=per_county, seed=100 + i, years=1)
            with database.atomic():
                set_setting("county_code", code)
                set_setting("county_name", f"第{i + 1}县")
                database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])
        d = work / f"bundles{i}"
        d.mkdir(exist_ok=True)
        bundles.append(write_bundle(d).path)
        close_database()
    pref = work / "prefecture.db"
    if pref.exists():
        pref.unlink()
    open_database(pref)
    from datetime import date

    rules.init_county("普洱市", "530800", date.today().year, level="prefecture")
    t = time.perf_counter()
    records = pledges = 0
    for b in bundles:
        r = import_bundle(b)
        records += r.records
        pledges += r.tables["pledge"].read
    dt = time.perf_counter() - t
    rows.append((f"prefecture merge of {counties} bundles ({pledges:,} pledges, {records:,} records)",
                 f"{dt:.2f} s, {records / dt:,.0f} records/s"))
    t = time.perf_counter()
    r = import_bundle(bundles[0])
    rows.append(("re-import of one bundle (no-op)", f"{time.perf_counter() - t:.3f} s"))
    close_database()
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


if __name__ == "__main__":
    main()
