"""``pledgebook stars …`` (星级评定 / 授旗评星) and ``pledgebook honours …`` (评选表彰) from the command line.

The rules are :mod:`pledgebook.models.appraisal.rules` (proposal, the office's scores and confirmation, the
candidates' criteria and each 乡镇（党委）'s quota); orgs and members are named as in ``pledgebook appraise``
(:mod:`pledgebook.cli.appraisal`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from pledgebook.cli.appraisal import (
    OrgOption,
    UnderOption,
    YearOption,
    branch_named,
    person_named,
    refuse_without_terminal,
    say,
    table,
    under_id,
    work_year,
)
from pledgebook.cli.common import DbOption, JsonOption, console, emit_json, handle_errors, open_db
from pledgebook.cli.orgs import org_named
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError

if TYPE_CHECKING:
    from pledgebook.models.store.tables import Honour, StarRating

stars_app = typer.Typer(help="星级评定（授旗评星）：生成星级建议、评分、确定星级、历年星级。", no_args_is_help=True,
                        rich_markup_mode=None)
honours_app = typer.Typer(help="评选表彰：按条件推荐候选、提名、确定或不通过、各乡镇名额。", no_args_is_help=True,
                          rich_markup_mode=None)

StarBranchArg = Annotated[str, typer.Argument(help="党支部代码或全称", show_default=False, metavar="党支部")]
YesOption = Annotated[bool, typer.Option("--yes", help="不再询问（脚本用）")]


def _stars(level: int | None) -> str:
    return "" if level is None else vocab.STAR_LABELS.get(level, f"{level}星")


def _rating_json(r: StarRating) -> dict[str, object]:
    scores = {item: getattr(r, f"score_{item}") for item in vocab.STAR_ITEMS}
    return {"org_id": r.org_id, "org": r.org.name, "year": r.year, "scores": scores,
            "total": round(sum(v or 0.0 for v in scores.values()), 1), "proposed_stars": r.proposed_stars,
            "stars": r.stars, "confirmed_on": r.confirmed_on, "confirmed_by": r.confirmed_by, "note": r.note}


# ------------------------------------------------------------------ stars


@stars_app.command("propose")
@handle_errors
def propose(year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """为每个党支部生成星级建议：工作业绩、群众反映、党员队伍按台账数据计分，其余两项保留办公室评分；已确定的星级不动。

    --json 输出键：「ok、year、created、updated、unchanged、confirmed」。"""
    from pledgebook.models.appraisal.rules.stars import propose_stars

    open_db(db, write=True)
    y = work_year(year)
    result = propose_stars(y)
    if as_json:
        emit_json({"ok": True, "year": y, "created": result.created, "updated": result.updated,
                   "unchanged": result.unchanged, "confirmed": result.confirmed})
        return
    say(f"{y}年度星级建议：{result.text}。查看：pledgebook stars list；确定：pledgebook stars confirm-all")


@stars_app.command("list")
@handle_errors
def list_(
    under: UnderOption = None,
    level: Annotated[int | None, typer.Option("--level", help="只列该星级（已确定的按确定星级，未确定的按建议星级）")] = None,
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """各党支部的星级：五项得分、总分、建议星级和确定星级，按乡镇（党委）排列。

    --json 输出键：「ok、year、items（评分项代码→名称）、ratings（每个支部：org_id、name、committee、scores、total、
    proposed_stars、stars）、unrated（还没有星级评定记录的支部数）」。"""
    from pledgebook.exporters.paper.stars import star_lines
    from pledgebook.models.appraisal.queries import branches
    from pledgebook.models.ledger.rules import root_org

    open_db(db)
    y = work_year(year)
    root = org_named(under) if under else root_org()
    lines = star_lines(root, y)
    unrated = len(branches(y, root.id)) - len(lines)
    if level is not None:
        lines = [x for x in lines if (x.stars if x.stars is not None else x.proposed) == level]
    if as_json:
        emit_json({"ok": True, "year": y, "items": dict(vocab.STAR_ITEMS), "unrated": unrated, "ratings": [
            {"org_id": x.org_id, "name": x.name, "committee": x.committee,
             "scores": dict(zip(vocab.STAR_ITEMS, x.scores, strict=True)), "total": round(x.total, 1),
             "proposed_stars": x.proposed, "stars": x.stars} for x in lines]})
        return
    heads = [label[2:4] for label in vocab.STAR_ITEMS.values()]  # 班子、队伍、机制、业绩、反映
    out = table(f"{y}年度星级评定", "党支部", [*heads, "总分", "建议", "确定"], width=4)
    committee = None
    for x in lines:
        if x.committee != committee:
            committee = x.committee
            out.add_row(f"[bold]{escape(committee)}[/]")
        out.add_row(f" {escape(x.name)}", *("" if s is None else f"{s:g}" for s in x.scores), f"{x.total:.1f}",
                    _stars(x.proposed), _stars(x.stars))
    console.print(out)
    say(f"列出 {len(lines)} 个党支部；" + "、".join(f"{h}＝{label}" for h, label in zip(heads, vocab.STAR_ITEMS.values()))
        + (f"；还有 {unrated} 个党支部没有星级评定记录（pledgebook stars propose 生成）" if unrated else ""))


def _scores(items: list[str]) -> dict[str, str]:
    """「领导班子好=18」 … → item label → points (checked by the rules: item names, 0 … full points)."""
    found: dict[str, str] = {}
    for item in items:
        parts = re.split(r"[=＝:：]", item, maxsplit=1)
        if len(parts) != 2 or not parts[0].strip():
            raise PledgebookError(f"--item 应写成「评分项=得分」，如 --item 领导班子好=18；收到「{item}」")
        found[parts[0].strip()] = parts[1].strip()
    return found


@stars_app.command("score")
@handle_errors
def score(
    branch: StarBranchArg,
    items: Annotated[list[str], typer.Option("--item", help="评分项=得分，可写多次：领导班子好、党员队伍好、工作机制好、"
                                                               "工作业绩好、群众反映好，如 --item 领导班子好=18",
                                              show_default=False)],
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """办公室为一个党支部评分（扣分制，不超过该项满分），建议星级随总分改变。

    --json 输出键：「ok、rating（org_id、org、year、scores、total、proposed_stars、stars、confirmed_on、
    confirmed_by、note）」。"""
    from pledgebook.models.appraisal.rules.stars import score as score_branch

    open_db(db, write=True)
    y = work_year(year)
    org = branch_named(branch)
    rating = score_branch(org.id, y, _scores(items))
    data = _rating_json(rating)
    if as_json:
        emit_json({"ok": True, "rating": data})
        return
    shown = "、".join(f"{label} {data['scores'][code]:g}" for code, label in vocab.STAR_ITEMS.items()  # type: ignore[index]
                     if data["scores"][code] is not None)  # type: ignore[index]
    say(f"已为{org.name}{y}年度评分：{shown}；总分 {data['total']}，建议{_stars(rating.proposed_stars)}。")


@stars_app.command("confirm")
@handle_errors
def confirm(
    branch: StarBranchArg,
    stars: Annotated[str | None, typer.Option("--stars", help="确定的星级（1–5，如 4 或 四星）；不写则按建议星级")] = None,
    note: Annotated[str, typer.Option("--note", help="备注（如调整星级的理由）")] = "",
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """确定一个党支部的星级（记下确定人和日期）。

    --json 输出键：「ok、rating（org_id、org、year、scores、total、proposed_stars、stars、confirmed_on、
    confirmed_by、note）」。"""
    from pledgebook.models.appraisal.rules.stars import confirm_stars

    open_db(db, write=True)
    y = work_year(year)
    org = branch_named(branch)
    rating = confirm_stars(org.id, y, stars, note=note)
    if as_json:
        emit_json({"ok": True, "rating": _rating_json(rating)})
        return
    say(f"已确定{org.name}{y}年度为{_stars(rating.stars)}党支部。")


@stars_app.command("confirm-all")
@handle_errors
def confirm_all(under: UnderOption = None, yes: YesOption = False, year: YearOption = None, db: DbOption = None,
                as_json: JsonOption = False) -> None:
    """按建议星级确定所有还未确定的党支部（或 --under 某党委以下的）；先说明数量并询问，脚本加 --yes。

    --json 输出键：「ok、year、confirmed」。"""
    from pledgebook.models.appraisal.queries import branches
    from pledgebook.models.appraisal.rules.stars import confirm_all as confirm_every

    open_db(db, write=True)
    y = work_year(year)
    top = under_id(under)
    if not yes:
        refuse_without_terminal("按建议确定全部星级")
        pending = sum(1 for r in branches(y, top) if r.stars is None and r.proposed_stars is not None)
        if not typer.confirm(f"按建议星级确定 {pending} 个党支部{y}年度的星级吗？", default=False):
            say("已取消，未作改动。")
            raise typer.Exit(0)
    done = confirm_every(y, top)
    if as_json:
        emit_json({"ok": True, "year": y, "confirmed": done})
        return
    say(f"已按建议确定 {done} 个党支部{y}年度的星级。")


@stars_app.command("history")
@handle_errors
def history(branch: StarBranchArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """一个党支部历年的星级（未确定的年度显示为空）。

    --json 输出键：「ok、org（id、name）、history（每年：year、stars）」。"""
    from pledgebook.models.appraisal.rules.stars import star_history

    open_db(db)
    org = branch_named(branch)
    years = star_history(org.id)
    if as_json:
        emit_json({"ok": True, "org": {"id": org.id, "name": org.name},
                   "history": [{"year": y, "stars": s} for y, s in years]})
        return
    if not years:
        say(f"{org.name}还没有星级评定记录。")
        return
    say(f"{org.name}历年星级：" + "；".join(f"{y}年 {_stars(s) or '未确定'}" for y, s in years))


# ------------------------------------------------------------------ honours


def _kind(text: str) -> str:
    code = vocab.code_for(vocab.HONOUR_KINDS, text)
    if code is None:
        raise PledgebookError(f"表彰类别只能是：{'、'.join(vocab.HONOUR_KINDS.values())}，收到「{text}」")
    return code


def _honours(year: int, kind: str | None = None) -> list[Honour]:
    from peewee import JOIN

    from pledgebook.models.store.tables import Honour, Org, Person

    query = (Honour.select(Honour, Org, Person).join(Org).switch(Honour).join(Person, JOIN.LEFT_OUTER)
             .where((Honour.year == year) & Honour.deleted_at.is_null()).order_by(Honour.kind, Honour.id))
    return list(query.where(Honour.kind == kind) if kind else query)


def _honour_json(h: Honour, committee: str | None = None) -> dict[str, object]:
    """One honour as ``--json`` gives it; ``committee`` (its 乡镇（党委）) looked up when not given."""
    if committee is None:
        from pledgebook.exporters.paper.roster import committees

        committee = committees().get(h.org_id, "")
    person = h.person
    return {"id": h.id, "uid": h.uid, "year": h.year, "kind": h.kind, "kind_label": vocab.HONOUR_KINDS.get(h.kind, h.kind),
            "org_id": h.org_id, "org": h.org.name, "person_id": h.person_id,
            "person": person.name if person is not None else None, "committee": committee, "status": h.status,
            "status_label": vocab.label(vocab.HONOUR_STATUSES, h.status), "source": h.source,
            "meets_criteria": bool(h.meets_criteria), "reason": h.reason, "decided_on": h.decided_on}


_SHORT_KINDS = {"advanced_org": "先进组织", "excellent_member": "优秀党员", "excellent_worker": "党务工作者"}


def _who(h: Honour) -> str:
    person = h.person
    return person.name if person is not None else h.org.name


@honours_app.command("propose")
@handle_errors
def propose_honours(year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """按本县评选条件从台账推荐候选人（已提名的不重复）。

    --json 输出键：「ok、year、added（表彰类别代码→新增候选数）」。"""
    from pledgebook.models.appraisal.rules.honours import propose_candidates

    open_db(db, write=True)
    y = work_year(year)
    added = propose_candidates(y)
    if as_json:
        emit_json({"ok": True, "year": y, "added": added})
        return
    say(f"{y}年度按条件推荐候选：" + "，".join(f"{vocab.HONOUR_KINDS[k]} {n} 名（个）" for k, n in added.items())
        + "。查看：pledgebook honours list")


@honours_app.command("list")
@handle_errors
def list_honours(
    kind: Annotated[str | None, typer.Option("--kind", help="表彰类别：先进基层党组织、优秀共产党员、优秀党务工作者")] = None,
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """评选表彰的候选和结果：编号、类别、对象、所在党组织、乡镇（党委）、状态、是否符合条件。

    --json 输出键：「ok、year、honours（每条：id、uid、year、kind、kind_label、org_id、org、person_id、person、
    committee、status、status_label、source、meets_criteria、reason、decided_on）」。"""
    from pledgebook.exporters.paper.roster import committees

    open_db(db)
    y = work_year(year)
    rows = _honours(y, _kind(kind) if kind else None)
    towns = committees()
    if as_json:
        emit_json({"ok": True, "year": y, "honours": [_honour_json(h, towns.get(h.org_id, "")) for h in rows]})
        return
    if not rows:
        say(f"{y}年度还没有表彰候选。按条件推荐：pledgebook honours propose")
        return
    out = table(f"{y}年度评选表彰", "对象", ["编号", "类别", "党组织", "状态"], width=4, fold=("党组织",))
    for h in rows:
        mark = "" if h.meets_criteria else "（不完全符合条件）"
        out.add_row(escape(_who(h)) + mark, str(h.id), _SHORT_KINDS.get(h.kind, h.kind),
                    escape(h.org.name if h.person_id else towns.get(h.org_id, "")),
                    vocab.label(vocab.HONOUR_STATUSES, h.status))
    console.print(out)
    say(f"共 {len(rows)} 条。确定：pledgebook honours confirm 编号；不通过：pledgebook honours decline 编号")


@honours_app.command("add")
@handle_errors
def add(
    kind: Annotated[str, typer.Argument(help="表彰类别：先进基层党组织、优秀共产党员、优秀党务工作者", show_default=False,
                                        metavar="类别")],
    who: Annotated[str, typer.Argument(help="党员姓名或身份证号；先进基层党组织写党组织代码或全称", show_default=False,
                                       metavar="姓名|党组织")],
    reason: Annotated[str, typer.Option("--reason", help="提名理由：不符合本县评选条件时必须填写")] = "",
    source: Annotated[str, typer.Option("--source", help="提名来源：县委组织部提名、乡镇推荐、台账推荐")] = "县委组织部提名",
    note: Annotated[str, typer.Option("--note", help="备注")] = "",
    org: OrgOption = None,
    year: YearOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """提名一名表彰候选（党员或党组织）。不符合本县评选条件的，列出不符合之处，须写 --reason 才能提名。

    --json 输出键：「ok、honour（id、uid、year、kind、kind_label、org_id、org、person_id、person、committee、
    status、status_label、source、meets_criteria、reason、decided_on）」。"""
    from pledgebook.models.appraisal.rules.honours import add_candidate

    open_db(db, write=True)
    y = work_year(year)
    code = _kind(kind)
    if code == "advanced_org":
        org_id, person_id = org_named(who).id, None
    else:
        person = person_named(who, org)
        org_id, person_id = person.org_id, person.id
    honour = add_candidate(code, y, org_id=org_id, person_id=person_id, source=source, reason=reason, note=note)
    if as_json:
        emit_json({"ok": True, "honour": _honour_json(honour)})
        return
    say(f"已提名{_who(honour)}为{y}年度{vocab.HONOUR_KINDS[code]}候选（编号 {honour.id}）"
        + ("" if honour.meets_criteria else "，不完全符合条件，理由已记录") + "。")


def _honour_named(which: str, kind: str | None, year: int) -> int:
    """The honour a command names: its 编号, or the member's / org's name (with ``--kind`` when several)."""
    text = which.strip()
    if text.isdigit() and len(text) < 15:
        return int(text)
    rows = [h for h in _honours(year, _kind(kind) if kind else None)
            if text == _who(h) or (h.person_id is None and text == h.org.code)]
    if len(rows) == 1:
        return rows[0].id
    if not rows:
        raise PledgebookError(f"{year}年度没有「{text}」的表彰候选：用 pledgebook honours list 查看编号")
    listed = "、".join(f"编号 {h.id}（{vocab.HONOUR_KINDS.get(h.kind, h.kind)}，{h.org.name}）" for h in rows[:8])
    raise PledgebookError(f"「{text}」有 {len(rows)} 条表彰候选：{listed}。请写明编号（或加 --kind）")


def _decide(which: str, kind: str | None, status: str, on: str | None, year: int | None, as_json: bool) -> None:
    from pledgebook.models.appraisal.rules.honours import decide

    y = work_year(year)
    honour = decide(_honour_named(which, kind, y), status, decided_on=on)
    if as_json:
        emit_json({"ok": True, "honour": _honour_json(honour)})
        return
    say(f"{_who(honour)}：{honour.year}年度{vocab.HONOUR_KINDS.get(honour.kind, honour.kind)}"
        f"「{vocab.label(vocab.HONOUR_STATUSES, honour.status)}」（编号 {honour.id}）。")


HonourArg = Annotated[str, typer.Argument(help="表彰编号，或候选人姓名/党组织名称", show_default=False, metavar="编号|姓名")]
KindOption = Annotated[str | None, typer.Option("--kind", help="表彰类别（同一人有几条候选时区分）")]
OnOption = Annotated[str | None, typer.Option("--on", help="决定日期（默认今天）")]


@honours_app.command("confirm")
@handle_errors
def confirm_honour(which: HonourArg, kind: KindOption = None, on: OnOption = None, year: YearOption = None,
                   db: DbOption = None, as_json: JsonOption = False) -> None:
    """确定表彰一名候选；超过所在乡镇（党委）该类名额时拒绝，并说明名额和已确定的人。

    --json 输出键：「ok、honour（id、kind、org、person、status、status_label、decided_on 等，同 list）」。"""
    open_db(db, write=True)
    _decide(which, kind, "confirmed", on, year, as_json)


@honours_app.command("decline")
@handle_errors
def decline(which: HonourArg, kind: KindOption = None, on: OnOption = None, year: YearOption = None,
            db: DbOption = None, as_json: JsonOption = False) -> None:
    """把一名候选定为未通过。

    --json 输出键：「ok、honour（id、kind、org、person、status、status_label、decided_on 等，同 list）」。"""
    open_db(db, write=True)
    _decide(which, kind, "declined", on, year, as_json)


@honours_app.command("quota")
@handle_errors
def quota(year: YearOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """各乡镇（党委）各类表彰的名额、候选数和已确定数。

    --json 输出键：「ok、year、quotas（每行：committee_id、committee、kind、candidates、confirmed、quota、left、
    over）」。"""
    from pledgebook.models.appraisal.rules.honours import quota_usage

    open_db(db)
    y = work_year(year)
    rows = quota_usage(y)
    if as_json:
        emit_json({"ok": True, "year": y, "quotas": [
            {"committee_id": u.committee_id, "committee": u.committee, "kind": u.kind, "candidates": u.candidates,
             "confirmed": u.confirmed, "quota": u.quota, "left": u.left, "over": u.over} for u in rows]})
        return
    heads = list(vocab.HONOUR_KINDS.values())
    out = table(f"{y}年度评选表彰名额（已确定/名额，候选）", "乡镇（党委）", heads, width=10)
    by_town: dict[str, dict[str, str]] = {}
    for u in rows:
        cell = f"{u.confirmed}/{u.quota}，{u.candidates}"
        by_town.setdefault(u.committee, {})[u.kind] = f"[red]{cell}[/]" if u.over else cell
    for town, cells in by_town.items():
        out.add_row(escape(town), *(cells.get(k, "") for k in vocab.HONOUR_KINDS))
    console.print(out)


