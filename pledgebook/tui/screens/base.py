"""What the area screens share: reload when the data changed while they were hidden."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Input

from pledgebook.tui.widgets.focus import focus_now


class AreaScreen(Screen):
    loaded_version = -1

    def on_screen_resume(self) -> None:
        if self.loaded_version != getattr(self.app, "version", 0):
            self.refresh_data()

    def refresh_data(self) -> None:
        self.loaded_version = getattr(self.app, "version", 0)
        self.load()

    def load(self) -> None:
        raise NotImplementedError

    def leave_field(self) -> None:
        """Esc in a text field: back to the screen's list (or the first thing that is not a text field)."""
        from textual.widgets import DataTable

        from pledgebook.tui.widgets.virtual_table import VirtualTable

        lists = [w for w in self.query("VirtualTable, DataTable") if isinstance(w, VirtualTable | DataTable) and w.focusable]
        others = [w for w in self.focus_chain if not isinstance(w, Input)]
        target = (lists or others or [None])[0]
        if target is None:
            self.set_focus(None)
        else:
            focus_now(target)
