"""Row parsers, one per kind of sheet: orgs, people, pledges, progress, evaluations.

A parser turns one data row (canonical column name → cell value) into
:class:`Planned` records — add, update or unchanged, by the natural key — or
raises :class:`RowErrors` naming the canonical column of every problem. The
planning is the whole validation: :mod:`.apply` writes exactly what was
planned, so a dry run reports exactly what an import would do.

Natural keys: an organization by code, else by name under its parent; a
person by ID number, else by name within the org; a pledge by its uid
(承诺编号) when the file has one, else year + pledger + content; progress
by pledge + date + note; an evaluation by pledge + kind + date + evaluator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pledgebook.importers.resolve import (
    NO_PARENT,
    ROOT_KINDS,
    OrgIndex,
    OrgRef,
    PersonIndex,
    Unresolved,
    normalize_text,
    short_name,
    suffix_kind,
    vocab_code,
)
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.values import (
    Deadline,
    clean_text,
    has_control_chars,
    normalize_id_number,
    parse_date,
    parse_deadline,
    parse_int,
    parse_number,
)
from pledgebook.models.ledger import rules, validate

KINDS: dict[str, str] = {
    "orgs": "党组织名单",
    "people": "党员名册",
    "pledges": "承诺台账",
    "progress": "践诺记录",
    "evaluations": "评诺结果",
    "contacts": "联系点名单",
    "stationing": "驻村干部名单",
    "helplogs": "帮扶工作月报",
}

UID_COLUMN = "承诺编号"
# columns the importer knows beyond pledgebook.importers.columns (merged into the aliases)
EXTRA_ALIASES: dict[str, str] = {
    "承诺编号": UID_COLUMN, "uid": UID_COLUMN, "承诺uid": UID_COLUMN, "承诺id": UID_COLUMN, "编号(系统)": UID_COLUMN,
    "评议人": "评议人", "评定人": "评议人", "点评人": "评议人",
    "承诺期限": "承诺期限", "期限类型": "承诺期限",
    "审定人": "审定人", "审定日期": "审定日期", "审定时间": "审定日期",
    "兑现日期": "兑现日期", "兑现时间": "兑现日期",
    "分数": "分数", "得分": "分数", "评分": "分数",
    "状态(在册)": "人员状态", "党员状态": "人员状态", "人员状态": "人员状态",
    "核对": "备注",  # the tally sheet's check column (a formula): informative only
}

MAX_CELL = 2000  # characters in any one imported text cell (a pledge's content is limited to this)


# a 计票表 row with no 评议日期: the CLI takes --date (asked on a terminal), the TUI asks in a dialog
NO_EVALUATION_DATE = "请填写评定日期（评议日期），或在导入时统一指定这些行的评议日期"


class RowErrors(Exception):
    """What is wrong with one row: [(canonical column or None, message)]."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("；".join(m for _, m in errors))
        self.errors = errors


@dataclass(slots=True)
class Planned:
    """One record an import row adds, updates or leaves as it is."""

    table: str  # 'org', 'person', 'pledge', 'progress', 'evaluation'
    action: str  # 'add', 'update', 'unchanged'
    row: int  # Excel row number
    values: dict[str, Any] = field(default_factory=dict)  # add: all fields; update: the new values
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # update: field -> (old, new)
    target: int | None = None  # the existing record's id (update/unchanged)
    label: str = ""  # for messages: what the record is
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (canonical column, message): imported anyway


class Row:
    """One data row seen through canonical column names."""

    __slots__ = ("number", "values", "columns")

    def __init__(self, number: int, values: list[Any], columns: dict[str, int]):
        self.number = number
        self.values = values
        self.columns = columns

    def has(self, name: str) -> bool:
        return name in self.columns

    def raw(self, name: str) -> Any:
        j = self.columns.get(name)
        if j is None:
            return None
        value = self.values[j]
        if value.__class__ is str and not value.strip():  # the hottest line of an import: no isinstance
            return None
        return value

    def text(self, name: str) -> str:
        return clean_text(self.raw(name))


def _content_key(text: str) -> str:
    return normalize_text(text).replace(" ", "")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


class Context:
    """What every row of one import needs, loaded once: indexes, the year, existing records."""

    def __init__(self, year: int | None):
        self.orgs = OrgIndex.load()
        self.people = PersonIndex.load()
        self.year = year
        self.categories = rules.categories()
        from pledgebook.models.store.tables import WorkYear

        self.years = {wy.year: wy.closed for wy in WorkYear.select()}
        self.today = dt.date.today()
        # the 评议日期 of evaluation rows that give none: a date, or a function asked once (the face prompts)
        self.default_date: dt.date | Callable[[], dt.date | None] | None = None
        self.not_counted = 0  # tally rows left blank: not yet counted, not zero
        self.seen: dict[tuple, int] = {}  # natural key -> Excel row of its first occurrence in this file
        self.file_orgs: FileOrgs | None = None  # the org list being planned (see plan_org_sheet)
        self.readings: dict[str, list[int]] = {}  # how deadlines in words were read → Excel rows
        # lookups of one table, by the cells' values (see _pledger, _vocab); cleared for every table
        self.memo: dict[tuple, Any] = {}
        self._pledges: dict[tuple, list[dict]] | None = None
        self._pledge_uids: dict[str, dict] | None = None
        self._loaded_year: int | None = None  # the year whose pledges are loaded (None: every year)
        self._planned_pledges: list[tuple[str, dict]] = []  # added by this file, kept across a reload
        self._progress: set[tuple] | None = None
        self._person_rows: dict[int, dict] | None = None
        self._evaluations: dict[tuple, dict] | None = None
        from pledgebook.models.store import settings

        self.formula = settings.get("satisfaction_formula")

    # ----------------------------------------------------------- existing pledges

    _PLEDGE_FIELDS = ("id", "uid", "year", "org_id", "person_id", "scope", "category", "content", "measures",
                      "due_date", "term", "published_on", "status", "fulfilled_on", "approved_by", "approved_on")

    def _load_pledges(self) -> None:
        from pledgebook.models.store.tables import Pledge, database

        self._pledges = defaultdict(list)
        self._pledge_uids = {}
        # raw SQL, rows kept as tuples (a dict only for the few a file matches): on 100,000 pledges
        # peewee's row conversion costs more than the query, and dicts three times the memory
        # only the import's year when it has one (a file of five years holds 100,000 pledges); a row that
        # names a pledge of another year by its 承诺编号 is looked up on its own (pledge_by_uid)
        where, params = ("AND year = ?", [self.year]) if self.year is not None else ("", [])
        self._loaded_year = self.year
        cursor = database.execute_sql(
            f"SELECT {', '.join(self._PLEDGE_FIELDS)} FROM {Pledge._meta.table_name} WHERE deleted_at IS NULL {where}",
            params)
        org, person, content, uid = (self._PLEDGE_FIELDS.index(k) for k in ("org_id", "person_id", "content", "uid"))
        for values in cursor:
            self._pledges[(values[org], values[person], _content_key(values[content]))].append(values)
            self._pledge_uids[values[uid]] = values

    def _record(self, stored: tuple | dict) -> dict:
        if isinstance(stored, dict):
            return stored
        record = dict(zip(self._PLEDGE_FIELDS, stored))
        for key in ("due_date", "published_on", "fulfilled_on", "approved_on"):
            if isinstance(record[key], str):
                record[key] = dt.date.fromisoformat(record[key])
        return record

    def pledge_by_key(self, org_id: int, person_id: int | None, content: str, year: int | None,
                      content_key: str | None = None) -> dict | None:
        if self._pledges is None or (self._loaded_year is not None and year != self._loaded_year):
            if self._pledges is not None:  # another year, or every year, is asked for: load them all
                self.year, kept = None, self.year
                self._load_pledges()
                self.year = kept
                self._remember_again()
            else:
                self._load_pledges()
        assert self._pledges is not None
        pool = self._pledges.get((org_id, person_id, content_key or _content_key(content)))
        if not pool:
            return None
        records = [self._record(p) for p in pool]
        if year is not None:
            records = [p for p in records if p["year"] == year]
        if len(records) > 1:
            records.sort(key=lambda p: p["year"])
        return records[-1] if records else None

    def pledge_by_uid(self, uid: str) -> dict | None:
        if self._pledge_uids is None:
            self._load_pledges()
        assert self._pledge_uids is not None
        found = self._pledge_uids.get(uid)
        if found is None and self._loaded_year is not None:
            from pledgebook.models.store.tables import Pledge, database

            found = database.execute_sql(
                f"SELECT {', '.join(self._PLEDGE_FIELDS)} FROM {Pledge._meta.table_name} "
                "WHERE deleted_at IS NULL AND uid = ?", [uid]).fetchone()
        return self._record(found) if found is not None else None

    def remember_pledge(self, record: dict, content_key: str | None = None) -> None:
        """A pledge planned for adding, so later rows (and progress in the same run) find it."""
        if self._pledges is None:
            self._load_pledges()
        assert self._pledges is not None and self._pledge_uids is not None
        key = content_key or _content_key(record["content"])
        self._pledges[(record["org_id"], record["person_id"], key)].append(record)
        self._planned_pledges.append((key, record))

    def _remember_again(self) -> None:
        assert self._pledges is not None
        for key, record in self._planned_pledges:
            self._pledges[(record["org_id"], record["person_id"], key)].append(record)

    _PERSON_FIELDS = ("id", "name", "org_id", "gender", "ethnicity", "education", "birth_date", "joined_date", "post", "cadre_level",
                      "id_number", "phone", "state")

    def person_record(self, person_id: int) -> dict:
        """A person's stored fields (all people loaded in one query the first time one is asked for)."""
        if self._person_rows is None:
            from pledgebook.models.store.tables import Person, database

            cursor = database.execute_sql(f"SELECT {', '.join(self._PERSON_FIELDS)} FROM {Person._meta.table_name} "
                                          "WHERE deleted_at IS NULL")
            self._person_rows = {}
            for values in cursor:
                record = dict(zip(self._PERSON_FIELDS, values))
                for key in ("birth_date", "joined_date"):
                    if isinstance(record[key], str):
                        record[key] = dt.date.fromisoformat(record[key])
                self._person_rows[record["id"]] = record
        return self._person_rows[person_id]

    def evaluation_date(self) -> dt.date | None:
        if callable(self.default_date):
            self.default_date = self.default_date()
        return self.default_date

    def check_year(self, year: int) -> str | None:
        if year not in self.years:
            return f"{year}年度尚未建立。请先在台账中开启该年度，或用 --year 指定其他年度"
        if self.years[year]:
            return f"{year}年度已关闭，只能查看，不能导入。如确需修改，请先由管理员重新开启该年度"
        return None

    def duplicate(self, key: tuple, row: int) -> str | None:
        first = self.seen.get(key)
        if first is not None and first != row:
            return f"与本表第 {first} 行重复（同一条记录出现两次）。请删除其中一行"
        self.seen[key] = row
        return None


# --------------------------------------------------------------------------- helpers


class _Collector:
    """Gathers the errors of one row so that every problem is reported at once."""

    def __init__(self) -> None:
        self.errors: list[tuple[str | None, str]] = []

    def add(self, column: str | None, message: str) -> None:
        self.errors.append((column, message))

    def run(self, column: str | None, fn, *args, **kwargs) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ValueError, ValidationError) as exc:
            self.add(column, getattr(exc, "message", None) or str(exc))
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)


def _text(row: Row, col: str, label: str, c: _Collector, *, required: bool = False, limit: int = MAX_CELL) -> str:
    text = row.text(col)
    if required and not text:
        c.add(col, f"{label}不能为空，请填写")
    elif len(text) > limit:
        c.add(col, f"{label}过长（{len(text)}字），请控制在{limit}字以内")
    elif has_control_chars(text):
        c.add(col, f"{label}中含有不可见的控制字符，请删除后重新填写（可在 Excel 中用 CLEAN 函数清除）")
    return text


# the value parsers are pure: a column of 20,000 rows holds a few dozen distinct dates, so each is parsed once
# (typed: the cells 1, 1.0 and True are different values)
_parse_date = lru_cache(maxsize=4096, typed=True)(parse_date)
_parse_deadline = lru_cache(maxsize=4096, typed=True)(parse_deadline)
_normalize_id_number = lru_cache(maxsize=65536, typed=True)(normalize_id_number)


_sane_due = lru_cache(maxsize=4096)(validate.check_due)


@lru_cache(maxsize=1024, typed=True)
def _status_code(raw: Any) -> str | None:
    return vocab_code(vocab.PLEDGE_STATUSES, raw, "status")


def _date(row: Row, col: str, c: _Collector, date1904: bool) -> dt.date | None:
    return c.run(col, _parse_date, row.raw(col), date1904=date1904)


def _deadline(ctx: Context, row: Row, col: str, c: _Collector, date1904: bool) -> Deadline | None:
    """A 完成时限 as written (年底前, 2011年12月, 即时 …); how words were read is kept for the report."""
    deadline = c.run(col, _parse_deadline, row.raw(col), ctx.year, date1904=date1904)
    if deadline is not None and deadline.reading:
        ctx.readings.setdefault(deadline.reading, []).append(row.number)
    return deadline


def _vocab(row: Row, col: str, label: str, vocabulary: dict[str, str], synonyms: str | None, c: _Collector,
           memo: dict | None = None) -> str | None:
    """The code of the cell in ``vocabulary``; with ``memo`` (a Context's), each distinct value is looked up once."""
    raw = row.raw(col)
    key = (col, id(vocabulary), type(raw), raw)
    hit = memo.get(key) if memo is not None else None
    if hit is None:
        try:
            hit = (vocab_code(vocabulary, raw, synonyms), None)
        except Unresolved as exc:
            hit = (None, f"{label}{exc}")
        if memo is not None:
            memo[key] = hit
    if hit[1] is not None:
        c.add(col, hit[1])
    return hit[0]


def _org(ctx: Context, row: Row, c: _Collector, col: str = "党组织", *, required: bool = True) -> OrgRef | None:
    raw = row.raw(col)
    if raw is None:
        if required:
            c.add(col if row.has(col) else None, "请填写党组织名称（或组织代码）")
        return None
    key = ("org", raw, row.raw("乡镇"))  # a sheet names a few hundred orgs on thousands of rows
    hit = ctx.memo.get(key)
    if hit is None:
        try:
            hit = ctx.memo[key] = (ctx.orgs.resolve(raw, row.raw("乡镇")), None)
        except Unresolved as exc:
            hit = ctx.memo[key] = (None, str(exc))
    if hit[1] is not None:
        c.add(col, hit[1])
    return hit[0]


def _id_number(row: Row, c: _Collector) -> str | None:
    return c.run("公民身份号码", _normalize_id_number, row.raw("公民身份号码"))


def _changes(old: dict, new: dict) -> dict[str, tuple[Any, Any]]:
    return {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}


# --------------------------------------------------------------------------- orgs


def _org_key(name: object) -> str:
    """How a name is looked up among the rows of one org list: no 中共, no spaces."""
    text = normalize_text(name).replace(" ", "")
    return text[2:] if text.startswith("中共") else text


class FileOrgs:
    """The organizations one org list defines, by row: a parent may stand anywhere in the file."""

    def __init__(self, ctx: Context, rows: list[Row]):
        self.rows: dict[str, int] = {}  # full name / code → Excel row
        self.short: dict[str, int] = {}  # short name → row (-1 when two rows share it)
        self.failed: set[int] = set()
        for row in rows:
            name = row.raw("党组织")
            if name is None or ctx.orgs.is_root_name(name):
                continue
            self.rows.setdefault(_org_key(name), row.number)
            code = normalize_text(row.raw("组织代码"))
            if code:
                self.rows.setdefault(code, row.number)
            short = short_name(normalize_text(name))
            self.short[short] = row.number if self.short.get(short, row.number) == row.number else -1

    def row_of(self, name: object) -> int | None:
        """The row of this file that defines ``name``, or None."""
        text = normalize_text(name)
        hit = self.rows.get(_org_key(text)) or self.rows.get(text)
        if hit is None:
            short = self.short.get(short_name(text))
            hit = short if short and short > 0 else None
        return hit


def plan_org_sheet(ctx: Context, rows: list[Row], date1904: bool) -> list[tuple[Row, list[Planned] | RowErrors]]:
    """Plan an org list whose rows may name a parent defined further down: parents first.

    Returns (row, planned records or the row's errors) in the order the records must be
    written. A row whose parent's row failed says so and points at that row.
    """
    ctx.file_orgs = FileOrgs(ctx, rows)
    outcome: dict[int, list[Planned] | RowErrors] = {}
    order: list[Row] = []
    pending = list(rows)
    while pending:
        waiting: list[Row] = []
        for row in pending:
            parent = row.raw("上级党组织")
            if parent is not None and not _resolves(ctx, parent):
                defined = ctx.file_orgs.row_of(parent)
                if defined is not None and defined != row.number and defined not in outcome:
                    waiting.append(row)
                    continue
            try:
                outcome[row.number] = plan_org(ctx, row, date1904)
            except RowErrors as exc:
                outcome[row.number] = exc
                ctx.file_orgs.failed.add(row.number)
            order.append(row)
        if len(waiting) == len(pending):  # a loop of parents: nothing more can be placed
            for row in waiting:
                outcome[row.number] = RowErrors([("上级党组织", f"上级党组织「{_show_name(row.raw('上级党组织'))}」"
                                                  "与本行互为上级（隶属关系成环），请核对上级党组织")])
                ctx.file_orgs.failed.add(row.number)
                order.append(row)
            break
        pending = waiting
    return [(row, outcome[row.number]) for row in order]


def _show_name(value: Any) -> str:
    text = normalize_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _resolves(ctx: Context, name: Any) -> bool:
    try:
        ctx.orgs.resolve(name, None)
    except Unresolved:
        return False
    return True


def plan_org(ctx: Context, row: Row, date1904: bool) -> list[Planned]:
    c = _Collector()
    name = _text(row, "党组织", "党组织名称", c, required=True, limit=rules.MAX_NAME)
    kind = _vocab(row, "组织类别", "组织类别", vocab.ORG_KINDS, "org_kind", c)
    code = normalize_text(row.raw("组织代码")) or None
    parent_raw = row.raw("上级党组织")
    no_parent = parent_raw is None or normalize_text(parent_raw).replace(" ", "") in NO_PARENT
    root = ctx.orgs.root
    if root is not None and name and (ctx.orgs.is_root_name(name) or (no_parent and kind == root.kind)):
        return _plan_root(ctx, row, c, name, kind, code)
    if kind is None and not any(col == "组织类别" for col, _ in c.errors):
        c.add("组织类别" if row.has("组织类别") else None, "请填写组织类别（党委、党工委、党总支、党支部、临时党支部）")
    sector = _vocab(row, "所属领域", "所属领域", vocab.SECTORS, "sector", c)
    township = normalize_text(row.raw("乡镇")) or None
    parent: OrgRef | None = None
    if no_parent:
        c.add("上级党组织" if row.has("上级党组织") else None, "请填写上级党组织")
    else:
        try:
            parent = ctx.orgs.resolve(parent_raw, None)
        except Unresolved as exc:
            defined = ctx.file_orgs.row_of(parent_raw) if ctx.file_orgs is not None else None
            if defined is not None and defined in ctx.file_orgs.failed:
                c.add("上级党组织", f"上级党组织「{_show_name(parent_raw)}」在本文件第 {defined} 行，该行未能导入。"
                                 "请先改正该行")
            else:
                c.add("上级党组织", str(exc).replace("未找到党组织", "未找到上级党组织"))
    c.raise_if_any()
    assert parent is not None and kind is not None
    township = township or parent.township
    existing: OrgRef | None = ctx.orgs.by_code.get(code) if code else None
    if existing is None:
        for ref in ctx.orgs.by_full.get(name[2:] if name.startswith("中共") else name, []):
            if ref.parent_id == parent.id:
                existing = ref
                break
    key = ("org", code or (name, parent.id))
    dup = ctx.duplicate(key, row.number)
    if dup:
        raise RowErrors([("党组织", dup)])
    values = {"name": name, "kind": kind, "sector": sector, "township": township, "code": code, "parent_id": parent.id}
    if existing is None:
        if code and code in ctx.orgs.by_code:
            raise RowErrors([("组织代码", f"组织代码「{code}」已被「{ctx.orgs.by_code[code].name}」使用，请核对")])
        placeholder = OrgRef(-row.number, name, kind, township, code, "", parent.id)
        ctx.orgs.add(placeholder)  # later rows may name it as their parent
        return [Planned("org", "add", row.number, values, label=name)]
    if existing.id < 0:
        raise RowErrors([("党组织", f"「{name}」已在本表前面出现，请删除重复的一行")])
    if existing.parent_id != parent.id:
        raise RowErrors([("上级党组织", f"「{existing.name}」在台账中的上级不是「{parent.name}」；调整隶属关系请在台账中操作")])
    old = {"name": existing.name, "kind": existing.kind, "township": existing.township}
    new = {"name": name, "kind": kind}
    if township and row.has("乡镇"):
        new["township"] = township
    if sector and row.has("所属领域"):
        from pledgebook.models.store.tables import Org

        old["sector"] = Org.get_by_id(existing.id).sector
        new["sector"] = sector
    changes = _changes(old, new)
    return [Planned("org", "update" if changes else "unchanged", row.number, new, changes, existing.id, name)]


def _plan_root(ctx: Context, row: Row, c: _Collector, name: str, kind: str | None, code: str | None) -> list[Planned]:
    """The county's own committee row: it updates the root (name, kind, code) instead of being refused."""
    root = ctx.orgs.root
    assert root is not None
    if kind is not None and kind not in ROOT_KINDS:
        c.add("组织类别", f"「{name}」是本县县委（台账的最上级），组织类别应为「{vocab.label(vocab.ORG_KINDS, root.kind)}」")
    c.raise_if_any()
    dup = ctx.duplicate(("org", "root"), row.number)
    if dup:
        raise RowErrors([("党组织", dup)])
    new: dict[str, Any] = {"name": name}
    if kind is not None:
        new["kind"] = kind
    warnings: list[tuple[str, str]] = []
    if code and code != root.code:
        if root.code:
            warnings.append(("组织代码", f"县委的组织代码保留台账中的「{root.code}」（行政区划代码），未改为「{code}」"))
        else:
            new["code"] = code
    changes = _changes({"name": root.name, "kind": root.kind, "code": root.code}, new)
    planned = Planned("org", "update" if changes else "unchanged", row.number, new, changes, root.id, name)
    planned.warnings = warnings
    return [planned]


# --------------------------------------------------------------------------- people

_PERSON_COLUMNS = {
    "gender": ("性别", "gender"), "ethnicity": ("民族", None), "education": ("学历", None), "birth_date": ("出生日期", None),
    "joined_date": ("入党时间", None), "post": ("职务", None), "phone": ("联系电话", None),
    "state": ("人员状态", "state"),
}
_PERSON_FIELD_COLUMN = {f: col for f, (col, _) in _PERSON_COLUMNS.items()} | {"name": "姓名", "id_number": "公民身份号码",
                                                                            "org_id": "党组织"}


def plan_person(ctx: Context, row: Row, date1904: bool) -> list[Planned]:
    c = _Collector()
    name = _text(row, "姓名", "姓名", c, required=True, limit=rules.MAX_NAME)
    org = _org(ctx, row, c)
    number = _id_number(row, c)
    fields: dict[str, Any] = {}
    for fname, (col, syn) in _PERSON_COLUMNS.items():
        if not row.has(col) or row.raw(col) is None:
            continue
        if fname in ("birth_date", "joined_date"):
            fields[fname] = _date(row, col, c, date1904)
        elif fname == "gender":
            fields[fname] = _vocab(row, col, "性别", vocab.GENDERS, syn, c)
        elif fname == "state":
            fields[fname] = _vocab(row, col, "人员状态", vocab.PERSON_STATES, syn, c)
        elif fname == "phone":
            fields[fname] = normalize_text(row.raw(col)).replace(" ", "")
        else:
            fields[fname] = _text(row, col, col, c, limit=rules.MAX_NAME)
    c.raise_if_any()
    assert org is not None
    try:
        # the name is checked above; without it the rules skip the pinyin, which the bulk insert makes for all at once
        checked = {"name": name, **validate.person_values(fields)}
    except ValidationErrors as exc:
        raise RowErrors([(_PERSON_FIELD_COLUMN.get(f, None), m) for f, m in exc.errors.items()]) from None
    if number:
        checked["id_number"] = number
    key = ("person", number) if number else ("person", org.id, _content_key(name))
    dup = ctx.duplicate(key, row.number)
    if dup:
        raise RowErrors([("姓名", dup)])
    existing = ctx.people.by_number.get(number) if number else None
    if existing is None:
        pool = ctx.people.by_org_name.get((org.id, _content_key(name)), [])
        if len(pool) > 1 and not number:
            raise RowErrors([("姓名", f"「{org.name}」有 {len(pool)} 名「{name}」，请填写公民身份号码区分")])
        existing = pool[0] if pool and (not number or not pool[0].id_number) else None
    checked["org_id"] = org.id
    if existing is None:
        return [Planned("person", "add", row.number, checked, label=name)]
    person = ctx.person_record(existing.id)
    old = {k: person.get(k) for k in checked}
    changes = _changes(old, checked)
    return [Planned("person", "update" if changes else "unchanged", row.number, checked, changes, existing.id, name)]


# --------------------------------------------------------------------------- pledges


def _pledger(ctx: Context, row: Row, c: _Collector) -> tuple[OrgRef | None, int | None]:
    """(org, person id) of the pledger named in a row; errors go to the collector.

    Resolved once per distinct (ID number, name, org, township) of the table: a township's
    sheet names the same few hundred pledgers on thousands of rows."""
    key = ("pledger", row.raw("公民身份号码"), row.raw("姓名"), row.raw("党组织"), row.raw("乡镇"))
    hit = ctx.memo.get(key)
    if hit is None:
        sub = _Collector()
        hit = ctx.memo[key] = (_resolve_pledger(ctx, row, sub), sub.errors)
    c.errors.extend(hit[1])
    return hit[0]


def _resolve_pledger(ctx: Context, row: Row, c: _Collector) -> tuple[OrgRef | None, int | None]:
    number = _id_number(row, c) if row.raw("公民身份号码") is not None else None
    name = row.raw("姓名")
    if name is None and number is None:
        return _org(ctx, row, c), None
    org = _org(ctx, row, c, required=False)
    if row.raw("党组织") is not None and org is None:
        return None, None
    if number is None and suffix_kind(normalize_text(name)) is not None:
        # 承诺人 written as the org itself (新华村党支部, 联珠镇党委): the org's own pledge
        try:
            named = ctx.orgs.resolve(name, row.raw("乡镇"))
        except Unresolved:
            named = None
        if named is not None and (org is None or named.id == org.id):
            return named, None
    try:
        person = ctx.people.resolve(name, org, number, ctx.orgs)
    except Unresolved as exc:
        c.add("姓名" if name is not None else "公民身份号码", str(exc))
        return org, None
    if person.state != "active":
        c.add("姓名", f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不能登记新的承诺")
    return ctx.orgs.by_id.get(person.org_id), person.id


def plan_pledge(ctx: Context, row: Row, date1904: bool) -> list[Planned]:
    c = _Collector()
    year = ctx.year
    year_problem = ctx.check_year(year) if year is not None else "无法确定年度，请用 --year 指定"
    if year_problem:
        raise RowErrors([(None, year_problem)])
    assert year is not None
    content = _text(row, "承诺事项", "承诺事项", c, required=True)
    new: dict[str, Any] = {}
    if row.has("践诺措施"):
        new["measures"] = _text(row, "践诺措施", "践诺措施", c)
    if row.raw("承诺类别") is not None:
        new["category"] = _vocab(row, "承诺类别", "承诺类别", ctx.categories, None, c, ctx.memo)
    if row.raw("承诺范围") is not None:
        new["scope"] = _vocab(row, "承诺范围", "承诺范围", vocab.SCOPES, "scope", c, ctx.memo)
    if row.raw("承诺期限") is not None:
        new["term"] = _vocab(row, "承诺期限", "承诺期限", vocab.TERMS, "term", c, ctx.memo)
    if row.raw("完成时限") is not None:
        deadline = _deadline(ctx, row, "完成时限", c, date1904)
        if deadline is not None:
            new["due_date"] = deadline.due
            if deadline.term is not None and "term" not in new:
                new["term"] = deadline.term
    for col, fname in (("公示时间", "published_on"), ("审定日期", "approved_on")):
        if row.has(col) and row.raw(col) is not None:
            new[fname] = _date(row, col, c, date1904)
    if row.raw("审定人") is not None:
        new["approved_by"] = _text(row, "审定人", "审定人", c, limit=rules.MAX_NAME)
    status = None
    if row.raw("践诺情况") is not None:
        try:
            status = _status_code(row.raw("践诺情况"))
        except Unresolved:
            c.add("践诺情况", f"践诺情况「{row.text('践诺情况')[:40]}」不是可识别的状态。请填写 拟定、践诺中、已兑现、部分兑现、"
                          "未兑现 或 已撤销；具体进展请另用践诺记录表导入")
        if status == "carried":
            c.add("践诺情况", "「已结转」只能由年终结转设置，请改为其他状态")
    fulfilled_on = _date(row, "兑现日期", c, date1904) if row.raw("兑现日期") is not None else None
    due = new.get("due_date")
    if due is not None:
        c.run("完成时限", _sane_due, year, due)
    uid = normalize_text(row.raw(UID_COLUMN)) or None
    org, person_id = _pledger(ctx, row, c)
    c.raise_if_any()
    assert org is not None
    existing = None
    if uid:
        existing = ctx.pledge_by_uid(uid)
        if existing is None:
            raise RowErrors([(UID_COLUMN, f"承诺编号「{uid}」在台账中不存在。新承诺请把承诺编号留空")])
        if existing["year"] != year:
            raise RowErrors([(UID_COLUMN, f"承诺编号「{uid}」属于{existing['year']}年度，不是{year}年度")])
    content_key = _content_key(content)
    if not uid:
        existing = ctx.pledge_by_key(org.id, person_id, content, year, content_key)
    key = ("pledge", existing["uid"]) if existing and existing.get("uid") else ("pledge", org.id, person_id,
                                                                               content_key)
    dup = ctx.duplicate(key, row.number)
    if dup:
        raise RowErrors([("承诺事项", dup)])
    if status is not None:
        new["status"] = status
        if status in vocab.RESULT_STATUSES:
            when = fulfilled_on or (existing or {}).get("fulfilled_on") or min(ctx.today, due or ctx.today)
            if when > ctx.today or when < dt.date(year - 1, 1, 1):
                raise RowErrors([("兑现日期" if fulfilled_on else "践诺情况", "兑现日期不能晚于今天，也不能早于承诺年度")])
            new["fulfilled_on"] = when
        else:
            new["fulfilled_on"] = None
    label = content[:20]
    if existing is None:
        values = {
            "year": year, "org_id": org.id, "person_id": person_id, "content": content,
            "scope": new.get("scope") or ("personal" if person_id else "org"),
            "category": new.get("category") or "service", "measures": new.get("measures", ""),
            "due_date": new.get("due_date"), "term": new.get("term") or "annual",
            "approved_by": new.get("approved_by"), "approved_on": new.get("approved_on"),
            "published_on": new.get("published_on"), "status": new.get("status") or "in_progress",
            "fulfilled_on": new.get("fulfilled_on"),
        }
        values["id"] = values["uid"] = None  # the record later rows of this file find (not yet written)
        ctx.remember_pledge(values, content_key)
        return [Planned("pledge", "add", row.number, values, label=label)]
    if uid or existing["org_id"] != org.id or existing["person_id"] != person_id:
        new["org_id"], new["person_id"] = org.id, person_id
    if uid and _content_key(existing["content"]) != _content_key(content):
        new["content"] = content
    if existing["status"] == "carried" and "status" in new:
        new.pop("status")
        new.pop("fulfilled_on", None)
    changes = _changes(existing, {k: v for k, v in new.items() if v is not None or k in ("fulfilled_on",)})
    if "status" not in changes:
        changes.pop("fulfilled_on", None)
    return [Planned("pledge", "update" if changes else "unchanged", row.number, new, changes, existing["id"], label)]


def _find_pledge(ctx: Context, row: Row, c: _Collector) -> dict | None:
    uid = normalize_text(row.raw(UID_COLUMN)) or None
    if uid:
        found = ctx.pledge_by_uid(uid)
        if found is None:
            c.add(UID_COLUMN, f"承诺编号「{uid}」在台账中不存在，请核对（不要修改表中的承诺编号列）")
        return found
    content = row.text("承诺事项")
    if not content:
        c.add("承诺事项" if row.has("承诺事项") else None, "请填写承诺事项（或承诺编号），以便找到对应的承诺")
        return None
    org, person_id = _pledger(ctx, row, c)
    if org is None:
        return None
    found = ctx.pledge_by_key(org.id, person_id, content, ctx.year)
    if found is None:
        found = ctx.pledge_by_key(org.id, person_id, content, None) if ctx.year is None else None
    if found is None:
        who = org.name + ("" if person_id is None else f" {row.text('姓名')}")
        c.add("承诺事项", f"在{ctx.year or ''}年度台账中未找到「{who}」的承诺「{content[:30]}」。请核对承诺事项，"
                      "或先导入承诺台账")
        return None
    if found.get("id") is None:
        c.add("承诺事项", "该承诺在本次导入中才新增，请先导入承诺台账后再导入本表")
        return None
    return found


# --------------------------------------------------------------------------- progress


def plan_progress(ctx: Context, row: Row, date1904: bool) -> list[Planned]:
    c = _Collector()
    pledge = _find_pledge(ctx, row, c)
    note = _text(row, "践诺进展", "践诺进展", c, required=True)
    when = _date(row, "践诺日期", c, date1904) if row.raw("践诺日期") is not None else None
    if when is None and row.raw("践诺日期") is None:
        when = _date(row, "填报日期", c, date1904) if row.raw("填报日期") is not None else None
        if when is None and row.raw("填报日期") is None:
            c.add("践诺日期" if row.has("践诺日期") else None, "请填写践诺日期")
    percent = c.run("完成进度", parse_int, row.raw("完成进度"))
    if percent is not None and not 0 <= percent <= 100:
        c.add("完成进度", "完成进度应在 0–100 之间")
    if when is not None and when > ctx.today:
        c.add("践诺日期", "践诺记录的日期不能晚于今天")
    c.raise_if_any()
    assert pledge is not None and when is not None
    problem = ctx.check_year(pledge["year"])
    if problem:
        raise RowErrors([(None, problem)])
    if pledge["status"] in ("withdrawn", "carried"):
        raise RowErrors([("承诺事项", f"该承诺已{vocab.label(vocab.PLEDGE_STATUSES, pledge['status'])}，不能再登记践诺")])
    key = ("progress", pledge["id"], when, _content_key(note))
    dup = ctx.duplicate(key, row.number)
    if dup:
        raise RowErrors([("践诺进展", dup)])
    if ctx._progress is None:
        from pledgebook.models.store.tables import Progress

        ctx._progress = {
            (pid, d if isinstance(d, dt.date) else dt.date.fromisoformat(d), _content_key(n))
            for pid, d, n in Progress.select(Progress.pledge, Progress.date, Progress.note)
            .where(Progress.deleted_at.is_null()).tuples()
        }
    values = {"pledge_id": pledge["id"], "note": note, "date": when, "percent": percent}
    action = "unchanged" if key[1:] in ctx._progress else "add"
    return [Planned("progress", action, row.number, values, label=note[:20])]


# --------------------------------------------------------------------------- evaluations

_EVAL_LEAVES = {"发放票数": "ballots_issued", "有效票": "ballots_valid", "满意": "votes_satisfied",
                "基本满意": "votes_basic", "不满意": "votes_unsatisfied", "评定等次": "grade", "评定意见": "comment",
                "评定日期": "date"}
_EVAL_FIELD_LEAF = {v: k for k, v in _EVAL_LEAVES.items()} | {"kind": "评议方式", "rect_due": "整改时限",
                                                             "rect_note": "整改措施", "evaluator": "评议人", "score": "分数"}
_GROUP_KIND = {"群众评议": "public", "党员评议": "member", "领导点评": "leader", "自评": "self", "组织评定": "org"}


def evaluation_groups(canonical_names: list[str]) -> list[str]:
    """The evaluation groups of a sheet: '' for plain columns, '群众评议' for '群众评议/满意' …"""
    groups: list[str] = []
    for name in canonical_names:
        if "/" in name:
            group = name.split("/", 1)[0]
            if group in _GROUP_KIND and group not in groups:
                groups.append(group)
    plain = {"发放票数", "有效票", "满意", "基本满意", "不满意", "评定等次", "评定意见", "分数"}
    if plain & set(canonical_names) or not groups:
        groups.insert(0, "")
    return groups


def _rate(raw: Any) -> float | None:
    if raw is None:
        return None
    number = parse_number(raw)
    if number is None:
        return None
    return number / 100 if number > 1 or (isinstance(raw, str) and "%" in raw) else number


def plan_evaluation(ctx: Context, row: Row, date1904: bool, groups: list[str]) -> list[Planned]:
    c = _Collector()
    pledge = _find_pledge(ctx, row, c)
    planned: list[Planned] = []
    parts: list[tuple[str, dict[str, Any]]] = []
    warnings: list[tuple[str, str]] = []
    for group in groups:
        prefix = f"{group}/" if group else ""

        def col(leaf: str, prefix: str = prefix) -> str:
            name = prefix + leaf
            return name if row.has(name) or not prefix else (leaf if leaf in ("评定日期", "评议方式") else name)

        present = [leaf for leaf in _EVAL_LEAVES if row.raw(col(leaf)) is not None and leaf not in ("评定日期",)]
        if not present and not (group == "" and row.raw("分数") is not None):
            continue
        fields: dict[str, Any] = {}
        if group:
            kind = _GROUP_KIND[group]
        else:
            kind = _vocab(row, "评议方式", "评议方式", vocab.EVAL_KINDS, "eval_kind", c) if row.raw("评议方式") else None
            if kind is None and row.raw("评议方式") is None:
                ballots = any(leaf in present for leaf in ("满意", "基本满意", "不满意", "有效票", "发放票数"))
                if ballots:
                    kind = "public"
                else:
                    c.add("评议方式" if row.has("评议方式") else None,
                          "请填写评议方式（自评、党员评议、群众评议、领导点评、组织评定）")
                    continue
        for leaf, fname in _EVAL_LEAVES.items():
            name = col(leaf)
            raw = row.raw(name)
            if raw is None:
                continue
            if fname == "date":
                continue
            if fname in ("grade",):
                try:
                    allowed: dict[str, str] = {}
                    for gset in vocab.GRADES_FOR_KIND.get(kind or "", ()):
                        allowed.update(vocab.GRADE_SETS[gset])
                    fields[fname] = vocab_code(allowed, raw, "grade")
                except Unresolved as exc:
                    c.add(name, f"评定等次{exc}")
            elif fname == "comment":
                fields[fname] = _text(row, name, "评定意见", c)
            else:
                fields[fname] = c.run(name, parse_int, raw)
                if fields[fname] is not None and fields[fname] < 0:
                    c.add(name, f"{leaf}不能为负数")
        date_col = col("评定日期")
        raw_date = row.raw(date_col) if row.raw(date_col) is not None else row.raw("评定日期")
        when = c.run(date_col, parse_date, raw_date, date1904=date1904) if raw_date is not None else None
        if when is None and raw_date is None:
            if row.raw("填报日期") is not None:
                when = _date(row, "填报日期", c, date1904)
            elif ctx.default_date is not None and ctx.evaluation_date() is not None:
                when = ctx.evaluation_date()
            else:
                c.add("评定日期" if row.has("评定日期") else None,
                      NO_EVALUATION_DATE)
        fields["date"] = when
        if row.raw("评议人") is not None:
            fields["evaluator"] = _text(row, "评议人", "评议人", c, limit=rules.MAX_NAME)
        if row.raw("分数") is not None and not group:
            fields["score"] = row.raw("分数")
        if row.raw("整改时限") is not None:
            deadline = _deadline(ctx, row, "整改时限", c, date1904)
            if deadline is not None and deadline.term is not None:
                c.add("整改时限", f"整改时限「{row.text('整改时限')}」应是具体日期，如 2011-12-31 或 年底前")
            fields["rect_due"] = deadline.due if deadline is not None else None
        if row.raw("整改措施") is not None:
            fields["rect_note"] = _text(row, "整改措施", "整改措施", c)
        fields["kind"] = kind
        # computed columns in the file, checked against the counts
        for leaf in ("满意率", "参与率"):
            name = prefix + leaf if row.has(prefix + leaf) else leaf
            raw = row.raw(name)
            if raw is None:
                continue
            given = c.run(name, _rate, raw)
            if given is None:
                continue
            if leaf == "满意率":
                valid = fields.get("ballots_valid")
                if valid is None and any(fields.get(k) is not None for k in ("votes_satisfied", "votes_basic",
                                                                                "votes_unsatisfied")):
                    valid = sum(fields.get(k) or 0 for k in ("votes_satisfied", "votes_basic", "votes_unsatisfied"))
                expect = [rules.satisfaction_rate(fields.get("votes_satisfied"), fields.get("votes_basic"), valid, f)
                          for f in (ctx.formula, "satisfied_plus_basic", "satisfied_only")]
            else:
                expect = [rules.participation_rate(fields.get("ballots_valid"), fields.get("ballots_issued"))]
            expect = [e for e in expect if e is not None]
            if expect and all(abs(e - given) > 0.006 for e in expect):
                warnings.append((name, f"表中{leaf} {given:.1%} 与票数算出的 {expect[0]:.1%} 不符，请核对票数"))
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
    if ctx._evaluations is None:
        from pledgebook.models.store.tables import Evaluation

        ctx._evaluations = {}
        for ev in Evaluation.select().where(Evaluation.deleted_at.is_null()).dicts().iterator():
            for k in ("date", "rect_due", "rect_done"):
                if isinstance(ev[k], str):
                    ev[k] = dt.date.fromisoformat(ev[k])
            ctx._evaluations[(ev["pledge"], ev["kind"], ev["date"], ev["evaluator"] or "")] = ev
    errors: list[tuple[str | None, str]] = []
    for group, fields in parts:
        kind_label = vocab.label(vocab.EVAL_KINDS, fields["kind"])
        try:
            values = validate.evaluation_values(None, {k: v for k, v in fields.items()})  # type: ignore[arg-type]
        except ValidationErrors as exc:
            for f, m in exc.errors.items():
                leaf = _EVAL_FIELD_LEAF.get(f)
                name = (f"{group}/{leaf}" if group and row.has(f"{group}/{leaf}") else leaf) if leaf else None
                errors.append((name, f"{kind_label}：{m}" if len(parts) > 1 else m))
            continue
        key = ("evaluation", pledge["id"], values["kind"], values["date"], values.get("evaluator") or "")
        dup = ctx.duplicate(key, row.number)
        if dup:
            errors.append((None, dup))
            continue
        existing = ctx._evaluations.get(key[1:])
        if values.get("rect_due") is None and existing is None and rules.needs_rectification(
            values["kind"], values.get("grade"), values.get("votes_basic"), values.get("votes_unsatisfied"),
            values.get("ballots_valid")
        ):
            values["rect_due"] = rules.default_rectification_due(values["date"])
        values["pledge_id"] = pledge["id"]
        label = f"{kind_label} {pledge['content'][:16]}"
        if existing is None:
            planned.append(Planned("evaluation", "add", row.number, values, label=label))
        else:
            new = {k: v for k, v in values.items() if k in fields or k in ("ballots_valid",)}
            new.pop("pledge_id", None)
            changes = _changes(existing, new)
            planned.append(Planned("evaluation", "update" if changes else "unchanged", row.number, new, changes,
                                   existing["id"], label))
    if errors:
        raise RowErrors(errors)
    if planned:
        planned[0].warnings = warnings
    return planned
