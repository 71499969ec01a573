"""评选表彰推荐: the townships' recommendations, one candidate per row (source 乡镇推荐).

Columns: 推荐类别 (先进基层党组织 / 优秀共产党员 / 优秀党务工作者), 党组织, 姓名 (blank for 先进基层党组织),
公民身份号码 (to tell namesakes apart), 推荐理由. The year is the import's (``--year``, else the current one).

A row becomes a candidate through the ledger's own rule (``rules.honours.add_candidate``): one who does not
meet the county's criteria (:mod:`pledgebook.models.appraisal.criteria`) goes in only with a 推荐理由 —
without one the row is listed as a problem naming every criterion not met. The criteria are read once per
sheet for every member and branch of the year. One live candidate per kind, year and member (or org): a
member already put forward (by the records, the office or an earlier file) is left as it is, a new reason
given for a township's own earlier recommendation updates it (audited); a decided one is never changed.
"""

from __future__ import annotations

from typing import Any

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.resolve import OrgRef, PersonRef
from pledgebook.importers.sheets.member import find_member
from pledgebook.importers.sheets.people import org_of
from pledgebook.models.appraisal.criteria import ORG_KINDS, Criteria
from pledgebook.models.appraisal.rules import honours as rules
from pledgebook.models.core import vocab
from pledgebook.models.store.lifecycle import apply_changes, live_record, stamp, transaction
from pledgebook.models.store.tables import Honour, fetch_all
from pledgebook.models.store.years import ensure_year_open

KIND = "推荐类别"
REASON = "推荐理由"
_NOTE_LIMIT = 500

Key = tuple[str, str, int]  # (kind, 'o' for an org or 'p' for a member, its id)


def _criteria(ctx: Context, year: int) -> Criteria:
    """The county's criteria read once for every member and branch of ``year`` (per table)."""
    key = ("honour-criteria", year)
    if key not in ctx.memo:
        ctx.memo[key] = Criteria(year)
    return ctx.memo[key]


def _existing(ctx: Context, year: int) -> dict[Key, dict[str, Any]]:
    """The live honours of ``year`` by kind and member (or org), loaded once per table."""
    key = ("honour-existing", year)
    if key not in ctx.memo:
        ctx.memo[key] = {
            (kind, "p" if pid else "o", pid or oid): {"id": hid, "source": source, "status": status,
                                                      "reason": reason or "", "note": note or ""}
            for hid, kind, oid, pid, source, status, reason, note in fetch_all(
                "SELECT id, kind, org_id, person_id, source, status, reason, note FROM honour "
                "WHERE year = ? AND deleted_at IS NULL", [year])}
    return ctx.memo[key]


class Honours(SheetKind):
    name = "honours"
    label = "评选表彰推荐"
    table = "honour"
    required = ((KIND,), ("党组织", "姓名"))
    key_columns = (REASON,)
    reads = frozenset({KIND, REASON, "职务"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        kind = cells.vocabulary(row, KIND, KIND, vocab.HONOUR_KINDS, "honour_kind", c, ctx.memo)
        if kind is None and row.raw(KIND) is None:
            c.add(KIND if row.has(KIND) else None,
                  f"请填写推荐类别（{'、'.join(vocab.HONOUR_KINDS.values())}）")
        reason = cells.text(row, REASON, REASON, c)
        note = cells.text(row, "备注", "备注", c, limit=_NOTE_LIMIT)
        if ctx.year is None:
            c.add(None, "台账中还没有工作年度，请先开启年度或用 --year 指定")
        target = self._target(ctx, row, c, kind) if kind is not None else None
        c.raise_if_any()
        assert kind is not None and target is not None and ctx.year is not None
        year = ctx.year
        problem = ctx.check_year(year)
        if problem:
            raise RowErrors([(None, problem)])
        org, person = target
        who = person.name if person else org.name
        key: Key = (kind, "p", person.id) if person else (kind, "o", org.id)
        dup = ctx.duplicate(("honour", *key), row.number)
        if dup:
            raise RowErrors([("姓名" if person else "党组织", dup)])
        label = f"{who} {vocab.HONOUR_KINDS[kind]}"
        existing = _existing(ctx, year).get(key)
        if existing is not None:
            return [self._again(existing, reason, note, row.number, label)]
        unmet = _criteria(ctx, year).unmet(kind, org_id=org.id, person_id=person.id if person else None)
        if unmet and not reason:
            raise RowErrors([(REASON if row.has(REASON) else None,
                              f"{who}不符合{vocab.HONOUR_KINDS[kind]}的条件：{'；'.join(unmet)}。"
                              f"如确需推荐，请在「{REASON}」中写明理由")])
        values = {"kind": kind, "year": year, "org_id": org.id, "person_id": person.id if person else None,
                  "reason": reason, "note": note}
        return [Planned("honour", "add", row.number, values, label=label)]

    @staticmethod
    def _target(ctx: Context, row: Row, c: Collector, kind: str) -> tuple[OrgRef, PersonRef | None] | None:
        """The org honoured (先进基层党组织), or the member and their org: the member 在册, in the org named."""
        if kind in ORG_KINDS:
            org = org_of(ctx, row, c)
            if row.raw("姓名") is not None:
                c.add("姓名", f"{vocab.HONOUR_KINDS[kind]}表彰的是党组织，「姓名」请留空（推荐党员请选优秀共产党员或优秀党务工作者）")
            return (org, None) if org is not None else None
        if row.raw("姓名") is None:
            c.add("姓名" if row.has("姓名") else None, f"{vocab.HONOUR_KINDS[kind]}表彰的是党员，请填写姓名")
            return None
        person = find_member(ctx, row, c)
        if person is None:
            return None
        if person.state != "active":
            c.add("姓名", f"{person.name}已{vocab.label(vocab.PERSON_STATES, person.state)}，不是在册党员，不能推荐表彰")
            return None
        return ctx.orgs.by_id[person.org_id], person

    @staticmethod
    def _again(existing: dict[str, Any], reason: str, note: str, row: int, label: str) -> Planned:
        """A candidate already put forward: a township's own recommendation takes a new reason or note; any
        other (from the records, the office, or decided) is left as it is."""
        warnings: list[tuple[str, str]] = []
        new = {k: v for k, v in (("reason", reason), ("note", note)) if v}
        if existing["status"] != "candidate" or existing["source"] != "recommended":
            state = vocab.label(vocab.HONOUR_STATUSES, existing["status"])
            whence = vocab.label(vocab.HONOUR_SOURCES, existing["source"])
            warnings.append((KIND, f"已是本年度的{state}（{whence}），本行未作改动"))
            new = {}
        found = cells.changes(existing, new)
        return Planned("honour", "update" if found else "unchanged", row, new, found, existing["id"], label,
                       warnings)

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        if p.action == "add":
            honour = rules.add_candidate(v["kind"], v["year"], org_id=v["org_id"], person_id=v["person_id"],
                                         source="recommended", reason=v["reason"], note=v["note"])
            Honour.update(batch=w.batch.id, source_row=p.row).where(Honour.id == honour.id).execute()
            return
        assert p.target is not None
        honour = live_record(Honour, p.target, "表彰记录")
        ensure_year_open(honour.year)
        with transaction():
            stamp(honour, "honour", apply_changes(honour, {k: new for k, (_, new) in p.changes.items()}))


SHEET = Honours()
