"""Paper benchmark: notices, ballots + tally for a whole default demo county, and the tally imported back.

    python benchmarks/paper_bench.py            # the default demo county (~720 orgs, ~11,500 pledges a year)
    python benchmarks/paper_bench.py --quick    # small scale, checks nothing crashes

Builds its files in a temporary folder (or --dir). Aim: notices < 10 s, ballots + tally < 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="pledgebook-paper-"))
    work.mkdir(parents=True, exist_ok=True)

    import openpyxl

    from pledgebook.demo.pledges import build_demo
    from pledgebook.exporters import paper
    from pledgebook.importers.apply import import_file
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database, open_database

    db = work / ("quick.db" if args.quick else "county.db")
    if not db.exists():
        open_database(db)
        if args.quick:
            build_demo(total_pledges=2_000, seed=2011)
        else:
            build_demo(seed=2011)
        close_database()
    open_database(db)
    year = rules.current_year()
    rows: list[tuple[str, str]] = []

    t = time.perf_counter()
    notice = paper.print_notice(work / "公示.xlsx", year=year, published_on=date.today())
    rows.append((f"print notice ({notice.units} orgs, {notice.pledges:,} pledges)",
                 f"{time.perf_counter() - t:.2f} s, {notice.size / 1e6:.1f} MB"))
    t = time.perf_counter()
    ballots = paper.print_ballots(work / "评议票.xlsx", kind="群众评议", year=year)
    rows.append((f"print ballots + tally ({ballots.units} orgs)",
                 f"{time.perf_counter() - t:.2f} s, {ballots.size / 1e6:.1f} + {ballots.tally_size / 1e6:.1f} MB"))

    # fill one in ten rows and import the tally back
    wb = openpyxl.load_workbook(ballots.tally_path)
    ws = wb[paper.TALLY_SHEET]
    header = [c.value for c in ws[paper.TALLY_HEADER_ROW + 1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(paper.TALLY_HEADER_ROW + 2, ws.max_row + 1, 10):
        for name, value in (("发放票数", 50), ("有效票", 45), ("满意", 36), ("基本满意", 5), ("不满意", 4)):
            ws.cell(r, col[name]).value = value
    filled = work / "计票表_已填.xlsx"
    wb.save(filled)
    t = time.perf_counter()
    result = import_file(filled, evaluation_date=date.today(), backup_folder=work / "backups")
    rows.append((f"import filled tally ({result.added:,} counted, {result.rejected} refused)",
                 f"{time.perf_counter() - t:.2f} s"))
    close_database()
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")
    if result.rejected:
        raise SystemExit("the filled tally had refused rows")


if __name__ == "__main__":
    main()
