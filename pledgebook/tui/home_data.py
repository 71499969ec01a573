"""The home figures, and reading them in a thread of their own (``prefetch``) while Textual builds the screen.

Textual needs a few hundred milliseconds to import, mount and paint; the
figures of the open year need about 200 ms in SQLite and Python. ``launch``
starts them in a thread as soon as the file is open, before Textual is even
imported (``startup.launch``), so by the time the home screen asks, they are ready. Only the first
load of the home screen uses them, and only for the same year and the county
level.

No Textual here: this module is imported before the first frame.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

from pledgebook.models.ledger.figures import Figures


@dataclass
class HomeRow:
    org_id: int | None
    name: str
    has_children: bool
    figures: Figures


@dataclass
class HomeData:
    year: int
    org_id: int | None  # the level asked for (None: the county)
    rows: list[HomeRow]
    trail: list[str]


def home_rows(year: int, org_id: int | None, today: date) -> HomeData:
    """合计 and one row per child of ``org_id`` (the county when None); call inside ``db_thread``."""
    from pledgebook.models.ledger.figures import FigureBook

    # the home screen shows neither categories nor people: the light book
    book = FigureBook(year, today=today, by_category=False, people=False)
    root = org_id if org_id is not None else book.root_id()
    rows: list[HomeRow] = []
    trail: list[str] = []
    node = book.orgs.get(root) if root is not None else None
    while node is not None:
        trail.insert(0, node.name)
        node = book.orgs.get(node.parent_id) if node.parent_id else None
    if root is not None:
        total, children = book.level(root)  # this level only, not the whole tree rolled up
        rows.append(HomeRow(root, "合计", False, total))
        for child, fig in children:
            rows.append(HomeRow(child.id, child.name, bool(book.children_of.get(child.id)), fig))
    return HomeData(year, org_id, rows, trail)


def _read(today: date) -> HomeData | None:
    from pledgebook.models.ledger.figures import current_year
    from pledgebook.models.store.db import is_initialized
    from pledgebook.tui.worker_db import FIGURES_CACHE_KIB, db_thread

    with db_thread(FIGURES_CACHE_KIB):
        if not is_initialized():
            return None
        year = current_year()
        return home_rows(year, None, today) if year is not None else None


def prefetch(today: date) -> Future[HomeData | None]:
    """Start reading the current year's home figures in a thread of its own."""
    future: Future[HomeData | None] = Future()

    def run() -> None:
        try:
            future.set_result(_read(today))
        except BaseException as exc:  # handed to whoever takes the result
            future.set_exception(exc)

    threading.Thread(target=run, name="pledgebook-prefetch", daemon=True).start()
    return future
