"""Evaluations (评诺) and their rectifications (整改), and corrections of progress entries."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pledgebook.models.core import fields as F
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.core.fields import parse_date
from pledgebook.models.ledger import validate
from pledgebook.models.ledger.rectification import default_rectification_due, needs_rectification
from pledgebook.models.ledger.rules.pledges import live_pledge
from pledgebook.models.store import audit
from pledgebook.models.store.lifecycle import (
    apply_changes,
    ensure_live,
    get_record,
    save_changes,
    transaction,
    update_record,
)
from pledgebook.models.store.tables import Evaluation, Progress
from pledgebook.models.store.years import ensure_year_open

E = TypeVar("E", Progress, Evaluation)


def record_evaluation(pledge_id: int | str, kind: str, **fields: Any) -> Evaluation:
    """Record one 评诺. Fields: date, evaluator, grade, score, ballots_issued,
    ballots_valid, votes_satisfied, votes_basic, votes_unsatisfied, comment,
    rect_due, rect_note."""
    pledge = live_pledge(pledge_id)
    values = validate.evaluation_values(pledge, {"kind": kind, **fields})
    with transaction():
        ev = Evaluation.create(pledge=pledge, **values)
        audit.record(
            "create",
            "evaluation",
            ev.uid,
            {k: (None, v) for k, v in values.items() if v not in (None, "")} | {"pledge": (None, pledge.uid)},
        )
    return ev


def _live_entry(model: type[E], record_id: int | str, label: str) -> E:
    """A progress entry or an evaluation that may be changed: there, live, of a live pledge in an open year."""
    entry = get_record(model, record_id, label)
    ensure_year_open(entry.pledge.year)
    if entry.deleted_at is not None:
        raise ValidationError(f"该{label}已被删除；如需修改请先撤销删除", model._meta.table_name)
    ensure_live(entry.pledge, "承诺")
    return entry


def update_progress(progress_id: int | str, note: str, on: date | str | None = None,
                    percent: int | str | None = None) -> Progress:
    """Correct a 践诺记录 (its date, note, percent); audited."""
    entry = _live_entry(Progress, progress_id, "践诺记录")
    values = validate.progress_values(note, on, percent)
    update_record(entry, "progress", values)
    return entry


def update_evaluation(evaluation_id: int | str, **fields: Any) -> Evaluation:
    """Correct a 评诺 entered wrongly: every field as :func:`record_evaluation` takes them (a field left
    out or blank is cleared), checked the same way; audited. The figures count the corrected one only."""
    ev = _live_entry(Evaluation, evaluation_id, "评议记录")
    fields = {k: (None if v == "" else v) for k, v in fields.items()}
    fields.setdefault("kind", ev.kind)
    if ev.rect_done is not None and not fields.get("rect_due"):
        fields["rect_due"] = ev.rect_due  # a rectification done keeps the due date it was done against
    values = validate.evaluation_values(ev.pledge, fields)
    update_record(ev, "evaluation", values)
    return ev


def _live_evaluation(evaluation_id: int | str) -> Evaluation:
    ev = get_record(Evaluation, evaluation_id, "评议记录")
    ensure_year_open(ev.pledge.year)
    if ev.deleted_at is not None:
        raise ValidationError("该评议记录已被删除", "evaluation")
    return ev


def set_rectification(evaluation_id: int | str, due: date | str, note: str = "") -> Evaluation:
    ev = _live_evaluation(evaluation_id)
    due_date = parse_date(due, "rect_due", "整改时限")
    if due_date is None:
        raise ValidationError("请填写整改时限", "rect_due")
    if due_date < ev.date:
        raise ValidationError("整改时限不能早于评议日期", "rect_due")
    note = F.text(note, "rect_note", "整改措施", required=False)
    update_record(ev, "evaluation", {"rect_due": due_date, "rect_note": note or ev.rect_note, "rect_done": None})
    return ev


def close_rectification(evaluation_id: int | str, done: date | str | None = None, note: str = "") -> Evaluation:
    ev = _live_evaluation(evaluation_id)
    undated = ev.rect_due is None and needs_rectification(
        ev.kind, ev.grade, ev.votes_basic, ev.votes_unsatisfied, ev.ballots_valid)
    if ev.rect_due is None and not undated:
        raise ValidationError("该评议没有整改要求，无需销号", "rect_done")
    if ev.rect_done is not None:
        raise ValidationError(f"该整改已于 {ev.rect_done.isoformat()} 完成", "rect_done")
    done_date = parse_date(done, "rect_done", "整改完成日期") or date.today()
    if done_date > date.today():
        raise ValidationError("整改完成日期不能晚于今天", "rect_done")
    if done_date < ev.date:
        raise ValidationError("整改完成日期不能早于评议日期", "rect_done")
    note = F.text(note, "rect_note", "整改情况", required=False)
    values: dict[str, Any] = {"rect_done": done_date, "rect_note": note or ev.rect_note}
    if undated:  # written without a due date by an older version: the county's term, for the record
        values = {"rect_due": default_rectification_due(ev.date), **values}
    with transaction():
        save_changes(ev, "evaluation", apply_changes(ev, values))
    return ev
