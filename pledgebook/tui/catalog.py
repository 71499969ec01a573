"""Every area of the TUI and every command of its palette, in one table.

To add an area: one :class:`Area` in :data:`AREAS` (its number key, mode name, footer title and the
screen class, by path so it is imported only when first shown). To add a palette command: one
:class:`Command` in :data:`COMMANDS`, which says what it runs — an app action, an area (and an
action of that area's screen once it is shown), or a function that takes the app. Nothing here
registers itself or imports a screen at import time; the palette lists :data:`COMMANDS` in this
order, the app adds a mode and a number key for each of :data:`AREAS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

    from pledgebook.tui.app import PledgebookApp


def load(path: str) -> object:
    """``"package.module:name"`` → that object (the module imported now, on first use)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Area:
    key: str  # its number key
    name: str  # the app's mode name
    title: str  # in the footer and F1
    screen: str  # "module:Class" of its screen, made anew for each app

    def make_screen(self) -> Screen:
        cls = load(self.screen)
        assert callable(cls), self.screen
        return cls()


@dataclass(frozen=True)
class Command:
    """A palette entry; it runs exactly one of: ``action`` (an app action, 「switch_area('home')」),
    ``area`` (switch to that area once the ledger is open, then run its screen's action ``then``),
    ``call`` (「module:function」, called with the app and ``args``)."""

    title: str
    help: str
    action: str | None = None
    area: str | None = None
    then: str | None = None
    call: str | None = None
    args: tuple[str, ...] = ()

    def run(self, app: PledgebookApp) -> Awaitable[bool] | None:
        """Run it (the palette awaits what this returns: an app action's run)."""
        if self.action is not None:
            return app.run_action(self.action)
        if self.area is not None:
            app.open_area(self.area, self.then)
        elif self.call is not None:
            function = load(self.call)
            assert callable(function), self.call
            function(app, *self.args)
        return None


AREAS: list[Area] = [
    Area("1", "home", "总览", "pledgebook.tui.screens.home:HomeScreen"),
    Area("2", "pledges", "承诺台账", "pledgebook.tui.screens.pledges:PledgesScreen"),
    Area("3", "people", "人员", "pledgebook.tui.screens.people:PeopleScreen"),
    Area("4", "imports", "导入", "pledgebook.tui.screens.imports:ImportScreen"),
    Area("5", "handoff", "上报", "pledgebook.tui.screens.handoff:HandoffScreen"),
    Area("6", "years", "年度", "pledgebook.tui.screens.years:YearsScreen"),
    Area("7", "campaign", "帮扶", "pledgebook.tui.screens.campaign:CampaignScreen"),
    Area("8", "appraisal", "评议评星", "pledgebook.tui.screens.appraisal:AppraisalScreen"),
]

_TALLY = "pledgebook.tui.screens.tally"
_CAMPAIGN = "pledgebook.tui.screens.campaign"
_PRINT = "pledgebook.tui.dialogs.appraisal_print:open_print"

# a data table: the palette's entries in the order it lists them
COMMANDS: list[Command] = [
    # the pledge ledger (the app's own actions)
    Command("总览", "全县和各党委的数字（1）", action="switch_area('home')"),
    Command("承诺台账", "按组织浏览、筛选承诺（2）", action="switch_area('pledges')"),
    Command("人员", "党员和干部名册（3）", action="switch_area('people')"),
    Command("新建承诺", "录入一条新承诺（n）", action="new_pledge"),
    Command("添加践诺记录", "为选中的承诺记录进展（p）", action="add_progress"),
    Command("标记兑现情况", "已兑现 / 部分兑现 / 未兑现（f）", action="set_status"),
    Command("记录评议", "自评、党员评议、群众评议、领导点评、组织评定（e）", action="evaluate"),
    Command("整改销号", "关闭选中承诺的整改（r）", action="close_rectification"),
    Command("编辑承诺", "修改选中的承诺（E）", action="edit_pledge"),
    Command("删除承诺", "删除选中的承诺，可撤销（Delete）", action="delete_pledge"),
    Command("撤销删除", "恢复刚删除的承诺（u）", action="undo_delete"),
    Command("导出当前列表", "把承诺台账中筛选、排序后的承诺存为 Excel 表格（x）", action="export_list"),
    Command("新增人员", "在名册中新增一名党员或干部", action="new_person"),
    Command("切换年度", "选择要查看的工作年度（y）", action="choose_year"),
    Command("刷新", "重新读取数据（F5）", action="refresh_data"),
    Command("帮助", "按键说明（F1）", action="help"),
    Command("退出", "关闭承诺台账（q）", action="quit"),
    # 7 帮扶
    Command("帮扶工作", "联系点、驻村干部按党委列出，逐月录入帮扶记录", area="campaign"),
    Command("帮扶记录录入", "逐月录入联系点、结对、驻村的走访、解决问题、资金等数量",
            area="campaign", then="enter_logs"),
    Command("新增联系点", "领导联系的村、企业、项目、园区、学校、困难户（帮扶区 n）",
            area="campaign", then="new_place('contact_point')"),
    Command("新增结对帮扶", "干部与党员或困难户结对（帮扶区 n）", area="campaign", then="new_place('pairing')"),
    Command("新增驻村干部", "派出单位、驻村所在村、临时党支部、任期（帮扶区 n）",
            area="campaign", then="new_place('stationing')"),
    Command("修改联系点、结对或驻村", "修改帮扶区列表中选中的一处（E）", area="campaign", then="edit_place"),
    Command("结束联系点、结对或驻村", "选中的一处期满或调整：填写结束日期（x）", area="campaign", then="end_place"),
    Command("覆盖情况", "有驻村干部或联系点的村所占比例，列出未覆盖的村", call=f"{_CAMPAIGN}:open_coverage"),
    Command("长期未记录", "最近 N 个月没有帮扶记录的联系领导、结对干部、驻村干部", call=f"{_CAMPAIGN}:open_idle"),
    # 8 评议评星
    Command("评议评星", "民主评议党员、星级评定、评选表彰：各党支部的评议进度和星级（8）", area="appraisal"),
    Command("民主评议录入", "打开选中的党支部，为选中的党员录入组织评定等次、测评票数（评议评星区 e）",
            area="appraisal", then="appraise"),
    Command("组织处置", "为评定为基本合格、不合格的党员记录处置方式和整改期限（党支部中 d）",
            area="appraisal", then="dispose"),
    Command("组织处置销号", "关闭选中党员未销号的组织处置；已关闭年度结转来的也可销号（党支部中 x）",
            area="appraisal", then="close_disposal"),
    Command("星级评分", "为选中的党支部逐项评分：领导班子好、党员队伍好等五项（党支部中 s）",
            area="appraisal", then="score_stars"),
    Command("确定星级", "按建议或另选星级，确定选中党支部的星级（党支部中 a）", area="appraisal", then="confirm_stars"),
    Command("生成星级建议", "按台账数据为全县各党支部生成本年度星级建议（评议评星区 P）",
            area="appraisal", then="propose_stars"),
    Command("全部按建议确定星级", "所选党委（或全县）尚未确定的星级全部按建议确定（评议评星区 A）",
            area="appraisal", then="confirm_all"),
    Command("评选表彰", "先进基层党组织、优秀共产党员、优秀党务工作者的候选和名额（评议评星区 h）",
            area="appraisal", then="honours"),
    Command("推荐表彰候选", "按评选条件从台账中推荐候选（表彰列表 p）", area="appraisal", then="propose_candidates"),
    Command("表彰提名", "提名选中的党员；不符合条件的须填写理由（党支部中 h，提名党支部按 H）",
            area="appraisal", then="nominate"),
    Command("打印民主测评票", "为评议评星区选中的党委或党支部打印民主测评票和计票表", call=_PRINT,
            args=("appraisal_ballots",)),
    Command("打印民主评议公示", "打印民主评议结果公示（按党支部或按乡镇党委）", call=_PRINT, args=("appraisal_notice",)),
    Command("打印星级评定表", "每个乡镇（党委）一张：各党支部五项得分、总分和星级", call=_PRINT, args=("star_table",)),
    Command("打印授旗名单", "已确定星级的党支部，按星级从高到低", call=_PRINT, args=("flag_list",)),
    Command("打印星级公示", "星级评定结果公示，设置公示日期", call=_PRINT, args=("star_notice",)),
    Command("打印表彰公示", "已确定表彰对象的公示，设置公示日期", call=_PRINT, args=("honour_notice",)),
    Command("打印表彰名单", "最终表彰名单，每类一张", call=_PRINT, args=("honour_list",)),
    # 4 导入, 5 上报, 6 年度
    Command("导入数据", "导入乡镇报来的 Excel/WPS 表格或县里的数据包，先检查再导入（4）", area="imports"),
    Command("导出报表", "生成承诺情况报表工作簿（5）", area="handoff", then="export_report"),
    Command("生成上报数据包", "把全部数据写成数据包，存到U盘，读回校验（5）", area="handoff", then="export_bundle"),
    Command("上报记录", "以往生成的上报数据包（5）", area="handoff"),
    Command("年度管理", "各年度的状态和数字、年终结转、重新开启、备份（6）", area="years"),
    Command("年终结转", "预览并结转：关闭年度，未完成的承诺转入下一年（6）", area="years", then="preview"),
    Command("重新开启年度", "撤销误操作的结转（6）", area="years", then="reopen"),
    Command("备份", "立即备份台账（6）", area="years", then="backup_now"),
    Command("恢复备份", "用一份备份替换当前台账（6）", area="years", then="restore"),
    # printing, tallying, settings, templates, the org tree
    Command("打印公示", "为选中的党组织（及其下级）打印承诺公示，并设置公示日期",
            call=f"{_TALLY}:open_print", args=("notice",)),
    Command("打印评议票", "为选中的党组织（及其下级）打印评议票和计票表", call=f"{_TALLY}:open_print", args=("ballots",)),
    Command("计票录入", "为选中的党支部逐项录入评议票数（满意、基本满意、不满意）", call=f"{_TALLY}:open_tally"),
    Command("设置", "监督电话、公示期、满意率算法、整改规则和期限", call=f"{_TALLY}:open_settings"),
    Command("下载模板", "党组织名单、党员名册、承诺台账等空白模板，保存到所选文件夹（导入区 F6）",
            call="pledgebook.tui.dialogs.template:open_template"),
    Command("组织管理", "党组织的树：新增下级、改名、移到其他上级、停用", call="pledgebook.tui.screens.orgs:open_orgs"),
    Command("新增党组织", "在选中的党组织（默认全县）下新增一个党组织", call="pledgebook.tui.screens.orgs:new_org"),
]


def command(title: str) -> Command:
    """The palette command of that title."""
    return next(c for c in COMMANDS if c.title == title)

