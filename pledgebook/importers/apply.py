"""One import run: read → find the tables → plan every row → apply in one transaction.

:func:`import_file` is what the CLI, the inbox and the TUI call. It returns
an :class:`ImportResult` — plain data a face can render — and never raises
for a bad file or a bad row: an unusable file is ``status='unusable'`` with
one message, a bad row is a :class:`~.result.RowProblem` that says where (file,
sheet, Excel row, column letter and header), the value, what is wrong and
what to do.

Planning (:mod:`.planning`, one :mod:`sheet kind <.sheets>` per kind of sheet)
validates everything before anything is written; the writes (:mod:`.write`)
then go in ONE ``IMMEDIATE`` transaction per file, so a crash, a power cut or
a refused row under ``on_error='abort'`` leaves the ledger as it was. The
file's SHA-256 is kept in :class:`ImportBatch`: the same bytes again are
recognised and change nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pledgebook.importers.columns import EXTRA_ALIASES, normalize_header
from pledgebook.importers.context import Context
from pledgebook.importers.errors import FileUnreadable
from pledgebook.importers.headers import FoundTable, find_tables
from pledgebook.importers.plan import Planned, SheetKind, Writer
from pledgebook.importers.planning import Progress, plan_table
from pledgebook.importers.reader import start_read
from pledgebook.importers.result import ImportResult
from pledgebook.importers.sheets import KIND_NAMES
from pledgebook.importers.write import write_planned
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.store import audit
from pledgebook.models.store.backup import backup_database
from pledgebook.models.store.tables import ImportBatch, database

# the faces (CLI, TUI, inbox) import these from here: the run, its options and its result
__all__ = ["KIND_NAMES", "ImportResult", "Progress", "import_file"]

ON_ERROR = ("skip", "abort")
IMPORT_CACHE_KIB = -8_000  # PRAGMA cache_size while an import writes (negative: KiB)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def already_imported(sha256: str) -> ImportBatch | None:
    """The latest ImportBatch of these exact bytes, or None."""
    return ImportBatch.select().where(ImportBatch.sha256 == sha256).order_by(ImportBatch.id.desc()).first()


def _local_time(when: object) -> object:
    if isinstance(when, dt.datetime):  # stored as UTC; shown in local time
        return when.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    return when


class _SpareBackup:
    """The backup before an import, copied by a thread while the file is read and planned.

    SQLite copies the pages without the GIL, on a connection of its own, so the copy costs the run no
    time. Removed again when the run writes nothing (refused, unchanged, unusable); a backup that fails
    here is simply not there: it is taken again where the run writes, and its error reported there."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._path: Path | None = None

    def start(self, folder: Path | None) -> None:
        folder = _backup_folder(folder)  # the open ledger's folder, read in this thread
        self._thread = threading.Thread(target=self._take, args=(folder,), name="pledgebook-import-backup",
                                        daemon=True)
        self._thread.start()

    def _take(self, folder: Path) -> None:
        try:
            self._path = backup_database(folder, reason="before-import")
        except Exception:  # noqa: BLE001 - taken again (and its error told) where the run writes
            self._path = None

    def wait(self) -> Path | None:
        if self._thread is not None:
            self._thread.join()
        return self._path


def _backup_folder(folder: Path | None) -> Path:
    return folder or Path(database.database).parent / "backups"


@dataclass
class _Run:
    """One run's options, its result so far and its clock."""

    path: Path
    result: ImportResult
    spare: _SpareBackup
    kind: str
    year: int | None
    aliases: Mapping[str, str] | None
    report: Progress
    backup_folder: Path | None
    evaluation_date: dt.date | Callable[[], dt.date | None] | None
    started: float

    def done(self) -> ImportResult:
        self.result.seconds = time.perf_counter() - self.started
        return self.result


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
    if on_error not in ON_ERROR:
        raise PledgebookError(f"--on-error 只能是 skip（跳过错误行，默认）或 abort（有错误就全部不导入），收到「{on_error}」")
    if kind != "auto" and kind not in KIND_NAMES:
        raise PledgebookError(f"--kind 只能是 auto、{'、'.join(KIND_NAMES)}，收到「{kind}」")
    path = Path(path)
    run = _Run(path, ImportResult(path=path, dry_run=dry_run, on_error=on_error), _SpareBackup(), kind, year,
               aliases, progress or (lambda stage, done, total: None), backup_folder, evaluation_date,
               time.perf_counter())
    result = None
    try:
        result = _import(run)
        return result
    finally:
        taken = run.spare.wait()
        if taken is not None and (result is None or result.backup != taken):
            taken.unlink(missing_ok=True)  # copied while the file was read, and nothing was written


def _import(run: _Run) -> ImportResult:
    result = run.result
    early = _check_bytes(run)
    if early is not None:
        return early
    if not result.dry_run:
        run.spare.start(run.backup_folder)
    read = _read(run)
    if read is None:
        return result
    ctx, found = read
    result.kind = ",".join(dict.fromkeys(f.kind.name for f in found))
    ctx.default_date = run.evaluation_date
    planned: list[Planned] = []
    total = sum(len(f.table.data) for f in found)
    done = 0
    for table in found:
        done = plan_table(result, ctx, table, planned, run.report, done, total)
    run.report("检查", total, total)
    for table in found:  # the rows as read are no longer needed (refused ones were copied): let them go
        table.table.data = []
    result.rows_read = total
    result.readings = ctx.readings
    _count(result, planned, ctx)
    if _stop_before_writing(result, planned, ctx, total, [f.kind for f in found if f.kind.all_or_nothing]):
        return run.done()
    _write(run, planned)
    return run.done()


def _unusable(result: ImportResult, message: str) -> ImportResult:
    result.status = "unusable"
    result.message = message
    return result


def _check_bytes(run: _Run) -> ImportResult | None:
    """The file's SHA-256, and whether these bytes were imported before; the result when the run ends here."""
    result, path = run.result, run.path
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
        result.kind = batch.kind
        result.batch_uid = batch.uid
        result.message = (f"文件「{path.name}」与 {_local_time(batch.imported_at)} 导入的「{batch.file_name}」内容完全相同，"
                          "已导入过，本次未做任何改动。如修改过内容，请保存后再导入。")
        return run.done()
    return None


def _read(run: _Run) -> tuple[Context, list[FoundTable]] | None:
    """The file read and its tables found, the database prepared meanwhile; None when it is unusable."""
    result = run.result
    run.report("读取", 0, 1)
    try:
        pending = start_read(run.path)
    except FileUnreadable as exc:
        _unusable(result, exc.message)
        return None
    # while the child parses the workbook (a CSV has none), the database is prepared: the indexes, then,
    # in the time left, the year's pledges (the first thing a pledge sheet's rows look up)
    ctx = Context(run.year if run.year is not None else rules.current_year())
    if pending.running() and ctx.year is not None:
        ctx.load_pledges()
    try:
        sheets = pending.result()
    except FileUnreadable as exc:
        _unusable(result, exc.message)
        return None
    run.report("读取", 1, 1)
    merged = {normalize_header(k): v for k, v in EXTRA_ALIASES.items()}
    merged.update(run.aliases or {})
    found = find_tables(result, sheets, run.kind, merged)
    if not found:
        reasons = "；".join(f"「{s.name}」{s.skipped}" for s in result.sheets if s.skipped)
        _unusable(result, f"文件「{run.path.name}」中没有可导入的表格：{reasons}")
        return None
    return ctx, found


def _count(result: ImportResult, planned: list[Planned], ctx: Context) -> None:
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


def _stop_before_writing(result: ImportResult, planned: list[Planned], ctx: Context, total: int,
                         whole: list[SheetKind]) -> bool:
    """Whether the run ends without writing: a dry run, refused rows under abort (or in a kind that is
    ``all_or_nothing``), nothing to write."""
    if result.dry_run:
        result.status = "dry_run"
        return True
    if whole and result.rejected:
        result.status = "aborted"
        result.message = (f"有 {result.rejected} 行错误。{whole[0].label}须整表无误才导入，本文件一行也没有写入；"
                          "请按错误清单改正后重新导入")
        return True
    if result.on_error == "abort" and result.rejected:
        result.status = "aborted"
        result.message = f"有 {result.rejected} 行错误，按 --on-error abort 的要求本文件一行也没有写入"
        return True
    if not total:
        result.message = "表中没有数据行"
        return True
    if not any(p.action != "unchanged" for p in planned) and (result.rejected or ctx.not_counted):
        result.status = "done"
        result.message = "；".join(filter(None, [result.message, "没有可写入的行"]))
        return True
    return False


def _write(run: _Run, planned: list[Planned]) -> None:
    """The backup, then every planned write in one transaction with its ImportBatch and audit entry."""
    result, name = run.result, run.path.name
    writes = [p for p in planned if p.action != "unchanged"]
    if writes:
        result.backup = run.spare.wait() or backup_database(_backup_folder(run.backup_folder), reason="before-import")
    # a smaller page cache while this file is written: an import touches each page of the new rows
    # once, and the county's 32 MB cache would hold them all (the peak memory of a 20,000-row file)
    cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        with rules.transaction():
            batch = ImportBatch.create(
                file_name=name, sha256=result.sha256, kind=result.kind, user=audit.os_user(),
                rows_read=result.rows_read, rows_written=len({p.row for p in writes}), rows_rejected=result.rejected,
            )
            result.batch_uid = batch.uid
            write_planned(planned, Writer(batch, name), run.report)
            audit.record("import", "import_batch", batch.uid,
                         {"file": (None, name), "added": (None, result.added), "updated": (None, result.updated)},
                         note=f"导入 {name}")
    except PledgebookError as exc:
        result.status = "failed"
        result.message = f"导入「{name}」时出错，本文件未写入任何内容：{exc.message}"
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(cache)}")
