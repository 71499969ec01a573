"""Health checks of a ledger file (``pledgebook doctor``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pledgebook.models import migrations, vocab
from pledgebook.models.tables import database


def check(path: Path) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str) -> None:
        checks.append({"name": name, "ok": ok, "detail": detail})

    integrity = [r[0] for r in database.execute_sql("PRAGMA integrity_check").fetchall()]
    add("完整性检查", integrity == ["ok"], "正常" if integrity == ["ok"] else "；".join(integrity[:5]))
    fk = database.execute_sql("PRAGMA foreign_key_check").fetchall()
    add("外键检查", not fk, "正常" if not fk else f"{len(fk)} 条记录引用了不存在的记录（如 {fk[0][0]} 第 {fk[0][1]} 行）")
    version = migrations.schema_version(database)
    add("结构版本", version == migrations.LATEST, f"{version}（本程序：{migrations.LATEST}）")
    unknown: list[str] = []
    for table, column, vocabulary in (
        ("org", "kind", vocab.ORG_KINDS),
        ("pledge", "status", vocab.PLEDGE_STATUSES),
        ("pledge", "scope", vocab.SCOPES),
        ("evaluation", "kind", vocab.EVAL_KINDS),
        ("person", "state", vocab.PERSON_STATES),
        ("contact_point", "kind", vocab.CONTACT_KINDS),
        ("stationing", "role", vocab.STATION_ROLES),
        ("help_log", "kind", vocab.WORK_KINDS),
    ):
        for (code,) in database.execute_sql(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall():
            if code not in vocabulary:
                unknown.append(f"{table}.{column}={code}")
    cats = {c for (c,) in database.execute_sql("SELECT code FROM category").fetchall()}
    for (code,) in database.execute_sql("SELECT DISTINCT category FROM pledge").fetchall():
        if cats and code not in cats:
            unknown.append(f"pledge.category={code}")
    add("代码表", not unknown, "正常" if not unknown else "未知代码：" + "，".join(unknown[:10]))
    orphans = database.execute_sql(
        "SELECT count(*) FROM org c LEFT JOIN org p ON p.id = c.parent_id WHERE c.parent_id IS NOT NULL "
        "AND (p.id IS NULL OR (p.deleted_at IS NOT NULL AND c.deleted_at IS NULL))"
    ).fetchone()[0]
    add("组织树", orphans == 0, "正常" if orphans == 0 else f"{orphans} 个组织的上级不存在或已删除")
    wal = Path(str(path) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    add("WAL 日志", wal_size < 256 * 1024 * 1024, f"{wal_size / 1024 / 1024:.1f} MB")
    backups = sorted((path.parent / "backups").glob("*.db")) if (path.parent / "backups").exists() else []
    add("备份", True, f"{len(backups)} 份" + (f"，最新：{backups[-1].name}" if backups else "（尚无备份）"))
    return {"ok": all(c["ok"] for c in checks), "db": str(path), "schema_version": version, "checks": checks}
