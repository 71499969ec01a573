"""人员: the roster with search (pinyin initials too); ID numbers masked."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Static

from pledgebook.models.ledger import queries
from pledgebook.tui.names import short_name
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.widgets.chrome import Footer, Header
from pledgebook.tui.widgets.focus import focus_now
from pledgebook.tui.widgets.search_box import SearchBox
from pledgebook.tui.widgets.virtual_table import PAGE, Column, VirtualTable, VRow
from pledgebook.tui.worker_db import db_thread

COLUMNS = [
    Column("name", "姓名", 8),
    Column("gender", "性别", 4),
    Column("post", "职务", 12),
    Column("id_number", "公民身份号码", 18),
    Column("state", "状态", 4),
    Column("org", "所在党组织", 0),  # last: the flexible column, so the fixed ones are never cut
]


def to_vrows(rows: list[queries.PersonRow]) -> list[VRow]:
    return [VRow(r.id, (r.name, r.gender, r.post, r.id_number, r.state, short_name(r.org))) for r in rows]


class PeopleScreen(AreaScreen):
    BINDINGS = [
        Binding("n", "app.new_person", "新增人员"),
        Binding("slash", "search", "搜索"),
    ]

    class Loaded(Message):
        def __init__(self, generation: int, total: int, rows: list[queries.PersonRow]) -> None:
            super().__init__()
            self.generation = generation
            self.total = total
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchBox(placeholder="搜索姓名、拼音首字母或组织", id="people-search", compact=True)
        yield Static("", id="people-summary")
        yield VirtualTable(COLUMNS, lambda o, n: to_vrows(queries.people_page(self.text, None, o, n)), id="people")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()

    def load(self) -> None:
        self.generation += 1
        self._query(self.generation, self.text)

    @work(thread=True, group="people", exit_on_error=False)
    def _query(self, generation: int, text: str) -> None:
        with db_thread():
            total = queries.people_count(text)
            rows = queries.people_page(text, None, 0, PAGE)
        self.post_message(self.Loaded(generation, total, rows))

    def on_people_screen_loaded(self, message: Loaded) -> None:
        if message.generation != self.generation:
            return
        self.query_one(VirtualTable).reset(message.total, to_vrows(message.rows))
        self.query_one("#people-summary", Static).update(f"[b]{message.total} 人[/b] · 身份证号、电话均已隐去中间位", layout=False)

    @on(Input.Changed, "#people-search")
    def _search(self, event: Input.Changed) -> None:
        self.text = event.value
        self.load()

    @on(Input.Submitted, "#people-search")
    def _done(self) -> None:
        focus_now(self.query_one(VirtualTable))

    def action_search(self) -> None:
        focus_now(self.query_one("#people-search", Input))

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        from pledgebook.tui.dialogs.person import PersonForm

        self.app.push_screen(PersonForm(event.row_id), lambda r: r and self.app.notify("已保存人员信息"))
