"""One pledge: fields, progress log, evaluations with votes and 满意率, rectification, history."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from pledgebook.models.ledger import queries
from pledgebook.models.ledger.figures import percent
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header


def render_detail(d: queries.PledgeDetail) -> str:
    e = escape
    # the keys beside each section, only where they can work (a closed year or a deleted pledge is read-only)
    writable = not d.year_closed and not d.deleted
    fix = "  c 更正/删除" if writable and (d.progress or d.evaluations) else ""
    progress_keys = f"  p 添加{fix}" if writable else ""
    evaluation_keys = ("  e 记录评议" + ("  r 整改销号" if d.open_rectifications else "") + fix) if writable else ""
    lines = [
        f"[b]第 {d.id} 号承诺[/b]  {d.year}年度  [b]{e(d.status)}[/b]  环节：{e(d.stage)}"
        + ("  [reverse] 逾期 [/]" if d.overdue else "")
        + ("  [reverse] 已删除 [/]" if d.deleted else "")
        + ("  [reverse] 年度已关闭·只读 [/]" if d.year_closed else ""),
        "",
        f"承诺人  {e(d.pledger)}" + (f"（{e(d.org)}）" if d.person_id else ""),
        f"范围    {e(d.scope)}    类别  {e(d.category)}    期限  {e(d.term)}",
        f"事项    {e(d.content)}",
        f"措施    {e(d.measures) or '—'}",
        f"时限    {d.due or '—'}    兑现日期  {d.fulfilled_on or '—'}",
        f"审定    {e(d.approved_by) or '—'} {d.approved_on}    公示  {d.published_on or '—'}",
        f"来源    {e(d.source)}" + (f"    结转自  {e(d.carried_from)}" if d.carried_from else ""),
        "",
        f"[b]践诺记录（{len(d.progress)}）[/b]{progress_keys}",
    ]
    if not d.progress:
        lines.append("  （暂无）")
    for p in d.progress:
        pct = f"  {p.percent}%" if p.percent is not None else ""
        lines.append(f"  {p.date}  {e(p.note)}{pct}")
    lines += ["", f"[b]评诺（{len(d.evaluations)}）[/b]{evaluation_keys}"]
    if not d.evaluations:
        lines.append("  （暂无）")
    for ev in d.evaluations:
        head = f"  {ev.date}  {e(ev.kind_label)}"
        if ev.evaluator:
            head += f"  {e(ev.evaluator)}"
        if ev.grade:
            head += f"  等次：{e(ev.grade)}"
        if ev.score is not None:
            head += f"  分数：{ev.score:g}"
        lines.append(head)
        if ev.ballots_valid:
            issued = f"发放 {ev.ballots_issued}，" if ev.ballots_issued else ""
            lines.append(
                f"    {issued}有效 {ev.ballots_valid}：满意 {ev.votes_satisfied or 0}，基本满意 {ev.votes_basic or 0}，"
                f"不满意 {ev.votes_unsatisfied or 0}"
            )
            part = f"，参与率 {percent(ev.participation)}" if ev.participation is not None else ""
            lines.append(f"    [b]满意率 {percent(ev.satisfaction)}[/b]{part}")
        if ev.comment:
            lines.append(f"    意见：{e(ev.comment)}")
        if ev.rect_state:
            note = f"；{e(ev.rect_note)}" if ev.rect_note else ""
            lines.append(f"    整改：{e(ev.rect_state)}{note}")
    lines += ["", f"[b]修改记录（{len(d.history)}）[/b]"]
    if not d.history:
        lines.append("  （无：演示或导入的数据）")
    for h in d.history:
        lines.append(f"  {h.at}  {e(h.user)}  {e(h.action)}  {e(h.summary)}")
    return "\n".join(lines)


class PledgeDetailScreen(AreaScreen):
    is_detail = True
    BINDINGS = [
        Binding("escape", "app.pop_screen", "返回"),
        # p, e and r are shown beside their sections in the body, which keeps the footer within 80 columns
        Binding("p", "app.add_progress", "践诺", show=False),
        Binding("f", "app.set_status", "兑现"),
        Binding("e", "app.evaluate", "评议", show=False),
        Binding("r", "app.close_rectification", "销号", show=False),
        Binding("E", "app.edit_pledge", "编辑"),
        Binding("delete,d", "app.delete_pledge", "删除"),
        Binding("c", "correct", "更正", show=False),
        Binding("u", "undo", "撤销删除", show=False),
    ]

    def __init__(self, pledge_id: int) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.detail: queries.PledgeDetail | None = None
        self.last_removed: tuple[str, int, str] | None = None  # (table, id, what) of the entry deleted here

    @property
    def current_pledge_id(self) -> int:
        return self.pledge_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail-body"):
            yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#detail-body").focus()

    def load(self) -> None:
        # a handful of indexed lookups (a few ms): read on the UI thread so the screen opens drawn
        self.detail = queries.pledge_detail(self.pledge_id, self.app.today)
        text = render_detail(self.detail) if self.detail else "该承诺不存在或已被删除。"
        self.query_one("#detail", Static).update(text)

    # ------------------------------------------------------------ correcting entries
    def action_correct(self) -> None:
        """Choose a 践诺记录 or 评诺 of this pledge, then correct it or delete it."""
        d = self.detail
        if d is None or not self.app.writable():
            return
        if d.year_closed:
            from pledgebook.models.core.errors import YearClosed

            self.notify(YearClosed(d.year).message, title="只读年度", severity="error", timeout=8)
            return
        if d.deleted:
            self.notify("该承诺已被删除；请先按 u 撤销删除。", severity="warning")
            return
        if not (d.progress or d.evaluations):
            self.notify("这条承诺还没有践诺记录或评议可更正。", severity="warning")
            return
        from pledgebook.tui.dialogs.entries import EntryChooser

        self.app.push_screen(EntryChooser(d), self._chosen)

    def _chosen(self, choice: tuple[str, str, int] | None) -> None:
        d = self.detail
        if choice is None or d is None:
            return
        what, table, entry_id = choice
        if what == "edit":
            self._edit(table, entry_id)
        else:
            self._delete(table, entry_id)

    def _edit(self, table: str, entry_id: int) -> None:
        d = self.detail
        assert d is not None
        if table == "progress":
            from pledgebook.tui.dialogs.record import ProgressForm

            entry = next(p for p in d.progress if p.id == entry_id)
            self.app.push_screen(ProgressForm(d.id, self.app.today, entry), self._saved("已修改践诺记录"))
        else:
            from pledgebook.tui.dialogs.evaluation import EvaluationForm

            item = next(ev for ev in d.evaluations if ev.id == entry_id)
            self.app.push_screen(EvaluationForm(d.id, self.app.today, item), self._saved("已修改评议"))

    def _saved(self, message: str):
        def after(result) -> None:
            if result:
                self.notify(message)

        return after

    def _delete(self, table: str, entry_id: int) -> None:
        from pledgebook.models.ledger import rules
        from pledgebook.tui.dialogs.confirm import ConfirmDialog
        from pledgebook.tui.dialogs.entries import evaluation_text, progress_text

        d = self.detail
        assert d is not None
        if table == "progress":
            what = "践诺记录"
            text = progress_text(next(p for p in d.progress if p.id == entry_id))
        else:
            what = "评议"
            text = evaluation_text(next(ev for ev in d.evaluations if ev.id == entry_id))

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def deleted(_result) -> None:
                self.last_removed = (table, entry_id, what)
                self.notify(f"已删除这条{what}，各项统计不再计入。按 u 可撤销。", title="已删除", timeout=10)

            self.app.run_write(lambda: rules.soft_delete(table, entry_id), deleted)

        self.app.push_screen(ConfirmDialog(f"确定删除这条{what}吗？\n{text}\n删除后不再计入统计，可按 u 撤销。", "删除"),
                             confirmed)

    def action_undo(self) -> None:
        """u: bring back the entry deleted here last; else what the app deleted last (a pledge)."""
        if self.last_removed is None:
            self.app.action_undo_delete()
            return
        if not self.app.writable():
            return
        from pledgebook.models.ledger import rules

        table, entry_id, what = self.last_removed

        def restored(_result) -> None:
            self.last_removed = None
            self.notify(f"已恢复这条{what}。", title="已撤销删除")

        self.app.run_write(lambda: rules.restore(table, entry_id), restored)
