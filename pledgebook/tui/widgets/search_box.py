"""A one-line search box that does not re-lay the screen on every keystroke.

Textual's Input sets its ``virtual_size`` to the text's width on every change,
and ``virtual_size`` is a layout reactive: each character typed lays out the
whole screen again (≈30 ms at 120×40 with the org tree and the list). A
search box has a fixed size in its row, so its scrollable width never moves
anything else: the same reactive, without the layout.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchBox(Input):
    """Also says in the footer what works in it: Enter and Esc go back to the list (the filter stays)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    BINDINGS = [
        Binding("enter", "submit", "到列表"),
        Binding("escape", "leave", "离开搜索框"),
    ]

    def action_leave(self) -> None:
        leave = getattr(self.screen, "leave_field", None)
        if leave is not None:
            leave()
