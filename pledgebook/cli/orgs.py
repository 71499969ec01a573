"""``pledgebook org add|rename|move|deactivate|activate``: the organization tree from the command line.

The same rules as the TUI's 组织管理 (:mod:`pledgebook.models.ledger.rules`): validated, audited, closed years
respected. An organization is named by its code or its full name.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    console,
    emit_json,
    handle_errors,
    interactive,
    open_db,
)
from pledgebook.models.core.errors import PledgebookError

org_app = typer.Typer(help="党组织：新增、改名、移到其他上级、停用或启用。", no_args_is_help=True, rich_markup_mode=None)

OrgArg = Annotated[str, typer.Argument(help="党组织代码或全称", show_default=False, metavar="党组织")]
YesOption = Annotated[bool, typer.Option("--yes", help="不再询问（脚本用）")]


def org_named(text: str):
    """The org a command names by its code or full name (the one resolver every command uses)."""
    from pledgebook.exporters.paper import find_org

    if not text.strip():
        raise PledgebookError("请写出党组织代码或全称")
    return find_org(text)


def _done(as_json: bool, message: str, org) -> None:
    if as_json:
        emit_json({"ok": True, "id": org.id, "name": org.name, "code": org.code, "kind": org.kind,
                   "parent": org.parent.name if org.parent else None, "active": bool(org.active)})
    else:
        console.print(message, markup=False)


@org_app.command("add")
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="新党组织的全称，如 联珠镇城东社区党支部", show_default=False)],
    parent: Annotated[str, typer.Option("--parent", help="上级党组织的代码或全称", show_default=False)],
    kind: Annotated[str, typer.Option("--kind", help="组织类别：党委、党工委、党总支、党支部、临时党支部")] = "党支部",
    sector: Annotated[str | None, typer.Option("--sector", help="所属领域：农村、社区、机关、事业单位、国有企业、非公企业、社会组织、学校")] = None,
    township: Annotated[str | None, typer.Option("--township", help="所属乡镇（默认同上级）")] = None,
    code: Annotated[str | None, typer.Option("--code", help="组织代码（可不填）")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """在某个上级党组织下新增一个党组织。"""
    from pledgebook.models.ledger import rules

    open_db(db)
    above = org_named(parent)
    org = rules.create_org(name, kind, above.id, sector=sector, township=township, code=code)
    _done(as_json, f"已新增「{org.name}」（上级：{above.name}）。", org)


@org_app.command("rename")
@handle_errors
def rename(org: OrgArg, new_name: Annotated[str, typer.Argument(help="新的全称", show_default=False, metavar="新名称")],
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """给党组织改名（承诺、人员和各年度统计都跟着新名称）。"""
    from pledgebook.models.ledger import rules

    open_db(db)
    old = org_named(org)
    changed = rules.update_org(old.id, name=new_name)
    _done(as_json, f"已把「{old.name}」改名为「{changed.name}」。", changed)


@org_app.command("move")
@handle_errors
def move(org: OrgArg, parent: Annotated[str, typer.Option("--to", help="新的上级党组织（代码或全称）", show_default=False)],
         db: DbOption = None, as_json: JsonOption = False) -> None:
    """把党组织（连同它的下级）移到另一个上级之下；已关闭年度有承诺的组织不能移动。"""
    from pledgebook.models.ledger import rules

    open_db(db)
    above = org_named(parent)
    moved = rules.move_org(org_named(org).id, above.id)
    _done(as_json, f"已把「{moved.name}」移到「{above.name}」之下。", moved)


@org_app.command("deactivate")
@handle_errors
def deactivate(org: OrgArg, yes: YesOption = False, db: DbOption = None, as_json: JsonOption = False) -> None:
    """停用党组织：先说明它的人员、未完成的承诺和下级组织会怎样，再询问。"""
    from pledgebook.models.ledger import rules

    open_db(db)
    found = org_named(org)
    impact = rules.org_impact(found.id)
    if not as_json:
        console.print(impact.text(), markup=False)
    if not yes:
        if not interactive():
            raise PledgebookError("停用党组织需要确认：在终端中运行，或加 --yes")
        if not typer.confirm(f"停用「{found.name}」吗？", default=False):
            console.print("已取消，未作改动。")
            raise typer.Exit(0)
    changed = rules.set_org_active(found.id, False)
    _done(as_json, f"已停用「{changed.name}」。", changed)


@org_app.command("activate")
@handle_errors
def activate(org: OrgArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """重新启用一个已停用的党组织。"""
    from pledgebook.models.ledger import rules

    open_db(db)
    changed = rules.set_org_active(org_named(org).id, True)
    _done(as_json, f"已启用「{changed.name}」。", changed)
