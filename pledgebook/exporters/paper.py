"""The paper side of the campaign: 公示 notices, 评议 ballots and the tally sheet.

* :func:`print_notice` writes one worksheet per organization (the branch's own
  pledges and its members'), laid out to be read on a notice board: A4
  portrait, fitted to the page width, the column header repeated on every
  page, page numbers; and sets the pledges' 公示 date (one transaction,
  audited).
* :func:`print_ballots` writes the ballots (one worksheet per organization,
  three boxes per pledge, no voter names) and, beside it, the tally workbook:
  the same pledges with blank count columns and a hidden, locked 承诺编号
  (the pledge's uid), so the filled sheet imports back with
  ``pledgebook import`` to exactly the right pledges whatever the clerks did
  to the order of the rows or to the names.

One worksheet per organization (rather than page breaks in one long sheet)
because only then can each notice have its own title, its own repeated
column header and its own page numbers. Organizations come in tree order.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pledgebook.exporters.safety import XLSX_OPTIONS, display_width, is_dangerous
from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError, ValidationError
from pledgebook.models.ledger import rules, validate
from pledgebook.models.store import audit, settings
from pledgebook.models.store.tables import AuditLog, Org, Pledge, database, utcnow

Progress = Callable[[str, int, int], None]

BALLOT_KINDS = {"public": "群众评议", "member": "党员评议"}
TALLY_SHEET = "计票表"
# the tally's columns: (header, width); the header names are what the importer knows
TALLY_COLUMNS: list[tuple[str, float]] = [
    ("承诺编号", 10), ("党组织", 22), ("承诺人", 16), ("职务", 12), ("承诺事项", 44), ("评议方式", 9),
    ("评议日期", 12), ("发放票数", 8), ("有效票", 8), ("满意", 8), ("基本满意", 8), ("不满意", 8),
    ("满意率", 8), ("参与率", 8), ("核对", 26),
]
TALLY_HEADER_ROW = 2  # 0-based: title, instructions, header
_INVALID_SHEET = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Line:
    """One pledge as printed."""

    id: int
    uid: str
    pledger: str
    post: str
    content: str
    measures: str
    due: str
    published_on: date | None


@dataclass
class Unit:
    """One organization's notice / ballot: its own pledges and its members'."""

    org_id: int
    name: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class PaperResult:
    path: Path
    units: int
    pledges: int
    size: int = 0
    seconds: float = 0.0
    tally_path: Path | None = None
    tally_size: int = 0
    published: int = 0  # pledges whose 公示 date changed
    published_on: date | None = None
    kept: int = 0  # pledges that already had another 公示 date and kept it (printed without --overwrite-published)

    def published_text(self) -> str:
        """What printing did to the 公示 dates, in one sentence (the CLI and the TUI say the same)."""
        when = self.published_on.isoformat() if self.published_on else ""
        text = f"{self.published} 项承诺的公示日期已设为 {when}（已记入修改日志）"
        if self.kept:
            text += f"；{self.kept} 项已有公示日期，保留原日期"
        return text + "。"


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


# --------------------------------------------------------------------------- what to print


def find_org(code_or_name: str | None) -> Org:
    """The org named by its code (or exact name); the county root when None."""
    if not code_or_name:
        return rules.root_org()
    text = code_or_name.strip()
    org = Org.get_or_none((Org.code == text) & Org.deleted_at.is_null())
    if org is None:
        matches = list(Org.select().where((Org.name == text) & Org.deleted_at.is_null()).limit(2))
        if len(matches) > 1:
            raise ValidationError(f"名为「{text}」的党组织不止一个，请用组织代码指定", "org")
        org = matches[0] if matches else None
    if org is None:
        raise ValidationError(f"未找到组织代码或名称为「{text}」的党组织", "org")
    return org


def _tree_order(root: Org) -> list[tuple[int, str]]:
    """(id, name) of the live orgs under ``root`` (itself included), depth first, by sort then id."""
    low, high = root.path, root.path[:-1] + "0"
    rows = database.execute_sql(
        "SELECT id, name, parent_id FROM org WHERE deleted_at IS NULL AND path >= ? AND path < ? ORDER BY sort, id",
        [low, high],
    ).fetchall()
    children: dict[int | None, list[tuple[int, str]]] = {}
    for oid, name, parent in rows:
        children.setdefault(parent, []).append((oid, name))
    order: list[tuple[int, str]] = []
    stack = [(root.id, root.name)]
    while stack:
        oid, name = stack.pop()
        order.append((oid, name))
        stack.extend(reversed(children.get(oid, [])))
    return order


def _post_rank(post: str) -> int:
    if "书记" in post:
        return 1 if "副" in post else 0
    if "委员" in post:
        return 2
    return 3


def _due_text(due: str | None, term: str) -> str:
    if due:
        d = date.fromisoformat(str(due)[:10])
        return f"{d.year}年{d.month}月{d.day}日"
    return vocab.label(vocab.TERMS, term)


def collect(org: Org, year: int) -> list[Unit]:
    """The organizations under ``org`` that have pledges in ``year``, in tree order, each with its pledges.

    In a unit the organization's own pledges come first (组织, 班子, 服务 in
    that order), then the members' by post (书记, 副书记, 委员, others), then
    roster order; withdrawn and carried-over pledges are left out.
    """
    low, high = org.path, org.path[:-1] + "0"
    scope_rank = {code: i for i, code in enumerate(vocab.SCOPES)}
    rows = database.execute_sql(
        "SELECT p.id, p.uid, p.org_id, p.person_id, pe.name, pe.post, o.name, p.scope, p.content, p.measures, "
        "p.due_date, p.term, p.published_on "
        "FROM pledge p JOIN org o ON o.id = p.org_id LEFT JOIN person pe ON pe.id = p.person_id "
        "WHERE p.year = ? AND p.deleted_at IS NULL AND p.status NOT IN ('withdrawn', 'carried') "
        "AND o.path >= ? AND o.path < ?",
        [year, low, high],
    ).fetchall()
    by_org: dict[int, list[tuple[tuple, Line]]] = {}
    for pid, uid, oid, person_id, person, post, org_name, scope, content, measures, due, term, published in rows:
        post = post or ""
        if person_id is None:
            key: tuple = (0, scope_rank.get(scope, 9), 0, pid)
            pledger, post_text = org_name, vocab.label(vocab.SCOPES, scope)
        else:
            key = (1, _post_rank(post), person_id, pid)
            pledger, post_text = person or "", post
        published_on = date.fromisoformat(str(published)[:10]) if published else None
        line = Line(pid, uid, pledger, post_text, " ".join(str(content).split()), str(measures or "").strip(),
                    _due_text(due, term), published_on)
        by_org.setdefault(oid, []).append((key, line))
    units = []
    for oid, name in _tree_order(org):
        entries = by_org.get(oid)
        if entries:
            entries.sort(key=lambda e: e[0])
            units.append(Unit(oid, name, [line for _, line in entries]))
    return units


# --------------------------------------------------------------------------- workbook helpers


def _sheet_names(units: list[Unit]) -> list[str]:
    """Excel sheet names: unique (case-insensitive), at most 31 characters, no []:*?/\\."""
    used: set[str] = set()
    names = []
    for unit in units:
        base = _INVALID_SHEET.sub("_", unit.name.removeprefix("中共")).strip("'") or "党组织"
        base = base[-31:]
        name, n = base, 2
        while name.lower() in used:
            suffix = f"({n})"
            name = base[: 31 - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        names.append(name)
    return names


def _lines_needed(text: str, width: float) -> int:
    """Rows of wrapped text a cell of ``width`` characters needs (CJK counts double)."""
    if not text:
        return 1
    usable = max(width - 1.5, 4)
    return sum(max(1, -(-display_width(part) // int(usable))) for part in text.split("\n"))


def _writer(path: Path):
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "tmpdir": str(path.parent)})


def _text(ws, row: int, col: int, value: str, fmt, quoted) -> None:
    """Text as text: never a formula, whatever the pledge says."""
    ws.write_string(row, col, value, quoted if is_dangerous(value) else fmt)


def _page_setup(ws, *, landscape: bool = False, repeat_row: int | None = None) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.55, bottom=0.6)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    ws.set_start_page(1)  # each organization's pages are numbered from 1
    ws.set_footer("&C第 &P 页", {"margin": 0.25})


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except PermissionError as exc:
        from pledgebook.models.core import sharing

        tmp.unlink(missing_ok=True)
        if sharing.held_open(exc) is not None:  # Windows: a sharing violation, not a permission
            raise PledgebookError(f"无法写入「{path.name}」：{sharing.IN_USE}后重试。") from exc
        raise PledgebookError(f"无法写入「{path.name}」：没有写入权限（{exc.strerror or exc}）。"
                              "请检查文件是否只读、U盘是否写保护，或换一个位置。") from exc


def _finish(workbook, tmp: Path, path: Path) -> None:
    from xlsxwriter.exceptions import XlsxWriterException

    try:
        workbook.close()
    except (OSError, XlsxWriterException) as exc:
        tmp.unlink(missing_ok=True)
        raise PledgebookError(f"无法写入「{path.name}」：{exc}。请检查文件夹是否可写、磁盘是否已满。") from exc


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------- notices

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
                   f"{year}年度　公示时间：{_cn_date(published_on)}至{_cn_date(end)}（{days}天）", f["sub"])
    for j, (header, _) in enumerate(_NOTICE_COLUMNS):
        ws.write_string(2, j, header, f["head"])
    ws.set_row(2, 24)
    widths = [w for _, w in _NOTICE_COLUMNS]
    row = 3
    for i, line in enumerate(unit.lines, start=1):
        ws.write_number(row, 0, i, f["center"])
        cells = (line.pledger, line.post, line.content, line.measures, line.due)
        for j, value in enumerate(cells, start=1):
            _text(ws, row, j, value, f["cell"] if j in (3, 4) else f["center"], f["quoted"])
        lines = max(_lines_needed(v, widths[j]) for j, v in enumerate(cells, start=1))
        ws.set_row(row, max(24, 17 * lines + 6))
        row += 1
    row += 1
    complaint = ("公示期间，如对以上承诺有意见和建议，请向本组织或上级党组织反映"
                 + (f"。监督电话：{phone}" if phone else "") + "。")
    ws.set_row(row, 36)
    ws.merge_range(row, 0, row, ncol - 1, complaint, f["note"])
    row += 2
    ws.merge_range(row, 3, row, ncol - 1, unit.name, f["sign"])
    ws.merge_range(row + 1, 3, row + 1, ncol - 1, _cn_date(published_on), f["sign"])
    ws.print_area(0, 0, row + 1, ncol - 1)
    _page_setup(ws, repeat_row=2)


def _formats(wb, big: int = 12) -> dict:
    base = {"font_name": "宋体", "font_size": big, "valign": "vcenter"}
    border = {"border": 1}
    return {
        "title": wb.add_format({**base, "font_name": "黑体", "font_size": 20, "bold": True, "align": "center"}),
        "sub": wb.add_format({**base, "align": "center"}),
        "head": wb.add_format({**base, **border, "bold": True, "align": "center", "text_wrap": True,
                               "bg_color": "#EDEDED"}),
        "cell": wb.add_format({**base, **border, "text_wrap": True, "align": "left"}),
        "center": wb.add_format({**base, **border, "text_wrap": True, "align": "center"}),
        "quoted": wb.add_format({**base, **border, "text_wrap": True, "quote_prefix": True}),
        "note": wb.add_format({**base, "text_wrap": True, "align": "left"}),
        "sign": wb.add_format({**base, "align": "right"}),
        "box": wb.add_format({**base, **border, "align": "center", "font_size": 16}),
    }


def _notice_scope(org: str | None, org_id: int | None, year: int | None) -> tuple[Org, int]:
    root = Org.get_by_id(org_id) if org_id is not None else find_org(org)
    year = year or rules.current_year()
    if year is None:
        raise ValidationError("台账中还没有工作年度", "year")
    return root, year


def notice_plan(*, org: str | None = None, org_id: int | None = None, year: int | None = None) -> NoticePlan:
    """How many pledges the notices of this subtree hold and how many already have a 公示 date."""
    root, year = _notice_scope(org, org_id, year)
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
    root, year = _notice_scope(org, org_id, year)
    rules.ensure_year_open(year)
    when = check_published_on(published_on, year)
    units = collect(root, year)
    if not units:
        raise PledgebookError(f"「{root.name}」在{year}年度没有可公示的承诺")
    days = settings.get_int("publicity_days")
    phone = settings.get("supervision_phone")
    tmp = path.with_name(path.name + ".part")
    wb = _writer(tmp)
    f = _formats(wb)
    for i, (unit, name) in enumerate(zip(units, _sheet_names(units), strict=True)):
        ws = wb.add_worksheet(name)
        _write_notice_sheet(wb, ws, unit, f, when, days, phone, year)
        if i % 50 == 0:
            report("写入", i, len(units))
    report("保存", len(units), len(units))
    _finish(wb, tmp, path)
    _replace(tmp, path)
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
    user = audit.os_user()
    import json

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
        rows = [
            (now, user, "update", "pledge", line.uid,
             json.dumps({"published_on": [line.published_on.isoformat() if line.published_on else None,
                                          when.isoformat()]}), note)
            for line in changed
        ]
        database.cursor().executemany(
            f"INSERT INTO {AuditLog._meta.table_name} (at, user, action, \"table\", record_uid, changes, note) "
            "VALUES (?,?,?,?,?,?,?)",
            rows,
        )
        audit.record("print", "pledge", None, {"published_on": (None, when), "pledges": (None, len(lines)),
                                               "changed": (None, len(changed))}, note=note)
    return len(changed)


# --------------------------------------------------------------------------- ballots and tally


def ballot_kind(text: str) -> str:
    code = vocab.code_for(BALLOT_KINDS, text) if text not in BALLOT_KINDS else text
    if code not in BALLOT_KINDS:
        raise ValidationError(f"评议方式只能是：{'、'.join(BALLOT_KINDS.values())}，收到「{text}」", "kind")
    return code


def _write_ballot_sheet(ws, unit: Unit, f: dict, kind_label: str, year: int) -> None:
    columns = [("序号", 5), ("承诺人", 10), ("职务", 11), ("承诺事项", 44), ("满意", 8), ("基本满意", 8), ("不满意", 8)]
    ncol = len(columns)
    for j, (_, width) in enumerate(columns):
        ws.set_column(j, j, width)
    ws.set_row(0, 36)
    ws.merge_range(0, 0, 0, ncol - 1, f"{unit.name}党员公开承诺{kind_label}票", f["title"])
    who = "群众" if kind_label == "群众评议" else "党员"
    ws.set_row(1, 62)
    ws.merge_range(
        1, 0, 1, ncol - 1,
        f"说明：请{who}对以下{year}年度承诺的兑现情况进行评议，在每项承诺后「满意」「基本满意」「不满意」三栏中"
        "选一栏划「√」。每项只能划一栏，多划或不划的该项无效。本票不记名，请勿填写姓名。",
        f["note"],
    )
    for j, (header, _) in enumerate(columns):
        ws.write_string(2, j, header, f["head"])
    ws.set_row(2, 24)
    widths = [w for _, w in columns]
    row = 3
    for i, line in enumerate(unit.lines, start=1):
        ws.write_number(row, 0, i, f["center"])
        cells = (line.pledger, line.post, line.content)
        for j, value in enumerate(cells, start=1):
            _text(ws, row, j, value, f["cell"] if j == 3 else f["center"], f["quoted"])
        for j in (4, 5, 6):
            ws.write_blank(row, j, None, f["box"])
        lines = max(_lines_needed(v, widths[j]) for j, v in enumerate(cells, start=1))
        ws.set_row(row, max(26, 17 * lines + 6))
        row += 1
    row += 1
    ws.merge_range(row, 3, row, ncol - 1, "评议日期：　　　年　　月　　日", f["sign"])
    ws.print_area(0, 0, row, ncol - 1)
    _page_setup(ws, repeat_row=2)


def tally_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}_计票表{path.suffix or '.xlsx'}")


def print_ballots(
    path: str | Path,
    *,
    kind: str,
    org: str | None = None,
    org_id: int | None = None,
    year: int | None = None,
    tally_path: str | Path | None = None,
    progress: Progress | None = None,
) -> PaperResult:
    """Write the ballots (one sheet per organization) and the tally workbook beside them."""
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    path = Path(path)
    code = ballot_kind(kind)
    kind_label = BALLOT_KINDS[code]
    root = Org.get_by_id(org_id) if org_id is not None else find_org(org)
    year = year or rules.current_year()
    if year is None:
        raise ValidationError("台账中还没有工作年度", "year")
    units = collect(root, year)
    if not units:
        raise PledgebookError(f"「{root.name}」在{year}年度没有可评议的承诺")
    tally = Path(tally_path) if tally_path else tally_path_for(path)
    if tally.resolve() == path.resolve():
        raise ValidationError("计票表不能与选票写入同一个文件", "tally")
    tmp = path.with_name(path.name + ".part")
    wb = _writer(tmp)
    f = _formats(wb)
    for i, (unit, name) in enumerate(zip(units, _sheet_names(units), strict=True)):
        _write_ballot_sheet(wb.add_worksheet(name), unit, f, kind_label, year)
        if i % 50 == 0:
            report("写入选票", i, len(units))
    _finish(wb, tmp, path)
    report("写入计票表", 0, 1)
    tally_tmp = tally.with_name(tally.name + ".part")
    _write_tally(tally_tmp, tally, root, units, kind_label, year)
    _replace(tmp, path)
    _replace(tally_tmp, tally)
    report("写入计票表", 1, 1)
    pledges = sum(len(u.lines) for u in units)
    return PaperResult(path, len(units), pledges, path.stat().st_size, time.perf_counter() - started,
                       tally_path=tally, tally_size=tally.stat().st_size)


def _col(j: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(j)


def _write_tally(tmp: Path, final: Path, root: Org, units: list[Unit], kind_label: str, year: int) -> None:
    wb = _writer(tmp)
    f = _formats(wb, big=11)
    locked_text = wb.add_format({"font_size": 11, "border": 1, "text_wrap": True, "valign": "vcenter",
                                 "locked": True})
    locked_quoted = wb.add_format({"font_size": 11, "border": 1, "text_wrap": True, "valign": "vcenter",
                                   "locked": True, "quote_prefix": True})
    band = wb.add_format({"font_size": 11, "border": 1, "text_wrap": True, "valign": "vcenter", "locked": True,
                          "bg_color": "#F2F2F2"})
    band_quoted = wb.add_format({"font_size": 11, "border": 1, "text_wrap": True, "valign": "vcenter",
                                 "locked": True, "bg_color": "#F2F2F2", "quote_prefix": True})
    number = wb.add_format({"font_size": 11, "border": 1, "locked": False, "align": "center", "valign": "vcenter",
                            "bg_color": "#FFF9DB", "num_format": "0"})
    day = wb.add_format({"font_size": 11, "border": 1, "locked": False, "align": "center", "valign": "vcenter",
                         "bg_color": "#FFF9DB", "num_format": "yyyy-mm-dd"})
    percent = wb.add_format({"font_size": 11, "border": 1, "num_format": "0.0%", "align": "center",
                             "valign": "vcenter"})
    check = wb.add_format({"font_size": 11, "border": 1, "valign": "vcenter"})
    bad = wb.add_format({"font_color": "#C00000", "bold": True, "bg_color": "#FFE0E0"})
    ws = wb.add_worksheet(TALLY_SHEET)
    names = [h for h, _ in TALLY_COLUMNS]
    c = {h: j for j, h in enumerate(names)}
    ncol = len(names)
    for j, (header, width) in enumerate(TALLY_COLUMNS):
        ws.set_column(j, j, width, None, {"hidden": True} if header == "承诺编号" else None)
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, ncol - 1, f"{root.name}{year}年度党员公开承诺{kind_label}计票表", f["title"])
    ws.set_row(1, 64)
    formula = settings.get("satisfaction_formula")
    rate_text = "满意率＝（满意＋基本满意）÷有效票" if formula != "satisfied_only" else "满意率＝满意÷有效票"
    ws.merge_range(
        1, 0, 1, ncol - 1,
        "填写说明：只在黄色格子里填写。按每个支部收回的选票，逐项填写评议日期、发放票数、有效票和满意、基本满意、不满意票数；"
        "有效票＝满意＋基本满意＋不满意，且不能多于发放票数（「核对」列会提示）。尚未计票的行请整行留空，不会当作0票。"
        f"{rate_text}，参与率＝有效票÷发放票数。请勿增删列；行的顺序可以调整。填好后在承诺台账中「导入」本表。",
        f["note"],
    )
    for j, header in enumerate(names):
        ws.write_string(TALLY_HEADER_ROW, j, header, f["head"])
    ws.set_row(TALLY_HEADER_ROW, 30)
    ISS, V, S, B, U = (_col(c[h]) for h in ("发放票数", "有效票", "满意", "基本满意", "不满意"))
    row = TALLY_HEADER_ROW + 1
    first = row
    shade = False
    for unit in units:
        shade = not shade
        text_fmt, quoted_fmt = (band, band_quoted) if shade else (locked_text, locked_quoted)
        for line in unit.lines:
            r = row + 1  # Excel row number
            cells = {"承诺编号": line.uid, "党组织": unit.name, "承诺人": line.pledger, "职务": line.post,
                     "承诺事项": line.content, "评议方式": kind_label}
            for header, value in cells.items():
                _text(ws, row, c[header], value, text_fmt, quoted_fmt)
            ws.write_blank(row, c["评议日期"], None, day)
            for header in ("发放票数", "有效票", "满意", "基本满意", "不满意"):
                ws.write_blank(row, c[header], None, number)
            top = f"{S}{r}+{B}{r}" if formula != "satisfied_only" else f"{S}{r}"
            ws.write_formula(row, c["满意率"], f'=IF(N({V}{r})=0,"",({top})/{V}{r})', percent, "")
            ws.write_formula(row, c["参与率"], f'=IF(OR(N({ISS}{r})=0,{V}{r}=""),"",{V}{r}/{ISS}{r})', percent, "")
            ws.write_formula(
                row, c["核对"],
                f'=IF(COUNT({ISS}{r}:{U}{r})=0,"",IF(AND({V}{r}<>"",{S}{r}+{B}{r}+{U}{r}<>{V}{r}),'
                f'"✗ 三项之和≠有效票",IF(AND({ISS}{r}<>"",N({V}{r})>{ISS}{r}),"✗ 有效票多于发放票数","✓")))',
                check, "",
            )
            lines = max(_lines_needed(line.content, 44), _lines_needed(line.pledger, 16), _lines_needed(unit.name, 22))
            ws.set_row(row, 15 * lines + 5)
            row += 1
    last = row - 1
    if last >= first:
        for header in ("发放票数", "有效票", "满意", "基本满意", "不满意"):
            ws.data_validation(first, c[header], last, c[header], {
                "validate": "integer", "criteria": ">=", "value": 0,
                "error_title": "票数", "error_message": "请填写 0 或正整数（票数）"})
        ws.data_validation(first, c["评议日期"], last, c["评议日期"], {
            "validate": "date", "criteria": "between", "minimum": date(year - 1, 1, 1),
            "maximum": date(year + 2, 12, 31), "error_title": "评议日期", "error_message": "请填写日期，例如 2024-11-20"})
        ws.conditional_format(first, c["核对"], last, c["核对"],
                              {"type": "text", "criteria": "begins with", "value": "✗", "format": bad})
        ws.autofilter(TALLY_HEADER_ROW, 1, last, ncol - 1)
    ws.freeze_panes(TALLY_HEADER_ROW + 1, 3)
    _page_setup(ws, landscape=True, repeat_row=TALLY_HEADER_ROW)
    ws.protect("", {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    _finish(wb, tmp, final)
