"""Year-end benchmarks: rollover, reopen, backup and restore on the 100,000-pledge demo.

    python benchmarks/yearend_bench.py            # 100,000 pledges (five years, 20,000 in the open one)
    python benchmarks/yearend_bench.py --quick    # 2,000 pledges, for CI: checks nothing crashes

The demo's last year is the open one; it is the year rolled over. Each
rollover runs on a fresh copy of the same file, as a fresh process
(``pledgebook rollover YEAR --force --yes --json``), so the time includes
start-up, the backup before, the transaction and the archive after; the
JSON summary splits it. Aims: rollover under 2 s, backup under 1 s.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sh(cmd: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}")
    return elapsed, proc.stdout


def fresh(template: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    target = folder / "ledger.db"
    shutil.copyfile(template, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small scale, for CI")
    args = parser.parse_args()
    py = sys.executable
    pb = [py, "-m", "pledgebook"]
    env = {**os.environ, "PYTHONUTF8": "1"}
    scale, repeat = (2_000, 1) if args.quick else (100_000, 3)
    work = Path(tempfile.mkdtemp(prefix="pb-yearend-"))
    try:
        template = work / "template.db"
        t, _ = sh(pb + ["demo", "--db", str(template), "--scale", str(scale), "--json"], env)
        size_mb = template.stat().st_size / 1024 / 1024
        stats = json.loads(sh(pb + ["stats", "--db", str(template), "--json"], env)[1])
        year = stats["year"]
        rows: list[tuple[str, str, str]] = [
            (f"demo --scale {scale}", f"{t:.2f} s", f"{size_mb:.1f} MB, open year {year}: {stats['totals']['pledges']} pledges")
        ]

        # preview (what the confirmation shows), in a fresh process
        db = fresh(template, work / "preview")
        t, out = sh(pb + ["rollover", str(year), "--db", str(db), "--dry-run", "--force", "--json"], env)
        pv = json.loads(out)["preview"]
        rows.append(("rollover --dry-run (process)", f"{t:.3f} s", f"{pv['to_carry']} to carry, {len(pv['problems'])} problems"))

        # rollover: fresh copy and fresh process each time
        walls, writes, backups, archives = [], [], [], []
        carried = 0
        for i in range(repeat):
            db = fresh(template, work / f"roll{i}")
            t, out = sh(pb + ["rollover", str(year), "--db", str(db), "--force", "--yes", "--json"], env)
            data = json.loads(out)
            walls.append(t)
            writes.append(data["timings"]["write"])
            backups.append(data["timings"]["backup"])
            archives.append(data["timings"]["archive"])
            carried = data["carried"]
        med = statistics.median
        rows.append(("rollover (process: backup + transaction + archive)", f"{med(walls):.3f} s", f"{carried} pledges carried"))
        rows.append(("  of which: backup before", f"{med(backups):.3f} s", ""))
        rows.append(("  of which: the transaction", f"{med(writes):.3f} s", "close, carry, audit"))
        rows.append(("  of which: archive (backup + CSV summary)", f"{med(archives):.3f} s", ""))
        t, _ = sh(pb + ["rollover", str(year), "--db", str(db), "--yes", "--json"], env)
        rows.append(("rollover again (already closed)", f"{t:.3f} s", "does nothing"))

        t, out = sh(pb + ["reopen", str(year), "--db", str(db), "--yes", "--json"], env)
        rows.append(("reopen (process, backup included)", f"{t:.3f} s", f"{json.loads(out)['undone']} carried pledges undone"))

        # backup: in process (what the TUI pays) and as a command
        db = fresh(template, work / "backup")
        code = (
            "import time, json;from pledgebook.models.store.db import open_database;from pledgebook.models.store import backup;"
            f"open_database({str(db)!r});ts=[]\n"
            f"for _ in range({repeat}):\n"
            "    t=time.perf_counter();info=backup.backup();ts.append(time.perf_counter()-t)\n"
            "ts.sort();print(json.dumps({'t':ts[len(ts)//2],'size':info.size}))"
        )
        data = json.loads(sh([py, "-c", code], env)[1])
        rows.append(("backup (in process)", f"{data['t']:.3f} s", f"{data['size'] / 1024 / 1024:.1f} MB"))
        t, out = sh(pb + ["backup", "--db", str(db), "--json"], env)
        rows.append(("backup (process)", f"{t:.3f} s", f"{json.loads(out)['size'] / 1024 / 1024:.1f} MB"))
        backup_file = json.loads(out)["path"]
        t, _ = sh(pb + ["restore", backup_file, "--db", str(db), "--yes", "--json"], env)
        rows.append(("restore (process: verify + safety backup + copy)", f"{t:.3f} s", ""))

        width = max(len(r[0]) for r in rows)
        print(f"{'benchmark'.ljust(width)}  {'time':>9}  note")
        for name, value, note in rows:
            print(f"{name.ljust(width)}  {value:>9}  {note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
