"""A rollover that waits at one named point, so that a test can kill it there.

    python tests/yearend/rollover_driver.py LEDGER.db YEAR POINT MARKER

Opens the ledger and runs ``yearend.rollover(YEAR, force=True)`` (as
``pledgebook rollover YEAR --force --yes`` does) with an ``on_point``
callback: at POINT (after-open-year, after-insert, after-update,
before-commit, after-commit) it writes MARKER and sleeps, and the test
sends SIGKILL meanwhile. Exits 3 if the point was never reached.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pledgebook import yearend
from pledgebook.models.store.db import close_database, open_database


def main(db: str, year: str, point: str, marker: str) -> int:
    def on_point(name: str) -> None:
        if name == point:
            Path(marker).write_text(name, encoding="utf-8")
            time.sleep(60)

    open_database(Path(db), write=True)
    try:
        yearend.rollover(int(year), force=True, on_point=on_point)
    finally:
        close_database()
    return 3


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
