"""Validation of the third ledger's values: public, pure functions (no database) that turn what a form or a
sheet gave into column values, or raise :class:`FieldErrors` (a
ValidationError) naming every refused field in Chinese.

The writes in :mod:`.rules` (transaction, audit, the quota, closed years) and the importers call them.
Built from the shared field validators of :mod:`pledgebook.models.core.fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.core.fields import Checker, parse_date

__all__ = [
    "APPRAISAL_FIELDS",
    "DISPOSAL_FIELDS",
    "MAX_REASON",
    "FieldErrors",
    "VOTE_FIELDS",
    "appraisal_values",
    "disposal_values",
]

MAX_REASON = 50  # 不参评原因: one of vocab.EXEMPT_REASONS, or a few words of its own

# the 民主测评 ballots: (column, label), 发放 and 有效 first, then one count per grade
VOTE_FIELDS: tuple[tuple[str, str], ...] = (
    ("ballots_issued", "发放票数"),
    ("ballots_valid", "有效票"),
    ("votes_excellent", "优秀票"),
    ("votes_qualified", "合格票"),
    ("votes_basic_qualified", "基本合格票"),
    ("votes_unqualified", "不合格票"),
)
GRADE_VOTES = tuple(f for f, _ in VOTE_FIELDS[2:])

APPRAISAL_FIELDS = ("self_review", *(f for f, _ in VOTE_FIELDS), "grade", "exempt_reason", "decided_on", "comment")
DISPOSAL_FIELDS = ("kind", "decided_on", "due_date", "closed_on", "result", "note")


class FieldErrors(ValidationError):
    """Several fields refused at once: a :class:`ValidationError` (``field``: the first one; the message: every
    one, joined by 「；」) that keeps ``errors`` (field → message) for a form or a sheet to mark each."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()), next(iter(self.errors), None))


def _unknown(raw: Mapping[str, object], known: tuple[str, ...], what: str) -> dict[str, str]:
    return {key: f"{what}没有「{key}」这一项（可填：{'、'.join(vocab.FIELD_LABELS.get(k, k) for k in known)}）"
            for key in raw if key not in known}


def appraisal_values(raw: Mapping[str, object]) -> dict[str, object]:
    """The fields given of one 民主评议党员 record → column values (only those given).

    - ``grade`` (组织评定): a code or its label 优秀/合格/基本合格/不合格; blank = not decided yet (None);
    - the ballots: whole numbers ≥ 0; 有效票 ≤ 发放票数; the four grade votes together ≤ 有效票;
    - ``exempt_reason`` (不参评原因, e.g. 流动党员): a member not appraised has a reason and no grade;
    - ``decided_on`` (评定日期): a date, not later than today; ``self_review``, ``comment``: text.
    """
    check = Checker(dict(raw))
    check("self_review", lambda v: F.text(v, "self_review", "个人自评", required=False))
    for field, label in VOTE_FIELDS:
        check(field, lambda v, f=field, lab=label: F.count(v, f, lab))
    check("grade", lambda v: F.code(vocab.APPRAISAL_GRADES, v, "grade", "组织评定等次", required=False))
    check("exempt_reason", lambda v: F.text(v, "exempt_reason", "不参评原因", required=False, limit=MAX_REASON) or None)
    check("decided_on", lambda v: parse_date(v, "decided_on", "评定日期"))
    check("comment", lambda v: F.text(v, "comment", "评定意见", required=False))
    values, errors = check.values, check.errors
    errors.update(_unknown(raw, APPRAISAL_FIELDS, "民主评议"))
    issued, valid = values.get("ballots_issued"), values.get("ballots_valid")
    if isinstance(issued, int) and isinstance(valid, int) and valid > issued:
        errors["ballots_valid"] = f"有效票 {valid} 不能多于发放票数 {issued}，请核对"
    votes = [values.get(f) for f in GRADE_VOTES]
    if isinstance(valid, int) and "ballots_valid" not in errors and any(isinstance(v, int) for v in votes):
        total = sum(v for v in votes if isinstance(v, int))
        if total > valid:
            errors.setdefault(
                "votes_excellent", f"优秀＋合格＋基本合格＋不合格票＝{total}，多于有效票 {valid}，请核对计票")
    if values.get("grade") and values.get("exempt_reason"):
        errors["grade"] = (f"不参评的党员（原因：{values['exempt_reason']}）不评定等次："
                           "请清空组织评定等次，或清空不参评原因")
    when = values.get("decided_on")
    if isinstance(when, date) and when > date.today():
        errors["decided_on"] = f"评定日期 {when.isoformat()} 不能晚于今天"
    if errors:
        raise FieldErrors(errors)
    return values


def disposal_values(raw: Mapping[str, object]) -> dict[str, object]:
    """Every field of one 组织处置 → column values (a field left out is blank).

    ``kind`` (a code or its label: 批评教育/限期改正/劝其退党/除名) is required; ``decided_on`` (决定日期) is
    today when blank; ``due_date`` (整改期限) is REQUIRED and not before ``decided_on`` (the form offers
    :func:`pledgebook.models.appraisal.rules.default_due`); ``closed_on`` (销号日期) not before
    ``decided_on`` nor after today; ``result`` (处置结果), ``note``: text.
    """
    check = Checker(dict(raw), every=True)
    check("kind", lambda v: F.code(vocab.DISPOSAL_KINDS, v, "kind", "处置方式"))
    check("decided_on", lambda v: parse_date(v, "decided_on", "决定日期") or date.today())
    check("due_date", lambda v: parse_date(v, "due_date", "整改期限"))
    check("closed_on", lambda v: parse_date(v, "closed_on", "销号日期"))
    check("result", lambda v: F.text(v, "result", "处置结果", required=False))
    check("note", lambda v: F.text(v, "note", "备注", required=False))
    values, errors = check.values, check.errors
    errors.update(_unknown(raw, DISPOSAL_FIELDS, "组织处置"))
    decided, due, closed = values.get("decided_on"), values.get("due_date"), values.get("closed_on")
    if "due_date" not in errors and due is None:
        errors["due_date"] = "组织处置必须有整改期限：请填写整改期限（默认为决定日期之后的处置期限天数）"
    if isinstance(decided, date):
        if decided > date.today():
            errors["decided_on"] = f"决定日期 {decided.isoformat()} 不能晚于今天"
        if isinstance(due, date) and due < decided:
            errors["due_date"] = f"整改期限 {due.isoformat()} 不能早于决定日期 {decided.isoformat()}"
        if isinstance(closed, date) and closed < decided:
            errors["closed_on"] = f"销号日期 {closed.isoformat()} 不能早于决定日期 {decided.isoformat()}"
    if isinstance(closed, date) and closed > date.today():
        errors["closed_on"] = f"销号日期 {closed.isoformat()} 不能晚于今天"
    if errors:
        raise FieldErrors(errors)
    return values
