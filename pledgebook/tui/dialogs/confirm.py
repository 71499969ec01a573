"""Yes / no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from pledgebook.tui.widgets.chrome import Footer


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape,n", "answer(False)", "取消"),
        Binding("y", "answer(True)", "确定"),
    ]

    def __init__(self, message: str, yes: str = "确定") -> None:
        super().__init__()
        self.message = message
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Static(self.message, classes="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (Y)", variant="error", id="yes")
                yield Button("取消 (N)", id="no")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
