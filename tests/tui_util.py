"""What the TUI tests share: an event loop per test, the app as the CLI builds it, settling, fast typing,
and two ways of reading the screen.

(Older TUI test files still carry their own copies of these; new ones import them from here.)
"""

from __future__ import annotations

import asyncio
import functools
from datetime import date

TODAY = date(2011, 10, 1)


def aio(fn):
    """Run an async test in its own event loop (no asyncio plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def make_app(path, today: date = TODAY):
    from pledgebook.tui.app import PledgebookApp

    return PledgebookApp(path, today=today, poll_seconds=0)


async def settle(app, pilot, rounds: int = 3) -> None:
    """Let the workers finish and the screen catch up (a write, then its refresh) — not DirectoryTree's
    loader, which runs as long as the tree is shown."""
    for _ in range(rounds):
        busy = [w for w in app.workers if w.group != "_loader"]
        if busy:  # an empty list would mean "all of them"
            await app.workers.wait_for_complete(busy)
        await pilot.pause()


def type_fast(app, *keys: str) -> None:
    """Keys as a terminal delivers a burst (an IME commit, a fast typist): all queued before any is handled."""
    from textual import events
    from textual.keys import _character_to_key

    named = {"tab": "\t", "enter": "\r", "backspace": "\x7f", "escape": "\x1b", "slash": "/"}
    for key in keys:
        char = key if len(key) == 1 else named.get(key)
        app.post_message(events.Key(_character_to_key(key) if len(key) == 1 else key, char))


def screen_text(app) -> str:
    """Every line of the screen as the terminal shows it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def widgets_text(app) -> str:
    """Every Static and Label on the screen, whole (also what is scrolled out of sight)."""
    from textual.widgets import Label, Static

    return "\n".join(str(w.render()) for w in app.screen.query("*") if isinstance(w, (Static, Label)))


def text_of(screen, selector: str) -> str:
    """The rendered text of the widgets matching ``selector``."""
    return " ".join(str(w.render()) for w in screen.query(selector))


def footer_keys(app) -> list[str]:
    """The footer's entries, 「key description」."""
    from textual.widgets._footer import FooterKey

    return [f"{k.key_display} {k.description}".strip() for k in app.screen.query(FooterKey)]


def command(title: str):
    """The palette command of that title (:data:`pledgebook.tui.catalog.COMMANDS`)."""
    from pledgebook.tui.catalog import command as of_title

    return of_title(title)


def notes(app) -> str:
    """The notifications shown so far, joined."""
    return " ".join(str(n.message) for n in app._notifications)
