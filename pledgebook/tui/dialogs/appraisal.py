"""民主评议 forms: a member's appraisal, a 组织处置 and closing it (销号).

Keyboard first: Tab / Enter move on, Ctrl+S saves, Esc leaves (asking when something was typed). The write
goes through :mod:`pledgebook.models.appraisal.rules` in a thread worker (``app.run_write``); every refusal
— a field's, the 优秀 quota's (「XX党支部参评党员 12 人，优秀最多 4 人…」), a closed year's — is shown in the form
with the rules' own message, under its field where it names one, and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from pledgebook.models.appraisal import rules
from pledgebook.models.appraisal.validate import VOTE_FIELDS
from pledgebook.models.appraisal.views import DisposalLine
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError, ValidationErrors
from pledgebook.models.core.values import parse_date
from pledgebook.tui.dialogs.form import FormDialog

DATE_HINT = "可写 2026-12-31、2026.12.31、2026年12月31日"


class LedgerForm(FormDialog):
    """The third ledger's forms: a refusal naming several fields (``validate.FieldErrors``) marks each; a field
    may sit on one line with its label (:meth:`inline`), so a form of eight fields fits 80×24."""

    DEFAULT_CSS = """
    LedgerForm .inline { height: 1; }
    LedgerForm .inline-label { width: 24; }
    LedgerForm .inline Input { width: 1fr; }
    LedgerForm .inline Select { width: 1fr; }
    """

    def inline(self, name: str, label: str, widget: Widget) -> Iterator[Widget]:
        """``label`` and a compact ``widget`` on one line, the error below."""
        with Horizontal(classes="inline"):
            yield Label(label, classes="inline-label")
            yield self.own(name, widget)
        yield Static("", id=f"e-{name}", classes="field-error")

    def show_errors(self, exc: PledgebookError) -> None:
        errors = getattr(exc, "errors", None)
        if isinstance(exc, ValidationError) and isinstance(errors, dict) and len(errors) > 1:
            exc = ValidationErrors(errors)
        super().show_errors(exc)


class AppraisalForm(LedgerForm):
    """Record or change one member's 民主评议 of a year: 组织评定, the 民主测评 votes, 不参评原因, the comment.
    Dismisses with the appraisal's id."""

    DEFAULT_CSS = """
    AppraisalForm .votes { height: 2; margin-bottom: 1; }
    AppraisalForm .vote { width: 11; height: 2; }
    AppraisalForm .vote Input { width: 9; }
    """

    def __init__(self, person_id: int, name: str, org_id: int, year: int, appraisal_id: int | None = None,
                 fields: dict[str, object] | None = None, *, today: date | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.org_id = org_id
        self.year = year
        self.appraisal_id = appraisal_id
        self.stored = fields or {}
        self.today = today or date.today()
        self.form_title = f"{'修改' if appraisal_id else '录入'}民主评议：{name}（{year}年度）"

    def text(self, name: str) -> str:
        value = self.stored.get(name)
        return "" if value is None else str(value)

    def body(self) -> ComposeResult:
        grades = [(label, code) for code, label in vocab.APPRAISAL_GRADES.items()]
        yield Static("", id="quota-line", classes="preview")
        grade = self.stored.get("grade")
        yield from self.inline("grade", "组织评定等次", Select(grades, value=grade if grade else Select.NULL,
                                                           prompt="未评定", compact=True))
        yield Label("民主测评票（没有计票的留空）", classes="field-label")
        with Horizontal(classes="votes"):
            for name, label in VOTE_FIELDS:
                with Vertical(classes="vote"):
                    yield Label(label.removesuffix("票数").removesuffix("票"))
                    yield self.own(name, Input(self.text(name), type="integer", compact=True))
        for name, _label in VOTE_FIELDS:
            yield Static("", id=f"e-{name}", classes="field-error")
        yield from self.inline("exempt_reason", "不参评原因", Input(
            self.text("exempt_reason"), placeholder="参评的留空；如：" + "、".join(vocab.EXEMPT_REASONS[:3]), compact=True))
        decided = self.stored.get("decided_on") or (None if self.appraisal_id else self.today)
        yield from self.inline("decided_on", "评定日期", Input(str(decided or ""), placeholder=DATE_HINT, compact=True))
        yield from self.inline("comment", "评定意见", Input(self.text("comment"), placeholder="可不填", compact=True))
        yield from self.inline("self_review", "个人自评", Input(self.text("self_review"), placeholder="可不填",
                                                             compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self._show_quota()

    def _show_quota(self) -> None:
        quota = rules.quota(self.org_id, self.year)
        self.query_one("#quota-line", Static).update(quota.fact + ("（已超出）" if quota.over else ""))

    def save(self, values: dict[str, Any]) -> int:
        values = {k: (None if v == "" else v) for k, v in values.items()}
        values["exempt_reason"] = values.get("exempt_reason") or None
        for key in ("comment", "self_review"):
            values[key] = values.get(key) or ""
        record = rules.save_appraisal(values, person_id=self.person_id, year=self.year,
                                      appraisal_id=self.appraisal_id)
        return record.id


class DisposalForm(LedgerForm):
    """A 组织处置 of a member appraised 基本合格 or 不合格: kind, decision date, due date (the county's 处置期限
    after the decision unless changed), note. Dismisses with the 处置's id."""

    def __init__(self, appraisal_id: int, name: str, *, today: date | None = None) -> None:
        super().__init__()
        self.appraisal_id = appraisal_id
        self.today = today or date.today()
        self.due_typed = False
        self.form_title = f"组织处置：{name}"

    def body(self) -> ComposeResult:
        kinds = [(label, code) for code, label in vocab.DISPOSAL_KINDS.items()]
        yield Static(f"{DATE_HINT}；整改期限默认为决定日期之后的处置期限天数（设置：disposal_days）",
                     classes="field-label")
        yield from self.inline("kind", "处置方式", Select(kinds, value="correct", allow_blank=False, compact=True))
        yield from self.inline("decided_on", "决定日期", Input(self.today.isoformat(), compact=True))
        due = rules.default_due(self.today)
        yield from self.inline("due_date", "整改期限", Input(due.isoformat(), compact=True))
        yield from self.inline("note", "备注", Input(placeholder="可不填", compact=True))

    @on(Input.Changed, "#f-decided_on")
    def _decided(self, event: Input.Changed) -> None:
        """The due date follows the decision date until the clerk types one of their own."""
        if self.due_typed:
            return
        try:
            decided = parse_date(event.value)
        except ValueError:
            decided = None
        if decided is not None:
            due = self.query_one("#f-due_date", Input)
            due.value = rules.default_due(decided).isoformat()
            self.due_typed = False

    @on(Input.Changed, "#f-due_date")
    def _due(self, event: Input.Changed) -> None:
        focused = self.focused
        if focused is not None and focused.id == "f-due_date":
            self.due_typed = True

    def save(self, values: dict[str, Any]) -> int:
        return rules.save_disposal(values, appraisal_id=self.appraisal_id).id


class CloseDisposalForm(LedgerForm):
    """销号: the 处置 done on a date, with its result. Allowed also while the appraisal's year is closed."""

    save_label = "销号 Ctrl+S"

    def __init__(self, disposal: DisposalLine, name: str, *, today: date | None = None) -> None:
        super().__init__()
        self.disposal = disposal
        self.today = today or date.today()
        self.form_title = f"组织处置销号：{name}"

    def body(self) -> ComposeResult:
        d = self.disposal
        yield Static(f"{d.kind_label}，决定 {d.decided_on}，整改期限 {d.due_date}", classes="field-label")
        yield from self.inline("closed_on", "销号日期", Input(self.today.isoformat(), placeholder=DATE_HINT, compact=True))
        yield from self.inline("result", "处置结果", Input(placeholder="例如：已按期改正，经支部评议同意销号", compact=True))

    def save(self, values: dict[str, Any]) -> int:
        if not values["closed_on"]:
            raise ValidationError("请填写销号日期", "closed_on")
        return rules.close_disposal(self.disposal.disposal_id, values["closed_on"], values["result"]).id
