"""What one file's import did (or, in a dry run, would do): plain data a face can render."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pledgebook.importers.sheet import CellValue


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


def show_value(value: CellValue) -> str:
    """A cell's value as a problem quotes it: one line, at most 60 characters."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= 60 else text[:60] + "…"
