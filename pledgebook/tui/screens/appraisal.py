"""评议评星: the branches of a 乡镇（党委） with their 民主评议 progress, 处置 and stars (the third ledger).

Top: the 党委 to show (全县 first; c moves there); below, every branch of the app's year with its 党员,
已评议/待评议, 优秀/基本合格/不合格, 优秀名额, 处置未销号 and 星级 (the office's, or the proposal marked
「建议」). Enter opens the branch (:mod:`pledgebook.tui.screens.appraisal_branch`): its members with their
appraisal and their pledges of the year, where the appraisal, 处置, stars and honour forms open. P proposes
stars for every branch, A confirms the proposals of the 党委 shown, h lists the honour candidates. Reads go
through :mod:`pledgebook.models.appraisal.queries`, writes through its rules in ``app.run_write``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Label, Select, Static

from pledgebook.models.appraisal import queries as aq
from pledgebook.models.appraisal import views
from pledgebook.models.core import vocab
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.worker_db import db_thread

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp

# what a closed year refuses: the footer leaves these keys out there, the key itself says why (app.refuses)
YEAR_WRITES = frozenset({"propose_stars", "confirm_all", "appraise", "dispose", "score_stars", "confirm_stars",
                         "nominate", "nominate_branch", "propose_candidates", "decide", "delete_honour",
                         "undo_delete"})
ALL = -1  # the filter's 全县


def stars_text(stars: int | None, proposed: int | None) -> str:
    """「4星」 confirmed, 「建议3星」 only proposed, 「—」 neither."""
    if stars is not None:
        return f"{stars}星"
    return f"建议{proposed}星" if proposed is not None else "—"


# no cell padding: each width leaves a column of space; up to 星级 it fits 80 columns (the 党委 is beyond it
# there: the list scrolls sideways, the filter names it); a name longer than its column ends in 「…」
COLUMNS = (("党支部", 25), ("党员", 5), ("已评", 5), ("待评", 5), ("优秀/名额", 10), ("基本合格", 9), ("不合格", 7),
           ("处置", 5), ("星级", 8), ("党委", 14))
NAME_WIDE = 14  # more for the name on a screen of 110 columns or more


def fit(text: str, width: int) -> str:
    """``text`` within ``width`` terminal cells, less one for the space after it; cut with 「…」, never mid-glyph."""
    from rich.cells import cell_len

    room = width - 1
    if cell_len(text) <= room:
        return text
    while text and cell_len(text) > room - 1:
        text = text[:-1]
    return text + "…"


def decided(row: aq.BranchRow) -> int:
    """已评议: members graded, and those recorded as not appraised (with the reason)."""
    return row.appraised - row.undecided + row.exempt


def branch_cells(row: aq.BranchRow, name_width: int = COLUMNS[0][1]) -> tuple[str, ...]:
    """One branch's cells, in :data:`COLUMNS` order."""
    excellent = f"{row.excellent}/{row.limit}" + (" 超" if row.over else "")
    return (" " + fit(row.name, name_width - 1), str(row.members), str(decided(row)),
            str(row.not_started + row.undecided), excellent, str(row.basic), str(row.unqualified), str(row.disposals_open or "—"),
            stars_text(row.stars, row.proposed_stars), short_name(row.committee))


# (header, width): the name is widened on a wide screen; 已评 (已评议, :func:`decided`), 待评 (待评议: no record
# yet, or recorded without a grade)


class AppraisalScreen(AreaScreen):
    DEFAULT_CSS = """
    AppraisalScreen #ap-bar { height: 1; padding: 0 1; }
    AppraisalScreen #ap-bar Select { width: 30; }
    AppraisalScreen #ap-summary { height: auto; padding: 0 1; }
    AppraisalScreen #ap-branches { height: 1fr; }
    """
    YEAR_WRITES = YEAR_WRITES
    BINDINGS = [
        Binding("enter", "open_branch", "打开", show=False),
        Binding("c", "choose_committee", "党委"),
        Binding("P", "propose_stars", "星级建议"),
        Binding("A", "confirm_all", "确定星级", show=False),
        Binding("h", "honours", "表彰"),
    ]

    class Loaded(Message):
        def __init__(self, committees: list[tuple[int, str]] | None, rows: list[aq.BranchRow]) -> None:
            super().__init__()
            self.committees = committees
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.committee_id: int | None = None
        self.committees: list[tuple[int, str]] = []
        self.rows: list[aq.BranchRow] = []
        self.name_width = COLUMNS[0][1]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="ap-bar"):
            yield Label("党委（c）：")
            yield Select([("全县", ALL)], value=ALL, allow_blank=False, compact=True, id="ap-committee")
        yield Static("正在读取…", id="ap-summary")
        yield DataTable(id="ap-branches", cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#ap-branches", DataTable)
        self.name_width = COLUMNS[0][1] + (NAME_WIDE if self.app.size.width >= 110 else 0)
        table.add_column(" " + COLUMNS[0][0], width=self.name_width)
        for label, width in COLUMNS[1:]:
            table.add_column(label, width=width)
        focus_now(table)

    @property
    def year(self) -> int:
        return getattr(self.app, "year", None) or 0

    def load(self) -> None:
        self._query(self.year, self.committee_id, not self.committees)

    @work(thread=True, group="appraisal-area", exclusive=True, exit_on_error=False)
    def _query(self, year: int, under: int | None, with_committees: bool) -> None:
        with db_thread():
            committees = views.committees() if with_committees else None
            rows = aq.branches(year, under)
        self.post_message(self.Loaded(committees, rows))

    def on_appraisal_screen_loaded(self, message: Loaded) -> None:
        if message.committees is not None:
            self.committees = message.committees
            choices = [("全县", ALL), *((short_name(name), oid) for oid, name in message.committees)]
            self.query_one("#ap-committee", Select).set_options(choices)
            self.query_one("#ap-committee", Select).value = self.committee_id or ALL
        table = self.query_one("#ap-branches", DataTable)
        keep = table.cursor_row
        table.clear()
        order = {name: i for i, (_oid, name) in enumerate(self.committees)}
        self.rows = sorted(message.rows, key=lambda r: order.get(r.committee, len(order)))  # by 党委, as the tree
        for row in self.rows:
            table.add_row(*branch_cells(row, self.name_width))
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
        self.query_one("#ap-summary", Static).update(self.summary())

    @property
    def committee_name(self) -> str:
        """The 党委 shown, by its full name ("" for the whole county)."""
        return next((name for oid, name in self.committees if oid == self.committee_id), "")

    def summary(self) -> str:
        rows = self.rows
        members = sum(r.members for r in rows)
        done = sum(decided(r) for r in rows)
        grades = "，".join(f"{label} {sum(r.grades()[code] for r in rows)}"
                          for code, label in vocab.APPRAISAL_GRADES.items())
        over = sum(1 for r in rows if r.over)
        stars = sum(1 for r in rows if r.stars is not None)
        where = self.committee_name or "全县"
        text = (f"[b]{self.year}年度 · {short_name(where)}[/b] · 党支部 {len(rows)} 个，党员 {members} 人，"
                f"已评 {done} 人（{grades}），处置未销号 {sum(r.disposals_open for r in rows)} 件，"
                f"已确定星级 {stars} 个")
        if over:
            text += f" · [b red]{over} 个支部优秀超出名额[/]"
        if getattr(self.app, "year_closed", False):
            text += " · [b]已关闭，只读[/]"
        return text

    @on(Select.Changed, "#ap-committee")
    def _committee(self, event: Select.Changed) -> None:
        chosen = None if event.value in (ALL, Select.NULL) else int(str(event.value))
        if chosen != self.committee_id:
            self.committee_id = chosen
            self._query(self.year, chosen, False)
            focus_now(self.query_one("#ap-branches", DataTable))

    def action_choose_committee(self) -> None:
        select = self.query_one("#ap-committee", Select)
        focus_now(select)
        select.action_show_overlay()

    # ------------------------------------------------------------ the branch
    def current_branch(self) -> aq.BranchRow | None:
        table = self.query_one("#ap-branches", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            self.app.notify("这里没有党支部：请换一个党委或年度。", severity="warning")
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#ap-branches")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_branch()

    def action_open_branch(self) -> None:
        row = self.current_branch()
        if row is None:
            return
        from pledgebook.tui.screens.appraisal_branch import BranchScreen

        self.app.push_screen(BranchScreen(row.org_id, row.name, row.committee))

    def action_appraise(self) -> None:
        """The palette's 「民主评议录入」 here: open the branch first, its members are appraised there."""
        self.action_open_branch()

    # the palette's branch and member actions, asked for in the list: the branch opens first
    action_dispose = action_close_disposal = action_score_stars = action_appraise
    action_confirm_stars = action_nominate = action_nominate_branch = action_appraise

    # ------------------------------------------------------------ the whole year
    def action_propose_stars(self) -> None:
        if not self.app.writable():
            return
        from pledgebook.tui.dialogs.stars import propose_all

        propose_all(self.app, self.year)

    def action_confirm_all(self) -> None:
        if not self.app.writable():
            return
        from pledgebook.tui.dialogs.stars import confirm_all

        confirm_all(self.app, self.year, self.committee_id, short_name(self.committee_name or "全县"))

    def action_honours(self) -> None:
        from pledgebook.tui.screens.honours import HonoursScreen

        self.app.push_screen(HonoursScreen(self.year, self.committee_id, self.committee_name))

    def action_propose_candidates(self) -> None:
        from pledgebook.tui.dialogs.honours import propose_candidates

        propose_candidates(self.app, self.year)


def selected_scope(app: PledgebookApp) -> tuple[int | None, str]:
    """The org 评议评星 shows (a branch open, the 党委 chosen; None: the whole county) and its name."""
    from pledgebook.tui.screens.appraisal_branch import BranchScreen
    from pledgebook.tui.screens.honours import HonoursScreen

    screen = app.screen
    if isinstance(screen, BranchScreen):
        return screen.org_id, screen.org_name
    if isinstance(screen, AppraisalScreen | HonoursScreen) and screen.committee_id is not None:
        return screen.committee_id, screen.committee_name
    return None, ""
