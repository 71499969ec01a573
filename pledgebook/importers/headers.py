"""Which sheets of a file import, as which kind: the table in each sheet, its kind, its missing columns,
and the headers that were not understood where a key column is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pledgebook.importers import measures
from pledgebook.importers.columns import guess_kind, leaf, suggest
from pledgebook.importers.errors import NoTable
from pledgebook.importers.plan import SheetKind
from pledgebook.importers.result import ImportResult, RowProblem, SheetReport
from pledgebook.importers.sheet import CellIssue, Sheet, column_letter
from pledgebook.importers.sheets import SHEETS
from pledgebook.importers.table import Table, find_table

UNKNOWN_KIND = ("无法从列名判断这是哪一种表（党组织名单、党员名册、承诺台账、践诺记录、评诺结果、联系点名单、"
                "驻村干部名单、帮扶工作月报、民主评议计票表、评选表彰推荐）。请检查表头，或用 --kind 指定")


@dataclass
class FoundTable:
    """A sheet that imports: its table, its kind, and the cells the reader would not pass on (by Excel row)."""

    table: Table
    kind: SheetKind
    issues: dict[int, list[CellIssue]] = field(default_factory=dict)


def find_tables(result: ImportResult, sheets: list[Sheet], kind: str, aliases: Mapping[str, str]) -> list[FoundTable]:
    """The tables of ``sheets`` that import (``kind``: a kind name, or 'auto' to tell from the headers);
    every sheet gets its :class:`SheetReport` in ``result``, saying why when it is skipped."""
    found: list[FoundTable] = []
    for sheet in sheets:
        rep = SheetReport(name=sheet.name)
        result.sheets.append(rep)
        try:
            table = find_table(sheet, aliases=aliases)
        except NoTable as exc:
            rep.skipped = exc.message
            continue
        measures.refine(table)  # the measure columns of a help-log sheet, told apart by their units
        rep.header_rows = table.header_rows
        rep.data_rows = len(table.data)
        rep.dropped = table.dropped
        rep.unknown_columns = table.unknown_columns()
        sheet_kind = kind if kind != "auto" else guess_kind([c for c in table.canonical if c], aliases)
        if sheet_kind is None:
            rep.skipped = UNKNOWN_KIND
            continue
        spec = SHEETS[sheet_kind]
        missing = [" 或 ".join(f"「{c}」" for c in need) for need in spec.required
                   if not any(_has(table, c) for c in need)]
        if missing:
            rep.skipped = (f"作为{spec.label}缺少必需的列：{'、'.join(missing)}"
                           + _unclear_hint(table, [c for need in spec.required for c in need], aliases))
            continue
        unclear = _unclear_key_columns(table, spec, aliases)
        if unclear:
            result.header_problems.append(RowProblem(result.file, sheet.name, None, "", "", "", unclear))
        rep.kind = sheet_kind
        issues: dict[int, list[CellIssue]] = {}
        for issue in sheet.issues:
            issues.setdefault(issue.row, []).append(issue)
        found.append(FoundTable(table, spec, issues))
    return found


def _unclear_key_columns(table: Table, spec: SheetKind, aliases: Mapping[str, str]) -> str:
    """'' or one Chinese sentence: which header was not understood, and which key column it probably is."""
    unknown = [j for j, (name, canon) in enumerate(zip(table.header, table.canonical, strict=True))
               if name and canon is None]
    if not unknown:
        return ""
    lacking = [c for c in spec.key_columns + tuple(c for need in spec.required for c in need) if not _has(table, c)]
    if not lacking:
        return ""
    guesses = {j: suggest(table.header[j], aliases) for j in unknown}
    meant = [(j, guesses[j]) for j in unknown if guesses[j] in lacking]
    if not meant:
        return ""
    parts = [f"{column_letter(j)} 列「{table.raw_header[j] if j < len(table.raw_header) else table.header[j]}」"
             f"未能识别，可能是「{guess}」" for j, guess in meant]
    return ("；".join(parts) + f"。本表缺少「{'」「'.join(dict.fromkeys(g for _, g in meant if g))}」列，"
            "该列内容未导入。请把表头改为标准列名后再导入，或用 --mapping 列名映射文件说明")


def _unclear_hint(table: Table, wanted: list[str], aliases: Mapping[str, str]) -> str:
    hints = [f"「{table.header[j]}」可能是「{guess}」" for j, (name, canon) in
             enumerate(zip(table.header, table.canonical, strict=True))
             if name and canon is None and (guess := suggest(name, aliases)) in wanted]
    return f"（未能识别的列：{'；'.join(hints)}）" if hints else ""


def _has(table: Table, name: str) -> bool:
    return any(c == name or (c and leaf(c) == name) for c in table.canonical)


def columns_of(table: Table, kind: SheetKind) -> dict[str, int]:
    """Canonical name → the first column of that name."""
    columns: dict[str, int] = {}
    for j, name in enumerate(table.canonical):
        if name and name not in columns:
            columns[name] = j
    for read_as, meant in kind.renames.items():
        if meant not in columns and read_as in columns:
            columns[meant] = columns.pop(read_as)
    return columns
