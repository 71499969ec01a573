"""Hook points for the screens other parts of the program add to the TUI.

The import, export and year-end screens are built with their own features;
they register here instead of editing the app::

    from pledgebook.tui import registry
    registry.register_command("导入数据", "从 Excel/WPS 表格导入承诺", lambda app: app.push_screen(ImportScreen()))

Every registered command appears in the command palette (Ctrl+P). An area
registered with ``register_area`` also gets a number key and a tab-like
entry in the footer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[Any], object]  # called with the app


@dataclass(frozen=True)
class Area:
    key: str  # a number key, e.g. "4"
    name: str  # mode name
    title: str  # shown in the footer
    factory: Callable[[], Any]  # returns a Screen


COMMANDS: list[Command] = []
AREAS: list[Area] = []

# modules that register themselves here when imported (imported lazily, once, by load_plugins)
PLUGINS: list[str] = ["pledgebook.tui.screens.tally", "pledgebook.tui.screens.orgs"]
_loaded: set[str] = set()


def load_plugins() -> None:
    """Import every module in PLUGINS once, so their commands and areas are registered."""
    import importlib

    for name in PLUGINS:
        if name not in _loaded:
            _loaded.add(name)
            importlib.import_module(name)


def register_command(title: str, help: str, run: Callable[[Any], object]) -> None:
    COMMANDS.append(Command(title, help, run))


def register_area(key: str, name: str, title: str, factory: Callable[[], Any]) -> None:
    AREAS.append(Area(key, name, title, factory))


# the areas built into the program register themselves here (each module is tiny; screens load lazily)
from pledgebook.tui import help_area  # noqa: E402,F401
