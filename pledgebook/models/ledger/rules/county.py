"""Setting up a ledger file: the county (or prefecture) root, its categories, and its work years."""

from __future__ import annotations

from pledgebook.models.core import fields as F
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import NotInitialized, PledgebookError, ValidationError, ValidationErrors
from pledgebook.models.core.fields import MAX_NAME
from pledgebook.models.core.pinyin import pinyin_key
from pledgebook.models.ledger import queries
from pledgebook.models.ledger.categories import categories
from pledgebook.models.store import audit
from pledgebook.models.store.db import county_code_problem, get_setting, is_initialized, set_setting
from pledgebook.models.store.lifecycle import transaction
from pledgebook.models.store.tables import Category, Org, WorkYear, utcnow
from pledgebook.models.store.years import year_state


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
        raise NotInitialized()
    return root


def add_category(label: str) -> str:
    label = F.text(label, "label", "类别名称", limit=MAX_NAME)
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


def current_year() -> int | None:
    """The latest open year, else the latest year."""
    return queries.current_year()
