"""The command palette (Ctrl+P): every action of the app, by its Chinese name."""

from __future__ import annotations

from functools import partial

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from pledgebook.tui import registry

# (title, help, app action)
ACTIONS: list[tuple[str, str, str]] = [
    ("总览", "全县和各党委的数字（1）", "switch_area('home')"),
    ("承诺台账", "按组织浏览、筛选承诺（2）", "switch_area('pledges')"),
    ("人员", "党员和干部名册（3）", "switch_area('people')"),
    ("新建承诺", "录入一条新承诺（n）", "new_pledge"),
    ("添加践诺记录", "为选中的承诺记录进展（p）", "add_progress"),
    ("标记兑现情况", "已兑现 / 部分兑现 / 未兑现（f）", "set_status"),
    ("记录评议", "自评、党员评议、群众评议、领导点评、组织评定（e）", "evaluate"),
    ("整改销号", "关闭选中承诺的整改（r）", "close_rectification"),
    ("编辑承诺", "修改选中的承诺（E）", "edit_pledge"),
    ("删除承诺", "删除选中的承诺，可撤销（Delete）", "delete_pledge"),
    ("撤销删除", "恢复刚删除的承诺（u）", "undo_delete"),
    ("导出当前列表", "把承诺台账中筛选、排序后的承诺存为 Excel 表格（x）", "export_list"),
    ("新增人员", "在名册中新增一名党员或干部", "new_person"),
    ("切换年度", "选择要查看的工作年度（y）", "choose_year"),
    ("刷新", "重新读取数据（F5）", "refresh_data"),
    ("帮助", "按键说明（F1）", "help"),
    ("退出", "关闭承诺台账（q）", "quit"),
]


PLACEHOLDER = "输入要做的事，如「新建承诺」「导出」「年度」…"
NO_MATCHES = "没有这样的命令（换个说法，或按 Esc 返回）"


class Palette(CommandPalette):
    """Textual's palette in Chinese: its placeholder, and what it says when nothing matches.

    The 「No matches found」 line is written inside ``_start_no_matches_countdown``
    (Textual 8.2, pinned below 9 in pyproject.toml): this is that method with our words.
    """

    def __init__(self) -> None:
        super().__init__(placeholder=PLACEHOLDER, id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class PledgebookCommands(Provider):
    def _all(self):
        app = self.app
        registry.load_plugins()
        for title, help_text, action in ACTIONS:
            yield title, help_text, partial(app.run_action, action)
        for command in registry.COMMANDS:
            yield command.title, command.help, partial(command.run, app)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._all():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._all():
            score = max(matcher.match(title), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
