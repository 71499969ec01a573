"""New / edit pledge. The pledger is found by typing a name or pinyin initials."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import queries, rules
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.widgets.picker import PledgerPicker


class PledgeForm(FormDialog):
    def __init__(self, year: int, *, pledge_id: int | None = None, org_id: int | None = None) -> None:
        super().__init__()
        self.year = year
        self.pledge_id = pledge_id
        self.detail = queries.pledge_detail(pledge_id) if pledge_id else None
        self.form_title = f"编辑承诺（第 {pledge_id} 号）" if pledge_id else f"新建承诺（{year}年度）"
        self.initial: queries.PledgerChoice | None = None
        if self.detail:
            d = self.detail
            label = f"{d.pledger} · {d.org}" if d.person_id else f"{d.org}（党组织）"
            self.initial = queries.PledgerChoice(d.org_id, d.person_id, label)

    def body(self) -> ComposeResult:
        d = self.detail
        cats = queries.category_labels()
        yield from self.field("pledger", "承诺人（党组织或党员）", PledgerPicker(self.initial))
        yield from self.field("content", "承诺事项", Input(value=d.content if d else "", placeholder="例如：为群众代办事项 20 件以上"))
        yield from self.field("measures", "践诺措施", Input(value=d.measures if d else ""))
        yield from self.field(
            "category", "承诺类别",
            Select([(label, code) for code, label in cats.items()], value=d.category_code if d else "service", allow_blank=False),
        )
        yield from self.field(
            "due_date", "完成时限", Input(value=d.due if d else "", placeholder="2011-12-31"),
            hint="可写 2011-12-31、2011.12.31、2011年12月31日",
        )
        if not d:
            yield from self.field(
                "status", "状态",
                Select([("践诺中", "in_progress"), ("拟定", "draft")], value="in_progress", allow_blank=False),
            )

    def error_target(self, field: str) -> str | None:
        if field in ("org_id", "person_id"):
            return "pledger"
        return super().error_target(field)

    def save(self, values: dict[str, Any]) -> Any:
        choice: queries.PledgerChoice | None = values.pop("pledger")
        if choice is None:
            raise ValidationError("请输入姓名或拼音首字母，再从列表中选择承诺人", "pledger")
        if self.pledge_id:
            return rules.update_pledge(self.pledge_id, org_id=choice.org_id, person_id=choice.person_id, **values).id
        status = values.pop("status", "in_progress")
        scope = "personal" if choice.person_id else "org"
        return rules.create_pledge(
            self.year, values.pop("content"), org_id=choice.org_id, person_id=choice.person_id,
            scope=scope, status=status, **values,
        ).id


STATUS_LABELS = vocab.PLEDGE_STATUSES
