"""Record or correct an evaluation (评诺) of any kind: votes or a grade, comment, rectification.

A result that asks for a rectification by the county's rule gets the county's 整改期限 as its due
date when none is typed (the form says which date before it is saved), so every rectification
shown can be closed with ``r``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import queries, rules, validate
from pledgebook.models.ledger.figures import percent
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.dialogs.record import DATE_HINT

VOTES = ("ballots_issued", "votes_satisfied", "votes_basic", "votes_unsatisfied", "ballots_valid")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class EvaluationForm(FormDialog):
    form_title = "记录评议（评诺）"

    def __init__(self, pledge_id: int, today: date, evaluation: queries.EvaluationItem | None = None) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.today = today
        self.evaluation = evaluation  # given: correct this one
        if evaluation is not None:
            self.form_title = f"修改评议：{evaluation.kind_label} {evaluation.date}"

    def body(self) -> ComposeResult:
        ev = self.evaluation
        kind = ev.kind if ev else "public"
        grade_code = vocab.code_for(vocab.ALL_GRADES, ev.grade) if ev and ev.grade else None
        kinds = [(label, code) for code, label in vocab.EVAL_KINDS.items()]
        yield from self.field("kind", "评议方式", Select(kinds, value=kind, allow_blank=False))
        yield from self.field("date", "评议日期", Input(value=ev.date if ev else self.today.isoformat()), hint=DATE_HINT)
        yield from self.field("evaluator", "评议人 / 组织者", Input(value=ev.evaluator if ev else ""))
        yield from self.field("ballots_issued", "发放票数", Input(_text(ev and ev.ballots_issued), placeholder="群众评议填写",
                                                          type="integer"))
        yield from self.field("votes_satisfied", "满意票", Input(_text(ev and ev.votes_satisfied), type="integer"))
        yield from self.field("votes_basic", "基本满意票", Input(_text(ev and ev.votes_basic), type="integer"))
        yield from self.field("votes_unsatisfied", "不满意票", Input(_text(ev and ev.votes_unsatisfied), type="integer"))
        yield from self.field("ballots_valid", "有效票（可不填，自动合计）", Input(_text(ev and ev.ballots_valid), type="integer"))
        yield Static("满意率：—", id="rate-preview", classes="preview")
        grades = self._grades(kind)
        yield from self.field("grade", "评定等次（按票数评议时可不选）", Select(
            grades, prompt="（不选）", value=grade_code if grade_code in {c for _l, c in grades} else Select.NULL))
        yield from self.field("score", "分数（0–100，可不填）", Input(_text(ev and ev.score)))
        yield from self.field("comment", "评定意见", Input(value=ev.comment if ev else ""))
        yield from self.field("rect_due", "整改时限（需整改时；不填则按本县整改期限）",
                              Input(value=ev.rect_due if ev else "", placeholder="按本县整改期限"), hint=DATE_HINT)
        yield from self.field("rect_note", "整改要求", Input(value=ev.rect_note if ev else ""))

    def on_mount(self) -> None:
        super().on_mount()
        if self.evaluation is not None:
            self._kind_changed(self.evaluation.kind)
        self._preview()

    @staticmethod
    def _grades(kind: str) -> list[tuple[str, str]]:
        result: list[tuple[str, str]] = []
        for gset in vocab.GRADES_FOR_KIND.get(kind, ()):
            result += [(label, code) for code, label in vocab.GRADE_SETS[gset].items()]
        return result

    def _kind_changed(self, kind: str) -> None:
        public = kind == "public"
        for name in VOTES:
            self.query_one(f"#f-{name}").disabled = not public

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-kind" and event.value is not Select.NULL:
            grade = self.query_one("#f-grade", Select)
            keep = grade.value
            options = self._grades(str(event.value))
            grade.set_options(options)
            if keep is not Select.NULL and keep in {c for _l, c in options}:
                grade.value = keep
            self._kind_changed(str(event.value))
        self._preview()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id[2:] in (*VOTES, "date", "rect_due"):
            self._preview()

    def _preview(self) -> None:
        def num(name: str) -> int:
            text = self.query_one(f"#f-{name}", Input).value.strip()
            return int(text) if text.isdigit() else 0

        kind = self.value("kind") or "public"
        grade = self.value("grade")
        sat, basic, unsat = num("votes_satisfied"), num("votes_basic"), num("votes_unsatisfied")
        valid = num("ballots_valid") or sat + basic + unsat
        text = ""
        if kind == "public":
            text = f"满意率：{percent(rules.satisfaction_rate(sat, basic, valid))}（有效票 {valid}）"
        need = (valid or grade) and rules.needs_rectification(kind, grade, basic, unsat, valid if kind == "public" else None)
        if need and not self.query_one("#f-rect_due", Input).value.strip():
            try:
                on = validate.parse_date(self.query_one("#f-date", Input).value.strip() or None, "date", "评议日期") or self.today
                due = rules.default_rectification_due(on).isoformat()
            except ValidationError:
                due = "评议日期之后按本县整改期限"
            text += f"  [b]按本县规则需限期整改：整改时限默认为 {due}（可在下方修改）[/b]"
        elif need:
            text += "  [b]按本县规则需限期整改[/b]"
        self.query_one("#rate-preview", Static).update(text.strip() or "（按等次、分数或意见评议）")

    def save(self, values: dict[str, Any]) -> Any:
        kind = values.pop("kind")
        if kind != "public":
            for name in VOTES:
                values.pop(name, None)
        if self.evaluation is not None:
            return rules.update_evaluation(self.evaluation.id, kind=kind, **values).id
        fields = {k: v for k, v in values.items() if v not in (None, "")}
        return rules.record_evaluation(self.pledge_id, kind, **fields).id
