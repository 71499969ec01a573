"""F1: the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from pledgebook.tui.widgets.chrome import Footer

HELP = """\
[b]全局[/b]
  1 / 2 / 3    总览 / 承诺台账 / 人员
  4 / 5 / 6    导入 / 上报 / 年度（结转、备份）
  7            帮扶（联系点、结对、驻村、帮扶记录）
  8            评议评星（民主评议党员、星级评定、评选表彰）
  y            切换年度（已关闭的年度只能查看）
  Ctrl+P       命令面板：输入「新建承诺」「记录评议」「切换年度」等
  F1           本帮助      F5  刷新      q  退出
  u            撤销刚才的删除
  Esc          返回 / 取消

[b]总览[/b]
  Enter        进入该党委的下级组织     l  查看其承诺台账
  Backspace    返回上一级

[b]承诺台账[/b]
  /            搜索：汉字或拼音首字母（zs 找 张三，lzz 找 联珠镇）
  t            组织树 / 列表 之间切换焦点
  s / S        按下一列排序 / 反向排序（也可点击列标题）
  o / z        只看逾期 / 只看待整改      x  导出当前列表（Excel）
  Enter        打开承诺详情      n  新建承诺

[b]承诺详情[/b]
  p  添加践诺记录    f  标记兑现情况    e  记录评议
  r  整改销号        E  编辑承诺        Delete  删除（可撤销）

[b]帮扶[/b]
  Enter / e    录入选中一处本月的帮扶记录    [ / ]  上月 / 下月
  n            新增联系点、结对帮扶或驻村干部
  E / x        修改 / 结束选中的一处（结束时填写日期）
  c / i        覆盖情况 / 长期未记录

[b]评议评星[/b]
  c            选择党委（或全县）          Enter  打开党支部
  P            生成全县星级建议            A  所选党委的星级全部按建议确定
  h            评选表彰：候选、名额和决定

[b]党支部（评议评星）[/b]
  e / Enter    录入或修改选中党员的民主评议（等次、测评票）
  d / x        组织处置（基本合格、不合格） / 处置销号
  s / a        本支部星级评分（五项） / 确定星级
  h / H        提名选中党员 / 提名本支部（先进基层党组织）
  Esc          返回党支部列表
               已关闭的年度只能查看，只有处置销号（x）仍可办理

[b]评选表彰[/b]
  p            按评选条件推荐候选          Enter / x  确定表彰 / 未通过
  Delete / u   删除候选 / 撤销删除

[b]表单[/b]
  Tab / Shift+Tab  下一项 / 上一项    Ctrl+S  保存    Esc  取消
  日期可写作 2011-12-31、2011.12.31 或 2011年12月31日
"""


class KeysHelpScreen(ModalScreen[None]):
    """The keys, in a box that scrolls (↑ ↓, PgUp PgDn, Home End, the wheel): at 80×24 it is taller than the screen."""

    DEFAULT_CSS = """
    KeysHelpScreen > .dialog { height: 1fr; max-height: 40; }
    KeysHelpScreen #help-body { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "关闭"),
        Binding("down,up,pagedown,pageup", "noop", "滚动", key_display="↑↓ PgUp PgDn"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("按键说明（↑↓ 翻看，Esc 关闭）", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(HELP)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_noop(self) -> None:
        """The footer's 「滚动」: the focused box scrolls by itself."""

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
