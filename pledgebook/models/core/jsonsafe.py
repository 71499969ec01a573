"""JSON from outside, read with bounds: size and nesting depth.

Python's ``json`` recurses once per level: a field nested 3,000 levels deep ends in ``RecursionError``
(a traceback, or worse inside a recursive walk afterwards). Every JSON that comes from a file, an
argument or a bundle is read through :func:`loads`, which refuses what is too big or too deep with a
:class:`JsonTooDeep` / :class:`JsonTooLarge` (both ``ValueError``, so callers that already catch
``json.JSONDecodeError``'s parent keep working) before anything deeper looks at it.

The depth check costs almost nothing on ordinary input: a text with fewer brackets than the bound
cannot be nested deeper than it, and ``str.count`` is C speed. Only texts with many brackets are
parsed and then walked (iteratively) to measure their depth.
"""

from __future__ import annotations

import json
from typing import Any, cast

__all__ = ["DEFAULT_MAX_DEPTH", "JsonTooDeep", "JsonTooLarge", "depth", "loads"]

DEFAULT_MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    """The JSON is nested deeper than allowed."""

    def __init__(self, max_depth: int):
        super().__init__(f"JSON 嵌套超过 {max_depth} 层")
        self.max_depth = max_depth


class JsonTooLarge(ValueError):
    """The JSON text is longer than allowed."""

    def __init__(self, size: int, max_bytes: int):
        super().__init__(f"JSON 内容 {size} 字节，超过上限 {max_bytes} 字节")
        self.size = size
        self.max_bytes = max_bytes


def depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0, ``[]`` is 1), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            level += 1
            stack.extend((v, level) for v in cast("dict[Any, Any]", item).values())
        elif isinstance(item, list):
            level += 1
            stack.extend((v, level) for v in cast("list[Any]", item))
        else:
            continue
        if level > deepest:
            deepest = level
    return deepest


def loads(text: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """``json.loads`` that refuses texts over ``max_bytes`` or nested deeper than ``max_depth``.

    Raises ``json.JSONDecodeError`` for malformed JSON, as ``json.loads`` does, and
    :class:`JsonTooDeep` / :class:`JsonTooLarge` for the bounds.
    """
    if max_bytes is not None and len(text) > max_bytes:
        raise JsonTooLarge(len(text), max_bytes)
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    brackets = text.count("[") + text.count("{")
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if brackets > max_depth and depth(value) > max_depth:
        raise JsonTooDeep(max_depth)
    return value
