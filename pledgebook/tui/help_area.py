"""Registers the 帮扶 area and its palette commands (see :mod:`pledgebook.tui.registry`).

Kept tiny: the screens are imported only when opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pledgebook.tui import registry

AREA = "help"


def _area() -> Any:
    from pledgebook.tui.screens.helping import HelpScreen

    return HelpScreen()


def _on_area(action: str, *args: Any) -> Callable[[Any], None]:
    """A palette command that opens the 帮扶 area and runs one of its screen's actions there."""

    def run(app: Any) -> None:
        app.switch_mode(AREA)
        app.call_after_refresh(lambda: getattr(app.screen, action, lambda *_: None)(*args))

    return run


def _coverage(app: Any) -> None:
    from pledgebook.tui.screens.helping import CoverageScreen

    app.push_screen(CoverageScreen(getattr(app, "year", None)))


def _idle(app: Any) -> None:
    from pledgebook.tui.screens.helping import IdleScreen

    app.push_screen(IdleScreen())


registry.register_area("7", AREA, "帮扶", _area)
registry.register_command("帮扶工作", "联系点、驻村干部按党委列出，逐月录入帮扶记录", lambda app: app.switch_mode(AREA))
registry.register_command("帮扶记录录入", "逐月录入联系点、结对、驻村的走访、解决问题、资金等数量",
                          _on_area("action_enter_logs"))
registry.register_command("新增联系点", "领导联系的村、企业、项目、园区、学校、困难户（帮扶区 n）",
                          _on_area("action_new_place", "contact_point"))
registry.register_command("新增结对帮扶", "干部与党员或困难户结对（帮扶区 n）", _on_area("action_new_place", "pairing"))
registry.register_command("新增驻村干部", "派出单位、驻村所在村、临时党支部、任期（帮扶区 n）",
                          _on_area("action_new_place", "stationing"))
registry.register_command("修改联系点、结对或驻村", "修改帮扶区列表中选中的一处（E）", _on_area("action_edit_place"))
registry.register_command("结束联系点、结对或驻村", "选中的一处期满或调整：填写结束日期（x）", _on_area("action_end_place"))
registry.register_command("覆盖情况", "有驻村干部或联系点的村所占比例，列出未覆盖的村", _coverage)
registry.register_command("长期未记录", "最近 N 个月没有帮扶记录的联系领导、结对干部、驻村干部", _idle)
