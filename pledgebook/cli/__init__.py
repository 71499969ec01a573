"""The command line. ``pledgebook`` with no command opens the TUI.

The commands live in :mod:`pledgebook.cli.commands` (one typer app); ``app``
and ``root`` are still importable from here. Building that parser costs about
60 ms (typer reads every command's signature) before a first frame that needs
none of it: ``pledgebook`` alone or with only ``--db FILE`` opens the TUI
straight from :func:`main`, with the same checks, messages and exit codes.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ below
    from pledgebook.cli.commands import app as app
    from pledgebook.cli.commands import root as root


def __getattr__(name: str) -> object:
    """``app`` and ``root``, from the commands module, imported only when asked for."""
    if name in ("app", "root"):
        from pledgebook.cli import commands

        return getattr(commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_tui(path: Path) -> None:
    """Run the TUI on the ledger at ``path`` (opened with ``open_database``) until it quits."""
    from pledgebook.tui.startup import launch

    launch(path).run()


def bare_tui_db(argv: list[str]) -> tuple[bool, str | None]:
    """(True, the ``--db`` value or None) when ``argv`` only opens the TUI: nothing, ``--db X`` or ``--db=X``,
    with a person at a terminal and a usable path; else (False, None) and the parser handles it (its messages)."""
    if not argv:
        db = None
    elif len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        db = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        db = argv[0][5:]
    else:
        return False, None
    from pledgebook.cli.launch import path_problem, terminal

    if not terminal() or (db is not None and path_problem(Path(db)) is not None):
        return False, None
    return True, db


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):
                pass  # a stream that cannot change encoding: Rich falls back on its own
    bare, db = bare_tui_db(sys.argv[1:])
    if bare:
        # no cyclic collection from here on while starting, as launch() explains (the home screen turns it on)
        gc.disable()
        from pledgebook.cli.launch import run_guarded
        from pledgebook.models.store.db import open_database

        run_guarded(lambda: open_tui(open_database(Path(db) if db is not None else None, create=True)))
        return
    from pledgebook.cli.commands import app

    app()
