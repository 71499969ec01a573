"""Hand-off upward: export report / export bundle, verify, keys init|trust|show."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from pledgebook.cli.common import (
    DbOption,
    JsonOption,
    check_output_file,
    check_path,
    check_year,
    console,
    emit_json,
    handle_errors,
    interactive,
    open_db,
)
from pledgebook.models.core.vocab import counts_text, table_counts_text

export_app = typer.Typer(help="导出：报表工作簿（xlsx/csv）和上报数据包。", no_args_is_help=True, rich_markup_mode=None)
keys_app = typer.Typer(help="签名密钥：生成本台账密钥、信任下级县的公钥、查看指纹。", no_args_is_help=True, rich_markup_mode=None)


@contextlib.contextmanager
def _progress(label: str, quiet: bool) -> Iterator[Callable[[str, float], None] | None]:
    """Rich progress only on a terminal and without --json; the core gets a plain callback."""
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=console) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda stage, frac: bar.update(task, completed=frac, description=f"{label}：{stage}")


def _size(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


@export_app.command("report")
@handle_errors
def export_report(
    output: Annotated[Path, typer.Option("-o", "--output", help="保存为：报表文件路径，例如 D:\\上报\\2026年承诺情况.xlsx", callback=check_output_file)],
    db: DbOption = None,
    year: Annotated[int | None, typer.Option("--year", help="年度（默认：当前开放年度）", callback=check_year)] = None,
    org: Annotated[str | None, typer.Option("--org", help="只导出某个党委（组织代码）的报表")] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx（默认）或 csv（每张表一个 UTF-8 CSV 文件）")] = "xlsx",
    as_json: JsonOption = False,
) -> None:
    """导出承诺情况报表工作簿：统计表、分类统计、评议汇总、逾期及待整改、承诺台账。"""
    from pledgebook.exporters.report import export_report as run

    open_db(db)
    with _progress("生成报表", as_json) as cb:
        result = run(output, year=year, org_code=org, fmt=fmt, progress=cb)
    if as_json:
        emit_json({"ok": True, **result.as_dict()})
        return
    for p in result.paths:
        console.print(f"已导出：{p}")
    console.print(f"{result.year}年度，承诺台账 {result.rows.get('承诺台账', 0)} 条，用时 {result.seconds:.1f} 秒。")


@export_app.command("bundle")
@handle_errors
def export_bundle(
    to: Annotated[Path, typer.Option("--to", help="导出到的文件夹，通常是U盘，例如 E:\\", callback=check_path)],
    db: DbOption = None,
    include_pii: Annotated[bool, typer.Option("--include-pii", help="包含身份证号和手机号（默认不包含）")] = False,
    encrypt_to: Annotated[
        Path | None, typer.Option("--encrypt-to", help="用上级（州/市）的公钥文件加密，U盘丢失也不会泄露", callback=check_path)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """导出上报数据包（.pledgebook）：写入、读回校验，然后提示可以安全拔出U盘。"""
    from pledgebook.bundle.write import write_bundle

    open_db(db, write=True)  # the bundle's sequence number is kept in the ledger
    with _progress("导出数据包", as_json) as cb:
        result = write_bundle(to, include_pii=include_pii, encrypt_to=encrypt_to, progress=cb)
    if as_json:
        emit_json({"ok": True, **result.as_dict(), "safe_to_remove": True})
        return
    c = result.counts
    from pledgebook.bundle.readback import claim

    console.print(f"{claim(result.verified)}：{result.path}（{_size(result.size)}）")
    console.print(f"{counts_text(c)}；序号 {result.sequence}")
    console.print(f"SHA-256：{result.sha256}")
    notes = ["已签名" if result.signed else "未签名（运行 pledgebook keys init 后会自动签名）"]
    notes.append("已加密" if result.encrypted else "未加密")
    notes.append("含身份证号和手机号" if result.include_pii else "不含身份证号和手机号")
    console.print("，".join(notes))
    if result.removed_stale:
        console.print(f"已删除上次中断的导出留下的临时文件 {len(result.removed_stale)} 个：{'、'.join(result.removed_stale)}")
    console.print("[bold green]可以安全拔出U盘。[/]")


@handle_errors
def verify(
    bundle: Annotated[Path, typer.Argument(help="数据包文件（.pledgebook）", callback=check_path)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """校验数据包：结构、长度、校验值、格式版本和签名；有台账时也检查公钥是否已信任、是否为旧包。"""
    from pledgebook.bundle.verify import verify_bundle
    from pledgebook.models.store.db import resolve_db_path

    path = resolve_db_path(db)
    if path.exists():
        open_db(db)
    with _progress("校验数据包", as_json) as cb:
        report = verify_bundle(bundle, progress=cb)
    bad = report.trust == "mismatch" or report.replay == "replay"
    if as_json:
        emit_json({**report.as_dict(), "ok": not bad})
    else:
        c = report.county
        console.print(f"[green]✓[/] 数据包完好：{c['name']}（{c['code']}），序号 {report.sequence}，导出于 {report.created_at}")
        console.print("  " + table_counts_text(report.counts))
        console.print(f"  SHA-256：{report.sha256}（{_size(report.size)}）")
        if report.fingerprint:
            console.print(f"  签名公钥指纹：{report.fingerprint}")
        for m in report.messages:
            console.print(("[red]✗[/] " if bad else "  ") + m)
    if bad:
        raise typer.Exit(2)


@keys_app.command("init")
@handle_errors
def keys_init(
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", help="公钥文件写到哪个文件夹（默认：当前文件夹）", callback=check_path)] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="已有密钥时重新生成（上级需重新信任新公钥）")] = False,
    as_json: JsonOption = False,
) -> None:
    """生成本台账的签名密钥：私钥存在本机用户配置文件夹，公钥写成文件交给上级。"""
    from pledgebook.bundle.keys import init_keys

    open_db(db)  # the keys live in the user's folder: a read-only ledger can have them
    pub, priv, pub_path = init_keys(out, force=force)
    if as_json:
        emit_json({"ok": True, "public_key_file": str(pub_path), "private_key_file": str(priv), "fingerprint": pub.fingerprint})
        return
    console.print(f"已生成「{pub.county_name}」的密钥。私钥：{priv}（只有本机当前用户可读，请勿复制给他人）")
    console.print(f"公钥文件：{pub_path}  ← 把它交给上级（州/市）组织部")
    console.print(f"公钥指纹：[bold]{pub.fingerprint}[/]（上级信任时请电话核对）")


@keys_app.command("trust")
@handle_errors
def keys_trust(
    file: Annotated[Path, typer.Argument(help="县（区）交来的公钥文件（.pub）", callback=check_path)],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接信任")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="该县已有信任的公钥时，换成这个新公钥（电话核对新指纹后再用；记入审计日志）")] = False,
    as_json: JsonOption = False,
) -> None:
    """信任某县（区）的公钥：此后该县的数据包必须有有效签名、序号递增。换公钥须加 --replace。"""
    from pledgebook.bundle.keys import read_public_key, trust

    open_db(db, write=True)
    pub = read_public_key(file)
    if interactive() and not yes and not as_json:
        console.print(f"{pub.county_name}（{pub.county_code}）的公钥指纹：[bold]{pub.fingerprint}[/]")
        if not typer.confirm("请与该县电话核对指纹。指纹一致，确认信任？", default=False):
            console.print("未信任。")
            raise typer.Exit(1)
    old = trust(pub, replace=replace)
    if as_json:
        emit_json({"ok": True, "county": {"name": pub.county_name, "code": pub.county_code}, "fingerprint": pub.fingerprint,
                   "replaced": old.fingerprint if old else None})
        return
    console.print(f"已信任「{pub.county_name}」（{pub.county_code}）的公钥，指纹 {pub.fingerprint}。")
    if old and old.fingerprint != pub.fingerprint:
        console.print(f"（替换了原来的公钥，指纹 {old.fingerprint}）")


@keys_app.command("show")
@handle_errors
def keys_show(
    file: Annotated[Path | None, typer.Argument(help="要查看指纹的公钥文件；不写则显示本台账的密钥和已信任的公钥", callback=check_path)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """显示公钥指纹，便于电话核对。"""
    from pledgebook.bundle import keys

    if file is not None:
        pub = keys.read_public_key(file)
        if as_json:
            emit_json({"ok": True, **pub.as_dict()})
        else:
            console.print(f"{pub.county_name}（{pub.county_code}）公钥指纹：[bold]{pub.fingerprint}[/]")
        return
    open_db(db)
    own = keys.own_public_key()
    trusted = keys.trusted_keys()
    if as_json:
        emit_json({"ok": True, "own": own.as_dict() if own else None, "trusted": [k.as_dict() for k in trusted]})
        return
    console.print(f"本台账公钥指纹：[bold]{own.fingerprint}[/]" if own else "本台账还没有密钥（运行 pledgebook keys init 生成）。")
    for k in trusted:
        last = keys.last_accepted(k.county_code)
        seq = f"，已导入序号 {last['sequence']}" if last else ""
        console.print(f"已信任：{k.county_name}（{k.county_code}） {k.fingerprint}{seq}")
