"""Consistent copies of the open ledger (SQLite online backup API)."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from pledgebook.models.errors import PledgebookError
from pledgebook.models.tables import database


def backup_database(folder: Path, reason: str = "manual") -> Path:
    """Copy the open database into ``folder`` and return the new file.

    Safe while other connections write (the backup API copies a consistent
    snapshot). The copy is owner-only where the OS has such modes.
    """
    src_path = Path(database.database)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PledgebookError(f"无法创建备份文件夹 {folder}：{exc.strerror}。数据库未作改动。") from exc
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{src_path.stem}_{stamp}_{reason}.db"
    partial = target.with_suffix(".db.part")
    try:
        src = sqlite3.connect(str(src_path))
        try:
            dst = sqlite3.connect(str(partial))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        if os.name != "nt":
            os.chmod(partial, 0o600)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise PledgebookError(f"备份失败（{exc}）：请检查磁盘空间和文件夹 {folder} 的写入权限。数据库未作改动。") from exc
    return target
