"""What the TUI tests share: an event loop per test, the app as the CLI builds it, settling, fast typing."""

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


def make_app(path, today=TODAY):
    from pledgebook.tui.app import PledgebookApp

    return PledgebookApp(path, today=today, poll_seconds=0)


async def settle(app, pilot):
    """Let the workers finish and the screen catch up."""
    for _ in range(3):
        await app.workers.wait_for_complete()
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


def footer_keys(app) -> list[str]:
    """The footer's entries, 「key description」."""
    from textual.widgets._footer import FooterKey

    return [f"{k.key_display} {k.description}".strip() for k in app.screen.query(FooterKey)]
