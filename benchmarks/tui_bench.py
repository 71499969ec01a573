"""TUI benchmark: the 100,000-pledge demo against a minimal Textual app, in one run.

    python benchmarks/tui_bench.py                 # builds/uses benchmarks/out/large.db (100,000 pledges)
    python benchmarks/tui_bench.py --db /tmp/large.db
    python benchmarks/tui_bench.py --quick         # 2,000 pledges in a temp folder: checks nothing crashes
    python benchmarks/tui_bench.py --terminal-only # only the whole-process first screen, in tmux

Measures, headless, each in a fresh process: launch → first screen fully
drawn (figures shown), search keystroke → refreshed list (median, p95),
open a pledge's detail, peak memory (max RSS). ``measure()`` returns the
figures as a dict so benchmarks/run.py can import it.

Then the first screen as a user sees it (``terminal()``): ``pledgebook --db FILE``
(the demo county, 23,000 pledges, built once into benchmarks/out/) and
benchmarks/minimal_app.py each started as a whole process in a real terminal
(tmux, 100×30), alternating, timed from the start until ``tmux capture-pane``
shows the county's 兑现率 figure / the minimal app's text; plain and pinned to
one core (``taskset -c 0``). Beside the wall time, the CPU the process had used when
tmux saw it, and (steadiest on a shared machine) its CPU when it wrote the first
frame that shows it (``FIRST_FRAME``: the frames after it and tmux's latency left out).
Without tmux this part says so and is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
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
        first_cpu = time.thread_time()
    print(json.dumps({"first": first, "first_cpu": first_cpu, "rss": rss()}))
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
# as `pledgebook` launches: open the file, start the first figures, then import Textual and build the app
from pledgebook.models.store.db import open_database
open_database(Path(sys.argv[1]))
from pledgebook.tui.startup import launch
KEYS = sys.argv[2]
MARK = []
def rss():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        return None
async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()
def drawn(app):
    # the first screen is drawn when the figures are in the table and the crumbs
    try:
        table = app.screen.query_one("#figures")
        return table.total > 0 and "承诺" in str(app.screen.query_one("#crumbs").render())
    except Exception:  # still starting: no such widget yet
        return False
async def main():
    app = launch(Path(sys.argv[1]), poll_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        while not drawn(app):
            await pilot.pause(0.002)
        await pilot.pause()  # and painted
        first = time.perf_counter() - t0
        first_cpu = time.thread_time()  # the UI thread's CPU: steadier than wall time on a busy machine
        first_rss = rss()
        await pilot.press("2")
        await settle(app, pilot)
        # hooks for the timings below, installed after the first screen was measured
        from pledgebook.tui.screens.pledges import PledgesScreen
        from pledgebook.tui.screens.detail import PledgeDetailScreen
        _loaded = PledgesScreen.on_pledges_screen_loaded
        def loaded(self, message):
            _loaded(self, message)
            if message.generation == self.generation:
                MARK.append(time.perf_counter())
        PledgesScreen.on_pledges_screen_loaded = loaded
        _load = PledgeDetailScreen.load
        def dload(self):
            _load(self)
            MARK.append(time.perf_counter())
        PledgeDetailScreen.load = dload
        paints = []
        _display = app._display
        def display(*args, **kwargs):
            _display(*args, **kwargs)
            paints.append(time.perf_counter())
        app._display = display  # every frame the app draws
        def painted_after(mark):
            return next((p for p in paints if p >= mark), None)
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
                while not MARK or painted_after(MARK[-1]) is None:
                    await pilot.pause(0)
                times.append(painted_after(MARK[-1]) - t)  # the key → the new list on screen
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
        "first_cpu": first_cpu,
        "first_rss": first_rss,
        "search_median": statistics.median(times),
        "search_p95": times[max(int(len(times) * 0.95) - 1, 0)],
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
    """Minimal app and ours, alternating, ``repeat`` times each; medians."""
    # As installed: pip compiles a package to bytecode, as Textual in site-packages is.
    # Without this, a PYTHONDONTWRITEBYTECODE environment (this sandbox has one) makes
    # every run compile our ~60 modules from source, ~60 ms the users never pay.
    import compileall

    compileall.compile_dir(ROOT / "pledgebook", quiet=1)
    minimal, ours = [], []
    for _ in range(repeat):
        minimal.append(_child(MINIMAL))
        ours.append(_child(PLEDGEBOOK, str(db), words))

    def med(runs: list[dict], key: str, scale: float = 1.0) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) * scale if values else None

    return {
        "minimal_first_s": med(minimal, "first"),
        "minimal_first_cpu_s": med(minimal, "first_cpu"),
        "minimal_rss_mb": med(minimal, "rss"),
        "first_s": med(ours, "first"),
        "first_cpu_s": med(ours, "first_cpu"),
        "first_rss_mb": med(ours, "first_rss"),
        "search_median_ms": med(ours, "search_median", 1000),
        "search_p95_ms": med(ours, "search_p95", 1000),
        "keystrokes": ours[0]["keystrokes"],
        "detail_ms": med(ours, "detail", 1000),
        "rss_mb": med(ours, "rss"),
    }


# ---------------------------------------------------------------- the first screen in a real terminal
# what only the finished home screen shows: the county's line 「… 承诺 N 条，…兑现率 68.8%…」
HOME_DONE = re.compile(r"兑现率 \d+(\.\d)?%")
MINIMAL_DONE = re.compile(r"minimal app ready")
SIZE = (100, 30)


# The process's own CPU (all threads, from its start) when it writes the first frame that shows the home
# figures / the minimal app's text: what the user waits for, without the frames after it nor tmux's
# latency in noticing it. Each app runs as the user starts it, Textual's frame writer wrapped (no hook
# in the program); the figure is written to argv[1] and the app quits.
FIRST_FRAME = r"""
import json, sys, time
from textual.app import App
out, kind = sys.argv[1], sys.argv[2]
_display = App._display
def shown(app):
    if kind == "minimal":
        return True
    try:
        return "兑现率" in str(app.screen.query_one("#crumbs").render())
    except Exception:  # still starting: no such widget yet
        return False
def display(self, *args, **kwargs):
    # Textual drops a frame made while starting or inside a batch: only a frame it writes counts
    written = self._running and not self._batch_count and len(args) > 1 and args[1] is not None
    _display(self, *args, **kwargs)
    if written and not getattr(self, "_bench_done", False) and shown(self):
        self._bench_done = True
        with open(out, "w") as fh:
            json.dump({"cpu": time.process_time()}, fh)
        self.exit()
App._display = display
if kind == "minimal":
    import runpy
    sys.argv = [sys.argv[3]]
    runpy.run_path(sys.argv[0], run_name="__main__")
else:
    sys.argv = ["pledgebook", *sys.argv[3:]]
    from pledgebook.cli import main
    main()
"""


class Terminal:
    """A tmux server of our own (its own socket) with one pane, in which each run is started afresh."""

    def __init__(self) -> None:
        self.socket = f"pb-bench-{os.getpid()}"
        self._tmux("new-session", "-d", "-s", "bench", "-x", str(SIZE[0]), "-y", str(SIZE[1]), "sleep 3600")
        self._tmux("set-option", "-g", "remain-on-exit", "on")
        self.socket_path = Path(self._tmux("display-message", "-p", "#{socket_path}").strip())

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-u", "-L", self.socket, *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise SystemExit(f"tmux {args[0]} failed: {proc.stderr.strip()}")
        return proc.stdout

    def time_to(self, command: list[str], done: re.Pattern[str], timeout: float = 60.0) -> tuple[float, float | None]:
        """Seconds from starting ``command`` in the pane until ``done`` is on the screen, and the CPU
        seconds the process had used by then (all its threads; None where /proc is missing)."""
        line = "exec " + shlex.join(command)
        started = time.perf_counter()
        self._tmux("respawn-pane", "-k", "-t", "bench", line)
        pid = self._tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip()
        while True:
            screen = self._tmux("capture-pane", "-p", "-t", "bench")
            elapsed = time.perf_counter() - started
            if done.search(screen):
                return elapsed, _cpu_seconds(pid)
            if elapsed > timeout:
                raise SystemExit(f"{shlex.join(command)}: no first screen after {timeout:.0f} s; the screen:\n{screen}")
            time.sleep(0.004)

    def first_frame_cpu(self, command: list[str], timeout: float = 60.0) -> float:
        """``command`` (ending in FIRST_FRAME's arguments but the file) run in the pane: its CPU at its first frame."""
        with tempfile.TemporaryDirectory(prefix="pb-frame-") as folder:
            out = Path(folder) / "cpu.json"
            self._tmux("respawn-pane", "-k", "-t", "bench", "exec " + shlex.join(_with_out(command, out)))
            started = time.perf_counter()
            while not out.exists() or not out.stat().st_size:
                if time.perf_counter() - started > timeout:
                    screen = self._tmux("capture-pane", "-p", "-t", "bench")
                    raise SystemExit(f"{command[-3:]}: no first frame after {timeout:.0f} s; the screen:\n{screen}")
                time.sleep(0.01)
            time.sleep(0.02)  # written whole (a few bytes)
            return float(json.loads(out.read_text())["cpu"])

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, stdin=subprocess.DEVNULL)
        self.socket_path.unlink(missing_ok=True)  # tmux leaves it behind when killed


def _cpu_seconds(pid: str) -> float | None:
    """User + system CPU of process ``pid`` so far (a busy machine stretches wall time, not this)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _commands(db: Path, pinned: bool) -> tuple[list[str], list[str]]:
    env = ["env", f"PYTHONPATH={ROOT}", "PYTHONUTF8=1", "LANG=C.UTF-8", "TERM=xterm-256color", "COLORTERM=truecolor"]
    pin = ["taskset", "-c", "0"] if pinned else []
    script = Path(sys.executable).with_name("pledgebook")  # the command a user types, as pip installs it
    ours = [str(script)] if script.exists() else [sys.executable, "-m", "pledgebook"]
    return ([*env, *pin, *ours, "--db", str(db)],
            [*env, *pin, sys.executable, str(ROOT / "benchmarks" / "minimal_app.py")])


def _with_out(command: list[str], out: Path) -> list[str]:
    """FIRST_FRAME's command with the file it writes to put in as its first argument."""
    i = command.index(FIRST_FRAME) + 1
    return [*command[:i], str(out), *command[i:]]


def _frame_commands(db: Path, pinned: bool) -> tuple[list[str], list[str]]:
    env = ["env", f"PYTHONPATH={ROOT}", "PYTHONUTF8=1", "LANG=C.UTF-8", "TERM=xterm-256color", "COLORTERM=truecolor"]
    pin = ["taskset", "-c", "0"] if pinned else []
    run = [*env, *pin, sys.executable, "-c", FIRST_FRAME]
    return [*run, "pledgebook", "--db", str(db)], [*run, "minimal", str(ROOT / "benchmarks" / "minimal_app.py")]


def terminal(db: Path, repeat: int = 5) -> dict | None:
    """Whole processes in tmux, alternating ours and the minimal app; min/median/max, plain and on one core.

    None (after a line saying so) when tmux is not installed.
    """
    if shutil.which("tmux") is None:
        print("whole-process first screen: skipped (tmux is not installed; apt-get install tmux)")
        return None
    import compileall

    compileall.compile_dir(ROOT / "pledgebook", quiet=1)  # as pip installs it (see measure)
    pin_ok = shutil.which("taskset") is not None
    result: dict = {"repeat": repeat}
    term = Terminal()
    try:
        for pinned in (False, True) if pin_ok else (False,):
            ours_cmd, minimal_cmd = _commands(db, pinned)
            term.time_to(ours_cmd, HOME_DONE)  # once each unmeasured: the file and the libraries in the OS cache
            term.time_to(minimal_cmd, MINIMAL_DONE)
            ours, minimal = [], []
            for _ in range(repeat):
                minimal.append(term.time_to(minimal_cmd, MINIMAL_DONE))
                ours.append(term.time_to(ours_cmd, HOME_DONE))
            ours_frame, minimal_frame = _frame_commands(db, pinned)
            frames: tuple[list[float], list[float]] = ([], [])
            for _ in range(repeat):
                frames[1].append(term.first_frame_cpu(minimal_frame))
                frames[0].append(term.first_frame_cpu(ours_frame))
            result["one_core" if pinned else "plain"] = {
                "ours": _spread([wall for wall, _cpu in ours]),
                "minimal": _spread([wall for wall, _cpu in minimal]),
                "ratio": statistics.median(w for w, _c in ours) / statistics.median(w for w, _c in minimal),
                "ours_cpu": _median([cpu for _wall, cpu in ours]),
                "minimal_cpu": _median([cpu for _wall, cpu in minimal]),
                "ours_frame_cpu": statistics.median(frames[0]),
                "minimal_frame_cpu": statistics.median(frames[1]),
            }
    finally:
        term.close()
    return result


def _spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def terminal_table(r: dict) -> str:
    """The whole-process figures: min / median / max of each, and the ratio of the medians."""
    lines = [f"first screen as a user sees it (tmux {SIZE[0]}×{SIZE[1]}, {r['repeat']} runs each, alternating), "
             "seconds min / median / max:"]
    for key, label in (("plain", "all CPUs"), ("one_core", "taskset -c 0")):
        if key not in r:
            lines.append(f"  {label}: skipped (no taskset)")
            continue
        f = r[key]
        ours = " / ".join(f"{v:.3f}" for v in f["ours"])
        minimal = " / ".join(f"{v:.3f}" for v in f["minimal"])
        lines.append(f"  {label:13} pledgebook {ours}   minimal app {minimal}   ×{f['ratio']:.2f} (aim ≤ ×1.3)")
        if f["ours_cpu"] and f["minimal_cpu"]:  # 10 ms ticks: a steadier figure on a busy machine
            lines.append(f"  {'':13} CPU to it, median: pledgebook {f['ours_cpu']:.2f}, minimal app "
                         f"{f['minimal_cpu']:.2f}   ×{f['ours_cpu'] / f['minimal_cpu']:.2f}")
        lines.append(f"  {'':13} CPU at the first frame that shows it, median: pledgebook {f['ours_frame_cpu']:.3f}, "
                     f"minimal app {f['minimal_frame_cpu']:.3f}   ×{f['ours_frame_cpu'] / f['minimal_frame_cpu']:.2f}")
    return "\n".join(lines)


def county_db() -> Path:
    """The demo county (default scale, 23,000 pledges), built once under benchmarks/out/ as run.py names it."""
    db = ROOT / "benchmarks" / "out" / "county-23000.db"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        build(db, 23_000)
    return db


def build(db: Path, scale: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "pledgebook", "demo", "--db", str(db), "--scale", str(scale), "--json"],
                   check=True, env=env, cwd=ROOT, capture_output=True, stdin=subprocess.DEVNULL)


def table(r: dict) -> str:
    """The figures beside the minimal app's and the aims, as a plain-text table."""

    def ratio(a: float | None, b: float | None) -> str:
        return f"×{a / b:.2f}" if a and b else "—"

    rows = [
        ("figure", "pledgebook", "minimal app", "ratio", "aim"),
        ("first screen drawn (s)", f"{r['first_s']:.3f}", f"{r['minimal_first_s']:.3f}",
         ratio(r["first_s"], r["minimal_first_s"]), "≤ ×1.3"),
        ("  UI thread CPU to it (s)", f"{r['first_cpu_s']:.3f}", f"{r['minimal_first_cpu_s']:.3f}",
         ratio(r["first_cpu_s"], r["minimal_first_cpu_s"]), ""),
        ("search keystroke, median (ms)", f"{r['search_median_ms']:.1f}", "", "", "≤ 50"),
        ("search keystroke, p95 (ms)", f"{r['search_p95_ms']:.1f}", "", f"{r['keystrokes']} keys", "≤ 100"),
        ("open detail (ms)", f"{r['detail_ms']:.1f}", "", "", "≤ 50"),
    ]
    if r["rss_mb"] and r["minimal_rss_mb"]:
        rows.append(("memory at first screen (MB)", f"{r['first_rss_mb']:.0f}", f"{r['minimal_rss_mb']:.0f}",
                     ratio(r["first_rss_mb"], r["minimal_rss_mb"]), ""))
        rows.append(("peak memory (MB)", f"{r['rss_mb']:.0f}", f"{r['minimal_rss_mb']:.0f}",
                     ratio(r["rss_mb"], r["minimal_rss_mb"]), "≤ ×1.5"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 pledges, one run (for CI; about 20 s)")
    parser.add_argument("--db", type=Path, help="an existing demo file to use")
    parser.add_argument("--repeat", type=int, help="runs of each app (default 3, quick 1)")
    parser.add_argument("--terminal-repeat", type=int, help="runs of each app in the terminal (default 7, quick 2)")
    parser.add_argument("--terminal-only", action="store_true", help="only the whole-process first screen (tmux)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    quick_db = None
    if args.db:
        db = args.db
    elif args.quick:
        db = quick_db = Path(tempfile.mkdtemp(prefix="pb-tui-")) / "quick.db"
        build(db, 2_000)
    else:
        db = ROOT / "benchmarks" / "out" / "large.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        if not db.exists() and not args.terminal_only:
            build(db, 100_000)
    r: dict = {}
    if not args.terminal_only:
        started = time.perf_counter()
        repeat = args.repeat or (1 if args.quick else 3)
        r = measure(db, repeat=repeat, words="zs,lzz,茶叶" if args.quick else WORDS)
        print(f"TUI benchmark on {db}: {repeat} run(s) of each app, medians ({time.perf_counter() - started:.0f} s)")
        print(table(r))
    started = time.perf_counter()
    county = args.db or quick_db or county_db()
    term = terminal(county, repeat=args.terminal_repeat or (2 if args.quick else 7))
    if term is not None:
        print(f"on {county} ({time.perf_counter() - started:.0f} s)")
        print(terminal_table(term))
        r["terminal"] = term
    if args.json:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
