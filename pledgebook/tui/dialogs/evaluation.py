"""Record an evaluation (评诺) of any kind: votes or a grade, comment, optional rectification."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from pledgebook.models import rules, vocab
from pledgebook.models.figures import percent
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.dialogs.record import DATE_HINT

VOTES = ("ballots_issued", "votes_satisfied", "votes_basic", "votes_unsatisfied", "ballots_valid")


class EvaluationForm(FormDialog):
    form_title = "记录评议（评诺）"

    def __init__(self, pledge_id: int, today: date) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.today = today

    def body(self) -> ComposeResult:
        kinds = [(label, code) for code, label in vocab.EVAL_KINDS.items()]
        yield from self.field("kind", "评议方式", Select(kinds, value="public", allow_blank=False))
        yield from self.field("date", "评议日期", Input(value=self.today.isoformat()), hint=DATE_HINT)
        yield from self.field("evaluator", "评议人 / 组织者", Input())
        yield from self.field("ballots_issued", "发放票数", Input(placeholder="群众评议填写", type="integer"))
        yield from self.field("votes_satisfied", "满意票", Input(type="integer"))
        yield from self.field("votes_basic", "基本满意票", Input(type="integer"))
        yield from self.field("votes_unsatisfied", "不满意票", Input(type="integer"))
        yield from self.field("ballots_valid", "有效票（可不填，自动合计）", Input(type="integer"))
        yield Static("满意率：—", id="rate-preview", classes="preview")
        yield from self.field("grade", "评定等次（按票数评议时可不选）", Select(self._grades("public"), prompt="（不选）"))
        yield from self.field("score", "分数（0–100，可不填）", Input())
        yield from self.field("comment", "评定意见", Input())
        yield from self.field("rect_due", "整改时限（需整改时填写）", Input(placeholder="2011-12-31"), hint=DATE_HINT)
        yield from self.field("rect_note", "整改要求", Input())

    @staticmethod
    def _grades(kind: str) -> list[tuple[str, str]]:
        result: list[tuple[str, str]] = []
        for gset in vocab.GRADES_FOR_KIND.get(kind, ()):
            result += [(label, code) for code, label in vocab.GRADE_SETS[gset].items()]
        return result

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "f-kind" and event.value is not Select.NULL:
            grade = self.query_one("#f-grade", Select)
            grade.set_options(self._grades(str(event.value)))
            public = event.value == "public"
            for name in VOTES:
                self.query_one(f"#f-{name}").disabled = not public

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id[2:] in VOTES:
            self._preview()

    def _preview(self) -> None:
        def num(name: str) -> int:
            text = self.query_one(f"#f-{name}", Input).value.strip()
            return int(text) if text.isdigit() else 0

        sat, basic, unsat = num("votes_satisfied"), num("votes_basic"), num("votes_unsatisfied")
        valid = num("ballots_valid") or sat + basic + unsat
        rate = rules.satisfaction_rate(sat, basic, valid)
        need = rules.needs_rectification("public", None, basic, unsat, valid) if valid else False
        text = f"满意率：{percent(rate)}（有效票 {valid}）"
        if need:
            text += "  [b]按本县规则需限期整改，请填写整改时限[/b]"
        self.query_one("#rate-preview", Static).update(text)

    def save(self, values: dict[str, Any]) -> Any:
        kind = values.pop("kind")
        if kind != "public":
            for name in VOTES:
                values.pop(name, None)
        fields = {k: v for k, v in values.items() if v not in (None, "")}
        return rules.record_evaluation(self.pledge_id, kind, **fields).id
