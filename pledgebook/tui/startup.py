"""Launching the TUI: the home figures start being read (``home_data.prefetch``) before Textual is even
imported, then the app is built. The app is imported inside ``launch`` on purpose, after the prefetch has
started: that ordering is the point of this module (Textual's import and the figures' query overlap on two
cores), and it keeps Textual out of a process until the TUI really starts.
"""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pledgebook.tui.home_data import prefetch

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp


def launch(db_path: Path, *, today: date | None = None, poll_seconds: float = 2.0) -> PledgebookApp:
    """The app for ``db_path`` (open, see ``open_db``), its first figures already being read.

    In this order because Textual's import (~300 ms, in Python) and the figures' query (mostly in
    SQLite, which lets go of the GIL) then overlap on two cores: started by the app instead, after
    the import, the figures came 50-80 ms after the screen was ready for them.
    """
    future = prefetch(today or date.today())
    # no cyclic collection while starting: with Textual's ~80,000 objects a full one costs
    # 30-60 ms, and start-up makes little cyclic garbage; the home screen switches it back
    # on once drawn (the app after 5 s whatever happens)
    gc.disable()
    from pledgebook.tui import console

    hint = console.prepare()  # plain borders in Windows' legacy console, before anything is drawn
    from pledgebook.tui.app import PledgebookApp

    app = PledgebookApp(db_path, today=today, poll_seconds=poll_seconds, prefetched=future)
    app.console_hint = hint
    return app
