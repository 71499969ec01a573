"""Every audit action the program can write is a known code: ``doctor`` passes after any of them.

The actions are collected from the source itself (every ``audit.record("…")`` call, every
``stamp(…, "…")`` of models/store/lifecycle, and every audit row a bulk writer builds as
``(stamp, user, "…", …)``), so a new action added anywhere without its code fails here.
"""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pledgebook
from pledgebook.models.core import vocab

PB = [sys.executable, "-m", "pledgebook"]
SOURCE = Path(pledgebook.__file__).parent
BULK_INSERT = re.compile(r'INSERT INTO\s*"?(audit_log|\{AuditLog\._meta\.table_name\})')


def _const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def written_actions() -> dict[str, list[str]]:
    """action → where the code writes it (file:line)."""
    found: dict[str, list[str]] = {}
    loose: list[str] = []
    bulk_files: set[Path] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        where = f"{path.relative_to(SOURCE)}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
                if name == "record" and owner == "audit" and node.args:
                    action = _const(node.args[0])
                    if action is None:
                        loose.append(f"{where}:{node.lineno}")
                    else:
                        found.setdefault(action, []).append(f"{where}:{node.lineno}")
                elif name == "stamp" and len(node.args) >= 4 and _const(node.args[3]):
                    found.setdefault(_const(node.args[3]), []).append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Tuple) and len(node.elts) == 5 and "record_many" in text:
                # an entry for audit.record_many: (action, table, uid, changes, note)
                first, second = _const(node.elts[0]), _const(node.elts[1])
                if first is not None and second is not None and first.isascii() and first.isidentifier():
                    found.setdefault(first, []).append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Tuple) and len(node.elts) >= 5:
                second, third = node.elts[1], node.elts[2]
                if isinstance(second, ast.Name) and second.id == "user" and _const(third):
                    found.setdefault(_const(third), []).append(f"{where}:{node.lineno}")
                    bulk_files.add(path)
        if BULK_INSERT.search(text) and where != str(Path("models", "store", "audit.py")):  # the one bulk writer
            assert path in bulk_files, f"{where} inserts audit rows in bulk in a shape this test does not read"
    # the one place that passes the action on as a variable: lifecycle.stamp (its callers are read above)
    assert all(spot.startswith(str(Path("models", "store", "lifecycle.py"))) for spot in loose), loose
    found.setdefault("update", []).append("models/store/lifecycle.py:stamp default")
    return found


def test_the_source_is_read_and_every_action_written_is_a_known_code():
    actions = written_actions()
    # the scan really finds the writers (a scan that finds nothing would pass anything)
    for expected in ("create", "update", "delete", "restore", "print", "carry", "uncarry", "reopen_year", "end", "import"):
        assert expected in actions, expected
    unknown = {a: spots for a, spots in actions.items() if a not in vocab.AUDIT_ACTIONS}
    assert not unknown, f"audit actions without a code in vocab.AUDIT_ACTIONS: {unknown}"


def test_audit_record_refuses_an_unknown_action(tmp_path):
    from pledgebook.models.store import audit
    from pledgebook.models.store.db import close_database, open_database

    open_database(tmp_path / "a.db")
    try:
        with pytest.raises(ValueError, match="AUDIT_ACTIONS"):
            audit.record("printed", "pledge", None)
    finally:
        close_database()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("audit") / "ledger.db"
    subprocess.run([*PB, "demo", "--db", str(db), "--scale", "300", "--json"], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    return db


def doctor(db: Path) -> tuple[int, dict]:
    run = subprocess.run([*PB, "doctor", "--db", str(db), "--json"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return run.returncode, json.loads(run.stdout)


def test_doctor_accepts_every_action_the_code_writes(ledger, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(ledger.read_bytes())
    con = sqlite3.connect(db)
    for action in written_actions():
        con.execute('INSERT INTO audit_log ("at", "user", "action", "table", "record_uid", "changes", "note") '
                    "VALUES ('2026-01-01 00:00:00', 'u', ?, 'pledge', NULL, '{}', '')", [action])
    con.commit()
    con.close()
    code, report = doctor(db)
    codes = next(c for c in report["checks"] if c["name"] == "代码表")
    assert codes["ok"], codes
    assert code == 0, report


def test_doctor_passes_after_printing_notices(ledger, tmp_path):
    db = tmp_path / "printed.db"
    db.write_bytes(ledger.read_bytes())
    year = json.loads(subprocess.run([*PB, "stats", "--db", str(db), "--json"], capture_output=True, text=True,
                                     stdin=subprocess.DEVNULL, check=True).stdout)["year"]
    run = subprocess.run([*PB, "print", "notice", "--db", str(db), "-o", str(tmp_path / "公示.xlsx"), "--year", str(year),
                          "--published-on", f"{year}-03-01", "--overwrite-published", "--json"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    subprocess.run([*PB, "backup", "--db", str(db)], check=True, capture_output=True, stdin=subprocess.DEVNULL)
    code, report = doctor(db)
    assert code == 0, [c for c in report["checks"] if not c["ok"]]
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'print'").fetchone()[0] == 1
    con.close()
