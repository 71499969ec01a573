"""Read a hostile file into plain rows: :func:`read_file` → list of :class:`Sheet`.

No database, no UI. The format is told by the file's bytes (see
:mod:`.sniff`); workbooks (xlsx, xls, ods) are parsed by python-calamine in a
child process with a time limit (see :mod:`.sandbox`); CSV and tab-separated
text are decoded here (UTF-8 with or without BOM, UTF-16, GB18030 — the
first strict decoding whose header makes sense wins).

Everything the caller may need to report has a place: a file that cannot be
used raises :class:`FileUnreadable`; a sheet that was not read has
``Sheet.skipped``; a cell that was too long or holds control characters is
in ``Sheet.issues`` with its row and column.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from pledgebook.importers import sniff
from pledgebook.importers.errors import FileUnreadable
from pledgebook.importers.sheet import CellIssue, Sheet, column_letter
from pledgebook.models.core.child import child_env
from pledgebook.models.core.values import has_control_chars

__all__ = ["CellIssue", "FileUnreadable", "Sheet", "column_letter", "read_file", "read_text"]

MAX_ROWS = 200_000
MAX_COLS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit


def read_file(
    path: str | os.PathLike[str],
    *,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_cell_chars: int = MAX_CELL_CHARS,
    timeout: float | None = None,
) -> list[Sheet]:
    """Read every sheet of ``path`` (xlsx/xlsm/xlsb, xls, ods, csv/txt).

    Raises :class:`FileUnreadable` (one Chinese message naming the file) when
    the file is empty, damaged, not a table (HTML, Word, PDF …), password
    protected, hostile, or too slow to parse (``timeout`` seconds; by default
    one minute plus five seconds per MB).
    """
    return start_read(path, max_rows=max_rows, max_cols=max_cols, max_cell_chars=max_cell_chars,
                      timeout=timeout).result()


class PendingRead:
    """A read under way: a workbook is parsed by its child process while the caller prepares the database.

    :meth:`result` waits for it and gives what :func:`read_file` gives (or raises its FileUnreadable).
    :meth:`running` tells whether the child is still parsing (the caller's spare time)."""

    def __init__(self, path: Path, request: dict | None, timeout: float, text_options: dict) -> None:
        self.path = path
        self._text_options = text_options
        self._outcome: tuple[dict | None, Exception | None] = (None, None)
        self._thread = None
        if request is not None:
            import threading

            process = _start_child(path)
            # the pipes are served by a thread (it waits on I/O, not on the GIL): the child never blocks on a
            # full pipe while the caller works
            self._thread = threading.Thread(target=self._serve, args=(process, request, timeout), daemon=True)
            self._thread.start()

    def _serve(self, process: subprocess.Popen, request: dict, timeout: float) -> None:
        try:
            self._outcome = (_talk_to_child(self.path, process, request, timeout), None)
        except Exception as exc:  # noqa: BLE001 - handed to result(), raised in the caller's thread
            self._outcome = (None, exc)

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def result(self) -> list[Sheet]:
        path = self.path
        if self._thread is None:
            return [read_text(path, **self._text_options)]
        self._thread.join()
        result, error = self._outcome
        if error is not None:
            raise error
        assert result is not None
        if not result.get("ok"):
            raise FileUnreadable(f"文件「{path.name}」{result.get('message', '无法读取')}。")
        sheets = [_sheet_from_child(item) for item in result["sheets"]]
        if not sheets:
            raise FileUnreadable(f"文件「{path.name}」里没有工作表。请确认选对了文件。")
        return sheets


def start_read(
    path: str | os.PathLike[str],
    *,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_cell_chars: int = MAX_CELL_CHARS,
    timeout: float | None = None,
) -> PendingRead:
    """:func:`read_file` begun: the format is told and a workbook's child started; see :class:`PendingRead`.

    A file that is not a table at all (or a hostile zip) raises FileUnreadable here already. CSV and
    text files are parsed by Python's csv module in this process (it cannot crash it), at ``result()``."""
    path = Path(path)
    detected = sniff.detect(path)
    options = {"max_rows": max_rows, "max_cols": max_cols, "max_cell_chars": max_cell_chars}
    if detected.kind == "text":
        return PendingRead(path, None, 0, options)
    if detected.kind in ("xlsx", "ods"):
        sniff.check_zip(path)
    if timeout is None:
        timeout = 60 + 5 * detected.size / (1024 * 1024)
    request = {"path": str(path.resolve()), "kind": detected.kind, **options}
    return PendingRead(path, request, timeout, options)


# --------------------------------------------------------------------------- the child process


class _SafeUnpickler(pickle.Unpickler):
    """The child only sends plain values; refuse any other class."""

    _ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")


# what a child that never reached the parser leaves on stderr: Python could not find or import it
_NOT_STARTED = ("No module named", "ModuleNotFoundError", "ImportError", "Error while finding module specification",
                "DLL load failed", "can't open file", "init_sys_streams", "Fatal Python error: init")


def _cannot_start(path: Path, why: str) -> FileUnreadable:
    return FileUnreadable(
        f"无法启动表格解析子进程（{why}），文件「{path.name}」未读取。这不是文件的问题，而是本程序的安装不完整："
        "请重新复制完整的程序文件夹（或重新安装）后再试；急用时可在 Excel/WPS 中把表格「另存为」CSV 文件后导入。"
    )


def _child_command(path: Path) -> list[str]:
    """``python -m pledgebook.importers.sandbox`` with this program's own interpreter.

    Right for a venv, the Linux kit and the Windows kit (a real python.exe); a frozen build has no
    interpreter to start, and says so instead of blaming the file.
    """
    if getattr(sys, "frozen", False) or not sys.executable:
        raise _cannot_start(path, "本程序没有可启动的 Python 解释器")
    return [sys.executable, "-m", "pledgebook.importers.sandbox"]


def _start_child(path: Path) -> subprocess.Popen:
    command = _child_command(path)
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except OSError as exc:
        raise _cannot_start(path, exc.strerror or str(exc)) from None


def _talk_to_child(path: Path, process: subprocess.Popen, request: dict, timeout: float) -> dict:
    crashed = (
        f"文件「{path.name}」在读取时使表格解析程序异常退出，文件可能已损坏或是恶意构造的。"
        "本程序未受影响。请在 Excel/WPS 中打开该文件，「另存为」新的 .xlsx 后再导入。"
    )
    try:
        out, err = process.communicate(json.dumps(request).encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise FileUnreadable(
            f"文件「{path.name}」读取超时（超过 {timeout:.0f} 秒），可能过大、已损坏或是恶意构造的。"
            "请在 Excel/WPS 中打开后另存为新的 .xlsx，或拆分成几个较小的文件后再导入。"
        ) from None
    detail = err.decode("utf-8", "replace")[-2000:]
    if process.returncode != 0 or not out:
        if process.returncode > 0 and any(sign in detail for sign in _NOT_STARTED):
            last = next((line.strip() for line in reversed(detail.splitlines()) if line.strip()), "")
            raise _cannot_start(path, last[:200]) from None
        raise FileUnreadable(crashed, detail=f"exit {process.returncode}: {detail}")
    try:
        result = _SafeUnpickler(io.BytesIO(out)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise FileUnreadable(crashed, detail=f"bad child output: {exc!r}; {detail}") from None
    if not isinstance(result, dict):
        raise FileUnreadable(crashed, detail="child output is not a dict")
    if result.get("broken"):  # the child started, but its parser could not be loaded
        raise _cannot_start(path, result.get("message", "表格解析组件无法加载"))
    return result


def _sheet_from_child(item: dict) -> Sheet:
    return Sheet(
        name=item["name"],
        rows=item.get("rows", []),
        row_numbers=item.get("row_numbers", []),
        skipped=item.get("skipped"),
        date1904=item.get("date1904", False),
        merges=[tuple(m) for m in item.get("merges", [])],
        issues=[CellIssue(*issue) for issue in item.get("issues", [])],
    )


# --------------------------------------------------------------------------- text files

_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16",
                   "utf-16-be": "UTF-16", "gb18030": "GB18030/GBK"}


def read_text(
    path: str | os.PathLike[str],
    *,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> Sheet:
    """A CSV or tab-separated text file as one Sheet named after the file."""
    from pledgebook.importers.sandbox import clean_rows, clean_text_rows

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"文件「{path.name}」无法读取（{exc.strerror or exc}）。") from None
    text, encoding = decode_text(data, path.name)
    del data
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(itertools.islice(reader, max_rows + 1))  # parsed in C; row by row only when too wide
    except csv.Error as exc:
        raise _bad_csv(path, reader.line_num, exc) from None
    width = max(map(len, rows), default=0)
    if width > max_cols:
        rows = _rows_one_by_one(path, text, delimiter, max_rows, max_cols)
        width = max(map(len, rows), default=0)
    if len(rows) > max_rows:
        raise _too_many_rows(path, max_rows)
    if has_control_chars(text):
        padded = [row + [""] * (width - len(row)) if len(row) < width else row for row in rows]
        clean, numbers, issues = clean_rows(padded, max_cell_chars)
    else:
        clean, numbers, issues = clean_text_rows(rows, width, max_cell_chars)
    sheet = Sheet(name=path.stem, rows=clean, row_numbers=numbers, issues=[CellIssue(*i) for i in issues])
    if not clean:
        sheet.skipped = "空白文件"
    return sheet


def _bad_csv(path: Path, line: int, exc: csv.Error) -> FileUnreadable:
    return FileUnreadable(
        f"文件「{path.name}」第 {line} 行附近格式有误（{exc}），可能引号不成对或单元格过长。"
        "请在 Excel/WPS 中打开后另存为 .xlsx 再导入。"
    )


def _too_many_rows(path: Path, max_rows: int) -> FileUnreadable:
    return FileUnreadable(f"文件「{path.name}」超过 {max_rows} 行，超出可导入的范围。请拆分成几个文件后再导入。")


def _rows_one_by_one(path: Path, text: str, delimiter: str, max_rows: int, max_cols: int) -> list[list[str]]:
    """The rows of a file with a row wider than ``max_cols``: a blank tail is cut off, text there is
    refused with its line number (or the file's length, if that comes first)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) >= max_rows:
                raise _too_many_rows(path, max_rows)
            if len(row) > max_cols:
                if any(cell.strip() for cell in row[max_cols:]):
                    raise FileUnreadable(
                        f"文件「{path.name}」第 {reader.line_num} 行有 {len(row)} 列，超出可导入的范围（最多 {max_cols} 列）。"
                        "请检查分隔符是否正确，或删除多余的列。"
                    )
                row = row[:max_cols]
            rows.append(row)
    except csv.Error as exc:
        raise _bad_csv(path, reader.line_num, exc) from None
    return rows


def decode_text(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode text the way Chinese office files come: returns (text, codec).

    A byte order mark decides (UTF-8, UTF-16). Without one, UTF-8 then
    GB18030 are tried strictly, and a decoding is taken only when its first
    lines look like a table header (Chinese, ASCII, usual punctuation); when
    none looks right the best-looking one is used.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in data[:4096]:
        head = data[:4096]
        candidates = ["utf-16-le"] if head[1::2].count(0) > head[0::2].count(0) else ["utf-16-be"]
    else:
        candidates = ["utf-8", "gb18030"]
    best: tuple[float, str, str] | None = None
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _sense(text)
        if score >= 0.9:
            return _strip_bom(text), codec
        if best is None or score > best[0]:
            best = (score, text, codec)
    if best is None:
        tried = "、".join(dict.fromkeys(_ENCODING_NAMES[c] for c in candidates))
        raise FileUnreadable(
            f"文件「{name}」的文字编码无法识别（已尝试 {tried}）。"
            "请在 Excel/WPS 中打开后另存为 .xlsx，或另存为「CSV UTF-8」后再导入。"
        )
    return _strip_bom(best[1]), best[2]


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _sense(text: str) -> float:
    """Share of characters in the first lines that a Chinese table header is made of."""
    sample = "".join(line for line in text[:4000].splitlines()[:20] if line.strip())
    if not sample:
        return 1.0
    good = 0
    for char in sample:
        code = ord(char)
        if (
            32 <= code < 127
            or char in "\t\ufeff"
            or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
            or 0x3000 <= code <= 0x303F  # CJK punctuation
            or 0xFF00 <= code <= 0xFFEF  # full-width forms
            or 0x3400 <= code <= 0x4DBF  # extension A (rare given names)
            or char in "·—…‘’“”《》、"
        ):
            good += 1
    return good / len(sample)


_DELIMITERS = (",", "\t", ";")


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one that splits the first lines most consistently."""
    lines = [line for line in text[:64 * 1024].splitlines()[:30] if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        wide = [count for count in counts if count > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = (wide.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best
