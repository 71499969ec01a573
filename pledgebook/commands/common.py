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

from pledgebook.models.errors import PledgebookError, explain

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="数据库文件路径（默认：用户数据文件夹；也可用环境变量 PLEDGEBOOK_DB）", show_default=False),
]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="在标准输出打印一份机器可读的 JSON 摘要（UTF-8 编码，供脚本使用）")]

F = TypeVar("F", bound=Callable[..., Any])

# options given before the command name (``pledgebook --db X stats``); set by the root callback
root_options: dict[str, Any] = {}


def interactive() -> bool:
    """True when a person is at a terminal: prompts are allowed only then."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def emit_json(data: Any) -> None:
    """One line of JSON on stdout, always UTF-8 (whatever the console's code page: GBK on Chinese Windows)."""
    text = json.dumps(data, ensure_ascii=False, default=str) + "\n"
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


def open_db(db: Path | None, *, create: bool = False) -> Path:
    """Open the ledger named by the command's ``--db``, else by ``pledgebook --db X command``."""
    from pledgebook.models.db import open_database

    return open_database(db if db is not None else root_options.get("db"), create=create)
