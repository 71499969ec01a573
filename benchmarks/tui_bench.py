"""TUI benchmark: the 100,000-pledge demo against a minimal Textual app, in one run.

    python benchmarks/tui_bench.py                 # builds/uses benchmarks/out/large.db (100,000 pledges)
    python benchmarks/tui_bench.py --db /tmp/large.db
    python benchmarks/tui_bench.py --quick         # 2,000 pledges in a temp folder: checks nothing crashes

Measures, headless, each in a fresh process: launch → first screen fully
drawn (figures shown), search keystroke → refreshed list (median, p95),
open a pledge's detail, peak memory (max RSS). ``measure()`` returns the
figures as a dict so benchmarks/run.py can import it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = r"""
import time, sys, json
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Header, Footer, DataTable
class Minimal(App):
    def compose(self):
        yield Header(); yield DataTable(); yield Footer()
async def main():
    app = Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = time.perf_counter() - t0
    print(json.dumps({"first": first, "rss": rss()}))
def rss():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        return None
import asyncio; asyncio.run(main())
"""

PLEDGEBOOK = r"""
import time, sys, json, statistics
t0 = time.perf_counter()
from pathlib import Path
from pledgebook.tui.app import PledgebookApp
from pledgebook.tui.screens.pledges import PledgesScreen
from pledgebook.tui.screens.detail import PledgeDetailScreen
MARK = []
_loaded = PledgesScreen.on_pledges_screen_loaded
def loaded(self, message):
    _loaded(self, message)
    MARK.append(time.perf_counter())
PledgesScreen.on_pledges_screen_loaded = loaded
_load = PledgeDetailScreen.load
def dload(self):
    _load(self)
    MARK.append(time.perf_counter())
PledgeDetailScreen.load = dload
KEYS = sys.argv[2]
def rss():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        return None
async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()
async def main():
    app = PledgebookApp(Path(sys.argv[1]), poll_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        while "承诺" not in str(app.screen.query_one("#crumbs").render()):
            await pilot.pause(0.005)
        first = time.perf_counter() - t0
        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("slash")
        table = app.screen.query_one("VirtualTable")
        times = []
        for word in KEYS.split(","):
            await pilot.press("ctrl+a", "ctrl+k")  # clear the box
            await settle(app, pilot)
            for ch in word:
                MARK.clear()
                t = time.perf_counter()
                await pilot.press(ch)
                while not MARK:
                    await pilot.pause(0)
                times.append(MARK[-1] - t)
                await settle(app, pilot)
        await pilot.press("ctrl+a", "ctrl+k")
        await settle(app, pilot)
        table.focus()
        detail = []
        for _ in range(10):
            MARK.clear()
            t = time.perf_counter()
            await pilot.press("enter")
            while not MARK:
                await pilot.pause(0)
            detail.append(MARK[-1] - t)
            await pilot.press("escape", "down")
            await pilot.pause(0)
    times.sort()
    print(json.dumps({
        "first": first,
        "search_median": statistics.median(times),
        "search_p95": times[int(len(times) * 0.95) - 1],
        "keystrokes": len(times),
        "detail": statistics.median(detail),
        "rss": rss(),
    }))
import asyncio; asyncio.run(main())
"""

WORDS = "zs,lzz,zhs,茶叶,带头发展,联珠镇,wjh,调解矛盾,hm,服务群众,lzzw,12345"


def _child(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUTF8": "1"}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(db: Path, repeat: int = 3, words: str = WORDS) -> dict:
    minimal = [_child(MINIMAL) for _ in range(repeat)]
    ours = [_child(PLEDGEBOOK, str(db), words) for _ in range(repeat)]

    def med(runs: list[dict], key: str) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    return {
        "minimal_first_s": med(minimal, "first"),
        "minimal_rss_mb": med(minimal, "rss"),
        "first_s": med(ours, "first"),
        "search_median_ms": med(ours, "search_median") * 1000,
        "search_p95_ms": med(ours, "search_p95") * 1000,
        "keystrokes": ours[0]["keystrokes"],
        "detail_ms": med(ours, "detail") * 1000,
        "rss_mb": med(ours, "rss"),
    }


def build(db: Path, scale: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "pledgebook", "demo", "--db", str(db), "--scale", str(scale), "--json"],
                   check=True, env=env, cwd=ROOT, capture_output=True, stdin=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 pledges, one run: checks nothing crashes")
    parser.add_argument("--db", type=Path, help="an existing demo file to use")
    args = parser.parse_args()
    if args.db:
        db = args.db
    elif args.quick:
        db = Path(tempfile.mkdtemp(prefix="pb-tui-")) / "quick.db"
        build(db, 2_000)
    else:
        db = ROOT / "benchmarks" / "out" / "large.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        if not db.exists():
            build(db, 100_000)
    started = time.perf_counter()
    r = measure(db, repeat=1 if args.quick else 3, words="zs,lzz" if args.quick else WORDS)
    ratio_first = r["first_s"] / r["minimal_first_s"]
    ratio_mem = (r["rss_mb"] / r["minimal_rss_mb"]) if r["rss_mb"] and r["minimal_rss_mb"] else None
    print(f"TUI benchmark on {db} ({time.perf_counter() - started:.0f} s)")
    print(f"  first screen drawn   {r['first_s']:.3f} s   minimal app {r['minimal_first_s']:.3f} s   ×{ratio_first:.2f} (aim ≤1.3)")
    print(f"  search keystroke     median {r['search_median_ms']:.1f} ms, p95 {r['search_p95_ms']:.1f} ms"
          f" over {r['keystrokes']} keys (aim ≤50 / ≤100)")
    print(f"  open detail          {r['detail_ms']:.1f} ms (aim ≤50)")
    if ratio_mem is not None:
        print(f"  peak memory          {r['rss_mb']:.0f} MB   minimal app {r['minimal_rss_mb']:.0f} MB   ×{ratio_mem:.2f} (aim ≤1.5)")


if __name__ == "__main__":
    main()
