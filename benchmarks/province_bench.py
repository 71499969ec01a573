"""Province benchmark (issue 20, item 3): 88 demo counties merged into one file, and what people wait for on it.

    nice -n 19 python benchmarks/province_bench.py --build-only   # build benchmarks/out/province/ once (≈ 9 M records)
    python benchmarks/province_bench.py                # build if missing, then measure every part
    python benchmarks/province_bench.py --only stats,tui
    python benchmarks/province_bench.py --counties 22 --only stats,report,tui   # a quarter of it (province-22.db)
    python benchmarks/province_bench.py --quick        # 3 tiny counties in a temp folder (< 1 min): nothing crashes

The 88 counties are the demo (one year each) at sizes drawn between 5,000 and 25,000 pledges a year
(log-uniform, fixed seed; members 1.2 per pledge), each built with ``handoff_bench.county_ledger``, its bundle
written once, and all 88 merged into one prefecture file (``province.db``) once; all of it is kept in the output
folder and reused. Building is resumable: a bundle already merged is recognised and skipped.

Measured on that file, each beside its floor where one exists, wall and CPU (user+sys) side by side:

- merge: one county's monthly bundle (5% of its busy tables changed, :func:`handoff_bench.month_later`, applied
  to the county's own ledger so each run is the next month), as ``pledgebook import`` runs it (with the automatic
  backup of the whole file) and the merge alone; floor: raw ``executemany`` of the changed rows (a fresh file);
- ``pledgebook --db FILE stats --by county --json`` as a whole process (``/usr/bin/time -v``'s figures);
  floor: the same counts in one SQL statement from a fresh ``python -c`` process;
- the TUI's first screen as a whole process in tmux (``tui_bench.terminal``, beside the minimal app, plain
  and on one core) and a search keystroke (``tui_bench.measure``, Pilot, median and p95);
- the report workbook of the open year for the whole province (in process).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from handoff_bench import bundle_lines, clock, county_ledger, fresh, month_later, raw_floor  # noqa: E402
from tui_bench import measure as tui_measure  # noqa: E402
from tui_bench import terminal, terminal_table  # noqa: E402

PARTS = ("merge", "stats", "tui", "report")
FULL = (88, 5_000, 25_000)  # counties, fewest and most pledges a year
QUICK = (3, 200, 400)


def sizes(counties: int, low: int, high: int) -> list[int]:
    """Pledges a year of each county: log-uniform between ``low`` and ``high`` (most counties small), fixed."""
    r = random.Random(88)
    return [int(round(math.exp(r.uniform(math.log(low), math.log(high))), -2)) for _ in range(counties)]


def members_for(pledges: int) -> int:
    """Party members of a county with this many pledges a year (the default demo: 13,724 for 11,500)."""
    return max(300, pledges * 6 // 5)


def county_bundle(out: Path, i: int, pledges: int) -> Path:
    """County ``i``'s ledger and its signed bundle, each made once (kept in ``out``)."""
    from pledgebook.bundle import keys
    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.store.db import close_database

    folder = out / "bundles" / f"county{i}"
    done = list(folder.glob("*.pledgebook")) if folder.is_dir() else []
    if done:
        return done[0]
    county_ledger(out / "counties" / f"county{i}.db", i, pledges, members_for(pledges))
    if keys.own_public_key() is None:
        keys.init_keys(out / "keys", force=True)  # each county signs; the province trusts each key
    part = fresh(out / "bundles" / f"county{i}.part")
    path = write_bundle(part).path
    close_database()
    part.rename(folder)
    return folder / path.name


def build(out: Path, plan: list[int], say=print) -> Path:
    """The province file: every county's bundle merged once (resumable; a finished file is left alone)."""
    from datetime import date

    from pledgebook.bundle import keys
    from pledgebook.bundle.merge import import_bundles
    from pledgebook.models.ledger import rules
    from pledgebook.models.store.db import close_database, is_initialized, open_database

    province = out / ("province.db" if len(plan) == FULL[0] else f"province-{len(plan)}.db")
    if province.with_suffix(".done").exists():
        return province
    (out / "counties").mkdir(parents=True, exist_ok=True)
    (out / "keys").mkdir(exist_ok=True)
    bundles = []
    for i, pledges in enumerate(plan):
        t: dict = {}
        with clock(t):
            bundles.append(county_bundle(out, i, pledges))
        say(f"county {i + 1}/{len(plan)}: {pledges:,} pledges, bundle {bundles[-1].stat().st_size / 1024**2:.1f} MB "
            f"({t['wall']:.1f} s)")
    open_database(province)
    if not is_initialized():
        rules.init_county("全省汇总（演示）", "539900", date.today().year, level="prefecture")
    for pub in out.joinpath("keys").glob("*.pub"):
        keys.trust(keys.read_public_key(pub), replace=True)
    started, records = time.perf_counter(), 0
    # building is not measured: no automatic backup of the growing file (``backed_up`` names none)
    for n, r in enumerate(import_bundles(bundles, backed_up=out / "no-backup"), 1):
        if hasattr(r, "error"):
            raise SystemExit(f"{r.path}: {r.error.message}")
        records += r.records
        say(f"merged {n}/{len(bundles)}: {r.records:,} records in {r.seconds:.1f} s "
            f"({records / (time.perf_counter() - started):,.0f} records/s so far)")
    close_database()
    province.with_suffix(".done").write_text(json.dumps({"records": records, "counties": len(plan)}))
    return province


# ---------------------------------------------------------------- measuring: every figure a fresh process


def child(cmd: list[str], pinned: bool = False) -> tuple[float, float, float | None, str]:
    """Run ``cmd`` (on CPU 0 alone when ``pinned``); (wall s, user+sys s, peak RSS MB or None, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUTF8": "1"}
    cmd = (["taskset", "-c", "0"] if pinned else []) + cmd
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        so.seek(0)
        se.seek(0)
        out, err = so.read().decode("utf-8", "replace"), se.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def pledgebook() -> list[str]:
    script = Path(sys.executable).with_name("pledgebook")  # the command a user types, as pip installs it
    return [str(script)] if script.exists() else [sys.executable, "-m", "pledgebook"]


def pinning() -> tuple[bool, ...]:
    return (False, True) if shutil.which("taskset") else (False,)


def next_month(out: Path, i: int) -> tuple[Path, Path, int]:
    """County ``i`` a month later (5% changed, in its own ledger: each call is the next month) and its bundle;
    returns (the bundle it sent last, the new one, how many records changed)."""
    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.store.db import close_database, open_database

    latest = out / "month" / f"county{i}.latest"
    before = Path(latest.read_text()) if latest.exists() else next((out / "bundles" / f"county{i}").glob("*.pledgebook"))
    n = len(list((out / "month").glob(f"county{i}-*"))) if (out / "month").is_dir() else 0
    ledger, changed_copy = out / "counties" / f"county{i}.db", out / "counties" / f"county{i}-next.db"
    changed = month_later(ledger, changed_copy, seed=n + 1)
    os.replace(changed_copy, ledger)
    open_database(ledger)
    new = write_bundle(fresh(out / "month" / f"county{i}-{n + 1}")).path
    close_database()
    latest.write_text(str(new))
    return before, new, changed


MERGE_ALONE = r"""
import json, sys, time
from pathlib import Path
from pledgebook.models.store.db import open_database
from pledgebook.bundle.merge import import_bundle
t = time.perf_counter()
open_database(Path(sys.argv[1]))
r = import_bundle(sys.argv[2], backed_up=Path(sys.argv[1]).with_name("no-backup"))
print(json.dumps({"records": r.records, "changed": r.changed, "seconds": r.seconds,
                  "unchanged": sum(c.unchanged for c in r.tables.values()), "whole": time.perf_counter() - t}))
"""


def merge_rows(out: Path, province: Path, i: int) -> list[tuple[str, str, str, str]]:
    """One county's monthly bundle merged into the province: alone (a fresh process, no backup; plain and on one
    core), as ``pledgebook import`` runs it (with the automatic backup), and the raw floor of its changed rows."""
    rows = []
    floor_sets = []
    for pinned in pinning():
        before, new, changed = next_month(out, i)
        wall, cpu, _rss, got = child([sys.executable, "-c", MERGE_ALONE, str(province), str(new)], pinned)
        r = json.loads(got)
        where = "one core" if pinned else "all CPUs"
        rows.append((f"monthly bundle of one county, merged alone ({r['records']:,} records, {changed:,} changed; "
                     f"{where}; in the merge {r['seconds']:.2f} s)", f"{wall:.2f} s", f"{cpu:.2f} s", "≤ 3 s"))
        old_lines, new_lines = bundle_lines(before), bundle_lines(new)
        floor_sets.append({k: sorted(set(v) - set(old_lines.get(k, ()))) or [b""] for k, v in new_lines.items()})
    floor = raw_floor(out / "floor.db", floor_sets[:1])
    rows.append(("  floor: raw executemany of its changed rows (fresh file)", f"{floor:.2f} s", "", ""))
    _before, new, changed = next_month(out, i)
    backups = set((province.parent / "backups").glob("*")) if (province.parent / "backups").is_dir() else set()
    wall, cpu, rss, got = child([*pledgebook(), "import", str(new), "--db", str(province), "--json"])
    for made in set((province.parent / "backups").glob("*")) - backups:  # 5 GB each: not kept by a benchmark
        made.unlink()
    rows.append((f"  the same as `pledgebook import` runs it (with the automatic backup of the whole file; "
                 f"{rss:.0f} MB)", f"{wall:.2f} s", f"{cpu:.2f} s", "≤ 3 s"))
    return rows


def stats_rows(province: Path) -> list[tuple[str, str, str, str]]:
    """``stats --by county`` as a whole process, beside the same counts in one SQL statement."""
    rows = []
    for pinned in pinning():
        where = "one core" if pinned else "all CPUs"
        child([*pledgebook(), "--db", str(province), "stats", "--by", "county", "--json"], pinned)  # file in the cache
        wall, cpu, rss, got = child(["/usr/bin/time", "-v", *pledgebook(), "--db", str(province), "stats", "--by",
                                     "county", "--json"], pinned)
        counties = len(json.loads(got)["by_county"])
        rows.append((f"stats --by county ({counties} counties; {where}; {rss:.0f} MB)", f"{wall:.2f} s",
                     f"{cpu:.2f} s", "≤ 2 s"))
        wall, cpu, _rss, _ = child([sys.executable, "-c", FLOOR_STATS, str(province)], pinned)
        rows.append((f"  floor: one SQL statement, pledges and 兑现 per county ({where})", f"{wall:.2f} s",
                     f"{cpu:.2f} s", ""))
    return rows


FLOOR_STATS = r"""
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
year = con.execute("SELECT max(year) FROM work_year").fetchone()[0]
# per org from the year's covering index, then per county by the org's path (/1/5/23/ lies in county /1/5/)
print(con.execute(
    "WITH per_org AS (SELECT org_id, count(*) AS n, sum(status = 'fulfilled') AS f FROM pledge "
    "WHERE year = ? AND deleted_at IS NULL GROUP BY org_id), "
    "root AS (SELECT length(path) AS len FROM org WHERE parent_id IS NULL) "
    "SELECT substr(o.path, 1, instr(substr(o.path, root.len + 1), '/') + root.len) AS county, sum(n), sum(f) "
    "FROM per_org JOIN org o ON o.id = per_org.org_id, root GROUP BY county", [year]).fetchall())
"""


def tui_rows(province: Path, quick: bool) -> tuple[list[tuple[str, str, str, str]], str]:
    """The first screen in tmux beside the minimal app (plain, one core) and a search keystroke (Pilot)."""
    rows = []
    term = terminal(province, repeat=2 if quick else 3)
    text = terminal_table(term) if term else "first screen in tmux: skipped (no tmux)"
    for key, where in (("plain", "all CPUs"), ("one_core", "one core")):
        if term and key in term:
            f = term[key]
            rows.append((f"TUI first screen, whole process in tmux ({where}; minimal app {f['minimal'][1]:.2f} s, "
                         f"×{f['ratio']:.2f})", f"{f['ours'][1]:.2f} s",
                         f"{f['ours_cpu']:.2f} s" if f["ours_cpu"] else "", "≤ 2 s"))
    r = tui_measure(province, repeat=1, words="zs,lzz" if quick else "zs,lzz,茶叶,带头发展,wjh,调解矛盾,hm")
    rows.append((f"TUI search keystroke, p95 over {r['keystrokes']} keys (Pilot; median "
                 f"{r['search_median_ms']:.0f} ms)", f"{r['search_p95_ms']:.0f} ms", "", "≤ 100 ms"))
    rows.append((f"  first screen in process (Pilot; minimal app {r['minimal_first_s']:.2f} s)", f"{r['first_s']:.2f} s",
                 f"{r['first_cpu_s']:.2f} s", ""))
    return rows, text


def report_rows(out: Path, province: Path) -> list[tuple[str, str, str, str]]:
    rows = []
    for pinned in pinning():
        target = out / "report.xlsx"
        wall, cpu, rss, _ = child([*pledgebook(), "export", "report", "-o", str(target), "--db", str(province),
                                   "--json"], pinned)
        rows.append((f"report workbook of the province ({target.stat().st_size / 1024**2:.1f} MB; "
                     f"{'one core' if pinned else 'all CPUs'}; {rss:.0f} MB)", f"{wall:.2f} s", f"{cpu:.2f} s", "≤ 30 s"))
    return rows


def measure(out: Path, province: Path, plan: list[int], parts: set[str], quick: bool) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    size = sum(Path(f"{province}{s}").stat().st_size for s in ("", "-wal") if Path(f"{province}{s}").exists())
    records = json.loads(province.with_suffix(".done").read_text())["records"]
    rows.append((f"the province file: {records:,} records", f"{size / 1024**3:.2f} GB", "", "≈ 5 GB"))
    if "stats" in parts:
        rows += stats_rows(province)
    if "report" in parts:
        rows += report_rows(out, province)
    if "merge" in parts:
        median = sorted(range(len(plan)), key=plan.__getitem__)[len(plan) // 2]  # a county of middling size
        rows += merge_rows(out, province, median)
    if "tui" in parts:
        more, text = tui_rows(province, quick)
        rows += more
        print(text, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="3 tiny counties in a temp folder (a smoke run for CI)")
    ap.add_argument("--dir", type=Path, help="the output folder (default benchmarks/out/province, quick a temp one)")
    ap.add_argument("--build-only", action="store_true", help="build the counties and the province file, measure nothing")
    ap.add_argument("--counties", type=int, help="merge only the first N counties (province-N.db): a smaller "
                    "province beside the full one, for the growth")
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    args = ap.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if parts - set(PARTS):
        ap.error(f"--only: unknown part(s) {', '.join(sorted(parts - set(PARTS)))}")
    out = args.dir or (Path(tempfile.mkdtemp(prefix="pb-province-")) if args.quick else BENCH / "out" / "province")
    out.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CONFIG_HOME"] = str(out / "config")  # the counties' keys never touch the real config
    plan = sizes(*(QUICK if args.quick else FULL))[:args.counties]
    t: dict = {}
    with clock(t):
        province = build(out, plan, say=(lambda s: None) if args.quick else lambda s: print(s, flush=True))
    print(f"province file {province}: {province.stat().st_size / 1024**3:.2f} GB, {len(plan)} counties, "
          f"{sum(plan):,} pledges ({t['wall']:.0f} s to build or find)", flush=True)
    if args.build_only:
        return
    rows = measure(out, province, plan, parts, args.quick)
    head = ("figure", "wall", "CPU", "aim")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, *rows]:
        print(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    print(f"(CPU = user+sys; {os.cpu_count()} CPUs; files in {out})")
    if args.quick:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
