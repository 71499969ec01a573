"""One import run: read → find the table → plan every row → apply in one transaction.

:func:`import_file` is what the CLI, the inbox and the TUI call. It returns
an :class:`ImportResult` — plain data a face can render — and never raises
for a bad file or a bad row: an unusable file is ``status='unusable'`` with
one message, a bad row is a :class:`RowProblem` that says where (file,
sheet, Excel row, column letter and header), the value, what is wrong and
what to do.

Planning validates everything before anything is written; the writes then go
in ONE ``IMMEDIATE`` transaction per file, so a crash, a power cut or a
refused row under ``on_error='abort'`` leaves the ledger as it was. The file's
SHA-256 is kept in :class:`ImportBatch`: the same bytes again are recognised
and change nothing.

New pledges — the bulk of a township file — go in with one ``executemany``
each for the rows and their audit entries (validated here exactly as
:func:`rules.create_pledge` would, except that an imported pledge may carry a
final status such as 已兑现 with its date: the file records facts). Every
other change goes through the functions in :mod:`pledgebook.models.ledger.rules`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pledgebook.importers import help_kinds as HK
from pledgebook.importers import kinds as K
from pledgebook.importers.columns import guess_kind, leaf
from pledgebook.importers.errors import FileUnreadable, NoTable
from pledgebook.importers.sheet import CellValue, column_letter
from pledgebook.importers.table import Table, find_table
from pledgebook.models.core.errors import PledgebookError

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is a Chinese word for the step ('读取', '检查', '写入')."""

ON_ERROR = ("skip", "abort")
IMPORT_CACHE_KIB = -8_000  # PRAGMA cache_size while an import writes (negative: KiB)
KIND_NAMES = ("orgs", "people", "pledges", "progress", "evaluations", "contacts", "stationing", "helplogs")

# the columns a sheet of each kind cannot do without (any one of each tuple)
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "orgs": (("党组织",), ("上级党组织",)),
    "people": (("姓名",), ("党组织",)),
    "pledges": (("承诺事项",), ("党组织", "姓名", "公民身份号码")),
    "progress": (("践诺进展",), ("承诺事项", K.UID_COLUMN)),
    "evaluations": (("承诺事项", K.UID_COLUMN),),
    **HK.REQUIRED,
}


@dataclass
class RowProblem:
    """One reason a row was refused (or a warning about it), with its place."""

    file: str
    sheet: str
    row: int | None  # Excel row number
    column: str  # letter, '' when the problem is the row as a whole
    header: str  # the column's header as written in the file
    value: str
    message: str

    def text(self) -> str:
        place = f"「{self.file}」工作表「{self.sheet}」"
        if self.row:
            place += f"第 {self.row} 行"
        if self.column:
            place += f" {self.column} 列（{self.header}）" if self.header else f" {self.column} 列"
        value = f" 值「{self.value}」" if self.value else ""
        return f"{place}{value}：{self.message}"


@dataclass
class RejectedRow:
    """A refused row as the township wrote it, for the error workbook."""

    sheet: str
    row: int
    header: list[str]
    values: list[CellValue]
    reasons: list[str]


@dataclass
class SheetReport:
    name: str
    kind: str | None = None
    header_rows: list[int] = field(default_factory=list)
    data_rows: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    skipped: str | None = None


@dataclass
class ImportResult:
    """What one file's import did (or, in a dry run, would do)."""

    path: Path
    sha256: str = ""
    kind: str = ""
    dry_run: bool = False
    on_error: str = "skip"
    status: str = "done"  # done | dry_run | already | aborted | unusable | failed | bundle
    message: str = ""
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    # a sheet that imports without a key column because its header was not understood: never a clean success
    header_problems: list[RowProblem] = field(default_factory=list)
    # how deadlines written as words or months were read: {'「年底前」→ 2011-12-31': [Excel rows]}
    readings: dict[str, list[int]] = field(default_factory=dict)
    # this file's bytes were imported before with refused rows: when, and how many were refused then
    previous: dict[str, Any] | None = None
    sheets: list[SheetReport] = field(default_factory=list)
    batch_uid: str | None = None
    backup: Path | None = None
    seconds: float = 0.0

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def exit_code(self) -> int:
        if self.status in ("unusable", "failed"):
            return 2
        if self.rejected or self.status == "aborted" or self.header_problems:
            return 1
        return 0

    def summary(self) -> str:
        """One Chinese line for a person."""
        if self.status in ("unusable", "failed", "already", "bundle"):
            return self.message
        what = {"dry_run": "试导入（未写入）", "aborted": "未导入（有错误行，按要求全部不写入）"}.get(self.status, "已导入")
        line = (f"「{self.file}」{what}：新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}，"
                f"有错误 {self.rejected} 行")
        notes = [self.message] if self.message else []
        if self.previous:
            still = f"仍有 {self.rejected} 行未能导入，见下" if self.rejected else "现已全部导入"
            notes.insert(0, f"此文件已于 {self.previous['when']} 导入过，当时有 {self.previous['rejected']} 行未能导入；{still}")
        if self.header_problems:
            notes.append("表头有未能识别的列，部分内容未导入，见下")
        return line + (f"（{'；'.join(notes)}）" if notes else "")

    def reading_lines(self, limit: int = 12) -> list[str]:
        """How deadlines written as words or months were read: 「年底前」→ 2011-12-31（第 5、9 行，共 2 行）."""
        lines = []
        for reading, rows in list(self.readings.items())[:limit]:
            shown = "、".join(str(r) for r in rows[:6]) + ("…" if len(rows) > 6 else "")
            lines.append(f"{reading}（第 {shown} 行，共 {len(rows)} 行）")
        if len(self.readings) > limit:
            lines.append(f"……另有 {len(self.readings) - limit} 种写法，详见 --json")
        return lines

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["file"] = self.file
        data["backup"] = str(self.backup) if self.backup else None
        data["exit_code"] = self.exit_code
        data["summary"] = self.summary()
        data.pop("rejected_rows")
        data["problems"] = [dict(asdict(p), text=p.text()) for p in self.problems]
        data["warnings"] = [dict(asdict(p), text=p.text()) for p in self.warnings]
        data["header_problems"] = [dict(asdict(p), text=p.text()) for p in self.header_problems]
        return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def already_imported(sha256: str) -> Any:
    """The latest ImportBatch of these exact bytes, or None."""
    from pledgebook.models.store.tables import ImportBatch

    return ImportBatch.select().where(ImportBatch.sha256 == sha256).order_by(ImportBatch.id.desc()).first()


def _local_time(when: Any) -> Any:
    if isinstance(when, dt.datetime):  # stored as UTC; shown in local time
        return when.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    return when


def _show(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= 60 else text[:60] + "…"


# --------------------------------------------------------------------------- the run


class _SpareBackup:
    """The backup before an import, copied by a thread while the file is read and planned.

    SQLite copies the pages without the GIL, on a connection of its own, so the copy costs the run no
    time. Removed again when the run writes nothing (refused, unchanged, unusable); a backup that fails
    here is simply not there: it is taken again where the run writes, and its error reported there."""

    def __init__(self) -> None:
        self._thread = None
        self._path: Path | None = None

    def start(self, folder: Path | None) -> None:
        import threading

        folder = _backup_folder(folder)  # the open ledger's folder, read in this thread
        self._thread = threading.Thread(target=self._take, args=(folder,), name="pledgebook-import-backup",
                                        daemon=True)
        self._thread.start()

    def _take(self, folder: Path) -> None:
        from pledgebook.models.store.backup import backup_database

        try:
            self._path = backup_database(folder, reason="before-import")
        except Exception:  # noqa: BLE001 - taken again (and its error told) where the run writes
            self._path = None

    def wait(self) -> Path | None:
        if self._thread is not None:
            self._thread.join()
        return self._path


def _backup_folder(folder: Path | None) -> Path:
    from pledgebook.models.store.tables import database

    return folder or Path(database.database).parent / "backups"


def import_file(
    path: str | Path,
    *,
    kind: str = "auto",
    dry_run: bool = False,
    on_error: str = "skip",
    year: int | None = None,
    aliases: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    backup_folder: Path | None = None,
    evaluation_date: dt.date | Callable[[], dt.date | None] | None = None,
) -> ImportResult:
    """Import one file into the open ledger; see the module docstring.

    ``kind`` is one of :data:`KIND_NAMES` or 'auto' (from the headers, per
    sheet). ``year`` is the work year of a pledges sheet (default: the latest
    open year). ``aliases`` are a county's extra column names
    (:func:`columns.load_aliases`). ``backup_folder``: where the automatic
    backup goes before writing (default: ``backups`` beside the database).
    ``evaluation_date``: the 评议日期 of evaluation rows that give none (a
    date, or a function called once when the first such row is met).
    """
    spare = _SpareBackup()
    result = None
    try:
        result = _import_file(path, spare, kind=kind, dry_run=dry_run, on_error=on_error, year=year, aliases=aliases,
                              progress=progress, backup_folder=backup_folder, evaluation_date=evaluation_date)
        return result
    finally:
        taken = spare.wait()
        if taken is not None and (result is None or result.backup != taken):
            taken.unlink(missing_ok=True)  # copied while the file was read, and nothing was written


def _import_file(
    path: str | Path,
    spare: _SpareBackup,
    *,
    kind: str,
    dry_run: bool,
    on_error: str,
    year: int | None,
    aliases: Mapping[str, str] | None,
    progress: Progress | None,
    backup_folder: Path | None,
    evaluation_date: dt.date | Callable[[], dt.date | None] | None,
) -> ImportResult:
    import time

    from pledgebook.models.ledger import rules

    started = time.perf_counter()
    path = Path(path)
    result = ImportResult(path=path, dry_run=dry_run, on_error=on_error)
    report = progress or (lambda stage, done, total: None)
    if on_error not in ON_ERROR:
        raise PledgebookError(f"--on-error 只能是 skip（跳过错误行，默认）或 abort（有错误就全部不导入），收到「{on_error}」")
    if kind != "auto" and kind not in KIND_NAMES:
        raise PledgebookError(f"--kind 只能是 auto、{'、'.join(KIND_NAMES)}，收到「{kind}」")
    try:
        result.sha256 = file_sha256(path)
    except FileNotFoundError:
        return _unusable(result, f"文件「{path.name}」不存在，请检查文件位置和名称。")
    except IsADirectoryError:
        return _unusable(result, f"「{path}」是文件夹，不是文件。")
    except OSError as exc:
        return _unusable(result, f"文件「{path.name}」无法读取（{exc.strerror or exc}）。如文件正在 Excel/WPS 中打开，请先关闭。")
    batch = already_imported(result.sha256)
    if batch is not None and batch.rows_rejected:
        # refused rows are never forgotten: the file is planned again, so they are listed again
        result.previous = {"when": _local_time(batch.imported_at), "file": batch.file_name,
                           "rejected": batch.rows_rejected, "batch_uid": batch.uid}
    elif batch is not None:
        result.status = "already"
        when = _local_time(batch.imported_at)
        result.kind = batch.kind
        result.batch_uid = batch.uid
        result.message = (f"文件「{path.name}」与 {when} 导入的「{batch.file_name}」内容完全相同，已导入过，本次未做任何改动。"
                          "如修改过内容，请保存后再导入。")
        result.seconds = time.perf_counter() - started
        return result

    if not dry_run:
        spare.start(backup_folder)
    report("读取", 0, 1)
    from pledgebook.importers.reader import start_read

    try:
        pending = start_read(path)
    except FileUnreadable as exc:
        return _unusable(result, exc.message)
    # while the child parses the workbook (a CSV has none), the database is prepared: the indexes, then,
    # in the time left, the year's pledges (the first thing a pledge sheet's rows look up)
    ctx = K.Context(year if year is not None else rules.current_year())
    if pending.running() and ctx.year is not None:
        ctx._load_pledges()
    try:
        sheets = pending.result()
    except FileUnreadable as exc:
        return _unusable(result, exc.message)
    report("读取", 1, 1)

    merged: dict[str, str] = {}
    from pledgebook.importers.columns import normalize_header

    merged.update({normalize_header(k): v for k, v in K.EXTRA_ALIASES.items()})
    merged.update(aliases or {})
    tables: list[tuple[Table, str]] = []
    for sheet in sheets:
        rep = SheetReport(name=sheet.name)
        result.sheets.append(rep)
        try:
            table = find_table(sheet, aliases=merged)
        except NoTable as exc:
            rep.skipped = exc.message
            continue
        HK.refine(table)  # the measure columns of a help-log sheet, told apart by their units
        rep.header_rows = table.header_rows
        rep.data_rows = len(table.data)
        rep.dropped = table.dropped
        rep.unknown_columns = table.unknown_columns()
        sheet_kind = kind if kind != "auto" else guess_kind([c for c in table.canonical if c], merged)
        if sheet_kind is None:
            rep.skipped = ("无法从列名判断这是哪一种表（党组织名单、党员名册、承诺台账、践诺记录、评诺结果、联系点名单、"
                           "驻村干部名单、帮扶工作月报）。"
                           "请检查表头，或用 --kind 指定")
            continue
        missing = [" 或 ".join(f"「{c}」" for c in need) for need in REQUIRED[sheet_kind]
                   if not any(_has(table, c) for c in need)]
        if missing:
            rep.skipped = (f"作为{K.KINDS[sheet_kind]}缺少必需的列：{'、'.join(missing)}"
                           + _unclear_hint(table, [c for need in REQUIRED[sheet_kind] for c in need], merged))
            continue
        unclear = _unclear_key_columns(table, sheet_kind, merged)
        if unclear:
            result.header_problems.append(RowProblem(path.name, sheet.name, None, "", "", "", unclear))
        rep.kind = sheet_kind
        tables.append((table, sheet_kind))
        # remember the issues of this sheet for the row checks
        table._issues = {}  # type: ignore[attr-defined]
        for issue in sheet.issues:
            table._issues.setdefault(issue.row, []).append(issue)  # type: ignore[attr-defined]
    if not tables:
        reasons = "；".join(f"「{s.name}」{s.skipped}" for s in result.sheets if s.skipped)
        return _unusable(result, f"文件「{path.name}」中没有可导入的表格：{reasons}")
    result.kind = ",".join(dict.fromkeys(k for _, k in tables))

    ctx.default_date = evaluation_date
    planned: list[K.Planned] = []
    total = sum(len(t.data) for t, _ in tables)
    done = 0
    for table, sheet_kind in tables:
        done = _plan_table(result, ctx, table, sheet_kind, planned, report, done, total)
    report("检查", total, total)
    # the rows as read are no longer needed (refused ones were copied): let them go before the writing
    for table, _ in tables:
        table.data = []
    del sheets, sheet
    result.rows_read = total
    result.readings = ctx.readings
    if result.previous:
        # these bytes went in before: only the rows refused then may go in now; what the ledger changed
        # since (a status set in the TUI, a corrected name) is not overwritten by the old file
        for p in planned:
            if p.action == "update":
                p.action, p.changes = "unchanged", {}
    for p in planned:
        counts = result.by_table.setdefault(p.table, {"add": 0, "update": 0, "unchanged": 0})
        counts[p.action] += 1
    result.added = sum(c["add"] for c in result.by_table.values())
    result.updated = sum(c["update"] for c in result.by_table.values())
    result.unchanged = sum(c["unchanged"] for c in result.by_table.values())
    result.rejected = len(result.rejected_rows)
    if ctx.not_counted:
        result.message = f"{ctx.not_counted} 行尚未计票（留空），未导入"

    if dry_run:
        result.status = "dry_run"
        result.seconds = time.perf_counter() - started
        return result
    if on_error == "abort" and result.rejected:
        result.status = "aborted"
        result.message = f"有 {result.rejected} 行错误，按 --on-error abort 的要求本文件一行也没有写入"
        result.seconds = time.perf_counter() - started
        return result
    writes = [p for p in planned if p.action != "unchanged"]
    if not total:
        result.message = "表中没有数据行"
        result.seconds = time.perf_counter() - started
        return result
    if not writes and (result.rejected or ctx.not_counted):
        result.status = "done"
        result.message = "；".join(filter(None, [result.message, "没有可写入的行"]))
        result.seconds = time.perf_counter() - started
        return result

    from pledgebook.models.store import audit
    from pledgebook.models.store.backup import backup_database
    from pledgebook.models.store.tables import ImportBatch, database

    if writes:
        result.backup = spare.wait() or backup_database(_backup_folder(backup_folder), reason="before-import")
    # a smaller page cache while this file is written: an import touches each page of the new rows
    # once, and the county's 32 MB cache would hold them all (the peak memory of a 20,000-row file)
    cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        with rules.transaction():
            batch = ImportBatch.create(
                file_name=path.name, sha256=result.sha256, kind=result.kind, user=audit.os_user(),
                rows_read=result.rows_read, rows_written=len({(p.row) for p in writes}), rows_rejected=result.rejected,
            )
            result.batch_uid = batch.uid
            _apply(planned, batch, path.name, report)
            audit.record("import", "import_batch", batch.uid,
                         {"file": (None, path.name), "added": (None, result.added), "updated": (None, result.updated)},
                         note=f"导入 {path.name}")
    except PledgebookError as exc:
        result.status = "failed"
        result.message = f"导入「{path.name}」时出错，本文件未写入任何内容：{exc.message}"
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(cache)}")
    result.seconds = time.perf_counter() - started
    return result


# the columns without which a sheet of a kind imports, but not as the clerk meant: a header that was
# not understood while one of these is missing is reported, and the file is not a clean success
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs": ("组织类别",),
    "people": ("公民身份号码", "性别"),
    "pledges": ("完成时限", "姓名"),
    "progress": ("践诺日期",),
    "evaluations": ("评定日期",),
}


def _unclear_key_columns(table: Table, kind: str, aliases: Mapping[str, str]) -> str:
    """'' or one Chinese sentence: which header was not understood, and which key column it probably is."""
    unknown = [j for j, (name, canon) in enumerate(zip(table.header, table.canonical, strict=True))
               if name and canon is None]
    if not unknown:
        return ""
    lacking = [c for c in KEY_COLUMNS.get(kind, ()) + tuple(c for need in REQUIRED.get(kind, ()) for c in need)
               if not _has(table, c)]
    if not lacking:
        return ""
    from pledgebook.importers.columns import suggest

    guesses = {j: suggest(table.header[j], aliases) for j in unknown}
    meant = [(j, guesses[j]) for j in unknown if guesses[j] in lacking]
    if not meant:
        return ""
    parts = [f"{column_letter(j)} 列「{table.raw_header[j] if j < len(table.raw_header) else table.header[j]}」"
             f"未能识别，可能是「{guess}」" for j, guess in meant]
    return ("；".join(parts) + f"。本表缺少「{'」「'.join(dict.fromkeys(g for _, g in meant))}」列，"
            "该列内容未导入。请把表头改为标准列名后再导入，或用 --mapping 列名映射文件说明")


def _unclear_hint(table: Table, wanted: list[str], aliases: Mapping[str, str]) -> str:
    from pledgebook.importers.columns import suggest

    hints = [f"「{table.header[j]}」可能是「{guess}」" for j, (name, canon) in
             enumerate(zip(table.header, table.canonical, strict=True))
             if name and canon is None and (guess := suggest(name, aliases)) in wanted]
    return f"（未能识别的列：{'；'.join(hints)}）" if hints else ""


def _has(table: Table, name: str) -> bool:
    return any(c == name or (c and leaf(c) == name) for c in table.canonical)


def _unusable(result: ImportResult, message: str) -> ImportResult:
    result.status = "unusable"
    result.message = message
    return result


def _columns(table: Table) -> dict[str, int]:
    columns: dict[str, int] = {}
    for j, name in enumerate(table.canonical):
        if name and name not in columns:
            columns[name] = j
    return columns


def _plan_table(result: ImportResult, ctx: K.Context, table: Table, kind: str, planned: list[K.Planned],
                report: Progress, done: int, total: int) -> int:
    columns = _columns(table)
    if kind == "orgs" and "组织类别" not in columns and "承诺类别" in columns:
        # a roster's bare 「类别」 (read as 承诺类别 elsewhere) is the org's kind: 党委, 党支部 …
        columns["组织类别"] = columns.pop("承诺类别")
    ctx.memo.clear()  # lookups by cell value hold for one table only (an org list may add orgs)
    issues: dict[int, list] = getattr(table, "_issues", {})
    groups = K.evaluation_groups(list(columns)) if kind == "evaluations" else []
    used = _used_columns(kind, columns, groups)
    sheet_report = next(s for s in result.sheets if s.name == table.sheet)
    sheet_report.ignored_columns = [table.header[j] for name, j in columns.items() if name not in used and name != "序号"]
    parse = {
        "orgs": K.plan_org, "people": K.plan_person, "pledges": K.plan_pledge, "progress": K.plan_progress,
        "contacts": HK.plan_contact, "stationing": HK.plan_stationing, "helplogs": HK.plan_helplog,
    }.get(kind)
    if kind == "orgs":  # a parent may stand anywhere in the file: planned parents first
        ordered = K.plan_org_sheet(ctx, [K.Row(n, v, columns) for n, v in table.data if not issues.get(n)],
                                   table.date1904)
        outcomes: dict[int, Any] = {row.number: outcome for row, outcome in ordered}
        sequence = [row.number for row, _ in ordered] + [n for n, _ in table.data if issues.get(n)]
        values_of = dict(table.data)
        data = [(n, values_of[n]) for n in sequence]
    else:
        outcomes = {}
        data = table.data
    first_problem, first_rejected = len(result.problems), len(result.rejected_rows)
    for number, values in data:
        done += 1
        if done % 500 == 0:
            report("检查", done, total)
        row = K.Row(number, values, columns)
        cell_issues = issues.get(number, ())
        if cell_issues:
            problems = [_problem_at(result, table, number, i.col, values, i.message if i.kind == "too_long" else
                                    "含有不可见的控制字符，请删除后重新填写（可在 Excel 中用 CLEAN 函数清除）")
                        for i in cell_issues]
        else:
            try:
                if number in outcomes:
                    if isinstance(outcomes[number], K.RowErrors):
                        raise outcomes[number]
                    rows = outcomes[number]
                else:
                    rows = parse(ctx, row, table.date1904) if parse else K.plan_evaluation(ctx, row, table.date1904,
                                                                                           groups)
            except K.RowErrors as exc:
                problems = [_problem(result, table, row, columns, col, message) for col, message in exc.errors]
            else:
                planned.extend(rows)
                for p in rows:
                    for col, message in p.warnings:
                        result.warnings.append(_problem(result, table, row, columns, col, message))
                continue
        result.problems.extend(problems)
        result.rejected_rows.append(RejectedRow(table.sheet, number, table.header, list(values),
                                                [_reason(p) for p in problems]))
    if outcomes:  # reported in the order of the file
        result.problems[first_problem:] = sorted(result.problems[first_problem:], key=lambda p: p.row or 0)
        result.rejected_rows[first_rejected:] = sorted(result.rejected_rows[first_rejected:], key=lambda r: r.row)
    return done


def _used_columns(kind: str, columns: dict[str, int], groups: list[str]) -> set[str]:
    if kind in HK.USED:
        return HK.USED[kind]
    common = {"乡镇", "党组织", "姓名", "公民身份号码", "承诺事项", K.UID_COLUMN, "填报日期", "备注", "序号"}
    own = {
        "orgs": {"组织类别", "上级党组织", "所属领域", "组织代码"},
        "people": {"性别", "民族", "学历", "出生日期", "入党时间", "职务", "联系电话", "人员状态"},
        "pledges": {"承诺类别", "承诺范围", "践诺措施", "完成时限", "公示时间", "践诺情况", "承诺期限", "审定人", "审定日期",
                    "兑现日期"},
        "progress": {"践诺进展", "践诺日期", "完成进度"},
        "evaluations": {"评议方式", "评定日期", "评议人", "分数", "整改时限", "整改措施", "满意率", "参与率",
                        *K._EVAL_LEAVES},
    }[kind]
    used = common | own
    if kind == "evaluations":
        used |= {f"{g}/{leaf_}" for g in groups if g for leaf_ in (*K._EVAL_LEAVES, "满意率", "参与率", "评议方式")}
    return used


def _reason(problem: RowProblem) -> str:
    where = f"{problem.column}列（{problem.header}）：" if problem.column else ""
    return where + problem.message


def _problem(result: ImportResult, table: Table, row: K.Row, columns: dict[str, int], col: str | None,
             message: str) -> RowProblem:
    j = columns.get(col) if col else None
    if j is None:
        return RowProblem(result.file, table.sheet, row.number, "", col or "", "", message)
    return _problem_at(result, table, row.number, j, row.values, message)


def _problem_at(result: ImportResult, table: Table, number: int, j: int, values: list[CellValue],
                message: str) -> RowProblem:
    header = table.header[j] if j < len(table.header) else ""
    value = _show(values[j]) if j < len(values) else ""
    return RowProblem(result.file, table.sheet, number, column_letter(j), header, value, message)


# --------------------------------------------------------------------------- writing


def _apply(planned: list[K.Planned], batch: Any, file_name: str, report: Progress) -> None:
    from pledgebook.models.ledger import rules

    writes = [p for p in planned if p.action != "unchanged"]
    total = len(writes)
    done = 0
    new_orgs: dict[int, int] = {}  # placeholder id (-row) -> created id
    new_places: dict[tuple[str, int], int] = {}  # second ledger: (table, -row) -> created id
    org_adds = [p for p in writes if p.table == "org" and p.action == "add"]
    person_adds = [p for p in writes if p.table == "person" and p.action == "add"]
    if person_adds and not org_adds:  # members of new orgs go one by one, after their orgs
        _insert_people(person_adds, file_name)
        done += len(person_adds)
        report("写入", done, total)
    else:
        person_adds = []
    bulk = {id(p) for p in person_adds}
    pledge_adds = [p for p in writes if p.table == "pledge" and p.action == "add"]
    if pledge_adds:
        _insert_pledges(pledge_adds, batch, file_name)
        done += len(pledge_adds)
        report("写入", done, total)
    for p in writes:
        if p.table == "pledge" and p.action == "add" or id(p) in bulk:
            continue
        v = p.values
        try:
            if p.table == "org":
                if p.action == "add":
                    parent = new_orgs.get(v["parent_id"], v["parent_id"])
                    org = rules.create_org(v["name"], v["kind"], parent, sector=v["sector"], township=v["township"],
                                           code=v["code"])
                    new_orgs[-p.row] = org.id
                else:
                    rules.update_org(p.target, **{k: v[k] for k in p.changes if k != "code"})
                    if "code" in p.changes:
                        _set_org_code(p.target, v["code"])
            elif p.table == "person":
                fields = dict(v)
                if p.action == "add":
                    org_id = fields.pop("org_id")
                    rules.create_person(fields.pop("name"), new_orgs.get(org_id, org_id), **fields)
                else:
                    rules.update_person(p.target, **{k: fields[k] for k in p.changes})
            elif p.table == "pledge":
                _update_pledge(p)
            elif p.table == "progress":
                rules.add_progress(v["pledge_id"], v["note"], on=v["date"], percent=v["percent"])
            elif p.table == "evaluation":
                _write_evaluation(p)
            elif p.table in ("contact_point", "stationing", "help_log"):
                HK.write(p, batch, new_places)
        except PledgebookError as exc:
            raise PledgebookError(f"第 {p.row} 行（{p.label}）：{exc.message}") from exc
        done += 1
        if done % 200 == 0:
            report("写入", done, total)
    report("写入", total, total)


def _set_org_code(org_id: int, code: str) -> None:
    """The root's code, given by the county committee's own row (update_org leaves codes alone)."""
    from pledgebook.models.store import audit
    from pledgebook.models.store.tables import Org, utcnow

    org = Org.get_by_id(org_id)
    old, org.code, org.updated_at = org.code, code, utcnow()
    org.save()
    audit.record("update", "org", org.uid, {"code": (old, code)}, note="导入")


def _update_pledge(p: K.Planned) -> None:
    from pledgebook.models.ledger import rules

    fields = {k: p.values[k] for k in p.changes if k not in ("status", "fulfilled_on")}
    if "org_id" in p.values and ("org_id" in p.changes or "person_id" in p.changes):
        fields["org_id"] = p.values["org_id"]
        fields["person_id"] = p.values["person_id"]
    fields.pop("person_id", None) if fields.get("person_id") is None and "org_id" not in fields else None
    if fields:
        rules.update_pledge(p.target, **fields)
    if "status" in p.changes or ("fulfilled_on" in p.changes and "status" in p.values):
        rules.set_status(p.target, p.values["status"], on=p.values.get("fulfilled_on"))


def _write_evaluation(p: K.Planned) -> None:
    from pledgebook.models.ledger import rules
    from pledgebook.models.store import audit
    from pledgebook.models.store.tables import Evaluation, utcnow

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


_PERSON_COLUMNS = ("name", "org_id", "gender", "ethnicity", "education", "birth_date", "joined_date", "post", "cadre_level",
                   "id_number", "phone", "state")
_STATE = _PERSON_COLUMNS.index("state")


def _insert_people(adds: list[K.Planned], file_name: str) -> None:
    """New members and their audit entries, each in one executemany; pinyin made for all names at once.

    Validated in planning exactly as rules.create_person would; checked again here, inside the lock,
    that their orgs are live and no ID number was taken meanwhile."""
    from pledgebook.models.core.pinyin import pinyin_keys
    from pledgebook.models.store.audit import os_user
    from pledgebook.models.store.tables import AuditLog, Org, Person, database, new_uid, utcnow

    org_ids = list({p.values["org_id"] for p in adds})
    orgs = dict(Org.select(Org.id, Org.uid).where(Org.id.in_(org_ids), Org.deleted_at.is_null()).tuples())
    numbers = [p.values["id_number"] for p in adds if p.values.get("id_number")]
    taken = {n for (n,) in Person.select(Person.id_number).where(Person.id_number.in_(numbers),
                                                                 Person.deleted_at.is_null()).tuples()} if numbers else set()
    keys = pinyin_keys([p.values["name"] for p in adds])
    now, user = str(utcnow()), os_user()
    rows: list[tuple] = []
    audits: list[tuple] = []
    for p, key in zip(adds, keys, strict=True):
        v = p.values
        if v["org_id"] not in orgs:
            raise PledgebookError(f"第 {p.row} 行（{p.label}）：所在党组织在导入过程中被删除，请重新导入")
        if v.get("id_number") in taken:
            raise PledgebookError(f"第 {p.row} 行（{p.label}）：该身份证号已登记在另一名人员名下，请核对")
        uid = new_uid()
        fields = [_d(v.get(c)) if c.endswith("_date") else v.get(c) for c in _PERSON_COLUMNS]
        fields[_STATE] = fields[_STATE] or "active"  # a new member is 在册 unless the file says otherwise
        rows.append((uid, now, now, *fields, key))
        changes = {k: [None, _d(value) if isinstance(value, dt.date) else value] for k, value in v.items()
                   if k not in ("id_number", "phone", "org_id")}
        changes["org"] = [None, orgs[v["org_id"]]]
        audits.append((now, user, "create", "person", uid, json.dumps(changes, ensure_ascii=False), f"导入 {file_name}"))
    database.cursor().executemany(
        f"INSERT INTO {Person._meta.table_name} (uid, created_at, updated_at, {', '.join(_PERSON_COLUMNS)}, pinyin) "
        f"VALUES ({', '.join('?' * (len(_PERSON_COLUMNS) + 4))})", rows)
    database.cursor().executemany(
        f"INSERT INTO {AuditLog._meta.table_name} (at, user, action, \"table\", record_uid, changes, note) "
        "VALUES (?,?,?,?,?,?,?)", audits)


def _insert_pledges(adds: list[K.Planned], batch: Any, file_name: str) -> None:
    """New pledges and their audit entries, each in one executemany (about 10× Model.create)."""
    from pledgebook.models.store.audit import os_user
    from pledgebook.models.store.tables import Org, Person, Pledge, database, new_uid, utcnow

    years = {p.values["year"] for p in adds}
    from pledgebook.models.ledger import rules

    for year in years:
        rules.ensure_year_open(year)
    # the pledgers still exist and are live (they were resolved inside this run; checked again inside the lock)
    orgs = dict(database.execute_sql(f"SELECT id, uid FROM {Org._meta.table_name} WHERE deleted_at IS NULL").fetchall())
    people = {pid: (org, uid) for pid, org, uid in database.execute_sql(
        f"SELECT id, org_id, uid FROM {Person._meta.table_name} WHERE deleted_at IS NULL AND state = 'active'")}
    for p in adds:
        v = p.values
        if v["org_id"] not in orgs or (v["person_id"] and people.get(v["person_id"], (None,))[0] != v["org_id"]):
            raise PledgebookError("承诺人在导入过程中被删除或调动，请重新导入")
    now = str(utcnow())
    user = os_user()
    uids = [new_uid() for _ in adds]

    # generators, not lists: sqlite3 takes the rows as they are made (20,000 tuples and their JSON never all held)
    def rows():
        for p, uid in zip(adds, uids, strict=True):
            v = p.values
            yield (uid, now, now, v["year"], v["org_id"], v["person_id"], v["scope"], v["category"], v["content"],
                   v["measures"], _d(v["due_date"]), v["term"], v["approved_by"], _d(v["approved_on"]),
                   _d(v["published_on"]), v["status"], _d(v["fulfilled_on"]), "import", batch.id, p.row)

    def audits():
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for p, uid in zip(adds, uids, strict=True):
            v = p.values
            pledger = people[v["person_id"]][1] if v["person_id"] else orgs[v["org_id"]]
            changes = {"content": [None, v["content"]], "pledger": [None, pledger], "year": [None, v["year"]]}
            yield now, user, "create", "pledge", uid, dumps(changes), f"导入 {file_name} 第{p.row}行"

    database.cursor().executemany(
        f"INSERT INTO {Pledge._meta.table_name} (uid, created_at, updated_at, year, org_id, person_id, scope, "
        "category, content, measures, due_date, term, approved_by, approved_on, published_on, status, fulfilled_on, "
        "source, batch_id, source_row) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows(),
    )
    from pledgebook.models.store.tables import AuditLog

    database.cursor().executemany(
        f"INSERT INTO {AuditLog._meta.table_name} (at, user, action, \"table\", record_uid, changes, note) "
        "VALUES (?,?,?,?,?,?,?)",
        audits(),
    )


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
