"""Ask for a date right there, instead of sending the clerk to the command line.

For a flow that needs one value the file did not give: the 计票表 rows without
评议日期 (what ``pledgebook import --date`` says on the command line). The
screen pushes ``AskDateDialog(question, default)`` and gets the date back, or
None when the clerk pressed Esc.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Static

from pledgebook.models.core.errors import ValidationError
from pledgebook.tui.dialogs.form import FormDialog


class AskDateDialog(FormDialog):
    save_label = "确定 Ctrl+S"

    def __init__(self, question: str, default: date | None = None, *, title: str = "请填写日期") -> None:
        super().__init__()
        self.form_title = title
        self.question = question
        self.default = default

    def body(self) -> ComposeResult:
        yield Static(self.question, classes="confirm-text")
        yield from self.field(
            "day", "日期", Input(value=self.default.isoformat() if self.default else "", placeholder="2024-11-20"),
            hint="可写 2024-11-20、2024.11.20、2024年11月20日",
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        # nothing to write: checked here, on the UI thread, and handed back
        try:
            self.dismiss(self.save(self.values()))
        except ValidationError as exc:
            self.show_errors(exc)

    def save(self, values: dict[str, Any]) -> date:
        from pledgebook.models.core.values import parse_date

        try:
            day = parse_date(values["day"])
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(f"「{values['day']}」不是日期：请写成 2024-11-20 这样", "day")
        return day
