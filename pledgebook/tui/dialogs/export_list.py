"""导出当前列表: where to save the list as it is filtered and sorted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Static

from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import queries
from pledgebook.tui.dialogs.form import FormDialog


class ExportListForm(FormDialog):
    form_title = "导出当前列表"
    save_label = "导出 Ctrl+S"

    def __init__(self, default: Path, f: queries.PledgeFilter, today: date) -> None:
        super().__init__()
        self.default = default
        self.list_filter = f
        self.today = today

    def body(self) -> ComposeResult:
        yield Static("按台账现在的筛选和排序，把列出的承诺存为一个 Excel 表格。", classes="preview")
        yield from self.field("path", "保存为", Input(value=str(self.default)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def save(self, values: dict[str, Any]) -> Any:
        from pledgebook.exporters.pledge_list import export_pledge_list
        from pledgebook.tui.screens.imports import clean_path

        path = clean_path(values["path"])
        if path is None or not path.parent.is_dir():
            raise ValidationError("找不到要保存的文件夹：请写一个已有文件夹里的文件名", "path")
        return export_pledge_list(self.list_filter, path, self.today)
