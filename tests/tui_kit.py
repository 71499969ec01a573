"""What a Pilot test of the TUI needs: run an async test, wait for the workers, start the app, read the screen.

(Older TUI test files still carry their own copies of these; new ones import them from here.)
"""

from __future__ import annotations

import asyncio
import functools
from datetime import date

TODAY = date(2011, 10, 1)


def aio(fn):
    """Run an ``async def`` test in its own event loop."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def settle(app, pilot, rounds: int = 3) -> None:
    """Let the workers finish and the screen catch up (a write, then its refresh) — not DirectoryTree's
    loader, which runs as long as the tree is shown."""
    for _ in range(rounds):
        busy = [w for w in app.workers if w.group != "_loader"]
        if busy:  # an empty list would mean "all of them"
            await app.workers.wait_for_complete(busy)
        await pilot.pause()


def make_app(path, today: date = TODAY):
    from pledgebook.tui.app import PledgebookApp

    return PledgebookApp(path, today=today, poll_seconds=0)


def command(title: str):
    """The palette command of that title (registered by the TUI's plugins)."""
    from pledgebook.tui import registry

    registry.load_plugins()
    return next(c for c in registry.COMMANDS if c.title == title)


def text_of(screen, selector: str) -> str:
    """The rendered text of the widgets matching ``selector``."""
    return " ".join(str(w.render()) for w in screen.query(selector))


def screen_text(app) -> str:
    """Every Static and Label on the screen, as a clerk reads it."""
    from textual.widgets import Label, Static

    return "\n".join(str(w.render()) for w in app.screen.query("*") if isinstance(w, (Static, Label)))


def notes(app) -> str:
    """The notifications shown so far, joined."""
    return " ".join(str(n.message) for n in app._notifications)
