"""民主评议党员计票表 / 民主评议结果: one member's 民主测评 votes and 组织评定 per row.

The member is found by the hidden 党员编号 (uid) the printed 计票表 carries
(:mod:`pledgebook.exporters.paper.appraisal_tally`), else by 姓名 with 党组织 or 公民身份号码 (a township's own
results sheet); the year by the hidden 评议年度, else the import's year. A row left blank is "not yet
counted", never zero votes.

Impossible counts are refused with the cell named: a negative or non-whole count, 有效票 more than 发放票数,
the four votes more than 有效票, a grade not in the list, a grade beside a 不参评原因, a second row for the
same member (the checks of ``models.appraisal.validate``). The quota (优秀 at most ⌊appraised × share⌋ per branch) is checked for the whole sheet
at once, on top of the stored appraisals (the ledger's ``quota_problems``), and refuses every 优秀 row of a
branch over it (every row of it, when the sheet grades none 优秀 and the branch is over all the same). The kind is ``all_or_nothing``: one refused row and nothing of the file is written. A
re-import of the same values plans every row as unchanged. The adds are written in one executemany with
their audit entries (a whole county is 13,724 members); updates one by one, audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Outcome, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import Unresolved, normalize_text, vocab_code
from pledgebook.importers.sheets.member import find_member
from pledgebook.models.appraisal import validate
from pledgebook.models.appraisal.rules import EXEMPT, quota_problems
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.values import parse_int
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Appraisal, database, new_uid, utcnow
from pledgebook.models.store.years import ensure_year_open

UID = "党员编号"
YEAR = "评议年度"
GRADE = "评定等次"  # the printed sheet's 组织评定等次 reads as this
REASON = "不参评原因"
COUNTS = {"发放票数": "ballots_issued", "有效票": "ballots_valid", "优秀": "votes_excellent",
          "合格": "votes_qualified", "基本合格": "votes_basic_qualified", "不合格": "votes_unqualified"}
FIELD_COLUMN = {**{f: c for c, f in COUNTS.items()}, "grade": GRADE, "exempt_reason": REASON,
                "decided_on": "评定日期", "comment": "评定意见"}  # field → the canonical column it is read from
_STORED = ("ballots_issued", "ballots_valid", "votes_excellent", "votes_qualified", "votes_basic_qualified",
           "votes_unqualified", "grade", "exempt_reason", "decided_on", "comment")
_INSERT = ("year", "person_id", "org_id", *_STORED, "self_review", "source", "batch_id", "source_row")


def _members(ctx: Context) -> dict[str, tuple[int, str, int, str]]:
    """uid → (person id, name, org id, state) of every live person, loaded once per table."""
    key = ("appraisal-members",)
    if key not in ctx.memo:
        ctx.memo[key] = {uid: (pid, name, oid, state) for uid, pid, name, oid, state in database.execute_sql(
            "SELECT uid, id, name, org_id, state FROM person WHERE deleted_at IS NULL").fetchall()}
    return ctx.memo[key]


def _existing(ctx: Context, year: int) -> dict[int, dict[str, Any]]:
    """person id → their live appraisal of ``year`` (as stored), loaded once per table and year."""
    key = ("appraisal-existing", year)
    if key not in ctx.memo:
        columns = ", ".join(_STORED)
        ctx.memo[key] = {row[1]: dict(zip(("id", "person_id", "org_id", *_STORED), row, strict=True)) for row in
                         database.execute_sql(f"SELECT id, person_id, org_id, {columns} FROM appraisal "
                                              "WHERE year = ? AND deleted_at IS NULL", [year]).fetchall()}
        for record in ctx.memo[key].values():
            if record["decided_on"] is not None:
                record["decided_on"] = dt.date.fromisoformat(str(record["decided_on"])[:10])
            record["comment"] = record["comment"] or ""
    return ctx.memo[key]


class Appraisals(SheetKind):
    name = "appraisals"
    label = "民主评议计票表"
    table = "appraisal"
    required = ((UID, "姓名"),)
    key_columns = (GRADE,)
    reads = frozenset({UID, YEAR, GRADE, REASON, "评定日期", "评定意见", "职务", *COUNTS})
    whole_sheet = True
    all_or_nothing = True

    def plan_sheet(self, ctx: Context, rows: list[Row]) -> list[tuple[Row, Outcome]]:
        """Every row planned, then the quota of each branch checked over the whole sheet: a branch over it
        refuses its 优秀 rows (or, when the sheet names none, every row of it the sheet holds)."""
        outcomes = super().plan_sheet(ctx, rows)
        planned = [(row, p) for row, outcome in outcomes if not isinstance(outcome, RowErrors) for p in outcome]
        by_year: dict[int, dict[int, str | None]] = {}
        for _, p in planned:
            v = p.values
            by_year.setdefault(v["year"], {})[v["person_id"]] = EXEMPT if v.get("exempt_reason") else v.get("grade")
        refused: dict[int, str] = {}
        for year, grades in by_year.items():
            for problem in quota_problems(year, grades):
                ours = [(row, p) for row, p in planned if p.values["org_id"] == problem.org_id
                        and p.values["year"] == year]
                blamed = [row for row, p in ours if p.values.get("grade") == "excellent"] or [row for row, _ in ours]
                refused.update((row.number, problem.message) for row in blamed)
        if not refused:
            return outcomes
        return [(row, RowErrors([(GRADE, refused[row.number])]) if row.number in refused else outcome)
                for row, outcome in outcomes]

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        person = self._person(ctx, row, c)
        year = self._year(ctx, row, c)
        raw = self._raw(ctx, row, c)
        if raw is None and not c.errors:
            ctx.not_counted += 1  # a tally row left blank: not yet counted (not zero votes)
            return []
        c.raise_if_any()
        assert person is not None and year is not None and raw is not None
        problem = ctx.check_year(year)
        if problem:
            raise RowErrors([(None, problem)])
        values = self._validated(raw, row, c)
        dup = ctx.duplicate(("appraisal", person[0], year), row.number)
        if dup:
            c.add(UID if row.raw(UID) is not None else "姓名", dup)
        c.raise_if_any()
        label = f"{person[1]} {year}年度民主评议"
        existing = _existing(ctx, year).get(person[0])
        if existing is None:
            values.update(year=year, person_id=person[0], org_id=person[2])
            return [Planned("appraisal", "add", row.number, values, label=label)]
        # a sheet without a column (a township's own results sheet) leaves that field as it is
        found = cells.changes(existing, {k: v for k, v in values.items() if row.has(FIELD_COLUMN[k])})
        meta = {"year": year, "person_id": person[0], "org_id": existing["org_id"]}  # the branch that appraised
        return [Planned("appraisal", "update" if found else "unchanged", row.number, {**values, **meta}, found,
                        existing["id"], label)]

    @staticmethod
    def _person(ctx: Context, row: Row, c: Collector) -> tuple[int, str, int] | None:
        """(id, name, org id) of the 在册 member the row is about."""
        uid = normalize_text(row.raw(UID)) or None
        if uid:
            hit = _members(ctx).get(uid)
            if hit is None:
                c.add(UID, f"党员编号「{uid}」在台账中不存在，请核对（不要修改表中的党员编号列）")
                return None
            pid, name, oid, state = hit
        else:
            ref = find_member(ctx, row, c)
            if ref is None:
                return None
            pid, name, oid, state = ref.id, ref.name, ref.org_id, ref.state
        if state != "active":
            c.add(UID if uid else "姓名", f"{name}已{vocab.label(vocab.PERSON_STATES, state)}，不是在册党员，不参加民主评议")
        return pid, name, oid

    @staticmethod
    def _year(ctx: Context, row: Row, c: Collector) -> int | None:
        raw = row.raw(YEAR)
        if raw is None:
            if ctx.year is None:
                c.add(None, "台账中还没有工作年度，请先开启年度或用 --year 指定")
            return ctx.year
        year = c.run(YEAR, parse_int, raw)
        if year is not None and not 2000 <= year <= 2100:
            c.add(YEAR, f"评议年度「{raw}」不是年份，请勿修改表中的评议年度列")
            return None
        return year

    @staticmethod
    def _raw(ctx: Context, row: Row, c: Collector) -> dict[str, object] | None:
        """The row's values as written (counts parsed), None when the row holds none (not yet counted)."""
        raw: dict[str, object] = {}
        for column, name in COUNTS.items():
            value = row.raw(column)
            if value is None:
                continue
            # a count is mostly a number cell (13,724 rows × 6): taken as it is, only text goes through parse_int
            if type(value) is int or (type(value) is float and value.is_integer()):
                raw[name] = int(value)
            else:
                raw[name] = c.run(column, parse_int, value)
        grade = row.raw(GRADE)
        if grade is not None:
            key = ("appraisal-grade", type(grade), grade)
            raw["grade"] = ctx.memo[key] if key in ctx.memo else ctx.memo.setdefault(key, _grade(grade))
        if row.raw(REASON) is not None:
            raw["exempt_reason"] = row.text(REASON)
        if not raw:
            return None
        if row.raw("评定日期") is not None:
            raw["decided_on"] = cells.date(row, "评定日期", c, ctx.date1904)
        if row.raw("评定意见") is not None:
            raw["comment"] = cells.text(row, "评定意见", "评定意见", c)
        return raw

    @staticmethod
    def _validated(raw: dict[str, object], row: Row, c: Collector) -> dict[str, Any]:
        """The ledger's own validation of the values, its complaints named by the column of the sheet."""
        try:
            values = validate.appraisal_values(raw)
        except validate.FieldErrors as exc:
            for field, message in exc.errors.items():
                c.add(FIELD_COLUMN.get(field), message)
            raise RowErrors(c.errors) from None
        return {name: values.get(name, None if name != "comment" else "") for name in _STORED}

    def write_many(self, adds: list[Planned], w: Writer) -> bool:
        """The new appraisals and their audit entries, each in one executemany (checked again inside the
        lock: the years still open, no appraisal of the member made meanwhile)."""
        for year in {p.values["year"] for p in adds}:
            ensure_year_open(year)
        taken = {(pid, year) for pid, year in database.execute_sql(
            "SELECT person_id, year FROM appraisal WHERE deleted_at IS NULL").fetchall()}
        now = utcnow()
        rows: list[tuple[object, ...]] = []
        entries: list[tuple[str, str, str | None, str, str]] = []
        for p in adds:
            v = p.values
            if (v["person_id"], v["year"]) in taken:
                raise PledgebookError(f"第 {p.row} 行（{p.label}）：该党员本年度的民主评议在导入过程中已被另行录入，"
                                      "请重新导入")
            uid = new_uid()
            stored = {**v, "self_review": "", "comment": v.get("comment") or "", "source": "import", "batch_id": w.batch.id, "source_row": p.row}
            rows.append((uid, str(now), str(now), *(_plain(stored.get(k)) for k in _INSERT)))
            changes = {k: [None, _plain(v.get(k))] for k in ("year", *_STORED) if v.get(k) not in (None, "")}
            entries.append(("create", "appraisal", uid, json.dumps(changes, ensure_ascii=False),
                            f"导入 {w.file_name}"))
        database.cursor().executemany(
            f"INSERT INTO {Appraisal._meta.table_name} (uid, created_at, updated_at, {', '.join(_INSERT)}) "
            f"VALUES ({', '.join('?' * (len(_INSERT) + 3))})", rows)
        audit.record_many(entries, at=now)
        return True

    def write(self, p: Planned, w: Writer) -> None:
        record = Appraisal.get_by_id(p.target)
        ensure_year_open(record.year)
        for name, (_, new) in p.changes.items():
            setattr(record, name, new)
        record.updated_at = utcnow()
        record.save()
        audit.record("update", "appraisal", record.uid, p.changes, note=f"导入 {w.file_name}")


def _grade(raw: object) -> object:
    """A grade as clerks type it: spaces inside (优　秀, 合 格), 称职 for 合格, 优 for 优秀 → its code; anything
    else as written, for the ledger's validation to refuse with its own message."""
    text = "".join(normalize_text(raw).split())
    try:
        return vocab_code(vocab.APPRAISAL_GRADES, text, "grade") or text
    except Unresolved:
        return text


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


SHEET = Appraisals()
