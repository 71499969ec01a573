"""One branch in 评议评星: its members with their 民主评议, and beside the selected member their pledges of the
year, so the branch decides on the record.

Above: the branch's counts, its 优秀 quota, its stars (the proposal, the office's, the total points) and its
stars over the years. Left: the members (姓名, 组织评定, 有效票, 承诺 已兑现/项, 处置未销号); right: the selected
member's appraisal (the 民主测评 votes, the comment), their 处置 and their pledges with how each was judged.
Keys: e 评议 (record or change the appraisal), d 处置, x 销号 (close an open 处置: allowed also in a closed
year), s 评分 (the branch's star points), a 定星 (confirm its stars), h 提名 (the member for an honour),
H (the branch for 先进基层党组织). The forms are in :mod:`pledgebook.tui.dialogs.appraisal`,
:mod:`pledgebook.tui.dialogs.stars` and :mod:`pledgebook.tui.dialogs.honours`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from pledgebook.models.appraisal import queries as aq
from pledgebook.models.appraisal import views
from pledgebook.models.appraisal.rules.appraisals import Quota, quota
from pledgebook.models.appraisal.rules.stars import star_history
from pledgebook.models.core import vocab
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.appraisal import YEAR_WRITES, stars_text
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.worker_db import db_thread


@dataclass
class BranchData:
    """What the branch's header shows, read in one worker."""

    row: aq.BranchRow | None
    members: list[aq.MemberRow]
    rating: views.RatingView | None
    history: list[tuple[int, int | None]]
    quota: Quota


@dataclass
class MemberData:
    """The selected member's appraisal fields, 处置 and pledges of the year."""

    person_id: int
    fields: dict[str, object] | None
    disposals: list[views.DisposalLine]
    pledges: list[aq.PledgeLine]


def votes_text(fields: dict[str, object]) -> str:
    """「发放 18，有效 16 · 优秀 4，合格 12，基本合格 0，不合格 0」, or "" when no votes were entered."""
    from pledgebook.models.appraisal.validate import VOTE_FIELDS

    parts = [f"{label.removesuffix('票数').removesuffix('票')} {fields[name]}"
             for name, label in VOTE_FIELDS if fields.get(name) is not None]
    return "，".join(parts)


def member_text(member: aq.MemberRow, data: MemberData, year: int) -> str:
    """The right-hand side: the member's appraisal, 处置 and pledges of the year."""
    lines = [f"[b]{member.name}[/b] · {member.post or '党员'}" + ("" if member.on_roll else " · 已不在本支部（本年在此评议）")]
    f = data.fields
    if f is None:
        lines.append(f"{year}年度民主评议：尚未录入（按 e 录入）")
    else:
        when = f"（{f['decided_on']}）" if f.get("decided_on") else ""
        lines.append(f"民主评议：[b]{member.grade_label or '未评定'}[/b]{when}")
        if votes := votes_text(f):
            lines.append(f"测评票：{votes}")
        for key, label in (("self_review", "个人自评"), ("comment", "评定意见")):
            if f.get(key):
                lines.append(f"{label}：{f[key]}")
    for d in data.disposals:
        state = f"已于 {d.closed_on} 销号" + (f"：{d.result}" if d.result else "") if d.closed_on else "未销号（x 销号）"
        lines.append(f"组织处置：{d.kind_label}，决定 {d.decided_on}，期限 {d.due_date}，{state}")
    fulfilled = sum(1 for p in data.pledges if p.status == "fulfilled")
    lines.append(f"\n[b]{year}年的承诺[/b]（{len(data.pledges)} 项，已兑现 {fulfilled} 项）" if data.pledges
                 else f"\n{year}年没有个人承诺。")
    for n, p in enumerate(data.pledges, 1):
        # no space inside a line: Rich breaks a line at a space first, which would strand the 「1.」 or the status
        lines.append(f"{n}.{p.content}")
        judged = "".join(f"；{kind}：{result}" for kind, result in p.evaluations)
        flag = "，[b]待整改[/b]" if p.rectification_open else ""
        lines.append(f"  [dim]【{p.status_label}】{flag}{judged.removeprefix('；')}[/]")
    return "\n".join(lines)


class BranchScreen(AreaScreen):
    DEFAULT_CSS = """
    BranchScreen #br-summary { height: auto; padding: 0 1; }
    BranchScreen #br-members { width: 44; height: 1fr; }
    BranchScreen #br-side { width: 1fr; height: 1fr; padding: 0 1; border-left: solid $primary 40%; }
    BranchScreen #br-detail { height: auto; }
    """
    YEAR_WRITES = YEAR_WRITES
    BINDINGS = [
        Binding("escape", "back", "返回"),
        Binding("e", "appraise", "评议"),
        Binding("d", "dispose", "处置"),
        Binding("x", "close_disposal", "销号", show=False),
        Binding("s", "score_stars", "评分"),
        Binding("a", "confirm_stars", "定星", show=False),
        Binding("h", "nominate", "提名", show=False),  # in F1 and the palette: the footer must fit 80 columns
        Binding("H", "nominate_branch", "提名支部", show=False),
    ]

    class Loaded(Message):
        def __init__(self, data: BranchData) -> None:
            super().__init__()
            self.data = data

    class MemberLoaded(Message):
        def __init__(self, data: MemberData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, org_id: int, org_name: str, committee: str = "") -> None:
        super().__init__()
        self.org_id = org_id
        self.org_name = org_name
        self.committee = committee
        self.data: BranchData | None = None
        self.member_data: MemberData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("正在读取…", id="br-summary")
        with Horizontal():
            table = DataTable(id="br-members", cursor_type="row", zebra_stripes=True)
            for label, width in (("姓名", 8), ("组织评定", 10), ("有效票", 6), ("承诺", 5), ("处置", 4)):
                table.add_column(label, width=width)
            yield table
            with VerticalScroll(id="br-side", can_focus=False):
                yield Static("", id="br-detail")
        yield Footer()

    def on_mount(self) -> None:
        focus_now(self.query_one("#br-members", DataTable))

    @property
    def year(self) -> int:
        return getattr(self.app, "year", None) or 0

    def load(self) -> None:
        self._query(self.year)

    @work(thread=True, group="appraisal-branch", exclusive=True, exit_on_error=False)
    def _query(self, year: int) -> None:
        with db_thread():
            rows = aq.branches(year, self.org_id)
            data = BranchData(next((r for r in rows if r.org_id == self.org_id), None), aq.members(self.org_id, year),
                              views.rating_view(self.org_id, year), star_history(self.org_id),
                              quota(self.org_id, year))
        self.post_message(self.Loaded(data))

    def on_branch_screen_loaded(self, message: Loaded) -> None:
        self.data = message.data
        table = self.query_one("#br-members", DataTable)
        keep = table.cursor_row
        table.clear()
        for m in self.data.members:
            grade = "不参评" if m.exempt_reason else (m.grade_label or "—")
            pledges = f"{m.fulfilled}/{m.pledges}" if m.pledges else "—"
            table.add_row(m.name, grade, str(m.ballots_valid) if m.ballots_valid is not None else "—", pledges,
                          str(m.disposals_open or "—"))
        if self.data.members:
            table.move_cursor(row=min(max(keep, 0), len(self.data.members) - 1))
            self._member_changed()
        else:
            self.query_one("#br-detail", Static).update("本支部没有在册党员。")
        self.query_one("#br-summary", Static).update(self.summary())

    def summary(self) -> str:
        assert self.data is not None
        d, row, rating = self.data, self.data.row, self.data.rating
        where = f"（{short_name(self.committee)}）" if self.committee else ""
        lines = [f"[b]{self.org_name}[/b]{where} · {self.year}年度 · {d.quota.fact.removeprefix(d.quota.org_name)}"]
        if row is not None:
            grades = "，".join(f"{label} {row.grades()[code]}" for code, label in vocab.APPRAISAL_GRADES.items())
            lines[0] += f" · {grades}，不参评 {row.exempt}，未录入 {row.not_started}，处置未销号 {row.disposals_open}"
        closed = getattr(self.app, "year_closed", False)
        if rating is None:
            stars = "星级：尚无评定" + ("" if closed else "（s 评分，或在评议评星区按 P 生成全县星级建议）")
        else:
            stars = (f"星级：{stars_text(rating.stars, rating.proposed_stars)}（总分 {rating.total:g}"
                     + (f"，建议 {rating.proposed_stars}星" if rating.stars is not None and rating.proposed_stars else "")
                     + "）")
        history = "、".join(f"{y} {s}星" if s else f"{y} 未确定" for y, s in d.history)
        lines.append(stars + (f" · 历年：{history}" if history else ""))
        if closed:
            lines.append("[b]本年度已关闭，只能查看[/b]（未销号的组织处置仍可销号：x）")
        return "\n".join(lines)

    # ------------------------------------------------------------ the selected member
    def current_member(self, say: bool = True) -> aq.MemberRow | None:
        table = self.query_one("#br-members", DataTable)
        members = self.data.members if self.data else []
        if not members or not 0 <= table.cursor_row < len(members):
            if say:
                self.app.notify("本支部没有可选的党员。", severity="warning")
            return None
        return members[table.cursor_row]

    @on(DataTable.RowHighlighted, "#br-members")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._member_changed()

    @on(DataTable.RowSelected, "#br-members")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_appraise()

    def _member_changed(self) -> None:
        member = self.current_member(say=False)
        if member is not None:
            self._member(member.person_id, member.appraisal_id, self.year)

    @work(thread=True, group="appraisal-member", exclusive=True, exit_on_error=False)
    def _member(self, person_id: int, appraisal_id: int | None, year: int) -> None:
        with db_thread():
            fields = views.appraisal_fields(appraisal_id) if appraisal_id else None
            disposals = views.disposals_of(appraisal_id) if appraisal_id else []
            data = MemberData(person_id, fields, disposals, aq.member_pledges(person_id, year))
        self.post_message(self.MemberLoaded(data))

    def on_branch_screen_member_loaded(self, message: MemberLoaded) -> None:
        member = self.current_member(say=False)
        if member is None or member.person_id != message.data.person_id:
            return  # the cursor moved on: its own read follows
        self.member_data = message.data
        self.query_one("#br-detail", Static).update(member_text(member, message.data, self.year))

    def _data_of(self, member: aq.MemberRow) -> MemberData | None:
        data = self.member_data
        return data if data is not None and data.person_id == member.person_id else None

    # ------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.app.pop_screen()

    def _written(self, message: str) -> Callable[[object], None]:
        def after(result: object) -> None:
            if result:
                self.app.notify(message)

        return after

    def action_appraise(self) -> None:
        member = self.current_member()
        if member is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs.appraisal import AppraisalForm

        data = self._data_of(member)
        fields = data.fields if data is not None else None
        if member.appraisal_id is not None and fields is None:
            fields = views.appraisal_fields(member.appraisal_id)
        form = AppraisalForm(member.person_id, member.name, self.org_id, self.year, member.appraisal_id, fields,
                             today=self.app.today)
        self.app.push_screen(form, self._written(f"已保存{member.name}的民主评议"))

    def action_dispose(self) -> None:
        member = self.current_member()
        if member is None or not self.app.writable():
            return
        if member.appraisal_id is None or member.grade not in vocab.DISPOSAL_GRADES:
            grade = member.grade_label or "尚未评议"
            self.app.notify(f"{member.name}：{grade}。只有评定为基本合格、不合格的党员才作组织处置。",
                            severity="warning")
            return
        from pledgebook.tui.dialogs.appraisal import DisposalForm

        form = DisposalForm(member.appraisal_id, member.name, today=self.app.today)
        self.app.push_screen(form, self._written(f"已记录{member.name}的组织处置"))

    def action_close_disposal(self) -> None:
        """销号: the member's first open 处置; allowed in a closed year too (the rules say what is not)."""
        member = self.current_member()
        if member is None:
            return
        data = self._data_of(member)
        open_ones = [d for d in (data.disposals if data else []) if d.is_open]
        if not open_ones:
            self.app.notify(f"{member.name}没有未销号的组织处置。", severity="warning")
            return
        from pledgebook.tui.dialogs.appraisal import CloseDisposalForm

        form = CloseDisposalForm(open_ones[0], member.name, today=self.app.today)
        self.app.push_screen(form, self._written(f"{member.name}的组织处置已销号"))

    def action_score_stars(self) -> None:
        if not self.app.writable() or self.data is None:
            return
        from pledgebook.tui.dialogs.stars import StarScoreForm

        self.app.push_screen(StarScoreForm(self.org_id, self.org_name, self.year, self.data.rating),
                             self._written(f"已保存{self.org_name}的星级评分"))

    def action_confirm_stars(self) -> None:
        if not self.app.writable() or self.data is None:
            return
        from pledgebook.tui.dialogs.stars import ConfirmStarsForm

        self.app.push_screen(ConfirmStarsForm(self.org_id, self.org_name, self.year, self.data.rating),
                             self._written(f"已确定{self.org_name}的星级"))

    def action_nominate(self) -> None:
        member = self.current_member()
        if member is None or not self.app.writable():
            return
        from pledgebook.tui.dialogs.honours import CandidateForm

        self.app.push_screen(CandidateForm(self.year, self.org_id, self.org_name, member.person_id, member.name),
                             self._written(f"已提名{member.name}"))

    def action_nominate_branch(self) -> None:
        if not self.app.writable():
            return
        from pledgebook.tui.dialogs.honours import CandidateForm

        self.app.push_screen(CandidateForm(self.year, self.org_id, self.org_name),
                             self._written(f"已提名{self.org_name}"))

    # ------------------------------------------------------------ the palette's year-wide actions, asked for here
    def action_propose_stars(self) -> None:
        if self.app.writable():
            from pledgebook.tui.dialogs.stars import propose_all

            propose_all(self.app, self.year)

    def action_confirm_all(self) -> None:
        """Here: this branch's stars (按建议 unless another level is chosen)."""
        self.action_confirm_stars()

    def action_honours(self) -> None:
        from pledgebook.tui.screens.honours import HonoursScreen

        self.app.push_screen(HonoursScreen(self.year))

    def action_propose_candidates(self) -> None:
        from pledgebook.tui.dialogs.honours import propose_candidates

        propose_candidates(self.app, self.year)
