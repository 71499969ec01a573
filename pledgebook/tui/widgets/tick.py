"""A checkbox whose mark shows its state without colour: [X] ticked, [ ] not.

Textual's Checkbox draws the same "X" in both states and tells them apart by
colour alone, which a monochrome or washed-out office screen loses.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class Tick(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's class attribute name
        return "X" if self.value else " "
