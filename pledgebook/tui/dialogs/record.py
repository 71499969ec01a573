"""Progress (践诺记录), fulfilment (兑现情况) and closing a rectification (整改销号)."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from pledgebook.models.core import vocab
from pledgebook.models.ledger import queries, rules
from pledgebook.tui.dialogs.form import FormDialog

DATE_HINT = "可写 2011-12-31、2011.12.31、2011年12月31日"


class ProgressForm(FormDialog):
    form_title = "添加践诺记录"

    def __init__(self, pledge_id: int, today: date, entry: queries.ProgressItem | None = None) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.today = today
        self.entry = entry  # given: correct this one
        if entry is not None:
            self.form_title = f"修改践诺记录：{entry.date}"

    def body(self) -> ComposeResult:
        e = self.entry
        yield from self.field("note", "践诺情况", Input(value=e.note if e else "",
                                                     placeholder="例如：已走访 30 户群众，收集意见 12 条"))
        yield from self.field("date", "日期", Input(value=e.date if e else self.today.isoformat()), hint=DATE_HINT)
        yield from self.field("percent", "完成进度（%，可不填）", Input(
            value="" if e is None or e.percent is None else str(e.percent), placeholder="0–100"))

    def save(self, values: dict[str, Any]) -> Any:
        if self.entry is not None:
            return rules.update_progress(self.entry.id, values["note"], values["date"] or None,
                                         values["percent"] or None).id
        return rules.add_progress(self.pledge_id, values["note"], values["date"] or None, values["percent"] or None).id


class StatusForm(FormDialog):
    form_title = "标记兑现情况"

    def __init__(self, pledge_id: int, today: date) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.today = today

    def body(self) -> ComposeResult:
        choices = [(vocab.PLEDGE_STATUSES[s], s) for s in ("fulfilled", "partly", "unfulfilled", "in_progress", "withdrawn")]
        yield from self.field("status", "兑现情况", Select(choices, value="fulfilled", allow_blank=False))
        yield from self.field("fulfilled_on", "兑现日期", Input(value=self.today.isoformat()), hint=DATE_HINT)

    def save(self, values: dict[str, Any]) -> Any:
        return rules.set_status(self.pledge_id, values["status"], values["fulfilled_on"] or None).id


class CloseRectificationForm(FormDialog):
    form_title = "整改销号"

    def __init__(self, items: list[queries.EvaluationItem], today: date) -> None:
        super().__init__()
        self.items = items
        self.today = today

    def body(self) -> ComposeResult:
        choices = [(f"{e.kind_label} {e.date}（{'时限 ' + e.rect_due if e.rect_due else '未定时限'}）", e.id)
                   for e in self.items]
        yield from self.field("evaluation", "整改事项", Select(choices, value=self.items[0].id, allow_blank=False))
        yield from self.field("rect_done", "整改完成日期", Input(value=self.today.isoformat()), hint=DATE_HINT)
        yield from self.field("rect_note", "整改情况", Input(placeholder="例如：已召开整改会议，问题全部解决"))

    def save(self, values: dict[str, Any]) -> Any:
        return rules.close_rectification(values["evaluation"], values["rect_done"] or None, values["rect_note"]).id
