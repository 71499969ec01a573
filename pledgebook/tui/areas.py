"""The import, hand-off and year-end areas (4 导入, 5 上报, 6 年度) and their palette entries.

Imported once by the app; the screens themselves load only when first shown.
"""

from __future__ import annotations

from typing import Any

from pledgebook.tui import registry


def _imports():
    from pledgebook.tui.screens.imports import ImportScreen

    return ImportScreen()


def _handoff():
    from pledgebook.tui.screens.handoff import HandoffScreen

    return HandoffScreen()


def _years():
    from pledgebook.tui.screens.years import YearsScreen

    return YearsScreen()


def open_area(app: Any, name: str, then: str | None = None) -> None:
    """Switch to an area (when the ledger is open) and, once it is shown, run one of its actions."""
    if getattr(app, "year", None) is None:
        return
    app.switch_mode(name)
    if then is not None:
        app.call_after_refresh(lambda: app.screen.run_action(then))


def register() -> None:
    if any(a.name == "imports" for a in registry.AREAS):
        return
    registry.register_area("4", "imports", "导入", _imports)
    registry.register_area("5", "handoff", "上报", _handoff)
    registry.register_area("6", "years", "年度", _years)
    for title, help_text, area, action in [
        ("导入数据", "导入乡镇报来的 Excel/WPS 表格或县里的数据包，先检查再导入（4）", "imports", None),
        ("导出报表", "生成承诺情况报表工作簿（5）", "handoff", "export_report"),
        ("生成上报数据包", "把全部数据写成数据包，存到U盘，读回校验（5）", "handoff", "export_bundle"),
        ("上报记录", "以往生成的上报数据包（5）", "handoff", None),
        ("年度管理", "各年度的状态和数字、年终结转、重新开启、备份（6）", "years", None),
        ("年终结转", "预览并结转：关闭年度，未完成的承诺转入下一年（6）", "years", "preview"),
        ("重新开启年度", "撤销误操作的结转（6）", "years", "reopen"),
        ("备份", "立即备份台账（6）", "years", "backup_now"),
        ("恢复备份", "用一份备份替换当前台账（6）", "years", "restore"),
    ]:
        registry.register_command(title, help_text, lambda app, a=area, t=action: open_area(app, a, t))


register()
