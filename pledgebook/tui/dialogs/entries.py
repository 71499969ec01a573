"""Choose one 践诺记录 or 评诺 of a pledge to correct (Enter) or delete (Delete)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pledgebook.models.ledger import queries
from pledgebook.models.ledger.figures import percent


def progress_text(p: queries.ProgressItem) -> str:
    pct = f"（{p.percent}%）" if p.percent is not None else ""
    return f"践诺  {p.date}  {' '.join(p.note.split())[:30]}{pct}"


def evaluation_text(e: queries.EvaluationItem) -> str:
    parts = [f"评议  {e.date}  {e.kind_label}"]
    if e.ballots_valid:
        parts.append(f"有效 {e.ballots_valid}，满意率 {percent(e.satisfaction)}")
    if e.grade:
        parts.append(f"等次 {e.grade}")
    if e.rect_state:
        parts.append(e.rect_state.split("（")[0])
    return "  ".join(parts)


class EntryChooser(ModalScreen[tuple[str, str, int] | None]):
    """Returns (``"edit"`` or ``"delete"``, ``"progress"`` or ``"evaluation"``, id), or None."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "返回"),
        Binding("enter", "choose('edit')", "修改", show=False),
        Binding("delete,d", "choose('delete')", "删除", show=False),
    ]

    def __init__(self, detail: queries.PledgeDetail) -> None:
        super().__init__()
        self.entries: list[tuple[str, int]] = [("progress", p.id) for p in detail.progress]
        self.entries += [("evaluation", e.id) for e in detail.evaluations]
        self.texts = [progress_text(p) for p in detail.progress] + [evaluation_text(e) for e in detail.evaluations]
        self.pledge_id = detail.id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"更正第 {self.pledge_id} 号承诺的记录", classes="dialog-title")
            yield Static("↑↓ 选择　Enter 修改　Delete 删除（可按 u 撤销）　Esc 返回", classes="preview")
            yield OptionList(*[Option(text, id=str(i)) for i, text in enumerate(self.texts)], id="entries")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose("edit")

    def action_choose(self, what: str) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.entries):
            return
        table, entry_id = self.entries[index]
        self.dismiss((what, table, entry_id))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
