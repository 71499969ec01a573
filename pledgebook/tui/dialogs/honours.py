"""评选表彰 forms: put forward a candidate (a member, or a branch for 先进基层党组织), and the office's decision.

The candidate form shows at once whether the county's criteria are met (:func:`pledgebook.models.appraisal.
criteria.unmet`); one who does not meet them is accepted only with a reason, and the rules' refusal lists what
is not met. The decision form shows the 乡镇（党委）'s quota of the kind; confirming beyond it is refused with
the rules' message, in the form, and nothing is saved.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from pledgebook.models.appraisal.criteria import ORG_KINDS, PERSON_KINDS, unmet
from pledgebook.models.appraisal.rules import honours as rules
from pledgebook.models.appraisal.views import HonourLine
from pledgebook.models.core import vocab
from pledgebook.tui.dialogs.appraisal import DATE_HINT, LedgerForm

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

SOURCES = ("manual", "recommended")  # by hand: the office's own, or a township's recommendation


class CandidateForm(LedgerForm):
    """提名: the kind, where the candidate came from, and a reason when the criteria are not met. Dismisses with
    the honour's id."""

    def __init__(self, year: int, org_id: int, org_name: str, person_id: int | None = None,
                 person_name: str = "") -> None:
        super().__init__()
        self.year = year
        self.org_id = org_id
        self.person_id = person_id
        self.kinds = PERSON_KINDS if person_id else ORG_KINDS
        who = f"{person_name}（{org_name}）" if person_id else org_name
        self.form_title = f"表彰提名：{who}，{year}年度"

    def body(self) -> ComposeResult:
        kinds = [(vocab.HONOUR_KINDS[k], k) for k in self.kinds]
        yield from self.inline("kind", "表彰类别", Select(kinds, value=self.kinds[0], allow_blank=False, compact=True))
        yield Static("", id="criteria-line", classes="preview")
        sources = [(vocab.HONOUR_SOURCES[s], s) for s in SOURCES]
        yield from self.inline("source", "提名来源", Select(sources, value="manual", allow_blank=False, compact=True))
        yield from self.inline("reason", "提名理由", Input(placeholder="不符合评选条件时必须填写", compact=True))
        yield from self.inline("note", "备注", Input(placeholder="可不填", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self._show_criteria(self.kinds[0])

    @on(Select.Changed, "#f-kind")
    def _kind(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._show_criteria(event.value)

    def _show_criteria(self, kind: str) -> None:
        missing = unmet(kind, self.year, org_id=self.org_id, person_id=self.person_id)
        line = self.query_one("#criteria-line", Static)
        if missing:
            line.update(f"[b]不符合{vocab.HONOUR_KINDS[kind]}的条件[/b]：{'；'.join(missing)}。如确需提名，请填写理由。")
        else:
            line.update(f"符合{vocab.HONOUR_KINDS[kind]}的评选条件。")

    def save(self, values: dict[str, Any]) -> int:
        return rules.add_candidate(values["kind"], self.year, org_id=self.org_id, person_id=self.person_id,
                                   source=values["source"], reason=values["reason"], note=values["note"]).id


class DecideForm(LedgerForm):
    """确定表彰 / 未通过 / back to 候选, with the 乡镇（党委）'s quota of the kind shown. Dismisses with the id."""

    save_label = "保存 Ctrl+S"

    def __init__(self, honour: HonourLine, quota_text: str, status: str = "confirmed", *,
                 today: date | None = None) -> None:
        super().__init__()
        self.honour = honour
        self.quota_text = quota_text
        self.status = status
        self.today = today or date.today()
        self.form_title = f"表彰决定：{honour.who}（{vocab.HONOUR_KINDS.get(honour.kind, honour.kind)}）"

    def body(self) -> ComposeResult:
        h = self.honour
        said = [self.quota_text, f"来源：{vocab.label(vocab.HONOUR_SOURCES, h.source)}",
                "符合评选条件" if h.meets_criteria else f"不符合评选条件，提名理由：{h.reason or '—'}"]
        yield Static("\n".join(s for s in said if s), classes="preview")
        statuses = [(label, code) for code, label in vocab.HONOUR_STATUSES.items()]
        yield from self.inline("status", "表彰结果", Select(statuses, value=self.status, allow_blank=False, compact=True))
        yield from self.inline("decided_on", "决定日期", Input(self.today.isoformat(), placeholder=DATE_HINT, compact=True))

    def save(self, values: dict[str, Any]) -> int:
        return rules.decide(self.honour.honour_id, values["status"], decided_on=values["decided_on"] or None).id


def propose_candidates(app: PledgebookApp, year: int) -> None:
    """推荐候选: whoever meets the county's criteria in ``year`` becomes a candidate (once); the counts in a notice."""
    if not app.writable():
        return

    def done(added: dict[str, int]) -> None:
        text = "，".join(f"{vocab.HONOUR_KINDS[k]} {n} 名" for k, n in added.items())
        app.notify(f"按评选条件新增候选：{text}（已有的不重复）。", title="推荐候选", timeout=10)

    app.run_write(lambda: rules.propose_candidates(year), done)
