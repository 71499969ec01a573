"""What the TUI tests share, as plain functions: an event loop per test, the app as the CLI builds it,
settling, typing (key by key, or fast), a township's workbook to import, and ways of reading the screen.

The fixtures (no blinking cursor, the hand-made ledgers) are in tests/tui/conftest.py.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import date
from pathlib import Path

TODAY = date(2011, 10, 1)
HEADER = ["序号", "所属乡镇", "所在支部", "党员姓名", "承诺内容", "完成时限"]  # a township's pledge sheet


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


async def type_text(pilot, text: str) -> None:
    """Type ``text`` key by key, each handled before the next."""
    for ch in text:
        await pilot.press(ch)


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
    from pledgebook.tui.textual_patches import FooterKey

    return [f"{k.key_display} {k.description}".strip() for k in app.screen.query(FooterKey)]


def command(title: str):
    """The palette command of that title (:data:`pledgebook.tui.catalog.COMMANDS`)."""
    from pledgebook.tui.catalog import command as of_title

    return of_title(title)


def notes(app) -> str:
    """The notifications shown so far, joined."""
    return " ".join(str(n.message) for n in app._notifications)


def workbook(path: Path, rows: list[list]) -> Path:
    """A township's pledge workbook (title row, then :data:`HEADER`, then ``rows``)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("联珠镇")
    ws.write(0, 0, "XX县2011年党员公开承诺台账")
    ws.write_row(2, 0, HEADER)
    for i, row in enumerate(rows, start=3):
        ws.write_row(i, 0, row)
    wb.close()
    return path


async def check_file(app, pilot, path: Path) -> None:
    """In the 导入 area (4): the file's path, then F2 (check)."""
    await pilot.press("4")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "ImportScreen"
    app.screen.query_one("#imp-path").value = str(path)
    await pilot.press("f2")
    await settle(app, pilot)
