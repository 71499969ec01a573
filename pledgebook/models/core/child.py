"""The environment of a child Python process of this program (the spreadsheet sandbox, the bundle read-ahead)."""

from __future__ import annotations

import os
from pathlib import Path


def child_env() -> dict[str, str]:
    """This process's environment, with the folder that holds this very pledgebook package first on
    PYTHONPATH (so the child runs the same code, whatever is installed) and no bytecode written."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])  # the folder that holds the pledgebook package
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env
