"""Domain rules: every change to the ledger goes through one of these functions.

Each function validates first (raising :class:`ValidationError` with a Chinese
message naming the field), refuses writes to a closed year
(:class:`YearClosed`), writes in one ``IMMEDIATE`` transaction and records
the change in the audit log. The TUI, the CLI and the importers all call
these, so a rule lives in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import Model

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import (
    NotFound,
    PledgebookError,
    ValidationError,
    ValidationErrors,
    YearClosed,
)
from pledgebook.models.core.pinyin import pinyin_key
from pledgebook.models.core.values import normalize_id_number
from pledgebook.models.store import audit, search
from pledgebook.models.store.db import county_code_problem, get_setting, is_initialized, set_setting
from pledgebook.models.store.tables import (
    Category,
    Evaluation,
    Org,
    Person,
    Pledge,
    Progress,
    WorkYear,
    database,
    utcnow,
)

MAX_TEXT = 2000  # characters in a pledge's content or measures
MAX_NAME = 100


@contextmanager
def transaction() -> Iterator[None]:
    """One write transaction that takes the write lock at BEGIN.

    A transaction that reads first and then writes would otherwise fail at
    once with "database is locked" when another process writes, whatever the
    busy timeout. Before it commits, the search index catches up with what
    it changed (:mod:`pledgebook.models.store.search`).
    """
    with database.atomic("IMMEDIATE"):
        yield
        search.flush()


# ----------------------------------------------------------------- helpers


def _text(value: Any, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(f"{label}不能为空", field)
    if len(text) > limit:
        raise ValidationError(f"{label}过长（{len(text)}字），请控制在{limit}字以内", field)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise ValidationError(f"{label}中含有不可见的控制字符，请删除后重试", field)
    return text


def _code(vocabulary: dict[str, str], value: str | None, field: str, label: str, *, required: bool = True) -> str | None:
    if value is None or str(value).strip() == "":
        if required:
            raise ValidationError(f"请选择{label}", field)
        return None
    code = vocab.code_for(vocabulary, str(value))
    if code is None:
        choices = "、".join(vocabulary.values())
        raise ValidationError(f"{label}「{value}」不在可选范围内（可选：{choices}）", field)
    return code


def _date(value: Any, field: str, label: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    from pledgebook.models.core.values import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationError(f"{label}：{exc}", field) from exc


def _count(value: Any, field: str, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{label}应为整数，收到「{value}」", field) from exc
    if number < 0:
        raise ValidationError(f"{label}不能为负数", field)
    return number


def _get(model: type[Model], record_id: int | str, label: str) -> Any:
    if isinstance(record_id, str) and not str(record_id).isdigit():
        obj = model.get_or_none(model.uid == record_id)
    else:
        obj = model.get_or_none(model.id == int(record_id))
    if obj is None:
        raise NotFound(f"未找到该{label}（编号 {record_id}），可能已被删除。")
    return obj


def _apply(obj: Model, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set fields on obj; return the changes that really differ."""
    changes: dict[str, tuple[Any, Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field + "_id") if hasattr(obj, field + "_id") and isinstance(new, int) else getattr(obj, field)
        if old != new:
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def _update(obj: Model, table: str, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``obj`` in one transaction; save and audit what really changed."""
    with transaction():
        changes = _apply(obj, values)
        if changes:
            obj.updated_at = utcnow()
            obj.save()
            audit.record("update", table, obj.uid, changes)
    return changes


def _checker(fields: dict[str, Any], values: dict[str, Any], errors: dict[str, str], *, every: bool = False):
    """A ``check(field, parse)`` that stores the parsed value or the field's error, so a
    form shows every mistake at once. Only fields present are checked unless ``every``."""

    def check(field: str, parse) -> None:
        if every or field in fields:
            try:
                values[field] = parse(fields.get(field))
            except ValidationError as exc:
                errors[exc.field or field] = exc.message

    return check


def mark_deleted(table: str, obj: Model) -> None:
    """Soft-delete one record (the removal travels upward) and audit it."""
    with transaction():
        now = utcnow()
        obj.deleted_at = now
        obj.updated_at = now
        obj.save()
        audit.record("delete", table, obj.uid, {"deleted_at": (None, now)})


def year_state(year: int) -> WorkYear:
    wy = WorkYear.get_or_none(WorkYear.year == year)
    if wy is None:
        raise ValidationError(f"{year}年度尚未建立。请先开启该年度。", "year")
    return wy


def ensure_year_open(year: int) -> None:
    if year_state(year).closed:
        raise YearClosed(year)


def open_years() -> list[int]:
    return [wy.year for wy in WorkYear.select().where(WorkYear.closed == False).order_by(WorkYear.year)]  # noqa: E712


def current_year() -> int | None:
    """The latest open year, else the latest year."""
    from pledgebook.models.ledger import queries

    return queries.current_year()


def _sane_due(year: int, due: date | None, field: str = "due_date") -> None:
    if due is None:
        return
    if not (date(year - 1, 1, 1) <= due <= date(year + 5, 12, 31)):
        raise ValidationError(
            f"完成时限 {due.isoformat()} 不在合理范围内（应在 {year - 1} 年至 {year + 5} 年之间），请检查是否输错年份", field
        )


# ------------------------------------------------------------ county setup


def init_county(name: str, code: str, year: int, *, level: str = "county") -> Org:
    """Create the county (or prefecture) root, its settings, first year and categories."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    code = code or ""
    if not name:
        errors["name"] = "请填写县（区）名称，例如：墨江哈尼族自治县"
    problem = county_code_problem(code, level)
    if problem:
        errors["code"] = problem
    if not isinstance(year, int) or not (2000 <= year <= 2100):
        errors["year"] = "起始年度应为 2000–2100 之间的年份"
    if level not in ("county", "prefecture"):
        errors["level"] = "级别只能是 county（县）或 prefecture（州/市）"
    if errors:
        raise ValidationErrors(errors)
    if is_initialized():
        raise PledgebookError(f"该数据库已建立「{get_setting('county_name')}」的台账，不能重复建立。")
    with transaction():
        set_setting("county_name", name)
        set_setting("county_code", code)
        set_setting("level", level)
        set_setting("satisfaction_formula", "satisfied_plus_basic")
        for i, (ccode, clabel) in enumerate(vocab.DEFAULT_CATEGORIES.items()):
            Category.create(code=ccode, label=clabel, sort=i)
        root = Org.create(name=name, kind="county" if level == "county" else "prefecture", code=code, pinyin=pinyin_key(name))
        root.path = f"/{root.id}/"
        root.save()
        WorkYear.create(year=year)
        audit.record("create", "org", root.uid, {"name": (None, name), "code": (None, code)}, note="建立台账")
        audit.record("open_year", "workyear", None, {"year": (None, year)})
    return root


def root_org() -> Org:
    root = Org.select().where(Org.parent.is_null(), Org.deleted_at.is_null()).order_by(Org.id).first()
    if root is None:
        from pledgebook.models.core.errors import NotInitialized

        raise NotInitialized()
    return root


def categories() -> dict[str, str]:
    """Category code → label, defaults first, then the county's own."""
    rows = Category.select().where(Category.deleted_at.is_null()).order_by(Category.sort, Category.id)
    result = {c.code: c.label for c in rows}
    return result or dict(vocab.DEFAULT_CATEGORIES)


def add_category(label: str) -> str:
    label = _text(label, "label", "类别名称", limit=MAX_NAME)
    existing = categories()
    if label in existing.values():
        raise ValidationError(f"类别「{label}」已存在", "label")
    code = f"c{len(existing) + 1}"
    while code in existing:
        code += "x"
    with transaction():
        cat = Category.create(code=code, label=label, sort=len(existing))
        audit.record("create", "category", cat.uid, {"label": (None, label)})
    return code


def open_year(year: int) -> WorkYear:
    if not (2000 <= int(year) <= 2100):
        raise ValidationError("年度应为 2000–2100 之间的年份", "year")
    with transaction():
        wy = WorkYear.get_or_none(WorkYear.year == year)
        if wy is None:
            wy = WorkYear.create(year=year)
            audit.record("open_year", "workyear", wy.uid, {"year": (None, year)})
    return wy


def close_year(year: int) -> WorkYear:
    with transaction():
        wy = year_state(year)
        if not wy.closed:
            wy.closed = True
            wy.closed_at = utcnow()
            wy.updated_at = utcnow()
            wy.save()
            audit.record("close_year", "workyear", wy.uid, {"closed": (False, True)})
    return wy


# ------------------------------------------------------------ organizations


def create_org(
    name: str,
    kind: str,
    parent_id: int,
    *,
    sector: str | None = None,
    township: str | None = None,
    code: str | None = None,
) -> Org:
    name = _text(name, "name", "党组织名称", limit=MAX_NAME)
    kind_code = _code(vocab.ORG_KINDS, kind, "kind", "组织类别")
    sector_code = _code(vocab.SECTORS, sector, "sector", "所属领域", required=False)
    parent = _get(Org, parent_id, "上级党组织")
    if parent.deleted_at is not None:
        raise ValidationError("上级党组织已被删除", "parent")
    if not parent.active:
        raise ValidationError(f"上级党组织「{parent.name}」已停用，请选择其他上级", "parent")
    code = (code or "").strip() or None
    if code and Org.get_or_none(Org.code == code):
        raise ValidationError(f"组织代码「{code}」已被使用", "code")
    with transaction():
        org = Org.create(
            name=name,
            kind=kind_code,
            parent=parent,
            sector=sector_code,
            township=(township or "").strip() or parent.township,
            code=code,
            depth=parent.depth + 1,
            pinyin=pinyin_key(name),
        )
        org.path = f"{parent.path}{org.id}/"
        org.save()
        audit.record("create", "org", org.uid, {"name": (None, name), "kind": (None, kind_code), "parent": (None, parent.uid)})
    return org


def update_org(org_id: int, **fields: Any) -> Org:
    org = _get(Org, org_id, "党组织")
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _text(fields["name"], "name", "党组织名称", limit=MAX_NAME)
        values["pinyin"] = pinyin_key(values["name"])
    if "kind" in fields:
        values["kind"] = _code(vocab.ORG_KINDS, fields["kind"], "kind", "组织类别")
    if "sector" in fields:
        values["sector"] = _code(vocab.SECTORS, fields["sector"], "sector", "所属领域", required=False)
    if "township" in fields:
        values["township"] = (fields["township"] or "").strip() or None
    if "active" in fields:
        values["active"] = bool(fields["active"])
    _update(org, "org", values)
    return org


def _live_org(org_id: int | str, label: str = "党组织") -> Org:
    org = _get(Org, org_id, label)
    if org.deleted_at is not None:
        raise ValidationError(f"{label}「{org.name}」已被删除", "org")
    return org


def closed_year_pledges(org: Org) -> dict[int, int]:
    """Live pledges of ``org``'s subtree in closed years: year → count."""
    low, high = org.path, org.path[:-1] + "0"
    return dict(database.execute_sql(
        "SELECT p.year, count(*) FROM pledge p JOIN org o ON o.id = p.org_id JOIN work_year w ON w.year = p.year "
        "WHERE w.closed = 1 AND p.deleted_at IS NULL AND o.path >= ? AND o.path < ? GROUP BY p.year ORDER BY p.year",
        [low, high]).fetchall())


def move_org(org_id: int | str, parent_id: int | str) -> Org:
    """Put an organization (with everything under it) under another parent. Refused: the root, a move
    under itself or its own subtree (a cycle), under a deleted or inactive parent, and a subtree with
    pledges in a closed year (moving it would change that year's figures per 党委)."""
    org = _live_org(org_id)
    parent = _live_org(parent_id, "上级党组织")
    if org.parent_id is None:
        raise ValidationError("县（区）根组织不能移动", "parent")
    if parent.id == org.parent_id:
        raise ValidationError(f"「{org.name}」已在「{parent.name}」之下", "parent")
    if parent.path.startswith(org.path):
        raise ValidationError(f"不能把「{org.name}」移到它自己或它的下级「{parent.name}」之下", "parent")
    if not parent.active:
        raise ValidationError(f"「{parent.name}」已停用，不能再接收下级组织", "parent")
    closed = closed_year_pledges(org)
    if closed:
        years = "、".join(f"{y}年度 {n} 条" for y, n in closed.items())
        raise ValidationError(
            f"「{org.name}」及其下级在已关闭的年度有承诺（{years}），移动会改变这些年度按党委的统计。"
            "如需调整隶属关系，请在新的上级下新建组织，并停用原组织", "parent")
    old_parent = org.parent
    old_path, new_path = org.path, f"{parent.path}{org.id}/"
    shift = parent.depth + 1 - org.depth
    low, high = old_path, old_path[:-1] + "0"
    with transaction():
        now = utcnow()
        database.execute_sql(
            "UPDATE org SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ? WHERE path >= ? AND path < ?",
            [new_path, len(old_path) + 1, shift, now, low, high])
        database.execute_sql("UPDATE org SET parent_id = ?, township = coalesce(township, ?) WHERE id = ?",
                             [parent.id, parent.township, org.id])
        audit.record("update", "org", org.uid, {"parent": (old_parent.uid if old_parent else None, parent.uid)},
                     note=f"移到「{parent.name}」之下")
    return Org.get_by_id(org.id)


@dataclass
class OrgImpact:
    """What deactivating an organization leaves behind (said before it is done)."""

    name: str
    children: int  # active organizations directly under it
    people: int  # members on its roster (在册)
    open_pledges: int  # 拟定 / 践诺中 pledges in open years, its own and its members'

    def text(self) -> str:
        lines = [f"停用后，不能再为「{self.name}」新建承诺、新增人员或下级组织，选择组织时和模板的下拉列表中不再列出它；"
                 "已有的记录和统计都保留，可以随时重新启用。"]
        if self.children:
            lines.append(f"它下面还有 {self.children} 个启用的下级组织：它们保持启用，可以先移到其他上级。")
        if self.people:
            lines.append(f"在册党员 {self.people} 名仍记在该组织名下：请在「人员」中把他们转到新的组织。")
        if self.open_pledges:
            lines.append(f"未完成的承诺 {self.open_pledges} 条仍计入本年度统计：可照常记录践诺和评议，或标记为已撤销。")
        return "\n".join(lines)


def org_impact(org_id: int | str) -> OrgImpact:
    org = _live_org(org_id)
    children = Org.select().where((Org.parent == org.id) & Org.deleted_at.is_null() & (Org.active == True)).count()  # noqa: E712
    people = Person.select().where((Person.org == org.id) & Person.deleted_at.is_null() & (Person.state == "active")).count()
    open_pledges = database.execute_sql(
        "SELECT count(*) FROM pledge p JOIN work_year w ON w.year = p.year WHERE p.org_id = ? AND w.closed = 0 "
        f"AND p.deleted_at IS NULL AND p.status IN ({','.join('?' for _ in vocab.OPEN_STATUSES)})",
        [org.id, *vocab.OPEN_STATUSES]).fetchone()[0]
    return OrgImpact(org.name, children, people, open_pledges)


def set_org_active(org_id: int | str, active: bool) -> Org:
    """停用 (deactivate) or 启用 (reactivate) an organization; its records stay (see :class:`OrgImpact`)."""
    org = _live_org(org_id)
    if org.parent_id is None and not active:
        raise ValidationError("县（区）根组织不能停用", "org")
    if active and org.parent is not None and not org.parent.active:
        raise ValidationError(f"上级「{org.parent.name}」已停用，请先启用上级或把该组织移到其他上级", "org")
    _update(org, "org", {"active": bool(active)})
    return org


def subtree_ids(org_id: int) -> list[int]:
    org = _get(Org, org_id, "党组织")
    return [o.id for o in Org.select(Org.id).where(Org.path.startswith(org.path))]


# ------------------------------------------------------------ people


def _person_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    check = _checker(fields, values, errors)

    check("name", lambda v: _text(v, "name", "姓名", limit=MAX_NAME))
    check("gender", lambda v: _code(vocab.GENDERS, v, "gender", "性别", required=False))
    check("ethnicity", lambda v: _text(v, "ethnicity", "民族", required=False, limit=20) or None)
    check("education", lambda v: _text(v, "education", "学历", required=False, limit=20) or None)
    check("birth_date", lambda v: _date(v, "birth_date", "出生日期"))
    check("joined_date", lambda v: _date(v, "joined_date", "入党时间"))
    check("post", lambda v: _text(v, "post", "职务", required=False, limit=MAX_NAME) or None)
    check("cadre_level", lambda v: _text(v, "cadre_level", "干部级别", required=False, limit=50) or None)
    check("phone", lambda v: _phone(v))
    check("state", lambda v: _code(vocab.PERSON_STATES, v, "state", "状态"))

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
    if errors:
        raise ValidationErrors(errors)
    if "name" in values:
        values["pinyin"] = pinyin_key(values["name"])
    return values


def _phone(value: Any) -> str | None:
    text = "".join(ch for ch in str(value or "") if not ch.isspace()).replace("-", "")
    if not text:
        return None
    if not text.isdigit() or not (7 <= len(text) <= 12):
        raise ValidationError(f"联系电话「{value}」不像电话号码（应为7–12位数字）", "phone")
    return text


def _active_org(org: Org, what: str) -> None:
    if not org.active:
        raise ValidationError(f"「{org.name}」已停用，不能{what}；请选择其他党组织，或先在「组织管理」中启用它", "org_id")


def create_person(name: str, org_id: int, **fields: Any) -> Person:
    values = _person_values({"name": name, "org_id": org_id, **fields})
    _active_org(values["org"], "再添加人员")
    if values.get("id_number") and Person.get_or_none(
        (Person.id_number == values["id_number"]) & Person.deleted_at.is_null()
    ):
        raise ValidationError("该身份证号已登记在另一名人员名下，请核对", "id_number")
    with transaction():
        person = Person.create(**values)
        audit.record("create", "person", person.uid, {k: (None, v) for k, v in values.items() if k not in ("pinyin", "id_number", "phone")})
    return person


def update_person(person_id: int, **fields: Any) -> Person:
    person = _get(Person, person_id, "人员")
    values = _person_values(fields)
    if "org" in values and values["org"].id != person.org_id:
        _active_org(values["org"], "把人员转入")
    if values.get("id_number") and Person.get_or_none(
        (Person.id_number == values["id_number"]) & (Person.id != person.id) & Person.deleted_at.is_null()
    ):
        raise ValidationError("该身份证号已登记在另一名人员名下，请核对", "id_number")
    with transaction():
        changes = _apply(person, values)
        if changes:
            person.updated_at = utcnow()
            person.save()
            # personal data is recorded as changed, never its values
            safe = {k: (("***", "***") if k in ("id_number", "phone") else v) for k, v in changes.items() if k != "pinyin"}
            audit.record("update", "person", person.uid, safe)
    return person


# ------------------------------------------------------------ pledges


def _pledge_values(fields: dict[str, Any], year: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    check = _checker(fields, values, errors)

    check("content", lambda v: _text(v, "content", "承诺事项"))
    check("measures", lambda v: _text(v, "measures", "践诺措施", required=False))
    check("scope", lambda v: _code(vocab.SCOPES, v, "scope", "承诺范围"))
    check("category", lambda v: _code(categories(), v, "category", "承诺类别"))
    check("term", lambda v: _code(vocab.TERMS, v, "term", "承诺期限"))
    check("due_date", lambda v: _date(v, "due_date", "完成时限"))
    check("approved_by", lambda v: _text(v, "approved_by", "审定人", required=False, limit=MAX_NAME) or None)
    check("approved_on", lambda v: _date(v, "approved_on", "审定日期"))
    check("published_on", lambda v: _date(v, "published_on", "公示日期"))
    if "due_date" in values:
        try:
            _sane_due(year, values["due_date"])
        except ValidationError as exc:
            errors["due_date"] = exc.message
    if errors:
        raise ValidationErrors(errors)
    return values


def _pledger(org_id: int | None, person_id: int | None) -> tuple[Org, Person | None]:
    if person_id:
        person = Person.get_or_none(Person.id == person_id)
        if person is None or person.deleted_at is not None:
            raise ValidationError("承诺人不存在，请重新选择", "pledger")
        if person.state != "active":
            raise ValidationError(f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不能新建承诺", "pledger")
        return person.org, person
    if org_id:
        org = Org.get_or_none(Org.id == org_id)
        if org is None or org.deleted_at is not None:
            raise ValidationError("承诺的党组织不存在，请重新选择", "pledger")
        return org, None
    raise ValidationError("请选择承诺人（党组织或党员）", "pledger")


def create_pledge(
    year: int,
    content: str,
    *,
    org_id: int | None = None,
    person_id: int | None = None,
    scope: str | None = None,
    category: str = "service",
    status: str = "in_progress",
    **fields: Any,
) -> Pledge:
    ensure_year_open(year)
    org, person = _pledger(org_id, person_id)
    _active_org(org, "新建承诺")
    scope = scope or ("personal" if person else "org")
    values = _pledge_values({"content": content, "scope": scope, "category": category, **fields}, year)
    status_code = _code(vocab.PLEDGE_STATUSES, status, "status", "状态")
    if status_code not in ("draft", "in_progress"):
        raise ValidationError("新建的承诺只能是「拟定」或「践诺中」", "status")
    with transaction():
        pledge = Pledge.create(year=year, org=org, person=person, status=status_code, **values)
        audit.record(
            "create",
            "pledge",
            pledge.uid,
            {"content": (None, values["content"]), "pledger": (None, (person or org).uid), "year": (None, year)},
        )
    return pledge


def _live_pledge(pledge_id: int | str) -> Pledge:
    pledge = _get(Pledge, pledge_id, "承诺")
    ensure_year_open(pledge.year)
    if pledge.deleted_at is not None:
        raise ValidationError("该承诺已被删除；如需修改请先恢复", "pledge")
    return pledge


def update_pledge(pledge_id: int | str, **fields: Any) -> Pledge:
    pledge = _live_pledge(pledge_id)
    if "org_id" in fields or "person_id" in fields:
        org, person = _pledger(fields.pop("org_id", None), fields.pop("person_id", None))
        fields["org"] = org
        fields["person"] = person
    pledger = {k: fields.pop(k) for k in ("org", "person") if k in fields}
    values = _pledge_values(fields, pledge.year)
    with transaction():
        changes = _apply(pledge, values)
        for key, new in pledger.items():
            old = getattr(pledge, key)
            if (old.id if old else None) != (new.id if new else None):
                changes[key] = (old, new)
                setattr(pledge, key, new)
        if changes:
            pledge.updated_at = utcnow()
            pledge.save()
            audit.record("update", "pledge", pledge.uid, changes)
    return pledge


def set_status(pledge_id: int | str, status: str, on: date | str | None = None) -> Pledge:
    """Move a pledge along 拟定 → 践诺中 → 已兑现/部分兑现/未兑现, or 已撤销."""
    pledge = _live_pledge(pledge_id)
    code = _code(vocab.PLEDGE_STATUSES, status, "status", "状态")
    if code == "carried":
        raise ValidationError("「已结转」只能由年终结转设置", "status")
    when = _date(on, "fulfilled_on", "兑现日期")
    values: dict[str, Any] = {"status": code}
    if code in vocab.RESULT_STATUSES:
        when = when or date.today()
        if when < date(pledge.year - 1, 1, 1) or when > date.today():
            raise ValidationError("兑现日期不能晚于今天，也不能早于承诺年度", "fulfilled_on")
        values["fulfilled_on"] = when
    else:
        values["fulfilled_on"] = None
    _update(pledge, "pledge", values)
    return pledge


def _progress_values(note: str, on: date | str | None, percent: int | str | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        note = _text(note, "note", "践诺情况")
    except ValidationError as exc:
        errors["note"] = exc.message
    try:
        when = _date(on, "date", "日期") or date.today()
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


def add_progress(pledge_id: int | str, note: str, on: date | str | None = None, percent: int | str | None = None) -> Progress:
    pledge = _live_pledge(pledge_id)
    values = _progress_values(note, on, percent)
    note = values["note"]
    with transaction():
        entry = Progress.create(pledge=pledge, **values)
        audit.record("create", "progress", entry.uid, {"note": (None, note), "pledge": (None, pledge.uid)})
        if pledge.status == "draft":
            pledge.status = "in_progress"
            pledge.updated_at = utcnow()
            pledge.save()
            audit.record("update", "pledge", pledge.uid, {"status": ("draft", "in_progress")})
    return entry


# ------------------------------------------------------------ evaluations


def satisfaction_rate(satisfied: int | None, basic: int | None, valid: int | None, formula: str | None = None) -> float | None:
    """满意率 of one set of votes by the county's formula; None without valid votes."""
    if not valid:
        return None
    formula = formula or get_setting("satisfaction_formula", "satisfied_plus_basic")
    top = (satisfied or 0) + ((basic or 0) if formula != "satisfied_only" else 0)
    return top / valid


def participation_rate(valid: int | None, issued: int | None) -> float | None:
    """参与率 = 有效票 / 发放票数."""
    if not issued:
        return None
    return (valid or 0) / issued


def needs_rectification(
    kind: str, grade: str | None, basic: int | None, unsatisfied: int | None, valid: int | None = None
) -> bool:
    """Whether an evaluation's result asks for a rectification (限期整改).

    A poor grade always does. For 群众评议 votes the county's rule decides
    (settings ``rectification_rule`` and ``rectification_threshold``).
    """
    if grade in RECT_POOR_GRADES:
        return True
    if kind != "public":
        return False
    if grade == "basic" and not valid:
        return True
    from pledgebook.models.store import settings

    rule = settings.get("rectification_rule")
    if rule == "any_unsatisfied":
        return bool(unsatisfied)
    if rule == "basic_or_unsatisfied":
        return bool(unsatisfied) or bool(basic)
    if not valid or not unsatisfied:
        return False
    return unsatisfied * 100 > settings.get_int("rectification_threshold") * valid


RECT_POOR_GRADES = ("unsatisfied", "poor", "unqualified", "basic_qualified")


def rectification_sql(alias: str = "e") -> str:
    """:func:`needs_rectification` as an SQL condition over evaluation ``alias`` (the county's rule
    as it stands), for the checks that look over a whole year (doctor, rollover)."""
    from pledgebook.models.store import settings

    poor = ",".join(f"'{g}'" for g in RECT_POOR_GRADES)
    valid, basic, unsat = (f"coalesce({alias}.{c}, 0)" for c in ("ballots_valid", "votes_basic", "votes_unsatisfied"))
    rule = settings.get("rectification_rule")
    if rule == "any_unsatisfied":
        votes = f"{unsat} > 0"
    elif rule == "basic_or_unsatisfied":
        votes = f"({unsat} > 0 OR {basic} > 0)"
    else:
        votes = f"({valid} > 0 AND {unsat} > 0 AND {unsat} * 100 > {settings.get_int('rectification_threshold')} * {valid})"
    return (f"({alias}.grade IN ({poor}) OR ({alias}.kind = 'public' AND "
            f"(({alias}.grade = 'basic' AND {valid} = 0) OR {votes})))")


def undated_rectifications(year: int | None = None) -> list[tuple[int, int, str, str]]:
    """Live evaluations that need a rectification but have no due date and are not done (written by
    older versions): (evaluation id, pledge id, pledge year, evaluation date), oldest first."""
    where, params = "", []
    if year is not None:
        where, params = " AND p.year = ?", [year]
    return [(eid, pid, year, date.fromisoformat(str(on)[:10])) for eid, pid, year, on in database.execute_sql(
        "SELECT e.id, p.id, p.year, e.date FROM evaluation e JOIN pledge p ON p.id = e.pledge_id "
        "WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL AND e.rect_due IS NULL AND e.rect_done IS NULL "
        f"AND {rectification_sql('e')}{where} ORDER BY p.year, e.date, e.id", params).fetchall()]


def default_rectification_due(evaluated_on: date) -> date:
    """The rectification due date by the county's default term."""
    from datetime import timedelta

    from pledgebook.models.store import settings

    return evaluated_on + timedelta(days=settings.get_int("rectification_days"))


def _evaluation_values(pledge: Pledge, fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    check = _checker(fields, values, errors, every=True)

    check("kind", lambda v: _code(vocab.EVAL_KINDS, v, "kind", "评议方式"))
    check("date", lambda v: _date(v, "date", "评议日期") or date.today())
    check("evaluator", lambda v: _text(v, "evaluator", "评议人", required=False, limit=MAX_NAME))
    check("comment", lambda v: _text(v, "comment", "评定意见", required=False))
    for field, label in (
        ("ballots_issued", "发放票数"),
        ("ballots_valid", "有效票"),
        ("votes_satisfied", "满意票"),
        ("votes_basic", "基本满意票"),
        ("votes_unsatisfied", "不满意票"),
    ):
        check(field, lambda v, f=field, lab=label: _count(v, f, lab))
    check("rect_due", lambda v: _date(v, "rect_due", "整改时限"))
    check("rect_note", lambda v: _text(v, "rect_note", "整改措施", required=False))
    kind = values.get("kind")
    grade = fields.get("grade")
    if grade not in (None, ""):
        allowed: dict[str, str] = {}
        for gset in vocab.GRADES_FOR_KIND.get(kind or "", ()):
            allowed.update(vocab.GRADE_SETS[gset])
        code = vocab.code_for(allowed, str(grade)) if allowed else None
        if code is None:
            kind_label = vocab.label(vocab.EVAL_KINDS, kind)
            errors["grade"] = f"评定等次「{grade}」不适用于{kind_label}（可选：{'、'.join(allowed.values())}）"
        values["grade"] = code
    else:
        values["grade"] = None
    score = fields.get("score")
    if score not in (None, ""):
        try:
            values["score"] = float(score)
            if not 0 <= values["score"] <= 100:
                errors["score"] = "分数应在 0–100 之间"
        except (TypeError, ValueError):
            errors["score"] = f"分数应为 0–100 的数字，收到「{score}」"
    else:
        values["score"] = None

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
    if errors:
        raise ValidationErrors(errors)
    if values.get("rect_due") is None and values.get("rect_done") is None and needs_rectification(
        values["kind"], values.get("grade"), values.get("votes_basic"), values.get("votes_unsatisfied"),
        values.get("ballots_valid"),
    ):  # never a rectification nothing can close: the county's 整改期限 when none is given
        values["rect_due"] = default_rectification_due(values["date"])
    return values


def record_evaluation(pledge_id: int | str, kind: str, **fields: Any) -> Evaluation:
    """Record one 评诺. Fields: date, evaluator, grade, score, ballots_issued,
    ballots_valid, votes_satisfied, votes_basic, votes_unsatisfied, comment,
    rect_due, rect_note."""
    pledge = _live_pledge(pledge_id)
    values = _evaluation_values(pledge, {"kind": kind, **fields})
    with transaction():
        ev = Evaluation.create(pledge=pledge, **values)
        audit.record(
            "create",
            "evaluation",
            ev.uid,
            {k: (None, v) for k, v in values.items() if v not in (None, "")} | {"pledge": (None, pledge.uid)},
        )
    return ev


def _live_entry(model: type[Model], record_id: int | str, label: str) -> Any:
    """A progress entry or an evaluation that may be changed: there, live, of a live pledge in an open year."""
    entry = _get(model, record_id, label)
    ensure_year_open(entry.pledge.year)
    if entry.deleted_at is not None:
        raise ValidationError(f"该{label}已被删除；如需修改请先撤销删除", model._meta.table_name)
    if entry.pledge.deleted_at is not None:
        raise ValidationError("该承诺已被删除；如需修改请先恢复", "pledge")
    return entry


def update_progress(progress_id: int | str, note: str, on: date | str | None = None,
                    percent: int | str | None = None) -> Progress:
    """Correct a 践诺记录 (its date, note, percent); audited."""
    entry = _live_entry(Progress, progress_id, "践诺记录")
    values = _progress_values(note, on, percent)
    _update(entry, "progress", values)
    return entry


def update_evaluation(evaluation_id: int | str, **fields: Any) -> Evaluation:
    """Correct a 评诺 entered wrongly: every field as :func:`record_evaluation` takes them (a field left
    out or blank is cleared), checked the same way; audited. The figures count the corrected one only."""
    ev = _live_entry(Evaluation, evaluation_id, "评议记录")
    fields = {k: (None if v == "" else v) for k, v in fields.items()}
    fields.setdefault("kind", ev.kind)
    if ev.rect_done is not None and not fields.get("rect_due"):
        fields["rect_due"] = ev.rect_due  # a rectification done keeps the due date it was done against
    values = _evaluation_values(ev.pledge, fields)
    _update(ev, "evaluation", values)
    return ev


def _live_evaluation(evaluation_id: int | str) -> Evaluation:
    ev = _get(Evaluation, evaluation_id, "评议记录")
    ensure_year_open(ev.pledge.year)
    if ev.deleted_at is not None:
        raise ValidationError("该评议记录已被删除", "evaluation")
    return ev


def set_rectification(evaluation_id: int | str, due: date | str, note: str = "") -> Evaluation:
    ev = _live_evaluation(evaluation_id)
    due_date = _date(due, "rect_due", "整改时限")
    if due_date is None:
        raise ValidationError("请填写整改时限", "rect_due")
    if due_date < ev.date:
        raise ValidationError("整改时限不能早于评议日期", "rect_due")
    note = _text(note, "rect_note", "整改措施", required=False)
    _update(ev, "evaluation", {"rect_due": due_date, "rect_note": note or ev.rect_note, "rect_done": None})
    return ev


def close_rectification(evaluation_id: int | str, done: date | str | None = None, note: str = "") -> Evaluation:
    ev = _live_evaluation(evaluation_id)
    undated = ev.rect_due is None and needs_rectification(
        ev.kind, ev.grade, ev.votes_basic, ev.votes_unsatisfied, ev.ballots_valid)
    if ev.rect_due is None and not undated:
        raise ValidationError("该评议没有整改要求，无需销号", "rect_done")
    if ev.rect_done is not None:
        raise ValidationError(f"该整改已于 {ev.rect_done.isoformat()} 完成", "rect_done")
    done_date = _date(done, "rect_done", "整改完成日期") or date.today()
    if done_date > date.today():
        raise ValidationError("整改完成日期不能晚于今天", "rect_done")
    if done_date < ev.date:
        raise ValidationError("整改完成日期不能早于评议日期", "rect_done")
    note = _text(note, "rect_note", "整改情况", required=False)
    values: dict[str, Any] = {"rect_done": done_date, "rect_note": note or ev.rect_note}
    if undated:  # written without a due date by an older version: the county's term, for the record
        values = {"rect_due": default_rectification_due(ev.date), **values}
    with transaction():
        changes = _apply(ev, values)
        ev.updated_at = utcnow()
        ev.save()
        audit.record("update", "evaluation", ev.uid, changes)
    return ev


# ------------------------------------------------------------ delete / restore

_DELETABLE: dict[str, tuple[type[Model], str]] = {
    "pledge": (Pledge, "承诺"),
    "progress": (Progress, "践诺记录"),
    "evaluation": (Evaluation, "评议记录"),
    "org": (Org, "党组织"),
}


def _year_of(table: str, obj: Any) -> int | None:
    if table == "pledge":
        return obj.year
    if table in ("progress", "evaluation"):
        return obj.pledge.year
    return None


def soft_delete(table: str, record_id: int | str) -> None:
    """Mark a record deleted (it travels upward as a deletion); undo with :func:`restore`."""
    model, label = _DELETABLE[table]
    obj = _get(model, record_id, label)
    year = _year_of(table, obj)
    if year is not None:
        ensure_year_open(year)
    if obj.deleted_at is not None:
        return
    if table == "org":
        if obj.parent_id is None:
            raise ValidationError("不能删除县（区）根组织", "org")
        live_children = Org.select().where((Org.parent == obj.id) & Org.deleted_at.is_null()).count()
        live_pledges = Pledge.select().where((Pledge.org == obj.id) & Pledge.deleted_at.is_null()).count()
        live_people = Person.select().where((Person.org == obj.id) & Person.deleted_at.is_null()).count()
        if live_children or live_pledges or live_people:
            raise ValidationError(
                f"「{obj.name}」下还有 {live_children} 个下级组织、{live_people} 名人员、{live_pledges} 条承诺，"
                "请先转移或删除它们；已撤销的组织也可以设为「停用」", "org")
    mark_deleted(table, obj)


def restore(table: str, record_id: int | str) -> None:
    model, label = _DELETABLE[table]
    obj = _get(model, record_id, label)
    year = _year_of(table, obj)
    if year is not None:
        ensure_year_open(year)
    if obj.deleted_at is None:
        return
    with transaction():
        old = obj.deleted_at
        obj.deleted_at = None
        obj.updated_at = utcnow()
        obj.save()
        audit.record("restore", table, obj.uid, {"deleted_at": (old, None)})


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
    from pledgebook.models.ledger.figures import counted_on, overdue_check

    if pledge.deleted_at is not None:
        return False
    day = counted_on(pledge.year, today)
    return overdue_check(pledge.year, day)(pledge.id, pledge.status, pledge.due_date)
