"""Benchmarks: one command, one table.

    python benchmarks/run.py            # county scale and the 100,000-pledge file
    python benchmarks/run.py --quick    # small scale, for CI: checks nothing crashes

Builds its own files in benchmarks/out/ (or a temp folder with --quick).
Each figure is the median of a few runs of a fresh process; peak memory is
the child's max RSS where the OS reports it.
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


def run(cmd: list[str], repeat: int = 1, env: dict | None = None) -> tuple[float, float | None, str]:
    """Run a command `repeat` times; return (median seconds, peak MB, last stdout)."""
    times, peak, out = [], None, ""
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}")
        out = proc.stdout
        try:
            import resource

            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        except ImportError:
            peak = None
    return statistics.median(times), peak, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small scale, for CI")
    args = parser.parse_args()
    py = sys.executable
    pb = [py, "-m", "pledgebook"]
    out_dir = Path(tempfile.mkdtemp(prefix="pb-bench-")) if args.quick else ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUTF8": "1"}
    rows: list[tuple[str, str, str]] = []
    repeat = 1 if args.quick else 5

    base, _, _ = run([py, "-c", "import typer, peewee, rich.console"], repeat, env)
    helptime, _, _ = run(pb + ["--help"], repeat, env)
    rows.append(("python -c 'import typer, peewee, rich.console'", f"{base:.3f} s", ""))
    rows.append(("pledgebook --help", f"{helptime:.3f} s", f"{helptime / base:.2f}× the bare imports"))

    scales = [("demo (quick, 2,000 pledges)", 2_000, "quick.db")] if args.quick else [
        ("demo, default county (23,000 pledges)", 23_000, "county.db"),
        ("demo, 100,000 pledges", 100_000, "large.db"),
    ]
    for label, scale, name in scales:
        db = out_dir / name
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        t, _, _ = run(pb + ["demo", "--db", str(db), "--scale", str(scale), "--json"], 1, env)
        size = db.stat().st_size / 1024 / 1024
        rows.append((label, f"{t:.2f} s", f"{size:.1f} MB file"))
        st, _, out = run(pb + ["stats", "--db", str(db), "--json"], repeat, env)
        json.loads(out)  # the summary must be valid JSON
        rows.append((f"stats --json on {name}", f"{st:.3f} s", ""))
        # in-process: the figures alone (what the TUI pays)
        code = (
            "import time;from pledgebook.models.db import open_database;from pledgebook.models import rules;"
            "from pledgebook.models.figures import FigureBook;"
            f"open_database({str(db)!r});y=rules.current_year();t=time.perf_counter();"
            "[FigureBook(y) for _ in range(5)];print((time.perf_counter()-t)/5)"
        )
        _, _, fig = run([py, "-c", code], 1, env)
        rows.append((f"figures of the open year, in process ({name})", f"{float(fig):.3f} s", ""))
        code = (
            "import time;from pledgebook.models.db import open_database;from pledgebook.models import rules;"
            "from pledgebook.models.help_figures import HelpBook, idle_people;"
            f"open_database({str(db)!r});y=rules.current_year();t=time.perf_counter();"
            "[(HelpBook(y).subtree(), idle_people(3)) for _ in range(5)];print((time.perf_counter()-t)/5)"
        )
        _, _, fig = run([py, "-c", code], 1, env)
        rows.append((f"四帮四促 figures + idle list, in process ({name})", f"{float(fig):.3f} s", ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark'.ljust(width)}  {'time':>10}  note")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
