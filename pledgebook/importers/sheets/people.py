"""党员名册: people by ID number, else by name within their org. New members go in with one executemany."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import OrgRef, Unresolved, normalize_text
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationErrors
from pledgebook.models.core.pinyin import pinyin_keys
from pledgebook.models.ledger import rules, validate
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Org, Person, database, new_uid, utcnow

# field → (column, synonyms of its vocabulary)
_COLUMNS: dict[str, tuple[str, str | None]] = {
    "gender": ("性别", "gender"), "ethnicity": ("民族", None), "education": ("学历", None),
    "birth_date": ("出生日期", None), "joined_date": ("入党时间", None), "post": ("职务", None),
    "phone": ("联系电话", None), "state": ("人员状态", "state"),
}
_FIELD_COLUMN = {f: col for f, (col, _) in _COLUMNS.items()} | {"name": "姓名", "id_number": "公民身份号码",
                                                              "org_id": "党组织"}
# the person table's columns a bulk insert writes
_INSERT = ("name", "org_id", "gender", "ethnicity", "education", "birth_date", "joined_date", "post", "cadre_level",
           "id_number", "phone", "state")
_STATE = _INSERT.index("state")


def org_of(ctx: Context, row: Row, c: Collector, col: str = "党组织", *, required: bool = True) -> OrgRef | None:
    """The org named in ``col`` (a sheet names a few hundred orgs on thousands of rows: each looked up once)."""
    raw = row.raw(col)
    if raw is None:
        if required:
            c.add(col if row.has(col) else None, "请填写党组织名称（或组织代码）")
        return None
    key = ("org", raw, row.raw("乡镇"))
    hit = ctx.memo.get(key)
    if hit is None:
        try:
            hit = ctx.memo[key] = (ctx.orgs.resolve(raw, row.raw("乡镇")), None)
        except Unresolved as exc:
            hit = ctx.memo[key] = (None, str(exc))
    if hit[1] is not None:
        c.add(col, hit[1])
    return hit[0]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class People(SheetKind):
    name = "people"
    label = "党员名册"
    table = "person"
    required = (("姓名",), ("党组织",))
    key_columns = ("公民身份号码", "性别")
    reads = frozenset({"性别", "民族", "学历", "出生日期", "入党时间", "职务", "联系电话", "人员状态"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        name = cells.text(row, "姓名", "姓名", c, required=True, limit=rules.MAX_NAME)
        org = org_of(ctx, row, c)
        number = cells.id_number(row, c)
        fields = self._fields(ctx, row, c)
        c.raise_if_any()
        assert org is not None
        try:
            # the name is checked above; without it the validator skips the pinyin, which the bulk insert makes
            checked = {"name": name, **validate.person_values(fields)}
        except ValidationErrors as exc:
            raise RowErrors([(_FIELD_COLUMN.get(f, None), m) for f, m in exc.errors.items()]) from None
        if number:
            checked["id_number"] = number
        key = ("person", number) if number else ("person", org.id, cells.content_key(name))
        dup = ctx.duplicate(key, row.number)
        if dup:
            raise RowErrors([("姓名", dup)])
        existing = ctx.people.by_number.get(number) if number else None
        if existing is None:
            pool = ctx.people.by_org_name.get((org.id, cells.content_key(name)), [])
            if len(pool) > 1 and not number:
                raise RowErrors([("姓名", f"「{org.name}」有 {len(pool)} 名「{name}」，请填写公民身份号码区分")])
            existing = pool[0] if pool and (not number or not pool[0].id_number) else None
        checked["org_id"] = org.id
        if existing is None:
            return [Planned("person", "add", row.number, checked, label=name)]
        person = ctx.person_record(existing.id)
        found = cells.changes({k: person.get(k) for k in checked}, checked)
        return [Planned("person", "update" if found else "unchanged", row.number, checked, found, existing.id, name)]

    @staticmethod
    def _fields(ctx: Context, row: Row, c: Collector) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for fname, (col, syn) in _COLUMNS.items():
            if row.raw(col) is None:
                continue
            if fname in ("birth_date", "joined_date"):
                fields[fname] = cells.date(row, col, c, ctx.date1904)
            elif fname == "gender":
                fields[fname] = cells.vocabulary(row, col, "性别", vocab.GENDERS, syn, c)
            elif fname == "state":
                fields[fname] = cells.vocabulary(row, col, "人员状态", vocab.PERSON_STATES, syn, c)
            elif fname == "phone":
                fields[fname] = normalize_text(row.raw(col)).replace(" ", "")
            else:
                fields[fname] = cells.text(row, col, col, c, limit=rules.MAX_NAME)
        return fields

    def write(self, p: Planned, w: Writer) -> None:
        fields = dict(p.values)
        if p.action == "add":
            org_id: int = fields.pop("org_id")  # an org's id, or -row for one this import adds
            rules.create_person(fields.pop("name"), w.new_orgs.get(org_id, org_id), **fields)
        else:
            assert p.target is not None
            rules.update_person(p.target, **{k: fields[k] for k in p.changes})

    def write_many(self, adds: list[Planned], w: Writer) -> bool:
        """New members and their audit entries, each in one executemany; pinyin made for all names at once.

        Validated in planning as rules.create_person validates; checked again here, inside the lock, that
        their orgs are live and no ID number was taken meanwhile. Not for members of orgs this import adds
        (those go one by one, after their orgs)."""
        if w.adds_orgs:
            return False
        org_ids = list({p.values["org_id"] for p in adds})
        # peewee's stubs type .tuples() as the model select it is called on; it yields plain tuples
        orgs = dict(cast("Iterable[tuple[int, str]]", Org.select(Org.id, Org.uid).where(
            Org.id.in_(org_ids), Org.deleted_at.is_null()).tuples()))
        numbers = [p.values["id_number"] for p in adds if p.values.get("id_number")]
        taken: set[str] = set(Person.select(Person.id_number).where(
            Person.id_number.in_(numbers), Person.deleted_at.is_null()).scalars()) if numbers else set()
        keys = pinyin_keys([p.values["name"] for p in adds])
        now = utcnow()
        rows: list[tuple] = []
        entries: list[tuple[str, str, str | None, str, str]] = []
        for p, key in zip(adds, keys, strict=True):
            v = p.values
            if v["org_id"] not in orgs:
                raise PledgebookError(f"第 {p.row} 行（{p.label}）：所在党组织在导入过程中被删除，请重新导入")
            if v.get("id_number") in taken:
                raise PledgebookError(f"第 {p.row} 行（{p.label}）：该身份证号已登记在另一名人员名下，请核对")
            uid = new_uid()
            fields = [_iso(v.get(c)) if c.endswith("_date") else v.get(c) for c in _INSERT]
            fields[_STATE] = fields[_STATE] or "active"  # a new member is 在册 unless the file says otherwise
            rows.append((uid, str(now), str(now), *fields, key))
            changes = {k: [None, _iso(value) if isinstance(value, dt.date) else value] for k, value in v.items()
                       if k not in ("id_number", "phone", "org_id")}
            changes["org"] = [None, orgs[v["org_id"]]]
            entries.append(("create", "person", uid, json.dumps(changes, ensure_ascii=False), f"导入 {w.file_name}"))
        database.cursor().executemany(
            f"INSERT INTO {Person._meta.table_name} (uid, created_at, updated_at, {', '.join(_INSERT)}, pinyin) "
            f"VALUES ({', '.join('?' * (len(_INSERT) + 4))})", rows)
        audit.record_many(entries, at=now)
        return True


SHEET = People()
