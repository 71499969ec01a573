"""Choose the work year."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pledgebook.models.ledger import queries
from pledgebook.tui.widgets.chrome import Footer


class YearDialog(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "cancel", "取消"), Binding("enter", "select", "选定", show=True)]

    def __init__(self, current: int) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{y.year}年度" + ("（已关闭，只读）" if y.closed else "（进行中）"), id=str(y.year))
            for y in reversed(queries.years())
        ]
        with Vertical(classes="dialog small"):
            yield Static("切换年度", classes="dialog-title")
            yield OptionList(*options, id="years")
        yield Footer()

    def on_mount(self) -> None:
        years = self.query_one("#years", OptionList)
        try:
            years.highlighted = years.get_option_index(str(self.current))
        except LookupError:
            years.highlighted = 0
        years.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_select(self) -> None:
        self.query_one("#years", OptionList).action_select()

    def action_cancel(self) -> None:
        self.dismiss(None)
