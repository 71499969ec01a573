"""Parsing a bundle's JSON Lines members from outside, and checking every field of every record.

Each member is parsed in one C-level call where it can be (the line-by-line, depth-bounded parse only
finds the bad line for the message); each field is checked over a whole column at once (its type, its
code, its date, its length, no control characters or lone surrogates), and only when a column fails is
the first bad record looked for, to name its line. The rules between fields and tables are in
:mod:`.checks`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial
from operator import itemgetter, methodcaller
from typing import Any

from pledgebook.bundle.format import BundleError, Field, TableSpec
from pledgebook.models.core import jsonsafe
from pledgebook.models.core.values import MAX_YEAR, MIN_YEAR, has_control_chars

MAX_TEXT = 10_000
MAX_LINE_DEPTH = 1  # a record line is one flat JSON object
# ASCII digits only ([0-9], never \d, which also takes full-width and other look-alike digits)
# lower case, as every ledger writes them (str(uuid4())): an upper-case copy of another county's uid would
# otherwise be a different key that looks the same
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DT = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[ T](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# a UTF-16 surrogate escape in the JSON (\ud800-\udfff); a pair becomes one character, a lone one cannot be stored
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# a control character other than tab, LF and CR, as it can stand in the JSON bytes: escaped (\u0000–\u001f,
# \u007f–\u009f), or raw DEL / C1 (raw C0 is refused by the JSON parser itself); a hit means "look closer"
_CONTROL_BYTES = re.compile(rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\\[bf]|\x7f|\xc2[\x80-\x9f]")


def bad(member: str, line: int, message: str) -> BundleError:
    """The error for line ``line`` of ``member``: nothing is changed."""
    return BundleError(f"{member} 第 {line} 行：{message}。数据包内容无效，已拒绝，台账未作任何改动。")


def _dates_ok(values: set[str]) -> bool:
    """Real dates (ASCII YYYY-MM-DD) in the years the ledger takes (values.MIN_YEAR–MAX_YEAR)."""
    if not all(map(_DATE.fullmatch, values)):
        return False
    try:
        for v in values:
            date.fromisoformat(v)
    except ValueError:
        return False
    return not values or (MIN_YEAR <= int(min(values)[:4]) and int(max(values)[:4]) <= MAX_YEAR)


def _date_problem(v: str | None) -> str | None:
    if v is None:
        return None
    if not _DATE.fullmatch(v):
        return f"不是有效的日期（应为 YYYY-MM-DD，半角数字）：「{v[:40]}」"
    try:
        date.fromisoformat(v)
    except ValueError:
        return f"日期不存在：「{v}」"
    if not MIN_YEAR <= int(v[:4]) <= MAX_YEAR:
        return f"日期「{v}」的年份不在 {MIN_YEAR}–{MAX_YEAR} 之间"
    return None


def _dt_problem(v: str | None, latest: str) -> str | None:
    if v is None:
        return None
    if not _DT.fullmatch(v):
        return f"不是有效的时间（应为 YYYY-MM-DD HH:MM:SS，半角数字）：「{v[:40]}」"
    problem = _date_problem(v[:10])
    if problem:
        return problem
    if v[:10] > latest:
        return f"时间「{v}」晚于今天，不可能是已发生的修改"
    return None


def _check_column(member: str, f: Field, col: Sequence[Any], choices: set[str] | None = None,
                  surrogates: bool = False, controls: bool = False) -> None:
    """Check one field over all rows at once (fast path), then find the first bad row for the message.

    ``col`` holds one field's values as JSON gave them (Any: what type each one has is what this checks)."""

    def firstbad(pred) -> None:
        for i, v in enumerate(col):
            problem = pred(v)
            if problem:
                raise bad(member, i + 1, f"字段「{f.name}」{problem}")

    types = set(map(type, col))
    nulls = type(None) in types
    if nulls and not f.nullable:
        firstbad(lambda v: "缺失或为空" if v is None else None)
    types.discard(type(None))
    kind = f.kind
    if kind in ("uid", "ref", "dt", "date", "text", "code"):
        if types - {str}:
            firstbad(lambda v: None if v is None or type(v) is str else f"应为文本，实为 {json.dumps(v, ensure_ascii=False)[:40]}")
        values = [v for v in col if v is not None] if nulls else col
        if kind in ("uid", "ref"):
            # references repeat (a person's many logs): the fast path looks at each distinct value once
            if not all(map(_UID.fullmatch, values if kind == "uid" else set(values))):
                firstbad(lambda v: None if v is None or _UID.fullmatch(v) else f"不是有效的 uid：「{v[:40]}」")
        elif kind == "dt":
            # a time stamp in the future would win every later merge (newer replaces older): refused too
            latest = (date.today() + timedelta(days=1)).isoformat()
            days = {v[:10] for v in values}
            if not all(map(_DT.fullmatch, values)) or not _dates_ok(days) or (days and max(days) > latest):
                firstbad(lambda v: _dt_problem(v, latest))
        elif kind == "date":
            if not _dates_ok(set(values)):  # dates repeat a lot: the fast path checks each distinct one once
                firstbad(_date_problem)
        elif kind == "code":
            allowed = choices if choices is not None else set(f.choices)
            if set(values) - allowed:
                firstbad(lambda v: None if v is None or v in allowed else f"是未知代码「{v[:40]}」")
        if choices is not None and kind != "code" and set(values) - choices:  # a pledge's category (a text field)
            firstbad(lambda v: None if v is None or v in choices else f"是未知代码「{v[:40]}」（数据包的承诺类别中没有）")
        if surrogates and any(map(_SURROGATE.search, values)):
            firstbad(lambda v: "含有无法保存的字符（不成对的 UTF-16 代理项）" if v is not None and _SURROGATE.search(v) else None)
        if controls and any(map(has_control_chars, values)):
            firstbad(lambda v: "含有不可见的控制字符（如 NUL）" if v is not None and has_control_chars(v) else None)
        if values and max(map(len, values)) > MAX_TEXT:
            firstbad(lambda v: None if v is None or len(v) <= MAX_TEXT else "过长")
    elif kind == "int":
        if types - {int}:
            firstbad(lambda v: None if v is None or type(v) is int else f"应为整数，实为 {json.dumps(v, ensure_ascii=False)[:40]}")
        numbers = [v for v in col if v is not None] if nulls else col
        if numbers and (max(numbers) > 2**53 or min(numbers) < -(2**53)):
            firstbad(lambda v: None if v is None or abs(v) <= 2**53 else "数值过大")
    elif kind == "float":
        if types - {int, float}:
            firstbad(lambda v: None if v is None or type(v) in (int, float) else "应为数字")
        if not all(math.isfinite(v) for v in col if v is not None):
            firstbad(lambda v: None if v is None or math.isfinite(v) else "不是有限的数")
    elif kind == "bool":
        if types - {bool, int} or set(col) - {0, 1, None}:  # True == 1 and False == 0 as set members
            firstbad(lambda v: None if v is None or type(v) is bool or (type(v) is int and v in (0, 1)) else "应为 true/false")


def line_digests(data: bytes) -> list[bytes]:
    """A 16-byte BLAKE2b digest of each line of a member (its exact bytes): the record's content as it travelled.

    The prefecture keeps the digest of the line it last merged for each record (``record_owner.digest``); a
    line whose digest and ``updated_at`` match is unchanged, recognised in SQL without comparing its fields.
    About 1 µs a line (two C-level maps: no Python frame per line).
    """
    if not data:
        return []
    return list(map(methodcaller("digest"), map(partial(hashlib.blake2b, digest_size=16), data[:-1].split(b"\n"))))


def parse_table(spec: TableSpec, data: bytes, declared: int | None, categories: set[str] | None) -> list[tuple]:
    """Parse and check one JSON Lines member (already read and hashed); returns rows as tuples in field order."""
    member = f"{spec.name}.jsonl"
    if data and not data.endswith(b"\n"):
        raise BundleError(f"{member} 的最后一行不完整：数据包被截断或改动过。")
    lines = data.count(b"\n")
    if declared is not None and declared != lines:
        raise BundleError(f"{member} 有 {lines} 行，清单写的是 {declared} 条记录：数据包被改动过。")
    objs: list = []
    try:
        # one JSON array of the whole member, joined as bytes (a newline byte is never inside a UTF-8
        # character, nor inside a JSON string) and decoded once, strictly
        text = (b"[" + data[:-1].replace(b"\n", b",") + b"]").decode("utf-8") if lines else ""
    except UnicodeDecodeError as exc:
        raise BundleError(f"{member} 不是 UTF-8 文本（{exc}）。数据包已损坏或被改动过。") from exc
    if lines:
        # one C-level parse of the whole member; on failure, find the bad line for the message
        try:
            objs = json.loads(text)
            if len(objs) != lines:
                raise ValueError("line count")
        except (ValueError, RecursionError):
            # line by line, each bounded: a record is one flat object, and a value nested thousands of
            # levels deep is refused by its line, not by a RecursionError
            objs = []
            for n, line in enumerate(data[:-1].decode("utf-8").split("\n"), 1):
                try:
                    objs.append(jsonsafe.loads(line, max_depth=MAX_LINE_DEPTH))
                except jsonsafe.JsonTooDeep as exc:
                    raise bad(member, n, "嵌套过深：每行应是一个只有一层的 JSON 对象，字段值不能是数组或对象") from exc
                except ValueError as exc:
                    raise bad(member, n, f"不是有效的 JSON（{exc}）") from exc
            if len(objs) != lines:
                raise BundleError(f"{member} 的行数不对：数据包被改动过。") from None
    if any(type(obj) is not dict for obj in objs):
        n = next(n for n, obj in enumerate(objs, 1) if type(obj) is not dict)
        raise bad(member, n, "应为一个 JSON 对象")
    names = [f.name for f in spec.fields]
    try:
        rows = list(map(itemgetter(*names), objs))  # every field present: one C call per record
    except KeyError:  # a field left out reads as null, and is checked as such below
        rows = [tuple(o.get(name) for name in names) for o in objs]
    columns = list(zip(*rows)) if rows else [() for _ in names]
    # rare: only then is every text looked at for them (a backslash at all? 5 ms a county, the regex 20)
    backslash = data.find(b"\\") >= 0
    surrogates = backslash and _SURROGATE_ESCAPE.search(data) is not None
    # byte searches first (C speed); the regex only when one of its starts is there at all
    controls = (backslash or b"\x7f" in data or b"\xc2" in data) and _CONTROL_BYTES.search(data) is not None
    for f, col in zip(spec.fields, columns):
        _check_column(member, f, col, categories if (spec.name == "pledge" and f.name == "category") else None,
                      surrogates, controls)
    if rows and len(set(columns[0])) != len(rows):
        uid_seen: set[str] = set()
        for n, row in enumerate(rows, 1):
            if row[0] in uid_seen:
                raise bad(member, n, f"uid「{row[0]}」重复出现")
            uid_seen.add(row[0])
    return rows
