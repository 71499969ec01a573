"""Year-end benchmarks: rollover, reopen, backup and restore on the 100,000-pledge demo, as whole commands.

    python benchmarks/yearend_bench.py                  # 100,000 pledges (benchmarks/out/large-100000.db)
    python benchmarks/yearend_bench.py --one-core       # the same, pinned to one CPU
    python benchmarks/yearend_bench.py --base /tmp/old  # also time another source tree (e.g. the commit
                                                        # before, from ``git archive``) in the same run
    python benchmarks/yearend_bench.py --quick          # 2,000 pledges, for CI: checks nothing crashes

The 100,000-pledge file is the one benchmarks/run.py builds and caches
(``benchmarks/out/large-100000.db``): built here too when missing, reused
when present. Every figure is a fresh process (``python -m pledgebook ...``)
on a fresh copy of that file: wall time (median of the runs), CPU (user +
system of the child, from ``os.wait4``) and peak RSS. Beside each its floor,
measured in the same run:

- restore: a plain copy of the same file (``shutil.copyfile``) plus start-up (``pledgebook --help``);
- rollover: start-up, two plain copies (the backup before, the archive after) and its own transaction;
- backup: a plain copy plus start-up.

The restore is timed twice on the same backup: the first time it runs
``integrity_check`` (no record of a passed check yet); after that its SHA-256
matches the one recorded beside it and only the hash is computed.
Aims (issue 20): restore ≤ 3 s, rollover ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"


class Run:
    """One child process: wall seconds, CPU seconds (user + system, None where not reported), peak RSS MB."""

    def __init__(self, wall: float, cpu: float | None, rss: float | None, stdout: str) -> None:
        self.wall, self.cpu, self.rss, self.stdout = wall, cpu, rss, stdout


def child(cmd: list[str], env: dict) -> Run:
    """Run one process in the source tree of its PYTHONPATH (``-m`` puts the working folder first on the path)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=env.get("PYTHONPATH", ROOT))
        cpu = rss = None
        if hasattr(os, "wait4"):
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            rss = usage.ru_maxrss / 1024  # KB on Linux
        else:
            proc.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            sys.stderr.write(stdout[-3000:] + err.read().decode("utf-8", "replace")[-3000:])
            raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}")
    return Run(wall, cpu, rss, stdout)


def median_run(runs: list[Run]) -> Run:
    runs = sorted(runs, key=lambda r: r.wall)
    mid = runs[len(runs) // 2]
    cpus = [r.cpu for r in runs if r.cpu is not None]
    rsss = [r.rss for r in runs if r.rss is not None]
    return Run(mid.wall, statistics.median(cpus) if cpus else None, max(rsss) if rsss else None, mid.stdout)


def fresh(template: Path, folder: Path) -> Path:
    """A fresh copy of the ledger, alone in its own folder."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    target = folder / "ledger.db"
    shutil.copyfile(template, target)
    return target


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def template_file(quick: bool, work: Path, env: dict) -> Path:
    """The demo file: benchmarks/out/large-100000.db (as benchmarks/run.py caches it), or a small one."""
    scale = 2_000 if quick else 100_000
    path = (work if quick else OUT) / f"large-{scale}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build = path.parent / "demo-build-yearend" / "demo.db"
        if build.parent.exists():
            shutil.rmtree(build.parent)
        child([sys.executable, "-m", "pledgebook", "demo", "--db", str(build), "--scale", str(scale), "--json"], env)
        shutil.copyfile(build, path)
        shutil.rmtree(build.parent)
    return path


def combine(rounds: list[dict[str, Run | float]]) -> dict[str, Run | float]:
    """The median of each row over the rounds."""
    out: dict[str, Run | float] = {}
    for key, first in rounds[0].items():
        if isinstance(first, Run):
            out[key] = median_run([r for one in rounds if isinstance(r := one[key], Run)])
        else:
            out[key] = statistics.median([v for one in rounds if isinstance(v := one[key], float)])
    return out


def measure(tree: Path, template: Path, work: Path) -> dict[str, Run | float]:
    """One round of the year-end commands with the source tree ``tree``: each row's run, the transaction time."""
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(tree)}
    pb = [sys.executable, "-m", "pledgebook"]
    stats = json.loads(child(pb + ["stats", "--db", str(template), "--json"], env).stdout)
    year = str(stats["year"])
    rolled = fresh(template, work / "roll")
    roll = child(pb + ["rollover", year, "--db", str(rolled), "--force", "--yes", "--json"], env)
    write = float(json.loads(roll.stdout)["timings"]["write"])
    reopen = child(pb + ["reopen", year, "--db", str(rolled), "--yes", "--json"], env)
    db = fresh(template, work / "backup")
    made_by = child(pb + ["backup", "--db", str(db), "--json"], env)
    made = Path(json.loads(made_by.stdout)["path"])
    first = child(pb + ["restore", str(made), "--db", str(db), "--yes", "--json"], env)
    again = child(pb + ["restore", str(made), "--db", str(db), "--yes", "--json"], env)
    shutil.rmtree(work, ignore_errors=True)
    return {"rollover": roll, "write": write, "reopen": reopen, "backup": made_by,
            "restore_first": first, "restore_again": again}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small scale, for CI")
    parser.add_argument("--one-core", action="store_true", help="pin everything to one CPU")
    parser.add_argument("--base", type=Path, help="another source tree to time in the same run (before)")
    args = parser.parse_args()
    pinned = "all CPUs"
    if args.one_core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
        pinned = "pinned to CPU 0"
    repeat = 1 if args.quick else 3
    work = Path(tempfile.mkdtemp(prefix="pb-yearend-"))
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONPATH": str(ROOT)}
    try:
        template = template_file(args.quick, work, env)
        size = template.stat().st_size
        startup = median_run([child([sys.executable, "-m", "pledgebook", "--help"], env) for _ in range(repeat)])
        copy = timed(lambda: shutil.copyfile(template, work / "plain-copy.db"), repeat)
        trees = [("before", args.base)] if args.base else []
        trees.append(("now", ROOT))
        rounds: dict[str, list[dict[str, Run | float]]] = {label: [] for label, _ in trees}
        for i in range(repeat):  # the trees in turn, round by round: the machine's load falls on both alike
            for label, tree in trees:
                rounds[label].append(measure(tree, template, work / f"{label}{i}"))
        results = {label: combine(runs) for label, runs in rounds.items()}
        now = results["now"]
        write = now["write"]
        assert isinstance(write, float)
        floors = {
            "rollover": (startup.wall + 2 * copy + write, "start-up + 2 plain copies + its transaction"),
            "reopen": (startup.wall + copy, "start-up + 1 plain copy"),
            "backup": (startup.wall + copy, "start-up + 1 plain copy"),
            "restore_first": (startup.wall + copy, "start-up + 1 plain copy"),
            "restore_again": (startup.wall + copy, "start-up + 1 plain copy"),
        }
        names = {
            "rollover": "rollover YEAR --force --yes (backup + transaction + archive)",
            "reopen": "reopen YEAR --yes",
            "backup": "backup",
            "restore_first": "restore B --yes, first time (integrity_check)",
            "restore_again": "restore B --yes, again (SHA-256 as recorded)",
        }
        print(f"year-end, {size / 1024 ** 2:.0f} MB file, {pinned}; start-up {startup.wall:.2f} s, "
              f"plain copy {copy:.2f} s, rollover transaction {write:.2f} s; python {sys.version.split()[0]}")
        head = f"{'command':<62}" + "".join(f"{label + ' wall':>12}{label + ' CPU':>11}" for label, _ in trees)
        print(head + f"{'RSS MB':>8}{'floor':>8}  floor is")
        for key, name in names.items():
            cells = ""
            for label, _ in trees:
                run = results[label][key]
                assert isinstance(run, Run)
                cpu = f"{run.cpu:.2f} s" if run.cpu is not None else "-"
                cells += f"{run.wall:>10.2f} s{cpu:>11}"
            run = now[key]
            assert isinstance(run, Run)
            rss = f"{run.rss:.0f}" if run.rss is not None else "-"
            floor, what = floors[key]
            print(f"{name:<62}{cells}{rss:>8}{floor:>6.2f} s  {what}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
