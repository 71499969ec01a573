"""Registers the 帮扶 area and its palette commands (see :mod:`pledgebook.tui.registry`).

Kept tiny: the screens are imported only when opened.
"""

from __future__ import annotations

from typing import Any

from pledgebook.tui import registry

AREA = "help"


def _area() -> Any:
    from pledgebook.tui.screens.helping import HelpScreen

    return HelpScreen()


def _enter_logs(app: Any) -> None:
    app.switch_mode(AREA)
    app.call_after_refresh(lambda: getattr(app.screen, "action_enter_logs", lambda: None)())


def _coverage(app: Any) -> None:
    from pledgebook.tui.screens.helping import CoverageScreen

    app.push_screen(CoverageScreen(getattr(app, "year", None)))


def _idle(app: Any) -> None:
    from pledgebook.tui.screens.helping import IdleScreen

    app.push_screen(IdleScreen())


registry.register_area("7", AREA, "帮扶", _area)
registry.register_command("帮扶工作", "联系点、驻村干部按党委列出，逐月录入帮扶记录", lambda app: app.switch_mode(AREA))
registry.register_command("帮扶记录录入", "逐月录入联系点、驻村的走访、解决问题、资金等数量", _enter_logs)
registry.register_command("覆盖情况", "有驻村干部或联系点的村所占比例，列出未覆盖的村", _coverage)
registry.register_command("长期未记录", "最近 N 个月没有帮扶记录的联系领导、结对干部、驻村干部", _idle)
