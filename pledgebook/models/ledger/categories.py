"""The pledge categories (承诺类别): the defaults and the county's own, code → label."""

from __future__ import annotations

from pledgebook.models.core import vocab
from pledgebook.models.store.tables import Category, database

__all__ = ["categories", "category_labels"]

_category_cache: dict[str, str] = {}


def categories() -> dict[str, str]:
    """Category code → label, defaults first, then the county's own (read now)."""
    rows = Category.select().where(Category.deleted_at.is_null()).order_by(Category.sort, Category.id)
    result = {c.code: c.label for c in rows}
    return result or dict(vocab.DEFAULT_CATEGORIES)


def category_labels(refresh: bool = False) -> dict[str, str]:
    """Category code → label (cached; categories change rarely)."""
    if refresh or not _category_cache:
        rows = database.execute_sql(
            "SELECT code, label FROM category WHERE deleted_at IS NULL ORDER BY sort, id"
        ).fetchall()
        _category_cache.clear()
        _category_cache.update({code: label for code, label in rows} or vocab.DEFAULT_CATEGORIES)
    return dict(_category_cache)
