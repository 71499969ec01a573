"""Counted ballots typed in by hand (the TUI's tally screen): one rule for what is possible, one save.

:func:`count_problem` is the same check :func:`rules.record_evaluation`
makes, without the database, so a face can flag an impossible row while it
is typed. :func:`save_counts` records every counted row of a branch as a
评诺 of one kind and date, in ONE transaction, with a rectification due by
the county's rule where the result asks for one. A row left blank is "not
yet counted", never zero votes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError, ValidationErrors
from pledgebook.models.ledger import rules, validate

FIELDS = ("ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic", "votes_unsatisfied")
LABELS = dict(zip(FIELDS, ("发放票数", "有效票", "满意", "基本满意", "不满意"), strict=True))


@dataclass
class Counts:
    pledge_id: int
    ballots_issued: int | None = None
    ballots_valid: int | None = None
    votes_satisfied: int | None = None
    votes_basic: int | None = None
    votes_unsatisfied: int | None = None

    def blank(self) -> bool:
        return all(getattr(self, f) is None for f in FIELDS)

    @property
    def total(self) -> int:
        return (self.votes_satisfied or 0) + (self.votes_basic or 0) + (self.votes_unsatisfied or 0)

    @property
    def valid(self) -> int | None:
        """有效票 as given, else the sum of the three votes when any is given."""
        if self.ballots_valid is not None:
            return self.ballots_valid
        if any(getattr(self, f) is not None for f in FIELDS[2:]):
            return self.total
        return None


def count_problem(c: Counts) -> str | None:
    """Why these counts cannot be, in Chinese; None when they can (or the row is blank)."""
    if c.blank():
        return None
    for f in FIELDS:
        value = getattr(c, f)
        if value is not None and value < 0:
            return f"{LABELS[f]}不能为负数"
    if c.ballots_valid is not None and any(getattr(c, f) is not None for f in FIELDS[2:]) \
            and c.total != c.ballots_valid:
        return f"满意＋基本满意＋不满意＝{c.total}，与有效票 {c.ballots_valid} 不符"
    valid = c.valid
    if c.ballots_issued is not None and valid is not None and valid > c.ballots_issued:
        return f"有效票 {valid} 多于发放票数 {c.ballots_issued}"
    if not valid:
        return "请填写满意、基本满意、不满意票数"
    return None


def save_counts(rows: list[Counts], kind: str, on: date | str) -> int:
    """Record every counted row as a 评诺 of ``kind`` dated ``on``; returns how many were recorded.

    Nothing is written unless every counted row is possible: the problems come
    back as ValidationErrors keyed by pledge id.
    """
    code = kind if kind in vocab.EVAL_KINDS else vocab.code_for(vocab.EVAL_KINDS, kind)
    if code is None:
        raise ValidationError(f"评议方式「{kind}」无效", "kind")
    when = validate.parse_date(on, "date", "评议日期")
    if when is None:
        raise ValidationError("请填写评议日期", "date")
    if when > date.today():
        raise ValidationError("评议日期不能晚于今天", "date")
    counted = [r for r in rows if not r.blank()]
    problems = {str(r.pledge_id): p for r in counted if (p := count_problem(r))}
    if problems:
        raise ValidationErrors(problems)
    if not counted:
        raise PledgebookError("还没有填写任何票数")
    with rules.transaction():
        for r in counted:
            values = {f: getattr(r, f) for f in FIELDS}
            values["ballots_valid"] = r.valid
            if rules.needs_rectification(code, None, r.votes_basic, r.votes_unsatisfied, r.valid):
                values["rect_due"] = rules.default_rectification_due(when)
            rules.record_evaluation(r.pledge_id, code, date=when, **values)
    return len(counted)
