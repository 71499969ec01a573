"""The closed year's archive: its backup and its figures per 党委, in ``archive/`` beside the database.

The figures are CSV files (UTF-8 with BOM, so that Excel/WPS read them): the first ledger's per 党委
(``<db>_<year>_summary.csv``) and, when the year has any, the third ledger's (``<db>_<year>_appraisal.csv``:
民主评议党员, 星级评定, 评选表彰 per 乡镇（党委）, :func:`pledgebook.yearend.appraisal.archive_rows`).
"""

from __future__ import annotations

import csv
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from peewee import PeeweeException

from pledgebook.models.core import vocab
from pledgebook.models.ledger.figures import FigureBook, Figures, percent
from pledgebook.models.store import backup, checked
from pledgebook.yearend.appraisal import archive_rows, has_records
from pledgebook.yearend.common import Progress


@dataclass
class ArchiveResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    cleaned: list[Path] = field(default_factory=list)  # temporary files a killed earlier archiving left

    def as_dict(self) -> dict:
        return {
            "folder": str(self.folder),
            "files": [str(f) for f in self.files],
            "error": self.error,
            "cleaned": [str(f) for f in self.cleaned],
        }


def summary_rows(year: int) -> list[list[str]]:
    """The year's figures per 党委 plus a 合计 row, as text cells (header first)."""
    book = FigureBook(year)
    header = ["党委", "承诺数"] + list(vocab.PLEDGE_STATUSES.values()) + [
        "兑现率", "满意率", "参与率", "评议数", "逾期", "待整改"
    ]
    rows = [header]

    def line(name: str, fig: Figures) -> list[str]:
        return [name, str(fig.pledges)] + [str(fig.by_status.get(s, 0)) for s in vocab.PLEDGE_STATUSES] + [
            percent(fig.fulfilment_rate), percent(fig.satisfaction_rate), percent(fig.participation_rate),
            str(fig.evaluations), str(fig.overdue), str(fig.rectification_open),
        ]

    root = book.root_id()
    for node, fig in book.children(root):
        rows.append(line(node.name, fig))
    rows.append(line("合计", book.subtree(root)))
    return rows


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (= + - @ at the start of a text cell)."""
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def write_year_summary(year: int, folder: Path) -> Path:
    """The closed year's figures per 党委 as CSV (UTF-8 with BOM, so Excel/WPS read it)."""
    return _write_csv(folder / f"{backup.current_db().stem}_{year}_summary.csv", summary_rows(year))


def write_year_appraisal(year: int, folder: Path) -> Path:
    """The closed year's third-ledger figures (民主评议党员, 星级评定, 评选表彰) as CSV, like the summary."""
    return _write_csv(folder / f"{backup.current_db().stem}_{year}_appraisal.csv", archive_rows(year))


def _write_csv(target: Path, rows: list[list[str]]) -> Path:
    """``rows`` as CSV at ``target``, written through ``.part`` and renamed (readable by the owner only)."""
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            for row in rows:
                writer.writerow([_cell(c) for c in row])
        if os.name != "nt":
            os.chmod(partial, 0o600)
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return target


def write_year_report(year: int, folder: Path) -> Path | None:
    """The year-end report workbook — the plug-in point for :mod:`pledgebook.exporters.report`.

    The export issue's XlsxWriter report (branch ``handoff``, not yet on main
    when this was written) plugs in here, in about three lines::

        from pledgebook.exporters.report import export_report
        target = folder / f"{backup.current_db().stem}_{year}_report.xlsx"
        return export_report(target, year=year).paths[0]

    ``ensure_archive`` already lists whatever this returns and turns an
    ``OSError`` into ``ArchiveResult.error``; a ``PledgebookError`` from the
    report should be caught there the same way. Until then there is no
    workbook and the CSV summary (:func:`write_year_summary`) stands alone.
    """
    return None


def ensure_archive(year: int, *, fresh: bool = False, progress: Progress | None = None) -> ArchiveResult:
    """Keep the closed year's backup and summary in ``archive/`` beside the database.

    ``fresh`` (right after a rollover) writes both anew and then drops the
    copies of an earlier closing of the same year (one undone by reopen);
    otherwise only what is missing is written. A failure (disk full, folder
    not writable, a query of the summary failing) is reported in ``error`` and leaves the database untouched.
    """
    db = backup.current_db()
    folder = backup.archive_dir(db)
    result = ArchiveResult(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # the copy (SQLite, its own connection, without the GIL) runs beside the summary's queries
        with ThreadPoolExecutor(1) as pool:
            copying = pool.submit(_archive_backup, year, db, folder, result, fresh=fresh, progress=progress)
            try:
                summary, stale = _archive_summary(year, db, folder, fresh=fresh)
            finally:
                copy = copying.result()
        result.files.append(copy)
        result.cleaned.extend(stale)
        result.cleaned.extend(backup.remove_leftovers(folder, db.stem))
        result.files.extend(summary)
        report = write_year_report(year, folder)
        if report is not None:
            result.files.append(report)
    except backup.BackupError as exc:
        result.error = exc.message.replace("备份失败", "归档失败")
    except OSError as exc:
        result.error = backup.explain(exc, folder, "归档").message
    except PeeweeException as exc:  # the summary's queries: the year is closed all the same
        result.error = f"归档失败：读取{year}年度的汇总数据时出错（{exc}），汇总表未写成"
    return result


def _archive_backup(
    year: int, db: Path, folder: Path, result: ArchiveResult, *, fresh: bool, progress: Progress | None
) -> Path:
    """The closed year's backup copy: made if missing (or ``fresh``), earlier copies dropped."""
    existing = sorted(folder.glob(f"{db.stem}_*_closed-{year}.db"))
    if fresh or not existing:
        made = backup.backup(folder, f"closed-{year}", progress=progress, rotate_after=False)
        result.cleaned.extend(made.cleaned)
        for old in existing:
            old.unlink(missing_ok=True)
            checked.forget(old)
        existing = [made.path]
    return existing[-1]


def _archive_summary(year: int, db: Path, folder: Path, *, fresh: bool) -> tuple[list[Path], list[Path]]:
    """The closed year's summary CSVs (the third ledger's when the year has records of it): each written if
    missing (or ``fresh``); a killed earlier write's .part goes.

    Returns the CSVs and the leftovers it removed.
    """
    written, cleaned = [], []
    for name, write in (("summary", write_year_summary), ("appraisal", write_year_appraisal)):
        target = folder / f"{db.stem}_{year}_{name}.csv"
        stale = target.with_name(target.name + ".part")  # the file a kill interrupted
        if stale.is_file():
            cleaned.append(stale)
        if name == "appraisal" and not has_records(year):
            stale.unlink(missing_ok=True)
            continue
        if fresh or not target.exists():
            write(year, folder)  # writes through the same .part: it is gone after
        stale.unlink(missing_ok=True)
        written.append(target)
    return written, cleaned
