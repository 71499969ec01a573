"""评选表彰 in the TUI: the year's candidates of the 党委 shown, each 乡镇（党委）'s quota, and the decisions.

A list of the live honours (类别, 对象, 所在党组织, 来源, 结果) under the 党委 chosen in 评议评星 (or the whole
county); above it, the quota of the selected one's 乡镇（党委） and kind, and whether it meets the criteria. p proposes candidates from the records
(whoever meets the county's criteria), Enter decides (确定表彰 / 未通过 / 候选, within the quota; x with 未通过
chosen), Del removes one
(u brings it back). A member or branch is put forward by hand from the branch (h / H there).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from pledgebook.models.appraisal import views
from pledgebook.models.appraisal.rules import honours as rules
from pledgebook.models.appraisal.rules.honours import QuotaUse
from pledgebook.models.core import vocab
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.appraisal import YEAR_WRITES, fit
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.worker_db import db_thread

# no cell padding: each width leaves a column of space (as the branch list), a long name ends in 「…」
# (whether the criteria are met is on the line above the list, for the selected one)
COLUMNS = (("类别", 16), ("对象", 17), ("所在党组织", 15), ("来源", 15), ("结果", 9))


def quota_text(use: QuotaUse | None) -> str:
    if use is None:
        return ""
    return (f"{short_name(use.committee)}{vocab.HONOUR_KINDS.get(use.kind, use.kind)}名额 {use.quota} 名，"
            f"已确定 {use.confirmed} 名，候选 {use.candidates} 名")


class HonoursScreen(AreaScreen):
    DEFAULT_CSS = """
    HonoursScreen #ho-summary { height: auto; padding: 0 1; }
    HonoursScreen #ho-quota { height: auto; padding: 0 1; }
    HonoursScreen #ho-table { height: 1fr; }
    """
    YEAR_WRITES = YEAR_WRITES
    BINDINGS = [
        Binding("escape", "back", "返回"),
        Binding("enter", "decide", "决定", show=False),
        Binding("x", "decide('declined')", "未通过", show=False),
        Binding("p", "propose_candidates", "推荐"),
        Binding("delete", "delete_honour", "删除"),
        Binding("u", "undo_delete", "撤销删除", show=False),
    ]

    class Loaded(Message):
        def __init__(self, lines: list[views.HonourLine], quotas: dict[int, QuotaUse]) -> None:
            super().__init__()
            self.lines = lines
            self.quotas = quotas

    def __init__(self, year: int, committee_id: int | None = None, committee_name: str = "") -> None:
        super().__init__()
        self.year = year
        self.committee_id = committee_id
        self.committee_name = committee_name
        self.lines: list[views.HonourLine] = []
        self.quotas: dict[int, QuotaUse] = {}
        self.deleted: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("正在读取…", id="ho-summary")
        yield Static("", id="ho-quota")
        table = DataTable(id="ho-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
        for i, (label, width) in enumerate(COLUMNS):
            table.add_column(" " * (i == 0) + label, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        focus_now(self.query_one("#ho-table", DataTable))

    def load(self) -> None:
        self.year = getattr(self.app, "year", None) or self.year  # another year chosen (y): its honours
        self._query(self.year, self.committee_id)

    @work(thread=True, group="honours", exclusive=True, exit_on_error=False)
    def _query(self, year: int, under: int | None) -> None:
        with db_thread():
            lines = views.honour_lines(year, under)
            quotas = views.honour_quotas(year, lines)
        self.post_message(self.Loaded(lines, quotas))

    def on_honours_screen_loaded(self, message: Loaded) -> None:
        self.lines, self.quotas = message.lines, message.quotas
        table = self.query_one("#ho-table", DataTable)
        keep = table.cursor_row
        table.clear()
        widths = [w for _label, w in COLUMNS]
        for h in self.lines:
            # a branch honoured: where it is, its 乡镇（党委）; a member: their branch
            use = self.quotas.get(h.honour_id)
            where = h.org_name if h.person_id else short_name(use.committee) if use else ""
            cells = (" " + vocab.HONOUR_KINDS.get(h.kind, h.kind), h.who, where,
                     vocab.label(vocab.HONOUR_SOURCES, h.source), vocab.label(vocab.HONOUR_STATUSES, h.status))
            table.add_row(*(fit(text, width) for text, width in zip(cells, widths, strict=True)))
        if self.lines:
            table.move_cursor(row=min(max(keep, 0), len(self.lines) - 1))
        counts = "，".join(
            f"{label} {sum(1 for h in self.lines if h.kind == kind)} 名（确定 "
            f"{sum(1 for h in self.lines if h.kind == kind and h.status == 'confirmed')}）"
            for kind, label in vocab.HONOUR_KINDS.items())
        self.query_one("#ho-summary", Static).update(
            f"[b]{self.year}年度评选表彰 · {short_name(self.committee_name) or '全县'}[/b] · 候选 {counts}"
            + ("" if self.lines else "\n还没有候选：按 p 按评选条件推荐，或在党支部中按 h / H 提名"))
        self._show_quota()

    def current(self, say: bool = True) -> views.HonourLine | None:
        table = self.query_one("#ho-table", DataTable)
        if not self.lines or not 0 <= table.cursor_row < len(self.lines):
            if say:
                self.app.notify("这里还没有表彰候选。按 p 按评选条件推荐。", severity="warning")
            return None
        return self.lines[table.cursor_row]

    @on(DataTable.RowHighlighted, "#ho-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_quota()

    @on(DataTable.RowSelected, "#ho-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_decide()

    def _show_quota(self) -> None:
        """The selected one's quota, and whether it meets the criteria (or the reason it was put forward)."""
        line = self.current(say=False)
        text = ""
        if line is not None:
            met = "符合评选条件" if line.meets_criteria else f"不符合评选条件，提名理由：{line.reason or '—'}"
            text = "\n".join(t for t in (quota_text(self.quotas.get(line.honour_id)), f"{line.who}{met}") if t)
        self.query_one("#ho-quota", Static).update(text)

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_propose_candidates(self) -> None:
        from pledgebook.tui.dialogs.honours import propose_candidates

        propose_candidates(self.app, self.year)

    def action_elsewhere(self) -> None:
        """The palette's branch and member actions, asked for here: where they are done."""
        self.app.notify("这项在党支部中办理：按 Esc 回到评议评星，选中党支部后按回车打开。", severity="warning")

    action_appraise = action_dispose = action_close_disposal = action_score_stars = action_elsewhere
    action_confirm_stars = action_nominate = action_nominate_branch = action_elsewhere
    action_propose_stars = action_confirm_all = action_elsewhere

    def action_honours(self) -> None:
        """Already here."""

    def action_decide(self, status: str = "confirmed") -> None:
        """Enter: the decision form, 确定表彰 chosen; x: with 未通过 chosen."""
        line = self.current()
        if line is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs.honours import DecideForm

        def after(result: object) -> None:
            if result:
                self.app.notify(f"已保存对{line.who}的表彰决定")

        quota = quota_text(self.quotas.get(line.honour_id))
        self.app.push_screen(DecideForm(line, quota, status, today=self.app.today), after)

    def action_delete_honour(self) -> None:
        line = self.current()
        if line is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.deleted = line.honour_id
                self.app.run_write(lambda: rules.delete_honour(line.honour_id),
                                   lambda _r: self.app.notify(f"已删除{line.who}的表彰记录（按 u 撤销）"))

        kind = vocab.HONOUR_KINDS.get(line.kind, line.kind)
        self.app.push_screen(ConfirmDialog(f"删除{line.who}的{kind}表彰记录？\n可按 u 撤销。", "删除"), answered)

    def action_undo_delete(self) -> None:
        if self.deleted is None:
            self.app.notify("没有可撤销的删除。", severity="warning")
            return
        honour_id, self.deleted = self.deleted, None
        self.app.run_write(lambda: rules.restore_honour(honour_id), lambda _r: self.app.notify("已恢复表彰记录"))
