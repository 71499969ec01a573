"""承诺台账: pledges by their uid (承诺编号) when the file has one, else year + pledger + content.

New pledges — the bulk of a township file — go in with one ``executemany`` for the rows and one
:func:`audit.record_many` for their audit entries. Planning validates them as the ledger's rules
would, except that an imported pledge may carry a final status such as 已兑现 with its date: the
file records facts. Updates go through :mod:`pledgebook.models.ledger.rules`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import Unresolved, normalize_text, vocab_code
from pledgebook.importers.sheets.pledger import UID_COLUMN, pledger
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Org, Person, Pledge, database, new_uid, utcnow

_INSERT = ("uid", "created_at", "updated_at", "year", "org_id", "person_id", "scope", "category", "content",
           "measures", "due_date", "term", "approved_by", "approved_on", "published_on", "status", "fulfilled_on",
           "source", "batch_id", "source_row")

_AUDIT_CHUNK = 2000  # audit entries written per executemany (20,000 never all held)


@lru_cache(maxsize=1024, typed=True)
def _status_code(raw: object) -> str | None:
    return vocab_code(vocab.PLEDGE_STATUSES, raw, "status")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Pledges(SheetKind):
    name = "pledges"
    label = "承诺台账"
    table = "pledge"
    required = (("承诺事项",), ("党组织", "姓名", "公民身份号码"))
    key_columns = ("完成时限", "姓名")
    reads = frozenset({"承诺类别", "承诺范围", "践诺措施", "完成时限", "公示时间", "践诺情况", "承诺期限", "审定人",
                       "审定日期", "兑现日期"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        year = ctx.year
        year_problem = ctx.check_year(year) if year is not None else "无法确定年度，请用 --year 指定"
        if year_problem:
            raise RowErrors([(None, year_problem)])
        assert year is not None
        c = Collector()
        content = cells.text(row, "承诺事项", "承诺事项", c, required=True)
        new = self._fields(ctx, row, c)
        status = self._status(row, c)
        fulfilled_on = cells.date(row, "兑现日期", c, ctx.date1904)
        if new.get("due_date") is not None:
            c.run("完成时限", cells.check_due, year, new["due_date"])
        uid = normalize_text(row.raw(UID_COLUMN)) or None
        org, person_id = pledger(ctx, row, c)
        c.raise_if_any()
        assert org is not None
        key = cells.content_key(content)
        existing = self._existing(ctx, uid, year) if uid else ctx.pledge_by_key(org.id, person_id, content, year, key)
        dup_key = ("pledge", existing["uid"]) if existing and existing.get("uid") else ("pledge", org.id, person_id, key)
        dup = ctx.duplicate(dup_key, row.number)
        if dup:
            raise RowErrors([("承诺事项", dup)])
        if status is not None:
            new["status"] = status
            new["fulfilled_on"] = None
            if status in vocab.RESULT_STATUSES:
                due = new.get("due_date")
                when = fulfilled_on or (existing or {}).get("fulfilled_on") or min(ctx.today, due or ctx.today)
                if when > ctx.today or when < dt.date(year - 1, 1, 1):
                    raise RowErrors([("兑现日期" if fulfilled_on else "践诺情况", "兑现日期不能晚于今天，也不能早于承诺年度")])
                new["fulfilled_on"] = when
        if existing is None:
            return [self._plan_add(ctx, row, new, year, org.id, person_id, content, key)]
        if uid or existing["org_id"] != org.id or existing["person_id"] != person_id:
            new["org_id"], new["person_id"] = org.id, person_id
        if uid and cells.content_key(existing["content"]) != key:
            new["content"] = content
        if existing["status"] == "carried" and "status" in new:
            new.pop("status")
            new.pop("fulfilled_on", None)
        found = cells.changes(existing, {k: v for k, v in new.items() if v is not None or k in ("fulfilled_on",)})
        if "status" not in found:
            found.pop("fulfilled_on", None)
        return [Planned("pledge", "update" if found else "unchanged", row.number, new, found, existing["id"],
                        content[:20])]

    @staticmethod
    def _fields(ctx: Context, row: Row, c: Collector) -> dict[str, Any]:
        new: dict[str, Any] = {}
        if row.has("践诺措施"):
            new["measures"] = cells.text(row, "践诺措施", "践诺措施", c)
        if row.raw("承诺类别") is not None:
            new["category"] = cells.vocabulary(row, "承诺类别", "承诺类别", ctx.categories, None, c, ctx.memo)
        if row.raw("承诺范围") is not None:
            new["scope"] = cells.vocabulary(row, "承诺范围", "承诺范围", vocab.SCOPES, "scope", c, ctx.memo)
        if row.raw("承诺期限") is not None:
            new["term"] = cells.vocabulary(row, "承诺期限", "承诺期限", vocab.TERMS, "term", c, ctx.memo)
        if row.raw("完成时限") is not None:
            deadline = cells.deadline(ctx, row, "完成时限", c)
            if deadline is not None:
                new["due_date"] = deadline.due
                if deadline.term is not None and "term" not in new:
                    new["term"] = deadline.term
        for col, fname in (("公示时间", "published_on"), ("审定日期", "approved_on")):
            if row.raw(col) is not None:
                new[fname] = cells.date(row, col, c, ctx.date1904)
        if row.raw("审定人") is not None:
            new["approved_by"] = cells.text(row, "审定人", "审定人", c, limit=rules.MAX_NAME)
        return new

    @staticmethod
    def _status(row: Row, c: Collector) -> str | None:
        if row.raw("践诺情况") is None:
            return None
        status = None
        try:
            status = _status_code(row.raw("践诺情况"))
        except Unresolved:
            c.add("践诺情况", f"践诺情况「{row.text('践诺情况')[:40]}」不是可识别的状态。请填写 拟定、践诺中、已兑现、部分兑现、"
                          "未兑现 或 已撤销；具体进展请另用践诺记录表导入")
        if status == "carried":
            c.add("践诺情况", "「已结转」只能由年终结转设置，请改为其他状态")
        return status

    @staticmethod
    def _existing(ctx: Context, uid: str, year: int) -> dict:
        existing = ctx.pledge_by_uid(uid)
        if existing is None:
            raise RowErrors([(UID_COLUMN, f"承诺编号「{uid}」在台账中不存在。新承诺请把承诺编号留空")])
        if existing["year"] != year:
            raise RowErrors([(UID_COLUMN, f"承诺编号「{uid}」属于{existing['year']}年度，不是{year}年度")])
        return existing

    @staticmethod
    def _plan_add(ctx: Context, row: Row, new: dict[str, Any], year: int, org_id: int, person_id: int | None,
                  content: str, key: str) -> Planned:
        values = {
            "year": year, "org_id": org_id, "person_id": person_id, "content": content,
            "scope": new.get("scope") or ("personal" if person_id else "org"),
            "category": new.get("category") or "service", "measures": new.get("measures", ""),
            "due_date": new.get("due_date"), "term": new.get("term") or "annual",
            "approved_by": new.get("approved_by"), "approved_on": new.get("approved_on"),
            "published_on": new.get("published_on"), "status": new.get("status") or "in_progress",
            "fulfilled_on": new.get("fulfilled_on"),
        }
        values["id"] = values["uid"] = None  # the record later rows of this file find (not yet written)
        ctx.remember_pledge(values, key)
        return Planned("pledge", "add", row.number, values, label=content[:20])

    def write(self, p: Planned, w: Writer) -> None:
        assert p.target is not None and p.action == "update"
        fields = {k: p.values[k] for k in p.changes if k not in ("status", "fulfilled_on")}
        if "org_id" in p.values and ("org_id" in p.changes or "person_id" in p.changes):
            fields["org_id"] = p.values["org_id"]
            fields["person_id"] = p.values["person_id"]
        if fields.get("person_id") is None and "org_id" not in fields:
            fields.pop("person_id", None)
        if fields:
            rules.update_pledge(p.target, **fields)
        if "status" in p.changes or ("fulfilled_on" in p.changes and "status" in p.values):
            rules.set_status(p.target, p.values["status"], on=p.values.get("fulfilled_on"))

    def write_many(self, adds: list[Planned], w: Writer) -> bool:
        """New pledges and their audit entries, each in one executemany (about 10× Model.create).

        The pledgers were resolved inside this run; checked again here, inside the lock, that they are live."""
        for year in {p.values["year"] for p in adds}:
            rules.ensure_year_open(year)
        orgs = dict(database.execute_sql(f"SELECT id, uid FROM {Org._meta.table_name} WHERE deleted_at IS NULL").fetchall())
        people = {pid: (org, uid) for pid, org, uid in database.execute_sql(
            f"SELECT id, org_id, uid FROM {Person._meta.table_name} WHERE deleted_at IS NULL AND state = 'active'")}
        for p in adds:
            v = p.values
            if v["org_id"] not in orgs or (v["person_id"] and people.get(v["person_id"], (None,))[0] != v["org_id"]):
                raise PledgebookError("承诺人在导入过程中被删除或调动，请重新导入")
        now = utcnow()
        uids = [new_uid() for _ in adds]

        # generators, not lists: sqlite3 takes the rows as they are made (20,000 tuples and their JSON never all held)
        def rows() -> Iterator[tuple]:
            stamp = str(now)
            for p, uid in zip(adds, uids, strict=True):
                v = p.values
                yield (uid, stamp, stamp, v["year"], v["org_id"], v["person_id"], v["scope"], v["category"],
                       v["content"], v["measures"], _iso(v["due_date"]), v["term"], v["approved_by"],
                       _iso(v["approved_on"]), _iso(v["published_on"]), v["status"], _iso(v["fulfilled_on"]),
                       "import", w.batch.id, p.row)

        def entries() -> Iterator[tuple[str, str, str | None, str, str]]:
            dumps = json.JSONEncoder(ensure_ascii=False).encode
            for p, uid in zip(adds, uids, strict=True):
                v = p.values
                who = people[v["person_id"]][1] if v["person_id"] else orgs[v["org_id"]]
                changes = {"content": [None, v["content"]], "pledger": [None, who], "year": [None, v["year"]]}
                yield ("create", "pledge", uid, dumps(changes), f"导入 {w.file_name} 第{p.row}行")

        database.cursor().executemany(
            f"INSERT INTO {Pledge._meta.table_name} ({', '.join(_INSERT)}) VALUES ({', '.join('?' * len(_INSERT))})",
            rows())
        pending = entries()
        while audit.record_many(islice(pending, _AUDIT_CHUNK), at=now):  # a few thousand held at a time
            pass
        return True


SHEET = Pledges()
