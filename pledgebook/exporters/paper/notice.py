"""公示 notices: one worksheet per organization, and the pledges' 公示 date set in one audited transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pledgebook.exporters.paper.sheets import (
    PaperResult,
    Progress,
    close_workbook,
    cn_date,
    formats,
    lines_needed,
    open_workbook,
    page_setup,
    replace_into,
    sheet_names,
    write_text,
)
from pledgebook.exporters.paper.units import Line, Unit, collect, scope
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules, validate
from pledgebook.models.store import audit, settings
from pledgebook.models.store.tables import Pledge, utcnow


@dataclass
class NoticePlan:
    """What printing the notices of one subtree would do to the 公示 dates, said before it is done."""

    org_name: str
    year: int
    pledges: int  # pledges on the notices
    dated: int  # of these, how many already have a 公示 date

    @property
    def undated(self) -> int:
        return self.pledges - self.dated

    def text(self, overwrite: bool = False) -> str:
        """The sentence a clerk reads before printing: how many get the date, how many keep theirs."""
        if not self.pledges:
            return f"「{self.org_name}」在{self.year}年度没有可公示的承诺（已撤销、已结转的不公示）。"
        head = f"「{self.org_name}」{self.year}年度共 {self.pledges} 项承诺要公示，其中 {self.dated} 项已有公示日期"
        if not self.dated:
            return head + "；打印后这些承诺的公示日期都将设为所填日期。"
        if overwrite:
            return head + f"：这 {self.dated} 项的原公示日期将改为所填日期（记入修改日志）。"
        return head + f"：它们保留原日期，只为其余 {self.undated} 项设置公示日期。"


_NOTICE_COLUMNS = [("序号", 5), ("承诺人", 10), ("职务", 11), ("承诺事项", 36), ("践诺措施", 30), ("完成时限", 15)]


def check_published_on(value: date | str, year: int, today: date | None = None) -> date:
    """The 公示 date given for a notice: a real date, not before the year before, not far ahead."""
    today = today or date.today()
    when = validate.parse_date(value, "published_on", "公示日期")
    if when is None:
        raise ValidationError("请填写公示日期（张贴公示的日期），例如 2024-03-01", "published_on")
    if when < date(year - 1, 1, 1) or when > today + timedelta(days=90):
        raise ValidationError(
            f"公示日期 {when.isoformat()} 不合理：应在 {year - 1} 年以后、且不晚于今天之后 90 天", "published_on"
        )
    return when


def _write_notice_sheet(wb, ws, unit: Unit, f: dict, published_on: date, days: int, phone: str, year: int) -> None:
    ncol = len(_NOTICE_COLUMNS)
    for j, (_, width) in enumerate(_NOTICE_COLUMNS):
        ws.set_column(j, j, width)
    ws.set_row(0, 36)
    ws.merge_range(0, 0, 0, ncol - 1, f"{unit.name}党员公开承诺公示", f["title"])
    end = published_on + timedelta(days=days - 1)
    ws.set_row(1, 24)
    ws.merge_range(1, 0, 1, ncol - 1,
                   f"{year}年度　公示时间：{cn_date(published_on)}至{cn_date(end)}（{days}天）", f["sub"])
    for j, (header, _) in enumerate(_NOTICE_COLUMNS):
        ws.write_string(2, j, header, f["head"])
    ws.set_row(2, 24)
    widths = [w for _, w in _NOTICE_COLUMNS]
    row = 3
    for i, line in enumerate(unit.lines, start=1):
        ws.write_number(row, 0, i, f["center"])
        cells = (line.pledger, line.post, line.content, line.measures, line.due)
        for j, value in enumerate(cells, start=1):
            write_text(ws, row, j, value, f["cell"] if j in (3, 4) else f["center"], f["quoted"])
        lines = max(lines_needed(v, widths[j]) for j, v in enumerate(cells, start=1))
        ws.set_row(row, max(24, 17 * lines + 6))
        row += 1
    row += 1
    complaint = ("公示期间，如对以上承诺有意见和建议，请向本组织或上级党组织反映"
                 + (f"。监督电话：{phone}" if phone else "") + "。")
    ws.set_row(row, 36)
    ws.merge_range(row, 0, row, ncol - 1, complaint, f["note"])
    row += 2
    ws.merge_range(row, 3, row, ncol - 1, unit.name, f["sign"])
    ws.merge_range(row + 1, 3, row + 1, ncol - 1, cn_date(published_on), f["sign"])
    ws.print_area(0, 0, row + 1, ncol - 1)
    page_setup(ws, repeat_row=2)


def notice_plan(*, org: str | None = None, org_id: int | None = None, year: int | None = None) -> NoticePlan:
    """How many pledges the notices of this subtree hold and how many already have a 公示 date."""
    root, year = scope(org, org_id, year)
    lines = [line for unit in collect(root, year) for line in unit.lines]
    return NoticePlan(root.name, year, len(lines), sum(1 for line in lines if line.published_on is not None))


def print_notice(
    path: str | Path,
    *,
    org: str | None = None,
    org_id: int | None = None,
    year: int | None = None,
    published_on: date | str,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> PaperResult:
    """Write the 公示 notices of the organizations under ``org`` and set their pledges' 公示 date.

    The workbook is written first (to a temporary name, then renamed); then
    the 公示 date of the printed pledges that have none is set in ONE transaction,
    each change in the audit log. A date already set (imported, or an earlier
    print) is kept unless ``overwrite``. A closed year is refused before anything is written.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    path = Path(path)
    root, year = scope(org, org_id, year)
    rules.ensure_year_open(year)
    when = check_published_on(published_on, year)
    units = collect(root, year)
    if not units:
        raise PledgebookError(f"「{root.name}」在{year}年度没有可公示的承诺")
    days = settings.get_int("publicity_days")
    phone = settings.get("supervision_phone")
    tmp = path.with_name(path.name + ".part")
    wb = open_workbook(tmp)
    f = formats(wb)
    for i, (unit, name) in enumerate(zip(units, sheet_names(units), strict=True)):
        ws = wb.add_worksheet(name)
        _write_notice_sheet(wb, ws, unit, f, when, days, phone, year)
        if i % 50 == 0:
            report("写入", i, len(units))
    report("保存", len(units), len(units))
    close_workbook(wb, tmp, path)
    replace_into(tmp, path)
    lines = [line for u in units for line in u.lines]
    try:
        changed = set_published(lines, when, year, note=f"打印公示 {path.name}", overwrite=overwrite)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    kept = 0 if overwrite else sum(1 for line in lines if line.published_on not in (None, when))
    return PaperResult(path, len(units), len(lines), path.stat().st_size, time.perf_counter() - started,
                       published=changed, published_on=when, kept=kept)


def set_published(lines: list[Line], when: date, year: int, note: str = "", *, overwrite: bool = False) -> int:
    """Set the 公示 date of these pledges in one transaction; each change audited. Returns how many changed.

    Only the pledges without a 公示 date get one, unless ``overwrite`` (then every other date is replaced)."""
    now = utcnow()
    with rules.transaction():
        rules.ensure_year_open(year)  # again, under the write lock
        changed = [line for line in lines if line.published_on != when and (overwrite or line.published_on is None)]
        ids = [line.id for line in changed]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            query = Pledge.update(published_on=when, updated_at=now).where(
                Pledge.id.in_(chunk), Pledge.deleted_at.is_null())
            if not overwrite:  # a date set meanwhile (another window) is kept too
                query = query.where(Pledge.published_on.is_null())
            query.execute()
        audit.record_many(
            [("update", "pledge", line.uid, audit.changes_json({"published_on": (line.published_on, when)}), note)
             for line in changed],
            at=now,
        )
        audit.record("print", "pledge", None, {"published_on": (None, when), "pledges": (None, len(lines)),
                                               "changed": (None, len(changed))}, note=note)
    return len(changed)
