"""What every command shares: the console, ``--db``, ``--json``, and turning errors into messages."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from pledgebook.cli.launch import interactive, path_problem
from pledgebook.models.core.errors import PledgebookError, explain

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

__all__ = [  # interactive lives in launch (the TUI's start needs it without typer); commands take it from here
    "DbOption", "JsonOption", "check_output_file", "check_path", "check_paths", "check_year", "console",
    "emit_json", "err_console", "handle_errors", "interactive", "open_db", "root_options",
]

F = TypeVar("F", bound=Callable[..., Any])

# a year anyone means: the ledger's first year is 2000 or later (rules.init_county), and nothing runs to 2100
YEAR_MIN, YEAR_MAX = 2000, 2100


def check_year(value: int | None) -> int | None:
    """A typer callback for every year argument: a plausible year, or a Chinese refusal (exit 2)."""
    if value is not None and not YEAR_MIN <= value <= YEAR_MAX:
        shown = str(value) if len(str(value)) <= 12 else str(value)[:12] + "…"
        raise typer.BadParameter(f"年度 {shown} 不合理：请填写 {YEAR_MIN} 到 {YEAR_MAX} 之间的四位年份，例如 2026。")
    return value


def check_path(value: Path | None) -> Path | None:
    """A typer callback for every file or folder argument: no control characters."""
    if value is not None:
        problem = path_problem(value)
        if problem:
            raise typer.BadParameter(problem)
    return value


def check_paths(values: list[Path] | None) -> list[Path] | None:
    for value in values or ():
        check_path(value)
    return values


def check_output_file(value: Path | None) -> Path | None:
    """A typer callback for a file to write: not empty, not a folder, no control characters."""
    if value is None:
        return value
    check_path(value)
    if str(value) in ("", ".") or value.name in ("", ".", "..") or value.is_dir():
        raise typer.BadParameter(
            f"「{value}」不是要写入的文件名（不能为空，也不能是文件夹）：请写完整的文件路径（含文件名），"
            "例如 D:\\上报\\2026年承诺情况.xlsx"
        )
    return value

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="数据库文件路径（默认：用户数据文件夹；也可用环境变量 PLEDGEBOOK_DB）", show_default=False,
        callback=check_path,
    ),
]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="在标准输出打印一份机器可读的 JSON 摘要（UTF-8 编码，供脚本使用）")]

# options given before the command name (``pledgebook --db X stats``); set by the root callback
root_options: dict[str, Any] = {}


def emit_json(data: Any) -> None:
    """One line of JSON on stdout, always UTF-8 (whatever the console's code page: GBK on Chinese Windows)."""
    text = json.dumps(data, ensure_ascii=False, default=str) + "\n"
    # a file name that is not UTF-8 (GBK bytes on Linux) arrives as lone surrogates: written as the
    # JSON escape \udcb0, which reads back as the same name, instead of failing to encode
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream without bytes underneath (a test's StringIO)
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def handle_errors(func: F) -> F:
    """Run a command; a PledgebookError becomes a clear message and exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PledgebookError as exc:
            _report(exc, kwargs.get("as_json"))
        except Exception as exc:
            # a locked, full, read-only or damaged file underneath the core (OSError, sqlite3 or peewee errors,
            # imported lazily so --help stays fast): a message, never a traceback; anything else propagates
            known = explain(exc)
            if known is None:
                raise
            _report(known, kwargs.get("as_json"))
        except KeyboardInterrupt:
            err_console.print("已取消。")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _report(exc: PledgebookError, as_json: Any) -> None:
    if as_json:
        emit_json({"ok": False, "error": exc.message})
    else:
        err_console.print(f"[bold red]错误：[/]{exc.message}")
    raise typer.Exit(exc.exit_code) from None


def open_db(db: Path | None, *, create: bool = False, write: bool = False) -> Path:
    """Open the ledger named by the command's ``--db``, else by ``pledgebook --db X command``.

    ``write=True`` for a command that changes the ledger: a file that cannot be written
    (read-only disk, folder without permission) is refused at once, saying which; a reading
    command opens such a file read-only.
    """
    from pledgebook.models.store.db import open_database

    return open_database(db if db is not None else root_options.get("db"), create=create, write=write)
