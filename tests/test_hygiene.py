"""The core imports none of textual, rich and typer; --help does not import Textual."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import pledgebook

UI = ("textual", "rich", "typer")
PKG = Path(pledgebook.__file__).parent
CORE_PACKAGES = ("models", "importers", "exporters", "bundle", "yearend", "demo")  # everything but cli/ and tui/


def _core_modules() -> list[str]:
    names = []
    for sub in CORE_PACKAGES:
        names.append(f"pledgebook.{sub}")
        names += [m.name for m in pkgutil.walk_packages([str(PKG / sub)], prefix=f"pledgebook.{sub}.")]
    return names


def test_every_core_module_is_checked():
    """Nothing core slips out of the list: rollover, the second ledger, settings, health, backups."""
    listed = set(_core_modules())
    for name in ("pledgebook.yearend.close", "pledgebook.models.campaign.rules", "pledgebook.models.campaign.figures",
                 "pledgebook.models.store.settings", "pledgebook.models.store.health", "pledgebook.models.store.backup",
                 "pledgebook.bundle.merge", "pledgebook.bundle.write", "pledgebook.importers.sandbox"):
        assert name in listed, name
    on_disk = {".".join(("pledgebook", *p.relative_to(PKG).with_suffix("").parts))
               for sub in CORE_PACKAGES for p in (PKG / sub).rglob("*.py") if p.stem != "__init__"}
    assert on_disk <= listed, sorted(on_disk - listed)


def _imported_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return {m.split(".")[0] for m in json.loads(out.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_imports_no_ui(module):
    loaded = _imported_after(f"import {module}")
    assert not (loaded & set(UI)), f"{module} pulls in {sorted(loaded & set(UI))}"


def test_help_does_not_import_textual_or_heavy_readers():
    code = (
        "import sys\nfrom pledgebook.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    loaded = _imported_after(code)
    for heavy in ("textual", "pypinyin", "python_calamine", "xlsxwriter", "openpyxl", "nacl"):
        assert heavy not in loaded, f"--help imports {heavy}"
