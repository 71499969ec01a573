"""What the 评议评星 Pilot tests share (tests/tui/test_appraisal_tui*.py): the area opened, a branch opened,
a member chosen, a table's cells as text."""

from __future__ import annotations

from tui_util import settle


async def open_area(app, pilot) -> None:
    """Key 8: the branch list."""
    await settle(app, pilot)
    await pilot.press("8")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "AppraisalScreen"


async def open_branch(app, pilot, row: int = 0) -> None:
    """The ``row``-th branch of the list (the hand-made county: 新华村党支部, then 碧溪村党支部), opened."""
    await open_area(app, pilot)
    app.screen.query_one("#ap-branches").move_cursor(row=row)
    await pilot.press("enter")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "BranchScreen"


def cell_texts(table) -> list[list[str]]:
    """Every row of a DataTable, its cells as text."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def choose_member(app, pilot, name: str) -> None:
    """Put the branch's member list on ``name``."""
    table = app.screen.query_one("#br-members")
    names = [row[0] for row in cell_texts(table)]
    table.move_cursor(row=names.index(name))
    await settle(app, pilot)
