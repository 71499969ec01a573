"""One pledge, everything about it, ready to show (the detail screen): plain dataclasses.

Also where a pledge stands: its stage in 承诺 → 审定 → 公示 → 践诺 → 评诺 → 奖诺 and whether it is
overdue (derived, never stored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from pledgebook.models.core import vocab
from pledgebook.models.ledger.categories import category_labels
from pledgebook.models.ledger.figures import counted_on, overdue_check
from pledgebook.models.ledger.rectification import needs_rectification, participation_rate, satisfaction_rate
from pledgebook.models.store.tables import AuditLog, Evaluation, Pledge, Progress, WorkYear, database

__all__ = [
    "FIELD_LABELS",
    "EvaluationItem",
    "HistoryItem",
    "PledgeDetail",
    "ProgressItem",
    "is_overdue",
    "pledge_detail",
    "stage",
]



@dataclass
class ProgressItem:
    id: int
    date: str
    note: str
    percent: int | None


@dataclass
class EvaluationItem:
    id: int
    kind: str
    kind_label: str
    date: str
    evaluator: str
    grade: str
    score: float | None
    ballots_issued: int | None
    ballots_valid: int | None
    votes_satisfied: int | None
    votes_basic: int | None
    votes_unsatisfied: int | None
    satisfaction: float | None
    participation: float | None
    comment: str
    rect_due: str
    rect_done: str
    rect_note: str
    needs_rectification: bool

    @property
    def rect_state(self) -> str:
        if self.rect_done:
            return f"已整改（{self.rect_done}）"
        if self.rect_due:
            return f"待整改，时限 {self.rect_due}"
        return "需整改，未定时限（按 r 销号时按本县整改期限补记时限）" if self.needs_rectification else ""


@dataclass
class HistoryItem:
    at: str
    user: str
    action: str
    summary: str


@dataclass
class PledgeDetail:
    id: int
    uid: str
    year: int
    year_closed: bool
    pledger: str
    org: str
    org_id: int
    person_id: int | None
    scope: str
    category: str
    category_code: str
    content: str
    measures: str
    due: str
    term: str
    approved_by: str
    approved_on: str
    published_on: str
    status: str
    status_code: str
    fulfilled_on: str
    stage: str
    overdue: bool
    deleted: bool
    carried_from: str
    source: str
    progress: list[ProgressItem]
    evaluations: list[EvaluationItem]
    history: list[HistoryItem]

    @property
    def open_rectifications(self) -> list[EvaluationItem]:
        """What ``r`` can close: every rectification the detail shows as open, dated or not."""
        return [e for e in self.evaluations if not e.rect_done and (e.rect_due or e.needs_rectification)]


def _s(value: object) -> str:
    return "" if value is None else str(value)[:10]


def _local(at: datetime | str) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


FIELD_LABELS = {
    "content": "承诺事项", "measures": "践诺措施", "scope": "承诺范围", "category": "承诺类别", "term": "承诺期限",
    "due_date": "完成时限", "approved_by": "审定人", "approved_on": "审定日期", "published_on": "公示日期",
    "status": "状态", "fulfilled_on": "兑现日期", "org": "党组织", "person": "承诺人", "pledger": "承诺人",
    "note": "内容", "deleted_at": "删除", "rect_done": "整改完成", "rect_due": "整改时限", "rect_note": "整改情况",
    "kind": "评议方式", "grade": "等次", "year": "年度",
    # the fields of a 践诺记录 and a 评诺 (shown when one is recorded or corrected)
    "date": "日期", "percent": "完成进度", "evaluator": "评议人", "score": "分数", "comment": "评定意见",
    "ballots_issued": "发放票数", "ballots_valid": "有效票", "votes_satisfied": "满意票", "votes_basic": "基本满意票",
    "votes_unsatisfied": "不满意票", "carried_from": "结转自", "parent": "上级党组织", "name": "名称",
}


def _change_summary(changes: dict[str, Any]) -> str:
    parts = []
    for key, pair in changes.items():
        if key in ("pledge", "pledger", "deleted_at"):
            continue
        new: Any = pair[1] if isinstance(pair, list) and len(pair) == 2 else pair  # JSON: status, kind, grade are codes
        if key == "status":
            new = vocab.label(vocab.PLEDGE_STATUSES, new)
        elif key == "kind":
            new = vocab.label(vocab.EVAL_KINDS, new)
        elif key == "grade":
            new = vocab.label(vocab.ALL_GRADES, new)
        text = " ".join(str(new if new is not None else "（空）").split())
        parts.append(f"{FIELD_LABELS.get(key) or vocab.field_label(key)}→{text[:24]}")
    return "，".join(parts)


def pledge_detail(pledge_id: int, today: date | None = None) -> PledgeDetail | None:
    """Everything about one pledge, ready to show; None when there is no such pledge."""
    today = today or date.today()
    p = Pledge.get_or_none(Pledge.id == pledge_id)
    if p is None:
        return None
    wy = WorkYear.get_or_none(WorkYear.year == p.year)
    org = p.org
    person = p.person
    cats = category_labels()
    source = f"导入（第{p.source_row}行）" if p.source_row else vocab.label(vocab.SOURCES, p.source)
    return PledgeDetail(
        id=p.id,
        uid=p.uid,
        year=p.year,
        year_closed=bool(wy and wy.closed),
        pledger=person.name if person else org.name,
        org=org.name,
        org_id=org.id,
        person_id=person.id if person else None,
        scope=vocab.label(vocab.SCOPES, p.scope),
        category=cats.get(p.category, p.category),
        category_code=p.category,
        content=p.content,
        measures=p.measures or "",
        due=_s(p.due_date),
        term=vocab.label(vocab.TERMS, p.term),
        approved_by=p.approved_by or "",
        approved_on=_s(p.approved_on),
        published_on=_s(p.published_on),
        status=vocab.label(vocab.PLEDGE_STATUSES, p.status),
        status_code=p.status,
        fulfilled_on=_s(p.fulfilled_on),
        stage=vocab.label(vocab.STAGES, stage(p)),
        overdue=is_overdue(p, today),
        deleted=p.deleted_at is not None,
        carried_from=_carried_from(p),
        source=source,
        progress=_progress_items(p),
        evaluations=_evaluation_items(p),
        history=_history(p),
    )


def _progress_items(p: Pledge) -> list[ProgressItem]:
    return [
        ProgressItem(e.id, _s(e.date), e.note, e.percent)
        for e in Progress.select().where((Progress.pledge == p.id) & Progress.deleted_at.is_null()).order_by(Progress.date, Progress.id)
    ]


def _evaluation_items(p: Pledge) -> list[EvaluationItem]:
    formula = None
    return [
        EvaluationItem(
            id=e.id,
            kind=e.kind,
            kind_label=vocab.label(vocab.EVAL_KINDS, e.kind),
            date=_s(e.date),
            evaluator=e.evaluator or "",
            grade=vocab.label(vocab.ALL_GRADES, e.grade),
            score=e.score,
            ballots_issued=e.ballots_issued,
            ballots_valid=e.ballots_valid,
            votes_satisfied=e.votes_satisfied,
            votes_basic=e.votes_basic,
            votes_unsatisfied=e.votes_unsatisfied,
            satisfaction=satisfaction_rate(e.votes_satisfied, e.votes_basic, e.ballots_valid, formula),
            participation=participation_rate(e.ballots_valid, e.ballots_issued),
            comment=e.comment or "",
            rect_due=_s(e.rect_due),
            rect_done=_s(e.rect_done),
            rect_note=e.rect_note or "",
            needs_rectification=needs_rectification(e.kind, e.grade, e.votes_basic, e.votes_unsatisfied, e.ballots_valid),
        )
        for e in Evaluation.select().where((Evaluation.pledge == p.id) & Evaluation.deleted_at.is_null()).order_by(Evaluation.date, Evaluation.id)
    ]


def _carried_from(p: Pledge) -> str:
    if not p.carried_from_id:
        return ""
    src = Pledge.get_or_none(Pledge.id == p.carried_from_id)
    if src is None:
        return ""
    return f"{src.year}年度 第{src.id}号：{' '.join(src.content.split())[:40]}"


def _history(p: Pledge) -> list[HistoryItem]:
    """The audit entries of the pledge, its progress entries and its evaluations, oldest first."""
    uids = [p.uid]
    uids += [u for (u,) in database.execute_sql("SELECT uid FROM progress WHERE pledge_id = ?", [p.id]).fetchall()]
    uids += [u for (u,) in database.execute_sql("SELECT uid FROM evaluation WHERE pledge_id = ?", [p.id]).fetchall()]
    history = []
    for row in AuditLog.select().where(AuditLog.record_uid.in_(uids)).order_by(AuditLog.at, AuditLog.id):
        table = vocab.TABLE_LABELS.get(row.table, row.table)
        action = vocab.AUDIT_ACTIONS.get(row.action, row.action)
        try:
            changes = json.loads(row.changes or "{}")
        except json.JSONDecodeError:
            changes = {}
        history.append(HistoryItem(_local(row.at), row.user, f"{action}{table}", _change_summary(changes)))
    return history


# ------------------------------------------------------------------ where a pledge stands


def stage(pledge: Pledge) -> str:
    """Where a pledge stands in 承诺 → 审定 → 公示 → 践诺 → 评诺 → 奖诺 (a STAGES code)."""
    has_eval = Evaluation.select().where((Evaluation.pledge == pledge.id) & Evaluation.deleted_at.is_null()).exists()
    if has_eval:
        return "rewarded" if pledge.status == "fulfilled" and _all_good(pledge) else "evaluated"
    if pledge.status in vocab.RESULT_STATUSES or Progress.select().where(
        (Progress.pledge == pledge.id) & Progress.deleted_at.is_null()
    ).exists():
        return "fulfilling"
    if pledge.published_on:
        return "published"
    if pledge.approved_on or pledge.approved_by:
        return "approved"
    return "pledged"


def _all_good(pledge: Pledge) -> bool:
    evs = Evaluation.select().where((Evaluation.pledge == pledge.id) & Evaluation.deleted_at.is_null())
    return all(
        not needs_rectification(e.kind, e.grade, e.votes_basic, e.votes_unsatisfied, e.ballots_valid) or e.rect_done for e in evs
    )


def is_overdue(pledge: Pledge, today: date | None = None) -> bool:
    """逾期 = due date passed, status not final (derived, never stored)."""
    if pledge.deleted_at is not None:
        return False
    day = counted_on(pledge.year, today)
    return overdue_check(pledge.year, day)(pledge.id, pledge.status, pledge.due_date)
