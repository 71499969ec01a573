"""One pledge: fields, progress log, evaluations with votes and 满意率, rectification, history."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from pledgebook.models import queries
from pledgebook.models.figures import percent
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header


def render_detail(d: queries.PledgeDetail) -> str:
    e = escape
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
        f"[b]践诺记录（{len(d.progress)}）[/b]" + ("" if d.year_closed else "  p 添加"),  # a closed year: no keys that cannot work
    ]
    if not d.progress:
        lines.append("  （暂无）")
    for p in d.progress:
        pct = f"  {p.percent}%" if p.percent is not None else ""
        lines.append(f"  {p.date}  {e(p.note)}{pct}")
    lines += ["", f"[b]评诺（{len(d.evaluations)}）[/b]" + ("" if d.year_closed else "  e 记录评议  r 整改销号")]
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
    ]

    def __init__(self, pledge_id: int) -> None:
        super().__init__()
        self.pledge_id = pledge_id
        self.detail: queries.PledgeDetail | None = None

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
