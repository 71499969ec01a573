"""What opening the TUI needs from the command line, without typer: the start of ``pledgebook`` alone.

:func:`pledgebook.cli.main` opens the TUI from here when there is no command
(typer's parser is then never built); ``common`` takes ``interactive`` and
``path_problem`` from here for every command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from pledgebook.models.core.errors import PledgebookError, explain


def interactive() -> bool:
    """True when a person is at a terminal: prompts are allowed only then."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def terminal() -> bool:
    """True when the TUI can run: a person at a terminal, and the screen is one."""
    try:
        return interactive() and sys.stdout is not None and sys.stdout.isatty()
    except (ValueError, OSError):
        return False


def path_problem(value: Path) -> str | None:
    """What makes ``value`` unusable as a path, in Chinese, or None."""
    text = str(value)
    if any(ord(c) < 32 for c in text):
        return "路径中含有换行或其他控制字符，请重新输入（可从资源管理器地址栏复制）"
    try:
        value.exists()
    except OSError as exc:  # a name longer than the file system allows (ENAMETOOLONG), …
        return f"路径无法使用（{exc.strerror or exc}）：请换一个较短的路径或文件名"
    except ValueError:
        return "路径中含有无法使用的字符，请重新输入"
    return None


def run_guarded(run: Callable[[], None]) -> None:
    """``run``, with errors told as ``common.handle_errors`` tells them: a message and the exit code."""
    try:
        run()
    except PledgebookError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _say("已取消。")
        raise SystemExit(130) from None
    except Exception as exc:
        known = explain(exc)  # a locked, full, read-only or damaged file underneath
        if known is None:
            raise
        _fail(known)


def _fail(exc: PledgebookError) -> None:
    _say(f"[bold red]错误：[/]{exc.message}")
    raise SystemExit(exc.exit_code) from None


def _say(markup: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(markup)
