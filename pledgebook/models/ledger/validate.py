"""Validation of the pledge ledger's values: public, pure functions that return clean values or raise
:class:`ValidationErrors` (every refused field at once, Chinese messages naming the field).

They write nothing: the writes in :mod:`.rules` (transaction, audit) and the importers call them. A few
read what the check needs (the org a person is put in, the county's categories and rectification rule).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.fields import MAX_NAME, Checker, parse_date
from pledgebook.models.core.pinyin import pinyin_key
from pledgebook.models.core.values import normalize_id_number
from pledgebook.models.ledger.categories import categories
from pledgebook.models.ledger.rectification import default_rectification_due, needs_rectification
from pledgebook.models.store.tables import Org, Pledge

__all__ = [
    "check_due",
    "evaluation_values",
    "parse_date",
    "person_values",
    "pledge_values",
    "progress_values",
]

VOTE_FIELDS = (
    ("ballots_issued", "发放票数"),
    ("ballots_valid", "有效票"),
    ("votes_satisfied", "满意票"),
    ("votes_basic", "基本满意票"),
    ("votes_unsatisfied", "不满意票"),
)


def check_due(year: int, due: date | None, field: str = "due_date") -> None:
    """Refuse a pledge's due date outside the year before to five years after (a mistyped year)."""
    if due is None:
        return
    if not (date(year - 1, 1, 1) <= due <= date(year + 5, 12, 31)):
        raise ValidationError(
            f"完成时限 {due.isoformat()} 不在合理范围内（应在 {year - 1} 年至 {year + 5} 年之间），请检查是否输错年份", field
        )


# ------------------------------------------------------------ people


def person_values(fields: dict[str, Any]) -> dict[str, Any]:
    """A member's fields (those given) → column values; ``org_id`` → ``org`` (a live org)."""
    check = Checker(fields)
    check("name", lambda v: F.text(v, "name", "姓名", limit=MAX_NAME))
    check("gender", lambda v: F.code(vocab.GENDERS, v, "gender", "性别", required=False))
    check("ethnicity", lambda v: F.text(v, "ethnicity", "民族", required=False, limit=20) or None)
    check("education", lambda v: F.text(v, "education", "学历", required=False, limit=20) or None)
    check("birth_date", lambda v: parse_date(v, "birth_date", "出生日期"))
    check("joined_date", lambda v: parse_date(v, "joined_date", "入党时间"))
    check("post", lambda v: F.text(v, "post", "职务", required=False, limit=MAX_NAME) or None)
    check("cadre_level", lambda v: F.text(v, "cadre_level", "干部级别", required=False, limit=50) or None)
    check("phone", F.phone)
    check("state", lambda v: F.code(vocab.PERSON_STATES, v, "state", "状态"))
    values, errors = check.values, check.errors
    if "id_number" in fields:
        try:
            values["id_number"] = normalize_id_number(fields["id_number"])
        except ValueError as exc:
            errors["id_number"] = str(exc)
    if "org_id" in fields:
        org = Org.get_or_none(Org.id == fields["org_id"])
        if org is None or org.deleted_at is not None:
            errors["org_id"] = "请选择所在党组织"
        else:
            values["org"] = org
    today = date.today()
    if values.get("birth_date") and not (date(1900, 1, 1) <= values["birth_date"] <= today):
        errors["birth_date"] = "出生日期不在合理范围内"
    if values.get("joined_date") and values["joined_date"] > today:
        errors["joined_date"] = "入党时间不能晚于今天"
    elif values.get("joined_date") and values.get("birth_date") and values["joined_date"] <= values["birth_date"]:
        errors["joined_date"] = "入党时间应晚于出生日期，请核对是否填反"
    check.raise_errors()
    if "name" in values:
        values["pinyin"] = pinyin_key(values["name"])
    return values


# ------------------------------------------------------------ pledges and progress


def pledge_values(fields: dict[str, Any], year: int) -> dict[str, Any]:
    """A pledge's fields (those given) → column values, for a pledge of ``year``."""
    check = Checker(fields)
    check("content", lambda v: F.text(v, "content", "承诺事项"))
    check("measures", lambda v: F.text(v, "measures", "践诺措施", required=False))
    check("scope", lambda v: F.code(vocab.SCOPES, v, "scope", "承诺范围"))
    check("category", lambda v: F.code(categories(), v, "category", "承诺类别"))
    check("term", lambda v: F.code(vocab.TERMS, v, "term", "承诺期限"))
    check("due_date", lambda v: parse_date(v, "due_date", "完成时限"))
    check("approved_by", lambda v: F.text(v, "approved_by", "审定人", required=False, limit=MAX_NAME) or None)
    check("approved_on", lambda v: parse_date(v, "approved_on", "审定日期"))
    check("published_on", lambda v: parse_date(v, "published_on", "公示日期"))
    if "due_date" in check.values:
        try:
            check_due(year, check.values["due_date"])
        except ValidationError as exc:
            check.errors["due_date"] = exc.message
    check.raise_errors()
    return check.values


def progress_values(note: object, on: object, percent: object) -> dict[str, Any]:
    """A 践诺记录: its note, date (today when blank; never later) and percent (0–100, optional)."""
    errors: dict[str, str] = {}
    try:
        note = F.text(note, "note", "践诺情况")
    except ValidationError as exc:
        errors["note"] = exc.message
    when: date | None
    try:
        when = parse_date(on, "date", "日期") or date.today()
        if when > date.today():
            errors["date"] = "践诺记录的日期不能晚于今天"
    except ValidationError as exc:
        errors["date"] = exc.message
        when = None
    pct = None
    if percent not in (None, ""):
        try:
            pct = int(str(percent).strip().rstrip("%"))
            if not 0 <= pct <= 100:
                errors["percent"] = "完成进度应在 0–100 之间"
        except ValueError:
            errors["percent"] = f"完成进度应为 0–100 的整数，收到「{percent}」"
    if errors:
        raise ValidationErrors(errors)
    return {"date": when, "note": note, "percent": pct}


# ------------------------------------------------------------ evaluations


def evaluation_values(pledge: Pledge | None, fields: dict[str, Any]) -> dict[str, Any]:
    """A 评诺's fields (every one; a field left out is blank) → column values, with a rectification
    due by the county's term where the result asks for one and none is given. ``pledge`` is not read
    (an importer checks a row before its pledge exists)."""
    check = Checker(fields, every=True)
    check("kind", lambda v: F.code(vocab.EVAL_KINDS, v, "kind", "评议方式"))
    check("date", lambda v: parse_date(v, "date", "评议日期") or date.today())
    check("evaluator", lambda v: F.text(v, "evaluator", "评议人", required=False, limit=MAX_NAME))
    check("comment", lambda v: F.text(v, "comment", "评定意见", required=False))
    for field, label in VOTE_FIELDS:
        check(field, lambda v, f=field, lab=label: F.count(v, f, lab))
    check("rect_due", lambda v: parse_date(v, "rect_due", "整改时限"))
    check("rect_note", lambda v: F.text(v, "rect_note", "整改措施", required=False))
    values, errors = check.values, check.errors
    values["grade"] = _grade(values.get("kind"), fields.get("grade"), errors)
    values["score"] = _score(fields.get("score"), errors)
    _check_votes(values, errors)
    check.raise_errors()
    if values.get("rect_due") is None and values.get("rect_done") is None and needs_rectification(
        values["kind"], values.get("grade"), values.get("votes_basic"), values.get("votes_unsatisfied"),
        values.get("ballots_valid"),
    ):  # never a rectification nothing can close: the county's 整改期限 when none is given
        values["rect_due"] = default_rectification_due(values["date"])
    return values


def _grade(kind: str | None, grade: object, errors: dict[str, str]) -> str | None:
    """The grade's code among those the kind of evaluation allows; None when blank."""
    if grade in (None, ""):
        return None
    allowed: dict[str, str] = {}
    for gset in vocab.GRADES_FOR_KIND.get(kind or "", ()):
        allowed.update(vocab.GRADE_SETS[gset])
    found = vocab.code_for(allowed, str(grade)) if allowed else None
    if found is None:
        kind_label = vocab.label(vocab.EVAL_KINDS, kind)
        errors["grade"] = f"评定等次「{grade}」不适用于{kind_label}（可选：{'、'.join(allowed.values())}）"
    return found


def _score(score: Any, errors: dict[str, str]) -> float | None:
    if score in (None, ""):
        return None
    try:
        value = float(score)
    except (TypeError, ValueError):
        errors["score"] = f"分数应为 0–100 的数字，收到「{score}」"
        return None
    if not 0 <= value <= 100:
        errors["score"] = "分数应在 0–100 之间"
    return value


def _check_votes(values: dict[str, Any], errors: dict[str, str]) -> None:
    """The votes add up, the ballots are possible, and the evaluation says something."""
    kind = values.get("kind")
    votes = [values.get(k) for k in ("votes_satisfied", "votes_basic", "votes_unsatisfied")]
    if any(v is not None for v in votes) and not errors:
        total = sum(v or 0 for v in votes)
        if values.get("ballots_valid") is None:
            values["ballots_valid"] = total
        elif total != values["ballots_valid"]:
            errors["ballots_valid"] = f"满意＋基本满意＋不满意＝{total}，与有效票 {values['ballots_valid']} 不符，请核对"
    issued, valid = values.get("ballots_issued"), values.get("ballots_valid")
    if issued is not None and valid is not None and valid > issued:
        errors["ballots_valid"] = f"有效票 {valid} 不能多于发放票数 {issued}"
    if kind == "public" and values.get("grade") is None and values.get("ballots_valid") in (None, 0) and "kind" not in errors:
        errors.setdefault("votes_satisfied", "群众评议请填写票数（满意、基本满意、不满意）或评定等次")
    if (kind and kind != "public" and values.get("grade") is None and values.get("score") is None
            and not values.get("comment") and not values.get("ballots_valid")):  # a 党员评议 may be votes alone
        errors.setdefault("grade", "请填写评定等次、分数或评定意见（或评议票数）中的至少一项")
    if values.get("date") and values["date"] > date.today():
        errors["date"] = "评议日期不能晚于今天"
    if values.get("rect_due") and values.get("date") and values["rect_due"] < values["date"]:
        errors["rect_due"] = "整改时限不能早于评议日期"

