"""The legacy Windows console: plain borders there, and one word on how to get Windows Terminal.

Chinese Windows 10 opens a double-clicked .cmd in the old console host (conhost), whose default font
(新宋体) draws box-drawing and block characters (─ │ ╭ ━ ▐ ▁) two columns wide. Textual counts them as
one, so every border pushes the line out of place and the screens overlap. Windows Terminal (and the
terminals of Linux) draw them right. ``承诺台账.cmd`` starts Windows Terminal when it is installed; when
the program still finds itself in the legacy console, :func:`prepare` swaps Textual's line glyphs for
ASCII (``+ - |``), which every font draws one column wide, and the app says once how to get Windows
Terminal (:data:`HINT`).

Imported before Textual's app module; it touches Textual only in :func:`plain_borders`
(through :func:`pledgebook.tui.textual_patches.ascii_glyphs`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

HINT = ("当前是旧式命令行窗口，中文字体会把表格边框画成双倍宽度，已改用简单边框。"
        "安装 Windows Terminal（微软应用商店搜索「Windows Terminal」；没有网络时请信息中心用U盘带来安装包，"
        "双击安装）后，双击「承诺台账.cmd」会自动在其中打开，显示更清楚。")

# set by the terminals that draw box characters right, on Windows too
_MODERN = ("WT_SESSION", "TERM_PROGRAM", "WEZTERM_PANE", "ALACRITTY_WINDOW_ID", "KITTY_WINDOW_ID")


def legacy_console(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """True when this is Windows' old console host rather than Windows Terminal or another modern one.

    ``PLEDGEBOOK_PLAIN_BORDERS=1`` forces plain borders anywhere, ``=0`` never.
    """
    env = os.environ if environ is None else environ
    forced = env.get("PLEDGEBOOK_PLAIN_BORDERS")
    if forced in ("0", "1"):
        return forced == "1"
    if (platform or sys.platform) != "win32":
        return False
    if any(env.get(name) for name in _MODERN) or env.get("ConEmuANSI") == "ON":
        return False
    return not env.get("TERM")  # mintty / MSYS set TERM; conhost does not


def plain_borders() -> Callable[[], None]:
    """Draw every Textual border, rule, bar, toggle and scrollbar with ASCII; returns what undoes it."""
    from pledgebook.tui.textual_patches import ascii_glyphs  # Textual, only in the legacy console

    return ascii_glyphs()


def prepare() -> str | None:
    """Before the app starts: plain borders in the legacy console; the hint to show once, or None."""
    if not legacy_console():
        return None
    plain_borders()
    return HINT


def greet(app: App[object], hint: str | None) -> None:
    """Say the hint once, when the first screen is up (called from the app's on_mount)."""
    if hint:
        app.notify(hint, title="显示效果", timeout=20)
