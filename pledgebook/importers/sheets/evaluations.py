"""评诺结果 (and the 计票表): evaluations by pledge + kind + date + evaluator.

One row may hold several evaluations, one per group of columns ('群众评议/满意', '党员评议/满意' …);
plain columns ('满意', '评议方式') are the group ''."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import Unresolved, vocab_code
from pledgebook.importers.sheet import CellValue
from pledgebook.importers.sheets.pledger import UID_COLUMN, find_pledge
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationErrors
from pledgebook.models.core.values import parse_int, parse_number
from pledgebook.models.ledger import rules, validate
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Evaluation, utcnow

# a 计票表 row with no 评议日期: the CLI takes --date (asked on a terminal), the TUI asks in a dialog
NO_EVALUATION_DATE = "请填写评定日期（评议日期），或在导入时统一指定这些行的评议日期"

LEAVES = {"发放票数": "ballots_issued", "有效票": "ballots_valid", "满意": "votes_satisfied",
          "基本满意": "votes_basic", "不满意": "votes_unsatisfied", "评定等次": "grade", "评定意见": "comment",
          "评定日期": "date"}
_FIELD_LEAF = {v: k for k, v in LEAVES.items()} | {"kind": "评议方式", "rect_due": "整改时限", "rect_note": "整改措施",
                                                 "evaluator": "评议人", "score": "分数"}
_GROUP_KIND = {"群众评议": "public", "党员评议": "member", "领导点评": "leader", "自评": "self", "组织评定": "org"}
_PLAIN = {"发放票数", "有效票", "满意", "基本满意", "不满意", "评定等次", "评定意见", "分数"}
_BALLOTS = ("满意", "基本满意", "不满意", "有效票", "发放票数")
_VOTES = ("votes_satisfied", "votes_basic", "votes_unsatisfied")


def evaluation_groups(canonical_names: list[str]) -> list[str]:
    """The evaluation groups of a sheet: '' for plain columns, '群众评议' for '群众评议/满意' …"""
    groups: list[str] = []
    for name in canonical_names:
        if "/" in name:
            group = name.split("/", 1)[0]
            if group in _GROUP_KIND and group not in groups:
                groups.append(group)
    if _PLAIN & set(canonical_names) or not groups:
        groups.insert(0, "")
    return groups


def _rate(raw: CellValue) -> float | None:
    if raw is None:
        return None
    number = parse_number(raw)
    if number is None:
        return None
    return number / 100 if number > 1 or (isinstance(raw, str) and "%" in raw) else number


class _Group:
    """The columns of one evaluation group in one row."""

    def __init__(self, row: Row, group: str):
        self.row = row
        self.group = group
        self.prefix = f"{group}/" if group else ""

    def col(self, leaf: str) -> str:
        name = self.prefix + leaf
        return name if self.row.has(name) or not self.prefix else (leaf if leaf in ("评定日期", "评议方式") else name)


class Evaluations(SheetKind):
    name = "evaluations"
    label = "评诺结果"
    table = "evaluation"
    required = (("承诺事项", UID_COLUMN),)
    key_columns = ("评定日期",)
    reads = frozenset({"评议方式", "评定日期", "评议人", "分数", "整改时限", "整改措施", "满意率", "参与率", *LEAVES})

    def used(self, columns: Mapping[str, int]) -> set[str]:
        groups = evaluation_groups(list(columns))
        extra = {f"{g}/{leaf}" for g in groups if g for leaf in (*LEAVES, "满意率", "参与率", "评议方式")}
        return super().used(columns) | extra

    def begin(self, ctx: Context, columns: Mapping[str, int]) -> None:
        ctx.groups = evaluation_groups(list(columns))

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        pledge = find_pledge(ctx, row, c)
        parts: list[tuple[str, dict[str, Any]]] = []
        warnings: list[tuple[str, str]] = []
        for group in ctx.groups:
            fields = self._group_fields(ctx, _Group(row, group), c, warnings)
            if fields is not None:
                parts.append((group, fields))
        if not parts and not c.errors:
            if pledge is not None and row.raw(UID_COLUMN) is not None:
                ctx.not_counted += 1  # a tally row left blank: not yet counted (not zero votes)
                return []
            c.add(None, "这一行没有评议内容（票数、等次、意见都为空）")
        c.raise_if_any()
        assert pledge is not None
        problem = ctx.check_year(pledge["year"])
        if problem:
            raise RowErrors([(None, problem)])
        planned = self._plan_parts(ctx, row, pledge, parts)
        if planned:
            planned[0].warnings = warnings
        return planned

    def _group_fields(self, ctx: Context, g: _Group, c: Collector,
                      warnings: list[tuple[str, str]]) -> dict[str, Any] | None:
        """The fields of one group's evaluation; None when the row has none of its columns."""
        row = g.row
        present = [leaf for leaf in LEAVES if leaf != "评定日期" and row.raw(g.col(leaf)) is not None]
        if not present and not (g.group == "" and row.raw("分数") is not None):
            return None
        kind: str | None = None
        if g.group:
            kind = _GROUP_KIND[g.group]
        elif row.raw("评议方式"):
            kind = cells.vocabulary(row, "评议方式", "评议方式", vocab.EVAL_KINDS, "eval_kind", c)
        elif row.raw("评议方式") is not None:
            pass  # a cell such as 0: no kind, the validation says so
        elif any(leaf in present for leaf in _BALLOTS):
            kind = "public"
        else:
            c.add("评议方式" if row.has("评议方式") else None, "请填写评议方式（自评、党员评议、群众评议、领导点评、组织评定）")
            return None
        fields = self._counts(g, kind, c)
        fields["date"] = self._date(ctx, g, c)
        if row.raw("评议人") is not None:
            fields["evaluator"] = cells.text(row, "评议人", "评议人", c, limit=rules.MAX_NAME)
        if row.raw("分数") is not None and not g.group:
            fields["score"] = row.raw("分数")
        if row.raw("整改时限") is not None:
            deadline = cells.deadline(ctx, row, "整改时限", c)
            if deadline is not None and deadline.term is not None:
                c.add("整改时限", f"整改时限「{row.text('整改时限')}」应是具体日期，如 2011-12-31 或 年底前")
            fields["rect_due"] = deadline.due if deadline is not None else None
        if row.raw("整改措施") is not None:
            fields["rect_note"] = cells.text(row, "整改措施", "整改措施", c)
        fields["kind"] = kind
        warnings.extend(self._rate_warnings(ctx, g, fields, c))
        return fields

    @staticmethod
    def _counts(g: _Group, kind: str | None, c: Collector) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for leaf, fname in LEAVES.items():
            name = g.col(leaf)
            raw = g.row.raw(name)
            if raw is None or fname == "date":
                continue
            if fname == "grade":
                allowed: dict[str, str] = {}
                for gset in vocab.GRADES_FOR_KIND.get(kind or "", ()):
                    allowed.update(vocab.GRADE_SETS[gset])
                try:
                    fields[fname] = vocab_code(allowed, raw, "grade")
                except Unresolved as exc:
                    c.add(name, f"评定等次{exc}")
            elif fname == "comment":
                fields[fname] = cells.text(g.row, name, "评定意见", c)
            else:
                fields[fname] = c.run(name, parse_int, raw)
                if fields[fname] is not None and fields[fname] < 0:
                    c.add(name, f"{leaf}不能为负数")
        return fields

    @staticmethod
    def _date(ctx: Context, g: _Group, c: Collector) -> dt.date | None:
        row = g.row
        date_col = g.col("评定日期")
        raw_date = row.raw(date_col) if row.raw(date_col) is not None else row.raw("评定日期")
        if raw_date is not None:
            return c.run(date_col, cells.parse_date, raw_date, date1904=ctx.date1904)
        if row.raw("填报日期") is not None:
            return cells.date(row, "填报日期", c, ctx.date1904)
        if ctx.default_date is not None and ctx.evaluation_date() is not None:
            return ctx.evaluation_date()
        c.add("评定日期" if row.has("评定日期") else None, NO_EVALUATION_DATE)
        return None

    @staticmethod
    def _rate_warnings(ctx: Context, g: _Group, fields: dict[str, Any], c: Collector) -> list[tuple[str, str]]:
        """Computed columns in the file (满意率, 参与率), checked against the counts."""
        warnings: list[tuple[str, str]] = []
        for leaf in ("满意率", "参与率"):
            name = g.prefix + leaf if g.row.has(g.prefix + leaf) else leaf
            raw = g.row.raw(name)
            given = c.run(name, _rate, raw) if raw is not None else None
            if given is None:
                continue
            if leaf == "满意率":
                valid = fields.get("ballots_valid")
                if valid is None and any(fields.get(k) is not None for k in _VOTES):
                    valid = sum(fields.get(k) or 0 for k in _VOTES)
                expect = [rules.satisfaction_rate(fields.get("votes_satisfied"), fields.get("votes_basic"), valid, f)
                          for f in (ctx.formula, "satisfied_plus_basic", "satisfied_only")]
            else:
                expect = [rules.participation_rate(fields.get("ballots_valid"), fields.get("ballots_issued"))]
            found = [e for e in expect if e is not None]
            if found and all(abs(e - given) > 0.006 for e in found):
                warnings.append((name, f"表中{leaf} {given:.1%} 与票数算出的 {found[0]:.1%} 不符，请核对票数"))
        return warnings

    @staticmethod
    def _plan_parts(ctx: Context, row: Row, pledge: dict, parts: list[tuple[str, dict[str, Any]]]) -> list[Planned]:
        planned: list[Planned] = []
        errors: list[tuple[str | None, str]] = []
        existing_all = ctx.evaluations()
        for group, fields in parts:
            kind_label = vocab.label(vocab.EVAL_KINDS, fields["kind"])
            try:
                values = validate.evaluation_values(None, dict(fields))  # no pledge yet: not read
            except ValidationErrors as exc:
                for f, m in exc.errors.items():
                    leaf = _FIELD_LEAF.get(f)
                    name = (f"{group}/{leaf}" if group and row.has(f"{group}/{leaf}") else leaf) if leaf else None
                    errors.append((name, f"{kind_label}：{m}" if len(parts) > 1 else m))
                continue
            key = ("evaluation", pledge["id"], values["kind"], values["date"], values.get("evaluator") or "")
            dup = ctx.duplicate(key, row.number)
            if dup:
                errors.append((None, dup))
                continue
            existing = existing_all.get(key[1:])
            if values.get("rect_due") is None and existing is None and rules.needs_rectification(
                values["kind"], values.get("grade"), values.get("votes_basic"), values.get("votes_unsatisfied"),
                values.get("ballots_valid")
            ):
                values["rect_due"] = rules.default_rectification_due(values["date"])
            values["pledge_id"] = pledge["id"]
            label = f"{kind_label} {pledge['content'][:16]}"
            if existing is None:
                planned.append(Planned("evaluation", "add", row.number, values, label=label))
                continue
            new = {k: v for k, v in values.items() if k in fields or k in ("ballots_valid",)}
            new.pop("pledge_id", None)
            found = cells.changes(existing, new)
            planned.append(Planned("evaluation", "update" if found else "unchanged", row.number, new, found,
                                   existing["id"], label))
        if errors:
            raise RowErrors(errors)
        return planned

    def write(self, p: Planned, w: Writer) -> None:
        values = dict(p.values)
        if p.action == "add":
            pledge_id = values.pop("pledge_id")
            kind = values.pop("kind")
            rules.record_evaluation(pledge_id, kind, **values)
            return
        ev = Evaluation.get_by_id(p.target)
        rules.ensure_year_open(ev.pledge.year)
        with rules.transaction():
            for name, (_, new) in p.changes.items():
                setattr(ev, name, new)
            ev.updated_at = utcnow()
            ev.save()
            audit.record("update", "evaluation", ev.uid, p.changes, note="导入")


SHEET = Evaluations()
