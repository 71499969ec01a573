"""The one table of areas and palette commands (tui/catalog.py): every entry points at something real,
the palette lists them in the order the clerk knows, and reading the table loads no screen."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

from textual.screen import Screen

from pledgebook.tui import catalog
from pledgebook.tui.app import PledgebookApp

PALETTE = [
    "总览", "承诺台账", "人员", "新建承诺", "添加践诺记录", "标记兑现情况", "记录评议", "整改销号", "编辑承诺",
    "删除承诺", "撤销删除", "导出当前列表", "新增人员", "切换年度", "刷新", "帮助", "退出",
    "帮扶工作", "帮扶记录录入", "新增联系点", "新增结对帮扶", "新增驻村干部", "修改联系点、结对或驻村",
    "结束联系点、结对或驻村", "覆盖情况", "长期未记录",
    "评议评星", "民主评议录入", "组织处置", "组织处置销号", "星级评分", "确定星级", "生成星级建议", "全部按建议确定星级",
    "评选表彰", "推荐表彰候选", "表彰提名", "打印民主测评票", "打印民主评议公示", "打印星级评定表", "打印授旗名单",
    "打印星级公示", "打印表彰公示", "打印表彰名单",
    "导入数据", "导出报表", "生成上报数据包", "上报记录", "年度管理", "年终结转", "重新开启年度", "备份", "恢复备份",
    "打印公示", "打印评议票", "计票录入", "设置", "下载模板", "组织管理", "新增党组织",
]


def test_the_palette_lists_every_command_in_its_order():
    assert [c.title for c in catalog.COMMANDS] == PALETTE


def test_areas_have_the_number_keys_one_to_eight_and_real_screens():
    assert [a.key for a in catalog.AREAS] == [str(n) for n in range(1, 9)]
    assert [a.title for a in catalog.AREAS] == ["总览", "承诺台账", "人员", "导入", "上报", "年度", "帮扶", "评议评星"]
    for area in catalog.AREAS:
        cls = catalog.load(area.screen)
        assert inspect.isclass(cls) and issubclass(cls, Screen), area


def test_every_command_runs_exactly_one_real_thing():
    areas = {a.name: catalog.load(a.screen) for a in catalog.AREAS}
    for c in catalog.COMMANDS:
        assert sum(x is not None for x in (c.action, c.area, c.call)) == 1, c.title
        if c.action is not None:
            assert hasattr(PledgebookApp, "action_" + c.action.split("(")[0]), c.title
        if c.area is not None:
            assert c.area in areas, c.title
            if c.then is not None:
                assert hasattr(areas[c.area], "action_" + c.then.split("(")[0]), c.title
        if c.call is not None:
            function = catalog.load(c.call)
            assert callable(function), c.title
            assert len(inspect.signature(function).parameters) >= 1 + len(c.args), c.title


def test_the_app_binds_every_area_key_and_shows_one_footer_entry_for_them():
    bindings = [b for b in PledgebookApp.BINDINGS if b.action.startswith("switch_area")]
    assert [b.key for b in bindings] == [a.key for a in catalog.AREAS]
    assert [(b.description, b.key_display) for b in bindings if b.show] == [("切换区域", "1-8")]


def test_reading_the_table_imports_no_screen():
    code = ("import sys; from pledgebook.tui import catalog, palette; "
            "print(sorted(m for m in sys.modules if m.startswith('pledgebook.tui.screens')))")
    tree = str(Path(catalog.__file__).parents[2])  # this tree, not an installed copy
    env = {**os.environ, "PYTHONPATH": tree}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"
