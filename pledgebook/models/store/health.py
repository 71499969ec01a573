"""Health checks of a ledger file (``pledgebook doctor``).

Each check is ``{"name", "ok", "level", "detail", "items"}``: ``items`` lists what was
found (at most :data:`SHOW` of each kind, for a person to look up). The
report is ``ok`` only when every error-level check is (a missing or stale
backup is a warning: it does not fail ``doctor``'s exit code). Read-only: the doctor never
repairs; it says what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pledgebook.models.core import vocab
from pledgebook.models.store import migrations
from pledgebook.models.store.tables import database, fetch_all, fetch_one

SHOW = 10
WAL_LIMIT = 256 * 1024 * 1024  # a WAL this big means checkpoints are not happening (a reader held open for days)
BACKUP_AGE_DAYS = 45  # the monthly import takes one; older than this, the last backup is stale

# (table, column, vocabulary, nullable): every stored code has a Chinese label here
CODES: tuple[tuple[str, str, dict[str, str], bool], ...] = (
    ("org", "kind", vocab.ORG_KINDS, False),
    ("org", "sector", vocab.SECTORS, True),
    ("person", "state", vocab.PERSON_STATES, False),
    ("person", "gender", vocab.GENDERS, True),
    ("pledge", "status", vocab.PLEDGE_STATUSES, False),
    ("pledge", "scope", vocab.SCOPES, False),
    ("pledge", "term", vocab.TERMS, False),
    ("evaluation", "kind", vocab.EVAL_KINDS, False),
    ("evaluation", "grade", vocab.ALL_GRADES, True),
    ("audit_log", "action", vocab.AUDIT_ACTIONS, False),
    # the second ledger (四帮四促 / 帮联驻)
    ("contact_point", "kind", vocab.CONTACT_KINDS, False),
    ("stationing", "role", vocab.STATION_ROLES, False),
    ("help_log", "kind", vocab.WORK_KINDS, False),
)


def _label(table: str) -> str:
    return vocab.TABLE_LABELS.get(table, table)


def _tables() -> list[str]:
    return [r[0] for r in fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _columns(table: str) -> set[str]:
    return {r[1] for r in fetch_all(f'PRAGMA table_info("{table}")')}


def _count(sql: str) -> int:
    row = fetch_one(sql)
    return int(row[0]) if row else 0


def orphans() -> list[str]:
    """Records pointing at a record that is not there (any table, any reference), and
    live records under a deleted org (soft delete refuses that, so it means damage)."""
    found: list[str] = []
    for table in _tables():
        for fk in fetch_all(f'PRAGMA foreign_key_list("{table}")'):
            parent, src, dst = fk[2], fk[3], fk[4] or "id"
            n = _count(
                f'SELECT count(*) FROM "{table}" c WHERE c."{src}" IS NOT NULL '
                f'AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p."{dst}" = c."{src}")')
            if n:
                found.append(f"{n} 条{_label(table)}（{table}.{src}）指向不存在的{_label(parent)}")
    for table, column in (("org", "parent_id"), ("person", "org_id"), ("pledge", "org_id"), ("pledge", "person_id")):
        n = _count(
            f'SELECT count(*) FROM "{table}" c JOIN "{"person" if column == "person_id" else "org"}" p '
            f'ON p.id = c."{column}" WHERE c.deleted_at IS NULL AND p.deleted_at IS NOT NULL')
        if n:
            found.append(f"{n} 条未删除的{_label(table)}属于已删除的{'人员' if column == 'person_id' else '党组织'}")
    return found


def unknown_codes() -> list[str]:
    """Stored codes with no entry in the vocabulary (incl. the second ledger's and the county's categories)."""
    found: list[str] = []
    tables = set(_tables())
    for table, column, vocabulary, nullable in CODES:
        if table not in tables or column not in _columns(table):
            continue
        for code, n in fetch_all(f'SELECT "{column}", count(*) FROM "{table}" GROUP BY 1'):
            if code is None and nullable:
                continue
            if code not in vocabulary:
                found.append(f"{table}.{column}={code}（{n} 条）")
    grade_sets = {kind: {g for s in sets for g in vocab.GRADE_SETS[s]} for kind, sets in vocab.GRADES_FOR_KIND.items()}
    for kind, grade, n in fetch_all(
            "SELECT kind, grade, count(*) FROM evaluation WHERE grade IS NOT NULL GROUP BY 1, 2"):
        if kind in grade_sets and grade in vocab.ALL_GRADES and grade not in grade_sets[kind]:
            found.append(f"evaluation：{vocab.EVAL_KINDS[kind]}的等次不能是「{vocab.ALL_GRADES[grade]}」（{n} 条）")
    cats = {c for (c,) in fetch_all("SELECT code FROM category")} | set(vocab.DEFAULT_CATEGORIES)
    for code, n in fetch_all("SELECT category, count(*) FROM pledge GROUP BY 1"):
        if code not in cats:
            found.append(f"pledge.category={code}（{n} 条）")
    formula = fetch_one("SELECT value FROM setting WHERE key = 'satisfaction_formula'")
    if formula and formula[0] not in vocab.SATISFACTION_FORMULAS:
        found.append(f"setting.satisfaction_formula={formula[0]!r}")
    return found


@dataclass(frozen=True)
class Finding:
    """What one ledger's own check found: ``doctor`` lists it beside the file's checks."""

    name: str
    ok: bool
    detail: str
    items: list[str] = field(default_factory=list)
    warning: bool = False


LedgerCheck = Callable[[], Finding]


def check(path: Path, ledger_checks: Sequence[LedgerCheck] = ()) -> dict[str, Any]:
    """The file's health; ``ledger_checks`` add each ledger's own (the face passes them: the store sits below
    the ledgers and does not know their rules)."""
    checks: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str, items: list[str] | None = None, *, warning: bool = False) -> None:
        checks.append({"name": name, "ok": ok, "level": "warning" if warning else "error", "detail": detail,
                       "items": (items or [])[:SHOW]})

    integrity = [r[0] for r in fetch_all("PRAGMA integrity_check")]
    add("完整性检查", integrity == ["ok"], "正常" if integrity == ["ok"] else "数据库文件已损坏，请从备份恢复（pledgebook restore）",
        [] if integrity == ["ok"] else integrity)
    fk = fetch_all("PRAGMA foreign_key_check")
    add("外键检查", not fk, "正常" if not fk else f"{len(fk)} 条记录引用了不存在的记录",
        [f"{_label(r[0])}（{r[0]}）第 {r[1]} 行 → {_label(r[2])}" for r in fk])
    version = migrations.schema_version(database)
    add("结构版本", version == migrations.LATEST,
        f"{version}（本程序：{migrations.LATEST}）" + ("" if version == migrations.LATEST else "：结构版本与本程序不一致"))
    lost = orphans()
    add("孤立记录", not lost, "正常" if not lost else f"{len(lost)} 类记录找不到所属记录", lost)
    unknown = unknown_codes()
    add("代码表", not unknown, "正常" if not unknown else f"{len(unknown)} 种未知代码（可能来自更新版本或手工修改）", unknown)
    for ledger_check in ledger_checks:
        found = ledger_check()
        add(found.name, found.ok, found.detail, found.items, warning=found.warning)
    wal = Path(str(path) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    add("WAL 日志", wal_size < WAL_LIMIT,
        f"{wal_size / 1024 / 1024:.1f} MB" + ("" if wal_size < WAL_LIMIT else "：过大，请关闭所有打开此台账的窗口后再运行一次"))
    folder = path.parent / "backups"
    backups = sorted(folder.glob("*.db"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    has_data = _count("SELECT count(*) FROM pledge") > 0
    if backups:
        age = (datetime.now() - datetime.fromtimestamp(backups[-1].stat().st_mtime)).days
        fresh = age <= BACKUP_AGE_DAYS
        add("备份", fresh, f"{len(backups)} 份，最新：{backups[-1].name}（{age} 天前）"
            + ("" if fresh else f"：已超过 {BACKUP_AGE_DAYS} 天，请运行 pledgebook backup"), warning=True)
    else:
        add("备份", not has_data, "尚无备份" + ("：台账已有数据，请运行 pledgebook backup" if has_data else "（台账还是空的）"),
            warning=True)
    return {"ok": all(c["ok"] for c in checks if c["level"] == "error"),
            "warnings": [c["name"] for c in checks if not c["ok"] and c["level"] == "warning"], "db": str(path), "schema_version": version,
            "wal_bytes": wal_size, "backups": len(backups), "checks": checks}

