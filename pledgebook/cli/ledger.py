"""The ledger itself: init, demo, stats, doctor."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    check_year,
    console,
    emit_json,
    handle_errors,
    interactive,
    open_db,
)
from pledgebook.models.core.errors import PledgebookError, ValidationErrors

if TYPE_CHECKING:
    from pledgebook.models.campaign.summary import CampaignSummary


@handle_errors
def init(
    db: DbOption = None,
    name: Annotated[str | None, typer.Option("--name", help="县（区）名称，例如：墨江哈尼族自治县")] = None,
    code: Annotated[str | None, typer.Option("--code", help="6位行政区划代码，例如：530822")] = None,
    year: Annotated[int | None, typer.Option("--year", help="起始工作年度，例如：2011", callback=check_year)] = None,
    level: Annotated[
        str, typer.Option("--level", help="county（县级台账）或 prefecture（州/市级，汇总各县数据包）")
    ] = "county",
    as_json: JsonOption = False,
) -> None:
    """建立本县（区）台账：名称、行政区划代码和起始年度。"""
    from datetime import date

    from pledgebook.models.ledger import rules

    if interactive() and not as_json:
        if not name:
            name = typer.prompt("县（区）名称")
        if not code:
            code = typer.prompt("6位行政区划代码")
        if year is None:
            year = typer.prompt("起始工作年度", default=date.today().year, type=int)
    missing = [opt for opt, val in (("--name", name), ("--code", code), ("--year", year)) if not val]
    if missing:
        raise PledgebookError(f"缺少 {'、'.join(missing)}。例如：pledgebook init --name 墨江哈尼族自治县 --code 530822 --year 2011")
    from pledgebook.models.store.db import county_code_problem

    if level not in ("county", "prefecture"):  # said before a file is made
        raise PledgebookError("--level 只能是 county（县级台账）或 prefecture（州/市级）")
    problem = county_code_problem(code or "", level)
    if problem:
        raise PledgebookError(f"--code：{problem}")
    if not 2000 <= int(year or 0) <= 2100:
        raise PledgebookError("--year：起始年度应为 2000 到 2100 之间的四位年份，例如 2011")
    path = open_db(db, create=True, write=True)
    try:
        root = rules.init_county(name or "", code or "", int(year or 0), level=level)
    except ValidationErrors as exc:
        raise PledgebookError("；".join(exc.errors.values())) from exc
    if as_json:
        emit_json({"ok": True, "db": str(path), "county": {"name": root.name, "code": code}, "year": year, "level": level})
    else:
        console.print(f"已建立「{root.name}」（{code}）{year}年度台账：{path}")
        console.print("下一步：运行 [bold]pledgebook[/] 打开台账，或用 [bold]pledgebook import[/] 导入乡镇报表。")


@handle_errors
def demo(
    db: DbOption = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：同一种子生成完全相同的数据")] = 2011,
    scale: Annotated[
        int, typer.Option("--scale", help="承诺总条数：默认 23000（两年，每年约 11500）；100000 为五年、每年 20000")
    ] = 23_000,
    as_json: JsonOption = False,
) -> None:
    """载入一个虚构的演示县（约 24 个党委、620 个党支部、13000 名党员），用于试用和培训。"""
    from pledgebook.demo.pledges import build_demo

    if scale < 100 or scale > 1_000_000:
        raise PledgebookError("--scale 应在 100 到 1000000 之间")
    path = open_db(db, create=True, write=True)
    _room_for_demo(path, scale)
    started = time.perf_counter()
    if as_json or not console.is_terminal:
        counts = build_demo(seed=seed, total_pledges=scale)
    else:
        from rich.progress import Progress

        with Progress(transient=True, console=console) as bar:
            task = bar.add_task("生成演示数据", total=1.0)
            counts = build_demo(
                seed=seed,
                total_pledges=scale,
                progress=lambda stage, frac: bar.update(task, completed=frac, description=f"生成{stage}"),
            )
    elapsed = time.perf_counter() - started
    if as_json:
        emit_json({"ok": True, "db": str(path), "counts": counts, "seconds": round(elapsed, 2)})
    else:
        console.print(
            f"已载入演示县「云岭县」：{counts['orgs']} 个党组织，{counts['people']} 名人员，"
            f"{counts['pledges']} 条承诺，{counts['evaluations']} 条评议（用时 {elapsed:.1f} 秒）"
        )
        console.print(f"数据库：{path}\n运行 [bold]pledgebook --db \"{path}\"[/] 打开台账。")


# measured: 5.9 MB at --scale 400, 14 MB at 4000 (the 13000 people are in every demo); the
# write-ahead log holds as much again until the end
DEMO_BASE_BYTES = 6 * 1024 * 1024
DEMO_BYTES_PER_PLEDGE = 2_500


def _room_for_demo(path, scale: int) -> None:
    """Refuse a demo the disk obviously cannot hold; otherwise tell a full disk's message what it needs."""
    import shutil

    from pledgebook.models.core.errors import expect_room

    need = 2 * (DEMO_BASE_BYTES + DEMO_BYTES_PER_PLEDGE * scale)
    expect_room(path.parent, need, "载入演示数据")
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return
    if free < need:
        raise PledgebookError(
            f"磁盘空间不足：载入 {scale} 条承诺的演示数据约需 {need / 1024 / 1024:.0f} MB，"
            f"文件夹 {path.parent} 所在的磁盘只剩 {free / 1024 / 1024:.1f} MB。未载入任何演示数据。"
            "请清理磁盘，或用 --db 指定其他磁盘上的文件，或用更小的 --scale。"
        )


@handle_errors
def stats(
    db: DbOption = None,
    year: Annotated[int | None, typer.Option("--year", help="年度（默认：当前开放年度）", callback=check_year)] = None,
    by: Annotated[str, typer.Option("--by", help="分组：committee（按党委，默认）或 county（州/市级按县）")] = "committee",
    idle_months: Annotated[
        int, typer.Option("--idle-months", help="列出近几个月无帮扶记录的联系领导、帮扶责任人和驻村干部（默认 3）")
    ] = 3,
    as_json: JsonOption = False,
) -> None:
    """打印承诺统计（承诺数、已兑现、已结转、兑现率、满意率、逾期、待整改）、四帮四促统计（联系点、结对、驻村、覆盖率）和民主评议党员、星级评定、评选表彰统计，按党委分列。

    --json 的「appraisal」键：「by_committee 或 by_county（每行：name、code、kind、members、appraised、exempt、
    excellent、qualified、basic、unqualified、undecided、disposals、disposals_open）、totals、stars（同样的行：
    name、code、kind、branches、rated、confirmed、pending、levels；totals）、honours（同样的行：name、code、kind、
    candidates、confirmed，按表彰类别代码；totals）」。"""
    from pledgebook.models.campaign import summary as campaign_summary
    from pledgebook.models.core.vocab import PLEDGE_STATUSES
    from pledgebook.models.ledger import summary as ledger_summary
    from pledgebook.models.ledger.figures import percent

    if by not in ledger_summary.BY:
        raise PledgebookError("--by 只能是 committee 或 county")
    if not 1 <= idle_months <= 24:
        raise PledgebookError("--idle-months 应在 1 到 24 之间")
    open_db(db)
    pledges = ledger_summary.summarise(year, by)
    helping = campaign_summary.summarise(pledges.year, pledges.root_id, by, idle_months)
    third = _third_ledger(pledges.year, pledges.root_id, by)
    if as_json:
        emit_json({**pledges.as_json(), "help": helping.as_json(), "appraisal": third})
        return
    county, year, closed, groups, total = pledges.county, pledges.year, pledges.closed, pledges.rows, pledges.total
    title = f"{county['name']} {year}年度 承诺情况统计" + ("（已关闭）" if closed else "")
    # one cell of padding, not two: a 党委 name of 8 characters fits beside the seven figures at 80 columns
    table = Table(title=title, show_lines=False, header_style="bold", padding=(0, 0, 0, 1))
    # numbers never squeeze: long names wrap instead (80 columns must fit)
    table.add_column(_group_label(groups), overflow="fold", ratio=1)
    for col in ("承诺数", "已兑现", "已结转", "兑现率", "满意率", "逾期", "待整改"):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(6, 2 * len(col)))

    def cells(fig) -> list[str]:
        return [str(fig.pledges), str(fig.fulfilled), str(fig.carried), percent(fig.fulfilment_rate),
                percent(fig.satisfaction_rate), str(fig.overdue), str(fig.rectification_open)]

    for node, fig in groups:
        table.add_row(node.name, *cells(fig))
    table.add_section()
    table.add_row("[bold]合计[/]", *cells(total))
    console.print(table)
    states = "，".join(f"{label} {total.by_status.get(code, 0)}" for code, label in PLEDGE_STATUSES.items())
    console.print(f"按状态：{states}")
    console.print(f"党组织 {pledges.orgs} 个，在册人员 {pledges.people} 名")
    _print_help(county["name"], year, helping)
    _print_third(county["name"], year, third)


def _group_label(groups: list) -> str:
    return "县（区）" if any(n.kind == "county" for n, _f in groups) else "党委"


def _print_help(county_name: str, year: int, helping: CampaignSummary) -> None:
    """The second table: 四帮四促 (联系点, 结对帮扶, 驻村, 覆盖率) beside the pledges."""
    from pledgebook.models.core.vocab import HELP_PLACES, MEASURES, WORK_KINDS, WORK_MEASURES
    from pledgebook.models.ledger.figures import percent

    groups, total, uncovered, idle, idle_months = (helping.rows, helping.total, helping.uncovered, helping.idle,
                                                   helping.idle_months)

    if not (total.contact_points or total.pairings or total.stationed_cadres or total.logs):
        console.print("四帮四促：尚无联系点、结对帮扶、驻村或帮扶记录。")
        return
    table = Table(title=f"{county_name} {year}年度 四帮四促工作情况（截至 {helping.as_of.isoformat()}）", header_style="bold")
    label = _group_label(groups)
    table.add_column(label, overflow="fold", ratio=1)
    # 结对 = 结对帮扶 (running), 驻村 = cadres stationed on the date, 覆盖率 = villages covered
    for col in ("联系点", "结对", "驻村", "解决问题", "资金万元", "覆盖率"):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(5, 2 * len(col)))

    def cells(fig) -> list[str]:
        return [str(fig.contact_points), str(fig.pairings), str(fig.stationed_cadres),
                str(int(fig.worked("solve", "units"))), f"{fig.measures['funds']:.1f}", percent(fig.coverage_rate)]

    for node, fig in groups:
        table.add_row(node.name, *cells(fig))
    table.add_section()
    table.add_row("[bold]合计[/]", *cells(total))
    console.print(table)
    work = "，".join(
        f"{label} " + "/".join(f"{_num(total.worked(kind, m))}{MEASURES[m]}" for m in WORK_MEASURES[kind])
        for kind, label in WORK_KINDS.items()
    )
    console.print(f"帮扶记录 {total.logs} 条：{work}")
    if uncovered:
        by_county = label == "县（区）"
        names = "、".join((f"{v.county}·" if by_county and v.county else "") + v.name for v in uncovered[:10])
        names += "等" if len(uncovered) > 10 else ""
        console.print(f"未覆盖的村 {len(uncovered)} 个（无驻村干部、无联系点）：{names}")
    if idle:
        counts = {role: sum(role in p.roles for p in idle) for role in HELP_PLACES}
        who = {"contact_point": "联系领导", "pairing": "帮扶责任人", "stationing": "驻村干部"}
        console.print(
            f"近{idle_months}个月无帮扶记录：" + "，".join(f"{who[r]} {n} 名" for r, n in counts.items() if n)
            + "（名单见 --json）"
        )


def _third_ledger(year: int, root_id: int | None, by: str) -> dict[str, Any]:
    """The third ledger's figures for ``stats``: 民主评议党员 per 党委 (per county with ``--by county``), and
    星级评定 and 评选表彰 on the same rows, each with its total row as ``totals``."""
    from dataclasses import asdict

    from pledgebook.models.appraisal.figures import appraisal_table
    from pledgebook.models.appraisal.standing import honour_table, star_table
    from pledgebook.models.store.statrows import rows_key

    *rows, total = appraisal_table(year, root_id, by)
    *stars, star_total = star_table(year, root_id, by)
    *honours, honour_total = honour_table(year, root_id, by)
    key = rows_key(by)
    return {key: [asdict(r) for r in rows], "totals": asdict(total),
            "stars": {key: [r.as_dict() for r in stars], "totals": star_total.as_dict()},
            "honours": {key: [r.as_dict() for r in honours], "totals": honour_total.as_dict()}}


def _print_third(county_name: str, year: int, third: dict[str, Any]) -> None:
    """The third ledger beside the others: 民主评议党员 and 星级评定 per 党委 (or county), then the 表彰 counts."""
    from pledgebook.models.core.vocab import HONOUR_KINDS, STAR_LABELS

    rows = third.get("by_committee") or third.get("by_county") or []
    total, stars, honours = third["totals"], third["stars"], third["honours"]["totals"]
    if not (total["appraised"] or total["exempt"] or stars["totals"]["rated"] or any(honours["candidates"].values())):
        console.print("民主评议党员、星级评定、评选表彰：尚无记录。")
        return
    label = "县（区）" if any(r["kind"] == "county" for r in rows) else "党委"
    heads = {"members": "党员", "appraised": "参评", "exempt": "不参评", "excellent": "优秀", "qualified": "合格",
             "basic": "基本合格", "unqualified": "不合格", "disposals": "处置"}
    table = Table(title=f"{county_name} {year}年度 民主评议党员情况", header_style="bold", padding=(0, 0, 0, 1))
    table.add_column(label, overflow="fold", ratio=1)
    for col in heads.values():
        table.add_column(col, justify="right", no_wrap=True, min_width=max(5, 2 * len(col)))
    for row in rows:
        table.add_row(row["name"], *(str(row[k]) for k in heads))
    table.add_section()
    table.add_row("[bold]合计[/]", *(str(total[k]) for k in heads))
    console.print(table)
    console.print(f"未评定 {total['undecided']} 人；组织处置 {total['disposals']} 起，其中未销号 {total['disposals_open']} 起")
    levels = list(stars["totals"]["levels"])
    table = Table(title=f"{county_name} {year}年度 星级评定情况", header_style="bold", padding=(0, 0, 0, 1))
    table.add_column(label, overflow="fold", ratio=1)
    for col in ("支部", "已评", "已确定", *(STAR_LABELS.get(int(n), str(n)) for n in levels)):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(5, 2 * len(col)))
    star_rows = third["stars"].get("by_committee") or third["stars"].get("by_county") or []
    for row in [*star_rows, None]:
        if row is None:
            table.add_section()
            row = {**stars["totals"], "name": "[bold]合计[/]"}
        table.add_row(row["name"], str(row["branches"]), str(row["rated"]), str(row["confirmed"]),
                      *(str(row["levels"].get(n, 0)) for n in levels))
    console.print(table)
    console.print("评选表彰（确定/候选）：" + "，".join(
        f"{name} {honours['confirmed'][k]}/{honours['candidates'][k]}" for k, name in HONOUR_KINDS.items()))


def _num(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else str(int(value))


@handle_errors
def doctor(db: DbOption = None, as_json: JsonOption = False) -> None:
    """检查数据库：完整性、外键、孤立记录、未知代码、结构版本、WAL 大小和备份。发现问题时退出码为 1。"""
    from pledgebook.models.appraisal.checks import APPRAISAL_CHECKS
    from pledgebook.models.ledger.rectification import undated_check
    from pledgebook.models.store.health import check

    path = open_db(db)
    report = check(path, ledger_checks=[undated_check, *APPRAISAL_CHECKS])
    if as_json:
        emit_json(report)
    else:
        for item in report["checks"]:
            mark = "[green]✓[/]" if item["ok"] else "[yellow]![/]" if item.get("level") == "warning" else "[red]✗[/]"
            console.print(f"{mark} {item['name']}：{item['detail']}", markup=True)
            for line in item.get("items", []):
                console.print(f"    {line}", markup=False)
        console.print("[green]数据库完好。[/]" if report["ok"] else "[red]发现问题，请查看上面标 ✗ 的项目。[/]")
    if not report["ok"]:
        raise typer.Exit(1)
