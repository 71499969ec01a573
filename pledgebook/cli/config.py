"""``pledgebook config``: the county's settings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pledgebook.cli.common import DbOption, JsonOption, console, emit_json, handle_errors, open_db


@handle_errors
def config(
    key: Annotated[str | None, typer.Argument(help="设置名（英文名或中文名，如 监督电话）；不填则列出全部")] = None,
    value: Annotated[str | None, typer.Argument(help="新的值；不填则只显示当前值")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """查看或修改本县设置：监督电话、公示期、满意率算法、整改规则和期限、备份份数。"""
    from pledgebook.models.store import settings
    from pledgebook.models.store.db import county

    open_db(db, write=value is not None)
    county()  # refuses an uninitialised file with a clear message
    if key is not None and value is not None:
        settings.set_value(key, value)
    rows = settings.all_settings()
    if key is not None:
        spec = settings.spec(key)
        rows = [r for r in rows if r["key"] == spec.key]
    if as_json:
        emit_json({"ok": True, "settings": {r["key"]: r["value"] for r in rows}})
        return
    if key is not None and value is not None:
        console.print(f"已将「{rows[0]['label']}」设为：{rows[0]['display']}")
        return
    table = Table(header_style="bold")
    table.add_column("设置")
    table.add_column("英文名", style="dim")
    table.add_column("当前值")
    table.add_column("说明", overflow="fold")
    for r in rows:
        table.add_row(r["label"], r["key"], r["display"], r["help"])
    console.print(table)
    if key is None:
        console.print("修改：pledgebook config 设置名 新值，例如 pledgebook config 监督电话 0879-2222222")
