"""``pledgebook appraise …``: 民主评议党员 from the command line — the branches' progress, a branch's members with
their pledges, a member's grade and votes, the 组织处置 and the 优秀 quota.

The rules are :mod:`pledgebook.models.appraisal.rules` (the same the TUI calls): validated, audited, a closed
year read-only. An organization is named as every command names it (:func:`pledgebook.cli.orgs.org_named`: code
or full name); a member by name (with ``--org`` among namesakes) or by 公民身份号码 — never guessed. The stars
and honours groups are in :mod:`pledgebook.cli.standing`; both share the helpers here.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
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
from pledgebook.cli.orgs import org_named
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import NotFound, PledgebookError

if TYPE_CHECKING:
    from pledgebook.importers.resolve import PersonRef
    from pledgebook.models.appraisal.queries import BranchRow, MemberRow
    from pledgebook.models.store.tables import Appraisal, Org

appraise_app = typer.Typer(
    help="民主评议党员：各党支部评议进度、支部党员及其承诺、评定等次和测评票、组织处置、优秀比例。",
    no_args_is_help=True, rich_markup_mode=None)

YearOption = Annotated[int | None, typer.Option("--year", help="评议年度（默认：当前开放年度）", callback=check_year)]
UnderOption = Annotated[str | None, typer.Option("--under", help="只看该党组织（代码或全称）以下的党支部；默认全县")]
OrgOption = Annotated[str | None, typer.Option(
    "--org", help="党员所在党支部（代码或全称）：有同名党员时用它区分", show_default=False)]
PersonArg = Annotated[str, typer.Argument(help="党员姓名或公民身份号码", show_default=False, metavar="姓名|身份证号")]
BranchArg = Annotated[str, typer.Argument(help="党支部代码或全称", show_default=False, metavar="党支部")]

_ID_LIKE = re.compile(r"[\dXx]{15,18}")


# ------------------------------------------------------------------ shared by the third ledger's commands


def work_year(year: int | None) -> int:
    """``--year``, else the ledger's current open year."""
    from pledgebook.models.ledger import rules

    found = year or rules.current_year()
    if found is None:
        raise PledgebookError("台账中还没有工作年度：请先用 pledgebook init 建立台账。")
    return found


def under_id(text: str | None) -> int | None:
    return org_named(text).id if text else None


def branch_named(text: str) -> Org:
    """An org named on the command line that must be a branch (党支部, 党总支, 临时党支部)."""
    org = org_named(text)
    if org.kind not in vocab.BRANCH_KINDS:
        kinds = "、".join(vocab.ORG_KINDS[k] for k in vocab.BRANCH_KINDS)
        raise PledgebookError(f"「{org.name}」是{vocab.label(vocab.ORG_KINDS, org.kind)}，这里要写{kinds}"
                              "（用 --under 可看它下面的各支部）")
    return org


def person_named(text: str, org: str | None = None) -> PersonRef:
    """The member ``text`` means: a 公民身份号码, or a name (within ``org`` if given). Namesakes are listed with
    their branch and masked ID number, and the clerk is asked for the number or the branch — never guessed."""
    from pledgebook.importers.resolve import PersonIndex, normalize_text
    from pledgebook.models.core.values import mask_id_number, normalize_id_number

    wanted = text.strip()
    if not wanted:
        raise PledgebookError("请写出党员姓名或公民身份号码")
    index = PersonIndex.load()
    if _ID_LIKE.fullmatch(wanted):
        try:
            number = normalize_id_number(wanted)
        except ValueError as exc:
            raise PledgebookError(str(exc)) from None
        hit = index.by_number.get(number or "")
        if hit is None:
            raise NotFound(f"台账中没有公民身份号码为「{mask_id_number(number)}」的人员，请核对")
        return hit
    key = normalize_text(wanted).replace(" ", "")
    branch = org_named(org) if org else None
    pool = index.by_org_name.get((branch.id, key), []) if branch else index.by_name.get(key, [])
    if len(pool) == 1:
        return pool[0]
    from pledgebook.models.store.tables import Org

    names = {o.id: o.name for o in Org.select(Org.id, Org.name).where(
        Org.id.in_({p.org_id for p in pool or index.by_name.get(key, [])} or {0}))}
    if pool:
        who = "、".join(f"{names.get(p.org_id, '')}（{mask_id_number(p.id_number) or '无身份证号'}）" for p in pool[:8])
        where = f"「{branch.name}」" if branch else "台账中"
        raise PledgebookError(f"{where}有 {len(pool)} 名「{wanted}」：{who}。请改用公民身份号码，"
                              + ("" if branch else "或加 --org 写明所在党支部，") + "不会替您猜是哪一位")
    elsewhere = "、".join(names.values())
    if branch:
        raise NotFound(f"「{branch.name}」中没有名为「{wanted}」的人员"
                       + (f"（同名人员在：{elsewhere}）" if elsewhere else "") + "，请核对姓名和 --org")
    raise NotFound(f"台账中没有名为「{wanted}」的人员，请核对姓名，或先导入党员名册")


def table(title: str, first: str, columns: list[str], *, width: int = 5, fold: tuple[str, ...] = ()) -> Table:
    """A Rich table that fits 80 columns: names (``first`` and ``fold``) fold, numbers never squeeze."""
    out = Table(title=escape(title), header_style="bold", padding=(0, 0, 0, 1))
    out.add_column(first, overflow="fold", ratio=1)
    for col in columns:
        if col in fold:
            out.add_column(col, overflow="fold", ratio=1)
        else:
            out.add_column(col, justify="right", no_wrap=True, min_width=max(width, 2 * len(col)))
    return out


def say(message: str) -> None:
    console.print(message, markup=False)


def refuse_without_terminal(what: str, flag: str = "--yes") -> None:
    """A question needs a person at a terminal: without one, say how to run it in a script (exit 2)."""
    if not interactive():
        raise PledgebookError(f"{what}需要确认：请在终端中运行，或加 {flag}（脚本用）")


# ------------------------------------------------------------------ list / show / quota


def _branch_json(row: BranchRow) -> dict[str, object]:
    return {**row.as_dict(), "org_id": row.org_id, "name": row.name, "kind": row.kind, "committee": row.committee,
            "limit": row.limit, "over": row.over, "not_started": row.not_started, "stars": row.stars,
            "proposed_stars": row.proposed_stars}


def _by_committee(rows: list[BranchRow]) -> dict[str, list[BranchRow]]:
    """The branches grouped under their 乡镇（党委）, in the order :func:`queries.branches` gives them."""
    groups: dict[str, list[BranchRow]] = {}
    for row in rows:
        groups.setdefault(row.committee, []).append(row)
    return groups


def _stars_text(stars: int | None, proposed: int | None) -> str:
    if stars is not None:
        return vocab.STAR_LABELS.get(stars, str(stars))
    return f"拟{vocab.STAR_LABELS.get(proposed, str(proposed))}" if proposed is not None else ""


@appraise_app.command("list")
@handle_errors
def list_(under: UnderOption = None, year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """各党支部的评议进度：党员、参评、已评定、优秀与名额、基本合格、不合格、处置未销号、星级，按党委分组。

    --json 输出键：「ok、year、branches（每个支部：org_id、name、kind、committee、members、appraised、exempt、
    excellent、qualified、basic、unqualified、undecided、not_started、limit、over、disposals、disposals_open、
    stars、proposed_stars）、totals」。"""
    from pledgebook.models.appraisal.figures import AppraisalFigures
    from pledgebook.models.appraisal.queries import branches

    open_db(db)
    y = work_year(year)
    rows = branches(y, under_id(under))
    total = AppraisalFigures()
    for row in rows:
        total.add(row)
    if as_json:
        emit_json({"ok": True, "year": y, "branches": [_branch_json(r) for r in rows], "totals": total.as_dict()})
        return
    out = table(f"{y}年度民主评议党员进度", "党支部", ["党员", "参评", "未评", "优秀", "基本", "不合格", "处置", "星级"],
                width=4)
    for committee, group in _by_committee(rows).items():
        out.add_row(f"[bold]{escape(committee or '（县直）')}[/]")
        for r in group:
            excellent = f"{r.excellent}/{r.limit}"
            out.add_row(f" {escape(r.name)}", str(r.members), str(r.appraised), str(r.undecided + r.not_started),
                        f"[red]{excellent}[/]" if r.over else excellent, str(r.basic), str(r.unqualified),
                        str(r.disposals_open), _stars_text(r.stars, r.proposed_stars))
    console.print(out)
    say("未评：还没有评定等次（含未录入）；优秀：已评/名额；基本：基本合格；处置：未销号的组织处置。")
    say(f"党支部 {len(rows)} 个，在册党员 {total.members} 人：参评 {total.appraised} 人，不参评 {total.exempt} 人，"
        f"未评定 {total.undecided} 人；优秀 {total.excellent}、合格 {total.qualified}、基本合格 {total.basic}、"
        f"不合格 {total.unqualified}；组织处置未销号 {total.disposals_open} 起。")
    over = [r.name for r in rows if r.over]
    if over:
        say(f"优秀超过比例上限的支部 {len(over)} 个：{'、'.join(over[:10])}" + ("等" if len(over) > 10 else "")
            + "（详见 pledgebook appraise quota）")


def _member_json(row: MemberRow, pledges: list) -> dict[str, object]:
    return {**asdict(row), "grade_label": row.grade_label, "pledge_lines": [
        {"pledge_id": p.pledge_id, "content": p.content, "status": p.status, "status_label": p.status_label,
         "due_date": p.due_date, "evaluations": [list(e) for e in p.evaluations],
         "rectification_open": p.rectification_open} for p in pledges]}


@appraise_app.command("show")
@handle_errors
def show(branch: BranchArg, year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """一个党支部的党员：评定等次、测评票、组织处置，以及每人当年的承诺和评议结果（供支部对照评定）。

    --json 输出键：「ok、year、org（id、name）、quota（appraised、excellent、limit、over、text）、members（每人：
    person_id、name、post、on_roll、appraisal_id、grade、grade_label、exempt_reason、ballots_valid、votes、
    decided_on、disposals_open、pledges、fulfilled、rectifications_open、pledge_lines）」。"""
    from pledgebook.models.appraisal.queries import member_pledges, members
    from pledgebook.models.appraisal.rules import quota

    open_db(db)
    y = work_year(year)
    org = branch_named(branch)
    rows = members(org.id, y)
    lines = {r.person_id: member_pledges(r.person_id, y) for r in rows}
    q = quota(org.id, y)
    if as_json:
        emit_json({"ok": True, "year": y, "org": {"id": org.id, "name": org.name},
                   "quota": {"appraised": q.appraised, "excellent": q.excellent, "limit": q.limit, "over": q.over,
                             "text": q.fact},
                   "members": [_member_json(r, lines[r.person_id]) for r in rows]})
        return
    out = table(f"{org.name} {y}年度民主评议", "姓名", ["职务", "评定", "测评票", "承诺", "待整改", "处置"], width=4,
                fold=("职务", "评定"))
    for r in rows:
        votes = "/".join("" if v is None else str(v) for v in r.votes.values()) if any(
            v is not None for v in r.votes.values()) else ""
        out.add_row(escape(r.name) + ("" if r.on_roll else "（已转出）"), escape(r.post[:8]), r.grade_label or "—", votes,
                    f"{r.fulfilled}/{r.pledges}" if r.pledges else "", str(r.rectifications_open or ""),
                    str(r.disposals_open or ""))
    console.print(out)
    say("测评票：优秀/合格/基本合格/不合格；承诺：已兑现/承诺数。" + q.fact + "。")
    for r in rows:
        for p in lines[r.person_id]:
            judged = "；".join(f"{kind} {result}" for kind, result in p.evaluations) or "未评议"
            say(f"  {r.name}：{p.content}（{p.status_label}；{judged}{'；待整改' if p.rectification_open else ''}）")


@appraise_app.command("quota")
@handle_errors
def quota_(branch: Annotated[str | None, typer.Argument(
               help="党支部代码或全称；不写则列出全县优秀超过比例上限的支部", show_default=False, metavar="[党支部]")] = None,
           year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """优秀比例：一个支部的参评人数、优秀人数和上限；不写支部时列出全县超过上限的支部。

    --json 输出键：「ok、year、quotas（每个支部：org_id、org_name、appraised、excellent、limit、over、share、
    text）」；超过上限的支部「over」为真。"""
    from pledgebook.models.appraisal.rules import quota, quota_problems

    open_db(db)
    y = work_year(year)
    found = [quota(branch_named(branch).id, y)] if branch else quota_problems(y)
    if as_json:
        emit_json({"ok": True, "year": y, "quotas": [{**asdict(q), "over": q.over, "text": q.fact} for q in found]})
        return
    if not found:
        say(f"{y}年度各党支部评为优秀的人数都没有超过比例上限。")
    for q in found:
        say(q.message + "。")


# ------------------------------------------------------------------ set


def _votes(text: str) -> dict[str, object]:
    """「发放/有效/优秀/合格/基本合格/不合格」 → the six counts (a blank part clears that count)."""
    from pledgebook.models.appraisal.validate import VOTE_FIELDS

    parts = re.split(r"[/／,，]", text.strip())
    if len(parts) != len(VOTE_FIELDS):
        raise PledgebookError(f"--votes 应写 {len(VOTE_FIELDS)} 个数，用 / 隔开：发放/有效/优秀/合格/基本合格/不合格，"
                              f"例如 --votes 30/28/10/15/2/1；收到「{text}」")
    return {field: part.strip() or None for (field, _label), part in zip(VOTE_FIELDS, parts, strict=True)}


def live_appraisal(person_id: int, year: int) -> Appraisal | None:
    from pledgebook.models.store.tables import Appraisal

    return Appraisal.get_or_none((Appraisal.person == person_id) & (Appraisal.year == year)
                                 & Appraisal.deleted_at.is_null())


def appraisal_json(a: Appraisal) -> dict[str, object]:
    from pledgebook.models.appraisal.validate import APPRAISAL_FIELDS

    return {"id": a.id, "uid": a.uid, "year": a.year, "person_id": a.person_id, "person": a.person.name,
            "org_id": a.org_id, "org": a.org.name, **{f: getattr(a, f) for f in APPRAISAL_FIELDS},
            "grade_label": vocab.label(vocab.APPRAISAL_GRADES, a.grade)}


@appraise_app.command("set")
@handle_errors
def set_(
    who: PersonArg,
    grade: Annotated[str | None, typer.Option("--grade", help="组织评定等次：优秀、合格、基本合格、不合格（写空字符串清除）")] = None,
    votes: Annotated[str | None, typer.Option(
        "--votes", help="民主测评票数：发放/有效/优秀/合格/基本合格/不合格，如 30/28/10/15/2/1")] = None,
    exempt: Annotated[str | None, typer.Option("--exempt", help="不参评原因：流动党员、长期病休、年老体弱、出国（境）、其他")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="评定意见")] = None,
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="评定日期（默认：评定等次时为今天）")] = None,
    org: OrgOption = None,
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """录入或修改一名党员的民主评议：等次、测评票、不参评原因、评定意见。每人每年一条；优秀超过比例上限时拒绝，不作改动。

    --json 输出键：「ok、created、appraisal（id、uid、year、person_id、person、org_id、org、ballots_issued、
    ballots_valid、votes_excellent、votes_qualified、votes_basic_qualified、votes_unqualified、grade、
    grade_label、exempt_reason、decided_on、comment、self_review）、quota（appraised、excellent、limit、over、
    text）」。"""
    from pledgebook.models.appraisal.rules import quota, save_appraisal

    open_db(db, write=True)
    y = work_year(year)
    person = person_named(who, org)
    values: dict[str, object] = {} if votes is None else _votes(votes)
    for field, value in (("grade", grade), ("exempt_reason", exempt), ("comment", comment)):
        if value is not None:
            values[field] = value
    if decided_on or grade:
        values["decided_on"] = decided_on or date.today()
    if not values:
        raise PledgebookError("请至少写一项：--grade、--votes、--exempt 或 --comment。"
                              "例如 pledgebook appraise set 张三 --grade 合格")
    existing = live_appraisal(person.id, y)
    saved = save_appraisal(values, person_id=person.id, year=y, appraisal_id=existing.id if existing else None)
    q = quota(saved.org_id, y)
    if as_json:
        emit_json({"ok": True, "created": existing is None, "appraisal": appraisal_json(saved),
                   "quota": {"appraised": q.appraised, "excellent": q.excellent, "limit": q.limit, "over": q.over,
                             "text": q.fact}})
        return
    state = f"不参评（{saved.exempt_reason}）" if saved.exempt_reason else vocab.label(
        vocab.APPRAISAL_GRADES, saved.grade, "未评定等次")
    say(f"已{'录入' if existing is None else '修改'}{saved.person.name}（{saved.org.name}）{y}年度民主评议：{state}。{q.fact}。")
    if saved.grade in vocab.DISPOSAL_GRADES:
        say(f"评为{vocab.APPRAISAL_GRADES[saved.grade]}的党员要作组织处置：pledgebook appraise dispose {saved.person.name} "
            f"--org {saved.org.name} "
            "--kind 限期改正 --due 日期")


# ------------------------------------------------------------------ 组织处置


def _disposal_json(d) -> dict[str, object]:
    return {"id": d.id, "uid": d.uid, "appraisal_id": d.appraisal_id, "kind": d.kind,
            "kind_label": vocab.label(vocab.DISPOSAL_KINDS, d.kind), "decided_on": d.decided_on,
            "due_date": d.due_date, "closed_on": d.closed_on, "result": d.result, "note": d.note}


@appraise_app.command("dispose")
@handle_errors
def dispose(
    who: PersonArg,
    kind: Annotated[str, typer.Option("--kind", help="处置方式：批评教育、限期改正、劝其退党、除名", show_default=False)],
    due: Annotated[str | None, typer.Option("--due", help="整改期限（必填；在终端中不填会询问，默认按本县处置期限）")] = None,
    decided_on: Annotated[str | None, typer.Option("--decided-on", help="决定日期（默认今天）")] = None,
    note: Annotated[str, typer.Option("--note", help="备注")] = "",
    org: OrgOption = None,
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """为评为基本合格或不合格的党员作组织处置（限期改正等），必须有整改期限；处置要销号（见 close-disposal）。

    --json 输出键：「ok、person、org、disposal（id、uid、appraisal_id、kind、kind_label、decided_on、due_date、
    closed_on、result、note）」。"""
    from pledgebook.models.appraisal.rules import default_due, save_disposal
    from pledgebook.models.core.fields import parse_date

    open_db(db, write=True)
    y = work_year(year)
    person = person_named(who, org)
    appraisal = live_appraisal(person.id, y)
    if appraisal is None:
        raise PledgebookError(f"{person.name}{y}年度还没有民主评议记录：请先用 pledgebook appraise set 评定等次")
    if due is None:
        suggested = default_due(parse_date(decided_on, "decided_on", "决定日期") or date.today()).isoformat()
        if not interactive() or as_json:
            raise PledgebookError(f"组织处置必须有整改期限：请加 --due 日期，例如 --due {suggested}（按本县处置期限）")
        due = str(typer.prompt("整改期限", default=suggested))
    saved = save_disposal({"kind": kind, "decided_on": decided_on, "due_date": due, "note": note},
                          appraisal_id=appraisal.id)
    if as_json:
        emit_json({"ok": True, "person": person.name, "org": appraisal.org.name, "disposal": _disposal_json(saved)})
        return
    say(f"已为{person.name}（{appraisal.org.name}）作组织处置：{vocab.label(vocab.DISPOSAL_KINDS, saved.kind)}，"
        f"整改期限 {saved.due_date.isoformat()}（编号 {saved.id}；完成后用 pledgebook appraise close-disposal 销号）。")


@appraise_app.command("close-disposal")
@handle_errors
def close_disposal(
    which: Annotated[str, typer.Argument(help="组织处置编号，或党员姓名/身份证号（该党员只有一条未销号处置时）",
                                         show_default=False, metavar="编号|姓名")],
    on: Annotated[str | None, typer.Option("--on", help="销号日期（默认今天）")] = None,
    result: Annotated[str, typer.Option("--result", help="处置结果，如 已按期改正")] = "",
    org: OrgOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """组织处置销号：写明销号日期和处置结果；已关闭年度的未销号处置也可以销号。

    --json 输出键：「ok、person、org、disposal（id、uid、appraisal_id、kind、kind_label、decided_on、due_date、
    closed_on、result、note）」。"""
    from pledgebook.models.appraisal import rules
    from pledgebook.models.core.fields import parse_date

    open_db(db, write=True)
    if which.strip().isdigit() and len(which.strip()) < 15:
        disposal_id = int(which)
    else:
        person = person_named(which, org)
        mine = [d for d in rules.open_disposals() if d.person_id == person.id]
        if not mine:
            raise PledgebookError(f"{person.name}没有未销号的组织处置")
        if len(mine) > 1:
            listed = "、".join(f"编号 {d.disposal_id}（{d.year}年度，{vocab.label(vocab.DISPOSAL_KINDS, d.kind)}）"
                               for d in mine)
            raise PledgebookError(f"{person.name}有 {len(mine)} 条未销号的组织处置：{listed}。请写明编号")
        disposal_id = mine[0].disposal_id
    when = parse_date(on, "closed_on", "销号日期") or date.today()
    saved = rules.close_disposal(disposal_id, when, result)
    name, branch = saved.appraisal.person.name, saved.appraisal.org.name
    if as_json:
        emit_json({"ok": True, "person": name, "org": branch, "disposal": _disposal_json(saved)})
        return
    say(f"已为{name}（{branch}）的组织处置（编号 {saved.id}）销号：{when.isoformat()}" + (f"，{result}" if result else "") + "。")


@appraise_app.command("disposals")
@handle_errors
def disposals(
    year: Annotated[int | None, typer.Option("--year", help="只看该年度评议的处置（默认：所有年度）", callback=check_year)] = None,
    under: UnderOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """未销号的组织处置：逾期的在前，再按整改期限。

    --json 输出键：「ok、disposals（每条：disposal_id、appraisal_id、year、person_id、person_name、org_id、
    org_name、grade、kind、decided_on、due_date、overdue）、overdue」。"""
    from pledgebook.models.appraisal.rules import open_disposals
    from pledgebook.models.store.orgtree import OrgTree

    open_db(db)
    top = under_id(under)
    rows = open_disposals(year)
    if top is not None:
        tree = OrgTree.load()
        rows = [r for r in rows if tree.contains(top, r.org_id)]
    rows.sort(key=lambda r: (not r.overdue, r.due_date, r.disposal_id))
    overdue = sum(r.overdue for r in rows)
    if as_json:
        emit_json({"ok": True, "disposals": [asdict(r) for r in rows], "overdue": overdue})
        return
    if not rows:
        say("没有未销号的组织处置。")
        return
    out = table("未销号的组织处置", "党员", ["编号", "党支部", "年度", "方式", "整改期限"], width=4, fold=("党支部",))
    for r in rows:
        mark = "[red]（逾期）[/]" if r.overdue else ""
        out.add_row(escape(r.person_name), str(r.disposal_id), escape(r.org_name), str(r.year), vocab.label(vocab.DISPOSAL_KINDS, r.kind),
                    r.due_date.isoformat() + mark)
    console.print(out)
    say(f"共 {len(rows)} 条，其中逾期 {overdue} 条。销号：pledgebook appraise close-disposal 编号 --result 处置结果")
