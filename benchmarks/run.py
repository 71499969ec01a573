"""Benchmarks: one command, one table.

    python benchmarks/run.py              # default county (23,000 pledges) and the 100,000-pledge file
    python benchmarks/run.py --one-core   # the same, pinned to one CPU (stands in for an old office PC)
    python benchmarks/run.py --quick      # small scale, for CI: checks nothing crashes (no time limits)

Builds every file it needs itself (benchmarks/out/, reused on the next run;
a temp folder with --quick). Every figure is a fresh process through the CLI
(``python -m pledgebook ...``) unless marked "in process"; time is the median
of a few runs, memory is that child's peak RSS (max resident set, from
``os.wait4``; blank where the OS does not report it). The TUI rows come from
``benchmarks/tui_bench.py``'s ``measure()``; the raw import rate from
``benchmarks/import_bench.py``. The peer row installs sqlite-utils into a
throw-away venv under the output folder (never a project dependency) and is
skipped with a note when it cannot be installed (offline) and in --quick.
User folders (keys, config) are redirected into the output folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

COUNTY_CODE = r"""
import sys
from pledgebook.demo.pledges import build_demo
from pledgebook.models.store.db import open_database, set_setting
from pledgebook.models.store.tables import database
path, n, seed, code, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
open_database(path)
build_demo(total_pledges=n, seed=seed, years=1)
with database.atomic():
    set_setting("county_code", code)
    set_setting("county_name", name)
    database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])
    database.execute_sql("UPDATE org SET name = ? WHERE parent_id IS NULL", [name])
"""

PREFECTURE_CODE = r"""
import sys
from datetime import date
from pledgebook.models.ledger import rules
from pledgebook.models.store.db import open_database
open_database(sys.argv[1])
rules.init_county("普洱市", "530800", date.today().year, level="prefecture")
"""

RAW_CODE = r"""
import sys, json
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from import_bench import raw_rate
print(json.dumps({"t": raw_rate(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))[0]}))  # (seconds, cpu): the wall time
"""


class Failed(SystemExit):
    pass


def child(cmd: list[str], env: dict, ok: tuple[int, ...] = (0,)) -> tuple[float, float | None, str]:
    """Run one process; return (seconds, its peak RSS in MB or None, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        peak = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            # Linux reports KiB, macOS bytes
            peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        else:  # pragma: no cover - Windows
            proc.wait()
            elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if proc.returncode not in ok:
            sys.stderr.write(stdout[-3000:] + err.read().decode("utf-8", "replace")[-3000:])
            raise Failed(f"benchmark command failed ({proc.returncode}): {' '.join(map(str, cmd))}")
    return elapsed, peak, stdout


def repeat(cmd: list[str], env: dict, times: int, prepare=None) -> tuple[float, float | None, str]:
    """Median time and max peak over ``times`` fresh runs (``prepare()`` before each, untimed)."""
    runs = []
    for _ in range(times):
        if prepare:
            prepare()
        runs.append(child(cmd, env))
    peaks = [p for _, p, _ in runs if p is not None]
    return statistics.median(t for t, _, _ in runs), (max(peaks) if peaks else None), runs[-1][2]


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def copy_db(src: Path, dst: Path) -> Path:
    """A fresh copy of a ledger (and nothing beside it) in its own folder."""
    if dst.parent.exists():
        shutil.rmtree(dst.parent)
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    return dst


def peer_venv(folder: Path, quick: bool) -> tuple[Path | None, str]:
    """sqlite-utils in a throw-away venv of the benchmark (never the project's); None and why when not."""
    if quick:
        return None, "skipped in --quick"
    venv = folder / "peer-venv"
    exe = venv / ("Scripts" if os.name == "nt" else "bin") / ("sqlite-utils.exe" if os.name == "nt" else "sqlite-utils")
    if exe.exists():
        return exe, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        py = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "sqlite-utils"], check=True, capture_output=True,
                       timeout=300)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(venv, ignore_errors=True)
        return None, f"sqlite-utils not installable here ({type(exc).__name__}): skipped"
    return (exe, "") if exe.exists() else (None, "sqlite-utils installed no command: skipped")


def pin_one_core() -> str:
    """Pin this process (and so every child) to CPU 0; say how, or why not."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
        return "pinned to CPU 0 (sched_setaffinity, as taskset -c 0)"
    return "NOT pinned: this OS has no CPU affinity call here (use start /affinity 1 on Windows)"


def main() -> None:
    parser = argparse.ArgumentParser(description="Pledgebook benchmarks: one table.")
    parser.add_argument("--quick", action="store_true", help="small scale, for CI: checks nothing crashes")
    parser.add_argument("--one-core", action="store_true", help="pin everything to one CPU (an old office PC)")
    parser.add_argument("--out", type=Path, help="folder for the built files (default benchmarks/out)")
    parser.add_argument("--json", dest="as_json", type=Path, help="also write the table as JSON to this file")
    args = parser.parse_args()
    pinned = pin_one_core() if args.one_core else f"all {os.cpu_count()} CPUs"
    started = time.perf_counter()
    quick = args.quick
    out = args.out or (Path(tempfile.mkdtemp(prefix="pb-bench-")) if quick else BENCH / "out")
    out.mkdir(parents=True, exist_ok=True)
    home = out / "home"
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(ROOT), "HOME": str(home), "USERPROFILE": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "APPDATA": str(home / "appdata"), "LOCALAPPDATA": str(home / "localappdata")}
    env.pop("PLEDGEBOOK_DB", None)
    py = sys.executable
    pb = [py, "-m", "pledgebook"]
    n = 1 if quick else 5  # runs per figure (median)
    few = 1 if quick else 3
    county_scale, large_scale = (1_500, 3_000) if quick else (23_000, 100_000)
    import_rows = 1_000 if quick else 20_000
    counties, per_county = (3, 400) if quick else (12, 11_500)
    rows: list[tuple[str, str, str, str]] = []

    def add(name: str, seconds: float | str, peak: float | None, note: str = "") -> None:
        value = seconds if isinstance(seconds, str) else (f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s")
        rows.append((name, value, f"{peak:.0f} MB" if peak else "", note))
        print(f"  … {name}: {value}", file=sys.stderr, flush=True)

    # ---- start-up
    base, bpeak, _ = repeat([py, "-c", "import typer, peewee, rich.console"], env, n)
    t, peak, _ = repeat(pb + ["--help"], env, n)
    add("CLI start-up: pledgebook --help", t, peak, f"bare import typer+peewee+rich {base * 1000:.0f} ms ({t / base:.2f}×)")

    # ---- demo generation (cached files for everything after)
    county = out / f"county-{county_scale}.db"
    large = out / f"large-{large_scale}.db"
    for label, scale, path in (("default county", county_scale, county), ("large file", large_scale, large)):
        tmp = out / "demo-build" / "demo.db"
        t, peak, _ = child(pb + ["demo", "--db", str(tmp), "--scale", str(scale), "--json"], env)
        size = tmp.stat().st_size / 1024 ** 2
        add(f"demo generation, {label} ({scale:,} pledges)", t, peak, f"{size:.0f} MB file")
        if not path.exists():
            shutil.copyfile(tmp, path)
        shutil.rmtree(tmp.parent)
    stats = json.loads(child(pb + ["stats", "--db", str(large), "--json"], env)[2])
    year = stats["year"]

    # ---- TUI (headless), on the large file
    import tui_bench

    tui = tui_bench.measure(large, repeat=few, words="zs,lzz" if quick else tui_bench.WORDS)
    add("TUI launch to first screen (headless)", tui["first_s"], tui.get("rss_mb"),
        f"minimal Textual app {tui['minimal_first_s']:.2f} s, {tui.get('minimal_rss_mb') or 0:.0f} MB")
    add("filter latency per keystroke, median", tui["search_median_ms"] / 1000, None,
        f"p95 {tui['search_p95_ms']:.0f} ms over {tui['keystrokes']} keys, {stats['totals']['pledges']:,} pledges in the year")
    add("filter latency per keystroke, p95", tui["search_p95_ms"] / 1000, None)
    add("open a pledge's detail", tui["detail_ms"] / 1000, None, "median of 10")

    # ---- import: a workbook and a GBK CSV into the default county, against the raw rate and a peer
    import import_bench

    imp = out / "import"
    imp.mkdir(exist_ok=True)
    county_year, data = import_bench.build_rows(county, import_rows)
    xlsx, gbk = imp / "承诺台账.xlsx", imp / "承诺台账.csv"
    import_bench.write_xlsx(xlsx, data)
    with gbk.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(import_bench.HEADER)
        writer.writerows(data)
    raw_runs = []
    for _ in range(few):
        copy_db(county, imp / "raw" / "county.db")
        _, rpeak, rout = child([py, "-c", RAW_CODE, str(BENCH), str(xlsx), str(imp / "raw" / "county.db"), str(import_rows)], env)
        raw_runs.append(json.loads(rout)["t"])
    raw = min(raw_runs)
    add(f"raw: calamine read + executemany ({import_rows:,} rows)", raw, rpeak, f"{import_rows / raw:,.0f} rows/s (the floor)")
    work = imp / "work" / "county.db"
    for label, path in (("xlsx workbook", xlsx), ("GBK CSV", gbk)):
        t, peak, o = repeat(pb + ["import", str(path), "--db", str(work), "--year", str(county_year), "--json"], env, few,
                            prepare=lambda: copy_db(county, work))
        summary = json.loads(o)
        added = summary["totals"]["added"]
        if added != import_rows:
            raise Failed(f"import of {path.name} added {added} of {import_rows} rows")
        add(f"import {import_rows:,}-row {label}", t, peak, f"{import_rows / t:,.0f} rows/s; {t / raw:.1f}× the raw rate"
            f" (in process {summary['files'][0]['seconds']:.2f} s, {summary['files'][0]['seconds'] / raw:.1f}×)")
    exe, why = peer_venv(out, quick)
    if exe:
        peer = imp / "peer" / "peer.db"

        def fresh_peer() -> None:
            shutil.rmtree(peer.parent, ignore_errors=True)
            peer.parent.mkdir(parents=True)

        t, peak, _ = repeat([str(exe), "insert", str(peer), "pledges", str(gbk), "--csv", "--encoding", "gbk"], env, few,
                            prepare=fresh_peer)
        add("peer: sqlite-utils insert --csv (same GBK rows)", t, peak, f"{import_rows / t:,.0f} rows/s; no checks, new table")
    else:
        add("peer: sqlite-utils insert --csv", "—", None, why)

    # ---- hand-off on the large file: report, bundle (write + read-back verify), verify alone
    hand = out / "handoff"
    shutil.rmtree(hand, ignore_errors=True)
    (hand / "keys").mkdir(parents=True)
    child(pb + ["keys", "init", "--force", "--out", str(hand / "keys"), "--db", str(large)], env)  # bundles are signed
    t, peak, _ = repeat(pb + ["export", "report", "-o", str(hand / "report.xlsx"), "--db", str(large), "--json"], env, few)
    add(f"report export ({year}, {stats['totals']['pledges']:,} pledges)", t, peak, "xlsx workbook")

    def clear_stick() -> None:
        shutil.rmtree(hand / "stick", ignore_errors=True)
        (hand / "stick").mkdir()

    t, peak, o = repeat(pb + ["export", "bundle", "--to", str(hand / "stick"), "--db", str(large), "--json"], env, few,
                        prepare=clear_stick)
    bundle = json.loads(o)
    add("bundle export, whole file (write + read-back)", t, peak,
        f"{sum(bundle['counts'].values()):,} records, {bundle['size'] / 1024 ** 2:.1f} MB")
    t, peak, _ = repeat(pb + ["verify", bundle["path"], "--db", str(large), "--json"], env, n)
    add("verify the bundle", t, peak)

    # ---- prefecture merge of 12 county bundles (counties cached; bundles fresh)
    paths = []
    for i in range(counties):
        db = out / "counties" / f"county{i}-{per_county}.db"
        if not db.exists():
            db.parent.mkdir(exist_ok=True)
            child([py, "-c", COUNTY_CODE, str(db), str(per_county), str(100 + i), f"5399{i + 10:02d}", f"第{i + 1}县"], env)
        child(pb + ["keys", "init", "--force", "--out", str(hand / "keys"), "--db", str(db)], env)
        stick = hand / f"county{i}"
        stick.mkdir()
        paths.append(json.loads(child(pb + ["export", "bundle", "--to", str(stick), "--db", str(db), "--json"], env)[2])["path"])
    pref = hand / "prefecture" / "prefecture.db"

    def fresh_prefecture() -> None:
        shutil.rmtree(pref.parent, ignore_errors=True)
        pref.parent.mkdir()
        child([py, "-c", PREFECTURE_CODE, str(pref)], env)
        for i in range(counties):  # the prefecture trusts each county's key (after the phone call), untimed
            child(pb + ["keys", "trust", str(hand / "keys" / f"5399{i + 10:02d}.pub"), "--yes", "--db", str(pref)], env)

    t, peak, o = repeat(pb + ["import", *paths, "--db", str(pref), "--json"], env, few, prepare=fresh_prefecture)
    merged = json.loads(o)
    bad = [f for f in merged["files"] if f.get("status") != "bundle"]
    if bad:
        raise Failed(f"prefecture merge failed: {bad[0]}")
    pledges = child([py, "-c", "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute("
                     "'select count(*) from pledge').fetchone()[0])", str(pref)], env)[2].strip()
    add(f"prefecture merge of {counties} bundles", t, peak, f"{int(pledges):,} pledges merged, one command")

    # ---- year end on the large file: rollover (fresh copy each run), backup
    roll = out / "rollover" / "ledger.db"
    t, peak, o = repeat(pb + ["rollover", str(year), "--db", str(roll), "--force", "--yes", "--json"], env, few,
                        prepare=lambda: copy_db(large, roll))
    summary = json.loads(o)
    add(f"rollover of {year} (backup + transaction + archive)", t, peak,
        f"{summary['carried']:,} carried; transaction {summary['timings']['write']:.2f} s")
    t, peak, o = repeat(pb + ["reopen", str(year), "--db", str(roll), "--yes", "--json"], env, 1)
    add(f"reopen {year} (undo the rollover)", t, peak, f"{json.loads(o)['undone']:,} carried pledges undone")
    back = out / "backup" / "ledger.db"
    copy_db(large, back)
    t, peak, o = repeat(pb + ["backup", "--db", str(back), "--json"], env, few)
    info = json.loads(o)
    add("backup (online backup API, verified)", t, peak, f"{info['size'] / 1024 ** 2:.0f} MB")
    t, peak, _ = child(pb + ["restore", info["path"], "--db", str(back), "--yes", "--json"], env)
    add("restore (verify + safety backup + copy)", t, peak)

    # ---- the table
    head = ("benchmark", "time", "peak RSS", "note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    title = (f"Pledgebook benchmarks — {'QUICK (small scale, smoke only)' if quick else 'county scale'}; {pinned}; "
             f"python {sys.version.split()[0]}; {time.perf_counter() - started:.0f} s in all")
    print(title)
    print(f"{head[0]:<{widths[0]}}  {head[1]:>{widths[1]}}  {head[2]:>{widths[2]}}  {head[3]}")
    for name, value, peak_s, note in rows:
        print(f"{name:<{widths[0]}}  {value:>{widths[1]}}  {peak_s:>{widths[2]}}  {note}")
    if args.as_json:
        args.as_json.write_text(json.dumps({"title": title, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    if quick:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Failed as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(1) from None
