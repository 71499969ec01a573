"""承诺台账: the org tree, a filter bar, and a virtual list paged from SQL."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select, Static, Tree
from textual.worker import get_current_worker

from pledgebook.models.core import vocab
from pledgebook.models.ledger import queries
from pledgebook.models.ledger.figures import percent
from pledgebook.tui.highlight import match_spans
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.widgets.search_box import SearchBox
from pledgebook.tui.widgets.virtual_table import PAGE, Column, VirtualTable, VRow, fit
from pledgebook.tui.worker_db import db_thread

COLUMNS = [
    Column("id", "编号", 5),
    Column("pledger", "承诺人", 10),
    Column("status", "状态", 8),
    Column("due", "时限", 11),
    Column("content", "承诺事项", 0),
]
# from 100 columns on, the list has room for the 党组织 (its short name) and a whole 承诺人
WIDE_COLUMNS = [
    Column("id", "编号", 5),
    Column("pledger", "承诺人", 18),
    Column("org", "党组织", 14),
    Column("status", "状态", 8),
    Column("due", "时限", 11),
    Column("content", "承诺事项", 0),
]
WIDE = 100
SORT_CYCLE = ["id", "pledger", "org", "status", "due"]


TREE_WIDTH = 22  # as in app.tcss (#orgs), less its border and scrollbar: see tree_label
GUIDE = 2  # cells of indent per tree level


def tree_label(name: str, count: int, depth: int) -> Text:
    """The name cut to fit beside its count at this depth, never mid-character: "泗南江乡党委 47".

    As Text, not str: Tree reads a str as markup (a name with [...] in it would turn into
    styles), and its markup pass loads rich's emoji table, 1.4 MB, for nothing.
    """
    room = TREE_WIDTH - 3 - GUIDE * depth - 2  # border + scrollbar, the indent, the expand icon
    number = f" {count}"
    return Text(fit(short_name(name), max(room - len(number), 2)).rstrip() + number)


def to_vrows(rows: list[queries.PledgeRow], wide: bool = False, search: str = "") -> list[VRow]:
    """The rows as the list shows them; ``wide``: with the 党组织 column (an org's own pledge names it once);
    ``search``: what was typed, marked where it matched (by pinyin in the names, literally in the text).
    Runs in the list's worker thread."""
    out = []
    for r in rows:
        due = r.due + ("!" if r.overdue else "")
        pledger = short_name(r.pledger)
        if wide:
            org = "" if r.pledger == r.org else short_name(r.org)
            cells: tuple[str, ...] = (str(r.id), pledger, org, r.status, due, r.content)
            names = (1, 2)
        else:
            cells = (str(r.id), pledger, r.status, due, r.content)
            names = (1,)
        matches: tuple[tuple[int, int, int], ...] = ()
        if search.strip():
            matches = tuple((i, start, end) for i in (*names, len(cells) - 1)
                            for start, end in match_spans(cells[i], search, pinyin=i in names))
        out.append(VRow(r.id, cells, "warn" if r.overdue else "", matches))
    return out


class PledgesScreen(AreaScreen):
    BINDINGS = [
        Binding("n", "app.new_pledge", "新建"),
        Binding("slash", "search", "搜索"),
        Binding("t", "toggle_focus", "树/列表", show=False),  # in F1 help; the footer must fit 80 columns
        Binding("s", "sort(False)", "排序"),
        Binding("S", "sort(True)", "反向", show=False),
        Binding("o", "view('overdue')", "逾期", show=False),
        Binding("z", "view('rectification')", "待整改", show=False),
        Binding("escape", "clear", "清除筛选", show=False),
        Binding("p", "app.add_progress", "践诺", show=False),
        Binding("e", "app.evaluate", "评议", show=False),
        Binding("f", "app.set_status", "兑现", show=False),
        Binding("delete", "app.delete_pledge", "删除", show=False),
        Binding("x", "export_list", "导出", show=False),  # in F1 help and the palette: 导出当前列表
    ]

    class Loaded(Message):
        def __init__(self, generation: int, summary: queries.ListSummary, rows: list[VRow]) -> None:
            super().__init__()
            self.generation = generation
            self.summary = summary
            self.rows = rows  # as the list shows them (made in the worker: the search marks need pinyin)

    def __init__(self) -> None:
        super().__init__()
        self.filter = queries.PledgeFilter(year=0)
        self.generation = 0
        self.tree_data: dict[int, queries.TreeNode] = {}
        self.current_org_id: int | None = None
        self._pending_org: int | None = None
        self._tree_year: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Tree(Text("党组织"), id="orgs")
            with Vertical(id="main"):
                with Horizontal(id="filters"):
                    yield SearchBox(placeholder="搜索：汉字或拼音", id="search", compact=True)
                    statuses = [(label, code) for code, label in vocab.PLEDGE_STATUSES.items()]
                    yield Select(statuses, prompt="全部状态", id="status", compact=True)
                    yield Select([], prompt="全部类别", id="category", compact=True)
                    yield Select(
                        [(label, key) for key, label in queries.VIEWS.items()], value="all", allow_blank=False,
                        id="view", compact=True,
                    )
                yield Static("", id="summary")
                yield VirtualTable(COLUMNS, self._fetch, id="list")
        yield Footer()

    def on_mount(self) -> None:
        cats = queries.category_labels()
        self.query_one("#category", Select).set_options([(label, code) for code, label in cats.items()])
        tree = self.query_one("#orgs", Tree)
        tree.show_root = False
        tree.guide_depth = GUIDE
        self.query_one(VirtualTable).focus()

    # ------------------------------------------------------------ tree
    def _build_tree(self) -> None:
        year = self.app.year
        self.tree_data = queries.org_tree(year)
        tree = self.query_one("#orgs", Tree)
        tree.clear()
        self._tree_year = year
        roots = [n for n in self.tree_data.values() if n.parent_id is None]
        for root in roots:
            node = tree.root.add(self._label(root, 0), data=root.id, expand=True, allow_expand=bool(root.children))
            self._add_children(node, root.id)
        tree.root.expand()

    def _label(self, node: queries.TreeNode, depth: int) -> str:
        return tree_label(node.name, node.count, depth)

    @staticmethod
    def _depth(tree_node) -> int:
        """0 for the county (the hidden root's child), 1 for a 党委, …"""
        depth, parent = 0, tree_node.parent
        while parent is not None and parent.parent is not None:
            depth, parent = depth + 1, parent.parent
        return depth

    def _add_children(self, tree_node, org_id: int) -> None:
        depth = self._depth(tree_node) + 1
        for child_id in self.tree_data[org_id].children:
            child = self.tree_data[child_id]
            tree_node.add(self._label(child, depth), data=child.id, allow_expand=bool(child.children))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is not None and not node.children and self.tree_data.get(node.data, None):
            self._add_children(node, node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None:
            self._set_org(event.node.data)

    def _set_org(self, org_id: int | None) -> None:
        node = self.tree_data.get(org_id) if org_id is not None else None
        self.current_org_id = org_id
        root = node is None or node.parent_id is None
        self.filter = replace(self.filter, org_path=None if root else node.path)
        self.reload()

    def select_org(self, org_id: int) -> None:
        """Open the ledger on one org's subtree (from 总览)."""
        if not self.tree_data:
            self._pending_org = org_id
            return
        self._set_org(org_id)
        focus_now(self.query_one(VirtualTable))

    # ------------------------------------------------------------ loading
    def load(self) -> None:
        if self._tree_year != self.app.year or not self.tree_data:
            self._build_tree()
        else:
            for node in self.tree_data.values():
                node.count = 0
            fresh = queries.org_tree(self.app.year)
            self.tree_data = fresh
            self._relabel(self.query_one("#orgs", Tree).root)
        self.filter = replace(self.filter, year=self.app.year)
        if self._pending_org is not None:
            org, self._pending_org = self._pending_org, None
            self._set_org(org)
        else:
            self.reload(keep_cursor=True)

    def _relabel(self, tree_node) -> None:
        for child in tree_node.children:
            data = self.tree_data.get(child.data)
            if data is not None:
                child.set_label(self._label(data, self._depth(child)))
            self._relabel(child)

    def reload(self, keep_cursor: bool = False) -> None:
        self.generation += 1
        self._keep_cursor = keep_cursor
        self._query(self.generation, self.filter)

    @work(thread=True, exclusive=True, group="pledge-list", exit_on_error=False)
    def _query(self, generation: int, f: queries.PledgeFilter) -> None:
        # exclusive: a newer keystroke cancels this worker; only the latest result is shown
        worker = get_current_worker()
        if generation != self.generation or worker.is_cancelled:
            return  # a newer keystroke came while this waited
        with db_thread():
            rows = queries.pledge_page(f, 0, PAGE, self.app.today)
            if worker.is_cancelled:
                return
            if len(rows) == PAGE:
                summary = queries.pledge_summary(f, self.app.today)
            else:  # the whole list is on this page: count it from the page, no second query
                summary = queries.summarize(rows)
        if not worker.is_cancelled:
            self.post_message(self.Loaded(generation, summary, to_vrows(rows, self.wide, f.text)))

    def on_pledges_screen_loaded(self, message: Loaded) -> None:
        if message.generation != self.generation:
            return
        table = self.query_one(VirtualTable)
        table.sort_key = self.filter.sort
        table.descending = self.filter.descending
        table.reset(message.summary.total, message.rows, keep_cursor=self._keep_cursor)
        s = message.summary
        where = ""
        if self.filter.org_path and self.current_org_id in self.tree_data:
            where = short_name(self.tree_data[self.current_org_id].name) + " · "
        ro = " [reverse] 只读 [/]" if self.app.year_closed else ""
        self.query_one("#summary", Static).update(
            f"{where}[b]{s.total_text} 条[/b] · 已兑现 {s.fulfilled} · 兑现率 {percent(s.fulfilment_rate)} · 逾期 {s.overdue}{ro}",
            layout=False,  # one fixed line: no need to lay the screen out again (≈30 ms at 120×40)
        )

    def _fetch(self, offset: int, limit: int) -> list[VRow]:
        return to_vrows(queries.pledge_page(self.filter, offset, limit, self.app.today), self.wide, self.filter.text)

    @property
    def wide(self) -> bool:
        return self.app.size.width >= WIDE

    def on_resize(self) -> None:
        table = self.query_one(VirtualTable)
        columns = WIDE_COLUMNS if self.wide else COLUMNS
        if table.columns is not columns:
            table.columns = columns
            if self.filter.year:
                self.reload(keep_cursor=True)

    # ------------------------------------------------------------ filters
    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.filter = replace(self.filter, text=event.value)
        self.reload()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        focus_now(self.query_one(VirtualTable))

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        if event.select.id == "status":
            self.filter = replace(self.filter, status=value)
        elif event.select.id == "category":
            self.filter = replace(self.filter, category=value)
        elif event.select.id == "view":
            self.filter = replace(self.filter, overdue=value == "overdue", rectification=value == "rectification")
        else:
            return
        if self.filter.year:
            self.reload()

    def action_search(self) -> None:
        focus_now(self.query_one("#search", Input))

    def action_view(self, view: str) -> None:
        select = self.query_one("#view", Select)
        select.value = "all" if select.value == view else view

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""
        self.query_one("#status", Select).clear()
        self.query_one("#category", Select).clear()
        self.query_one("#view", Select).value = "all"
        focus_now(self.query_one(VirtualTable))

    def action_toggle_focus(self) -> None:
        tree = self.query_one("#orgs", Tree)
        focus_now(self.query_one(VirtualTable) if tree.has_focus else tree)

    def action_sort(self, reverse: bool) -> None:
        if reverse:
            self._sort_by(self.filter.sort)
        else:
            index = SORT_CYCLE.index(self.filter.sort) if self.filter.sort in SORT_CYCLE else -1
            self.filter = replace(self.filter, sort=SORT_CYCLE[(index + 1) % len(SORT_CYCLE)], descending=False)
            self.reload()

    def _sort_by(self, key: str) -> None:
        if key not in queries.SORTS:
            return
        descending = not self.filter.descending if key == self.filter.sort else False
        self.filter = replace(self.filter, sort=key, descending=descending)
        self.reload()

    def on_virtual_table_header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self._sort_by(event.key)

    # ------------------------------------------------------------ open
    @property
    def current_pledge_id(self) -> int | None:
        return self.query_one(VirtualTable).current_id

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        from pledgebook.tui.screens.detail import PledgeDetailScreen

        self.app.push_screen(PledgeDetailScreen(event.row_id))

    # ------------------------------------------------------------ 导出当前列表
    def action_export_list(self) -> None:
        """The rows as shown (filter and sort) into an .xlsx the clerk names."""
        from pledgebook.tui import folders
        from pledgebook.tui.dialogs.export_list import ExportListForm

        app = self.app
        name = f"承诺台账{app.year or ''}年度_{app.today.isoformat()}.xlsx"
        f, today = self.filter, app.today

        def done(result) -> None:
            if result:
                app.notify(f"已导出 {result.rows} 条承诺：{result.path}", title="导出当前列表", timeout=10)

        app.push_screen(ExportListForm(folders.save_folder() / name, f, today), done)
