"""Importing a county's hand-off bundle at the prefecture: verify first, then merge by uid.

Everything that can be checked is checked before the database is touched:
the bundle's structure, sizes and hashes (:func:`open_bundle`), its
signature against the trusted key and its sequence number against the last
one accepted, every line's JSON, every field's type, every code, every
reference (by uid, within the bundle), the org tree, and that no record of
another county is named, the second ledger's own rules (one place per help
log, quantities in the kind's measures). Then the ledger is backed up
(reason ``before-import``, like a spreadsheet import) and, in one
``IMMEDIATE`` transaction:

- the county's tree hangs under the prefecture's root;
- a record new to the prefecture is inserted; a newer one (``updated_at``)
  replaces the older; an older one is left alone; the same ``updated_at`` with
  different content is a conflict, reported and left alone;
- a deletion travels as ``deleted_at``;
- every reference (org, person, pledge, contact point, pairing, stationing,
  and a help log's stored org) is re-pointed from uid to the local id;
- the same bundle twice changes nothing.

Several bundles (``pledgebook import *.pledgebook``) are one run,
:func:`import_bundles`: one backup before the first that merges, each bundle
checked and merged in its own transaction in turn, a refused one reported and
the others merged. While one is being written, a child process
(:mod:`.readahead`) reads and checks the next as far as it can without the
database; the checks against the ledger are made at that bundle's own turn.
"""

from __future__ import annotations

import gc
import json
import math
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from pathlib import Path

from pledgebook.bundle import keys as keymod
from pledgebook.bundle.write import (
    MANIFEST,
    SUFFIX,
    TABLE_BY_NAME,
    TABLES,
    BundleError,
    Field,
    OpenedBundle,
    TableSpec,
    open_bundle,
    select_sql,
    spare_cpu,
    trust_status,
)
from pledgebook.models.core import jsonsafe, vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.values import MAX_YEAR, MIN_YEAR, has_control_chars
from pledgebook.models.store import audit, backup
from pledgebook.models.store.db import county as county_info
from pledgebook.models.store.tables import ImportBatch, database

Progress = Callable[[str, float], None]

MAX_TEXT = 10_000
MAX_TREE_DEPTH = 12  # levels of a county's org tree, root included (a real county has about 5)
MAX_LINE_DEPTH = 1  # a record line is one flat JSON object
# ASCII digits only ([0-9], never \d, which also takes full-width and other look-alike digits)
# lower case, as every ledger writes them (str(uuid4())): an upper-case copy of another county's uid would
# otherwise be a different key that looks the same
_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DT = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[ T](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CATEGORY_CODE = re.compile(r"[A-Za-z0-9_]{1,40}")
# a UTF-16 surrogate escape in the JSON (\ud800-\udfff); a pair becomes one character, a lone one cannot be stored
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# a control character other than tab, LF and CR, as it can stand in the JSON bytes: escaped (\u0000–\u001f,
# \u007f–\u009f), or raw DEL / C1 (raw C0 is refused by the JSON parser itself); a hit means "look closer"
_CONTROL_BYTES = re.compile(rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\\[bf]|\x7f|\xc2[\x80-\x9f]")
def _column(f: Field) -> str:
    """The local column of a field: a reference ``x_uid`` is stored as ``x_id``."""
    return f.name[:-4] + "_id" if f.kind == "ref" else f.name


@dataclass
class TableCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_newer: int = 0  # the prefecture's copy was newer
    conflicts: int = 0


@dataclass
class MergeResult:
    path: Path
    county: dict
    sequence: int
    sha256: str
    signed: bool
    trusted: bool
    allow_unsigned_used: bool
    already_imported: bool = False
    tables: dict[str, TableCounts] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None  # the automatic backup taken before merging
    seconds: float = 0.0
    dry_run: bool = False  # merged to count, then rolled back: nothing written

    @property
    def records(self) -> int:
        return sum(t.read for t in self.tables.values())

    @property
    def changed(self) -> int:
        return sum(t.inserted + t.updated for t in self.tables.values())

    def as_dict(self) -> dict:
        return {
            "path": str(self.path), "county": self.county, "sequence": self.sequence, "sha256": self.sha256,
            "signed": self.signed, "trusted": self.trusted, "allow_unsigned_used": self.allow_unsigned_used,
            "already_imported": self.already_imported, "records": self.records, "changed": self.changed,
            "tables": {k: vars(v) for k, v in self.tables.items()}, "conflicts": self.conflicts[:200],
            "conflict_count": len(self.conflicts), "notes": self.notes,
            "backup": str(self.backup) if self.backup else None, "seconds": round(self.seconds, 2),
            "dry_run": self.dry_run,
        }


def is_bundle(path: str | Path) -> bool:
    """True when the file is (or claims to be) a hand-off bundle, so ``pledgebook import`` sends it here."""
    import zipfile

    path = Path(path)
    if path.suffix.lower() == SUFFIX:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        return False
    if keymod.is_sealed(head):
        return True
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return MANIFEST in zf.namelist() and not any(n.startswith("xl/") for n in zf.namelist()[:50])
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# ------------------------------------------------------------------ parsing


def _bad(member: str, line: int, message: str) -> BundleError:
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


def _check_column(member: str, f: Field, col: list, choices: set[str] | None = None, surrogates: bool = False,
                  controls: bool = False) -> None:
    """Check one field over all rows at once (fast path), then find the first bad row for the message."""

    def first_bad(pred) -> None:
        for i, v in enumerate(col):
            problem = pred(v)
            if problem:
                raise _bad(member, i + 1, f"字段「{f.name}」{problem}")

    types = set(map(type, col))
    nulls = type(None) in types
    if nulls and not f.nullable:
        first_bad(lambda v: "缺失或为空" if v is None else None)
    types.discard(type(None))
    kind = f.kind
    if kind in ("uid", "ref", "dt", "date", "text", "code"):
        if types - {str}:
            first_bad(lambda v: None if v is None or type(v) is str else f"应为文本，实为 {json.dumps(v, ensure_ascii=False)[:40]}")
        values = [v for v in col if v is not None] if nulls else col
        if kind in ("uid", "ref"):
            # references repeat (a person's many logs): the fast path looks at each distinct value once
            if not all(map(_UID.fullmatch, values if kind == "uid" else set(values))):
                first_bad(lambda v: None if v is None or _UID.fullmatch(v) else f"不是有效的 uid：「{v[:40]}」")
        elif kind == "dt":
            # a time stamp in the future would win every later merge (newer replaces older): refused too
            latest = (date.today() + timedelta(days=1)).isoformat()
            days = {v[:10] for v in values}
            if not all(map(_DT.fullmatch, values)) or not _dates_ok(days) or (days and max(days) > latest):
                first_bad(lambda v: _dt_problem(v, latest))
        elif kind == "date":
            if not _dates_ok(set(values)):  # dates repeat a lot: the fast path checks each distinct one once
                first_bad(_date_problem)
        elif kind == "code":
            allowed = choices if choices is not None else set(f.choices)
            if set(values) - allowed:
                first_bad(lambda v: None if v is None or v in allowed else f"是未知代码「{v[:40]}」")
        if choices is not None and kind != "code" and set(values) - choices:  # a pledge's category (a text field)
            first_bad(lambda v: None if v is None or v in choices else f"是未知代码「{v[:40]}」（数据包的承诺类别中没有）")
        if surrogates and any(map(_SURROGATE.search, values)):
            first_bad(lambda v: "含有无法保存的字符（不成对的 UTF-16 代理项）" if v is not None and _SURROGATE.search(v) else None)
        if controls and any(map(has_control_chars, values)):
            first_bad(lambda v: "含有不可见的控制字符（如 NUL）" if v is not None and has_control_chars(v) else None)
        if values and max(map(len, values)) > MAX_TEXT:
            first_bad(lambda v: None if v is None or len(v) <= MAX_TEXT else "过长")
    elif kind == "int":
        if types - {int}:
            first_bad(lambda v: None if v is None or type(v) is int else f"应为整数，实为 {json.dumps(v, ensure_ascii=False)[:40]}")
        numbers = [v for v in col if v is not None] if nulls else col
        if numbers and (max(numbers) > 2**53 or min(numbers) < -(2**53)):
            first_bad(lambda v: None if v is None or abs(v) <= 2**53 else "数值过大")
    elif kind == "float":
        if types - {int, float}:
            first_bad(lambda v: None if v is None or type(v) in (int, float) else "应为数字")
        if not all(math.isfinite(v) for v in col if v is not None):
            first_bad(lambda v: None if v is None or math.isfinite(v) else "不是有限的数")
    elif kind == "bool":
        if types - {bool, int} or set(col) - {0, 1, None}:  # True == 1 and False == 0 as set members
            first_bad(lambda v: None if v is None or type(v) is bool or (type(v) is int and v in (0, 1)) else "应为 true/false")


def _parse_table(spec: TableSpec, data: bytes, declared: int | None, categories: set[str] | None) -> list[tuple]:
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
                    raise _bad(member, n, "嵌套过深：每行应是一个只有一层的 JSON 对象，字段值不能是数组或对象") from exc
                except ValueError as exc:
                    raise _bad(member, n, f"不是有效的 JSON（{exc}）") from exc
            if len(objs) != lines:
                raise BundleError(f"{member} 的行数不对：数据包被改动过。") from None
    if any(type(obj) is not dict for obj in objs):
        n = next(n for n, obj in enumerate(objs, 1) if type(obj) is not dict)
        raise _bad(member, n, "应为一个 JSON 对象")
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
                raise _bad(member, n, f"uid「{row[0]}」重复出现")
            uid_seen.add(row[0])
    return rows


def _idx(spec: TableSpec, name: str) -> int:
    return [f.name for f in spec.fields].index(name)


def _check_rules(parsed: dict[str, list[tuple]]) -> None:
    """What the second ledger's own rules and the schema's CHECKs ask of a record, beyond its field types.

    A pairing helps a member or a household (exactly one); a help log is recorded against exactly one
    place, and its quantities are counts in the measures its kind of work is counted in, within the limits
    the entry form keeps (so the prefecture's sums mean what the county's do). Checked a column at a time;
    the first bad record is looked for only when there is one.
    """
    from pledgebook.models.campaign.rules import MAX_FUNDS, MAX_QUANTITY

    def first_bad(member: str, rows: list[tuple], problem: Callable[[tuple], str | None]) -> None:
        for n, row in enumerate(rows, 1):
            if (text := problem(row)) is not None:
                raise _bad(member, n, text)

    rows = parsed["pairing"]
    spec = TABLE_BY_NAME["pairing"]
    person_i, household_i = _idx(spec, "helped_person_uid"), _idx(spec, "household")
    if any((r[person_i] is None) is (r[household_i] is None) for r in rows):
        first_bad("pairing.jsonl", rows, lambda r: None if (r[person_i] is None) is not (r[household_i] is None) else
                  "帮扶对象应是一名党员（helped_person_uid）或一户困难户（household），二者只能有一个")
    rows = parsed["help_log"]
    if not rows:
        return
    spec = TABLE_BY_NAME["help_log"]
    places = [_idx(spec, f"{place}_uid") for place in vocab.HELP_PLACES]
    if any(((r[places[0]] is None) + (r[places[1]] is None) + (r[places[2]] is None)) != 2 for r in rows):
        first_bad("help_log.jsonl", rows, lambda r: None if sum(r[i] is not None for i in places) == 1 else
                  "帮扶记录应属于且只属于一个联系点、结对帮扶或驻村（contact_point_uid、pairing_uid、stationing_uid 恰好填一个）")
    kind_i = _idx(spec, "kind")

    def measure(m: str) -> None:
        i, limit = _idx(spec, m), (MAX_FUNDS if m == "funds" else MAX_QUANTITY)
        col = [r[i] for r in rows]
        if min(col) < 0 or max(col) > limit:
            first_bad("help_log.jsonl", rows, lambda r: None if 0 <= r[i] <= limit else
                      f"字段「{m}」的数量 {r[i]} 不在 0–{limit:g} 之间")
        counted_in = {k for k, ms in vocab.WORK_MEASURES.items() if m in ms}
        if {r[kind_i] for r in rows if r[i]} - counted_in:
            first_bad("help_log.jsonl", rows, lambda r: None if not r[i] or r[kind_i] in counted_in else
                      f"「{vocab.WORK_KINDS[r[kind_i]]}」不按{vocab.MEASURES[m]}计，字段「{m}」应为 0")

    for m in vocab.MEASURES:
        measure(m)


def _check_refs(parsed: dict[str, list[tuple]], code: str) -> None:
    uids = {name: {r[0] for r in rows} for name, rows in parsed.items()}
    for spec in TABLES:
        member = f"{spec.name}.jsonl"
        for i, f in enumerate(spec.fields):
            if f.kind != "ref":
                continue
            known = uids[f.ref]
            for n, row in enumerate(parsed[spec.name], 1):
                v = row[i]
                if v is not None and v not in known:
                    raise _bad(member, n, f"字段「{f.name}」引用的记录「{v}」不在数据包中")
    # one uid, one record: the owner table (and the merge's id maps) take a uid for one table only
    total = sum(len(u) for u in uids.values())
    if total != len(set().union(*uids.values())):
        seen: dict[str, str] = {}
        for spec in TABLES:
            for n, row in enumerate(parsed[spec.name], 1):
                if row[0] in seen:
                    raise _bad(f"{spec.name}.jsonl", n, f"uid「{row[0]}」已用于 {seen[row[0]]}.jsonl 中的另一条记录")
                seen[row[0]] = spec.name
    # the org tree: one root, the county itself, no cycles, and no deeper than MAX_TREE_DEPTH
    spec = TABLE_BY_NAME["org"]
    p_i, code_i, kind_i = _idx(spec, "parent_uid"), _idx(spec, "code"), _idx(spec, "kind")
    orgs = parsed["org"]
    roots = [(n, r) for n, r in enumerate(orgs, 1) if r[p_i] is None]
    if len(roots) != 1:
        raise BundleError(f"org.jsonl 应只有一个根组织（县委），实有 {len(roots)} 个。数据包无效，已拒绝。")
    n, root = roots[0]
    if root[kind_i] != "county" or root[code_i] != code:
        raise _bad("org.jsonl", n, f"根组织应为行政区划代码 {code} 的县（区），实为「{root[code_i]}」（{root[kind_i]}）：清单与数据不属于同一个县")
    for n, r in enumerate(orgs, 1):
        if r[p_i] is not None and r[kind_i] in ("county", "prefecture"):
            raise _bad("org.jsonl", n, f"字段「kind」：只有根组织可以是{vocab.ORG_KINDS[r[kind_i]]}，下级组织不能是")
    tree_depths(orgs, p_i)


def tree_depths(orgs: Sequence[tuple], p_i: int, limit: int = MAX_TREE_DEPTH) -> dict[str, int]:
    """Each org's level (the root is 1), walked without recursion, in any order of the lines.

    Raises :class:`BundleError` naming the line of an org in a cycle, or one deeper than ``limit``.
    """
    parent = {r[0]: r[p_i] for r in orgs}
    line = {r[0]: n for n, r in enumerate(orgs, 1)}
    depth: dict[str, int] = {}
    for r in orgs:
        chain, cur = [], r[0]
        on_chain: set[str] = set()
        while cur is not None and cur not in depth:
            if cur in on_chain:
                raise _bad("org.jsonl", line[cur], "党组织的上下级关系构成了循环")
            on_chain.add(cur)
            chain.append(cur)
            if len(chain) > limit:
                raise _bad("org.jsonl", line[r[0]], f"党组织的层级超过 {limit} 级（一个县通常约 5 级）：数据包无效")
            cur = parent[cur]
        level = 0 if cur is None else depth[cur]
        for uid in reversed(chain):
            level += 1
            if level > limit:
                raise _bad("org.jsonl", line[uid], f"党组织的层级超过 {limit} 级（一个县通常约 5 级）：数据包无效")
            depth[uid] = level
    return depth


def _check_values(parsed: dict[str, list[tuple]]) -> None:
    """What the rules of a clerk's own entry ask of each record, beyond its field types and codes.

    The same bounds as :mod:`pledgebook.models.ledger.rules` and :mod:`pledgebook.models.campaign.rules` (years, texts
    required and their lengths, percents and scores, ballots that add up, a grade that fits its kind of
    evaluation, dates in order and not in the future where the entry form refuses that, ID numbers by their
    check digit, a pledge carried from an earlier year's pledge). Each rule is looked at a column at a time;
    the first bad record is looked for only when there is one.
    """
    from pledgebook.models.core.values import normalize_id_number
    from pledgebook.models.ledger.rules import MAX_NAME
    from pledgebook.models.ledger.rules import MAX_TEXT as MAX_ENTRY

    today = date.today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    in_a_year = (today + timedelta(days=366)).isoformat()

    def rule(table: str, problem: Callable[..., str | None], *names: str) -> None:
        rows = parsed[table]
        if not rows:
            return
        idx = [_idx(TABLE_BY_NAME[table], name) for name in names]
        for n, row in enumerate(rows, 1):
            text = problem(*(row[i] for i in idx))
            if text is not None:
                raise _bad(f"{table}.jsonl", n, text)

    def fast(table: str, names: Sequence[str], ok: Callable[..., bool], problem: Callable[..., str | None]) -> None:
        """``ok`` over whole columns first (cheap); only when it fails, ``problem`` row by row for the message."""
        rows = parsed[table]
        if not rows:
            return
        spec = TABLE_BY_NAME[table]
        cols = [list(map(itemgetter(_idx(spec, name)), rows)) for name in names]
        if not ok(*cols):
            rule(table, problem, *names)

    def year_ok(col):
        return 2000 <= min(col) and max(col) <= 2100

    def year_problem(y):
        return None if 2000 <= y <= 2100 else f"字段「year」：年度 {y} 不在 2000–2100 之间"

    def text(field: str, label: str, limit: int, required: bool):
        def ok(col):
            return (not required or all(v is not None and v.strip() for v in col)) and \
                max((len(v) for v in col if v is not None), default=0) <= limit

        def problem(v):
            if required and (v is None or not v.strip()):
                return f"字段「{field}」（{label}）不能为空"
            if v is not None and len(v) > limit:
                return f"字段「{field}」（{label}）过长（{len(v)} 字，上限 {limit} 字）"
            return None

        return ok, problem

    def texts(table: str, *specs: tuple[str, str, int, bool]) -> None:
        for field_, label, limit, required in specs:
            ok, problem = text(field_, label, limit, required)
            fast(table, [field_], ok, problem)

    def not_after(field_: str, label: str, latest: str):
        return (lambda col: max((v for v in col if v is not None), default="") <= latest,
                lambda v: None if v is None or v <= latest else f"字段「{field_}」：{label} {v} 晚于今天")

    def ordered(first: str, then: str, label: str):
        return (lambda a, b: all(y is None or x is None or y >= x for x, y in zip(a, b)),
                lambda x, y: None if y is None or x is None or y >= x else f"字段「{then}」：{label} {y} 早于 {first} {x}")

    fast("work_year", ["year"], year_ok, year_problem)
    rule("category", lambda c: None if _CATEGORY_CODE.fullmatch(c) else f"字段「code」：类别代码「{c[:40]}」应为字母、数字或下划线", "code")
    texts("category", ("label", "类别名称", MAX_NAME, True))
    texts("org", ("name", "党组织名称", MAX_NAME, True), ("code", "组织代码", 40, False),
          ("township", "乡镇", MAX_NAME, False))
    texts("person", ("name", "姓名", MAX_NAME, True), ("post", "职务", MAX_NAME, False),
          ("ethnicity", "民族", MAX_NAME, False), ("education", "学历", MAX_NAME, False), ("cadre_level", "干部级别", MAX_NAME, False))
    fast("person", ["birth_date"], *not_after("birth_date", "出生日期", tomorrow))
    fast("person", ["joined_date"], *not_after("joined_date", "入党日期", tomorrow))

    def id_problem(v):
        if v is None:
            return None
        try:
            ok = normalize_id_number(v) == v
        except ValueError as exc:
            return f"字段「id_number」：{exc}"
        return None if ok else "字段「id_number」：公民身份号码格式不对（应为18位，末位为校验码）"

    rule("person", id_problem, "id_number")
    rule("person", lambda v: None if v is None or (v.isascii() and v.isdigit() and 7 <= len(v) <= 12)
         else "字段「phone」：联系电话应为7–12位半角数字", "phone")
    fast("pledge", ["year"], year_ok, year_problem)
    texts("pledge", ("content", "承诺事项", MAX_ENTRY, True), ("measures", "践诺措施", MAX_ENTRY, False),
          ("approved_by", "审定人", MAX_NAME, False))

    def due_problem(y, due):
        if due is None:
            return None
        lo, hi = f"{y - 1:04d}-01-01", f"{y + 5:04d}-12-31"
        return None if lo <= due <= hi else f"字段「due_date」：完成时限 {due} 不在合理范围内（应在 {y - 1} 年至 {y + 5} 年之间）"

    rule("pledge", due_problem, "year", "due_date")
    spec = TABLE_BY_NAME["pledge"]
    year_of = {r[0]: r[_idx(spec, "year")] for r in parsed["pledge"]}
    rule("pledge", lambda uid, y, c: None if c is None or (c != uid and year_of[c] < y) else
         ("字段「carried_from_uid」：承诺不能结转自它自己" if c == uid else
          f"字段「carried_from_uid」：结转来源应是更早年度的承诺（来源为 {year_of[c]} 年，本条为 {y} 年）"),
         "uid", "year", "carried_from_uid")
    texts("progress", ("note", "践诺情况", MAX_ENTRY, True))
    fast("progress", ["date"], *not_after("date", "践诺日期", tomorrow))
    fast("progress", ["percent"], lambda col: all(v is None or 0 <= v <= 100 for v in col),
         lambda v: None if v is None or 0 <= v <= 100 else f"字段「percent」：完成进度 {v} 不在 0–100 之间")
    texts("evaluation", ("evaluator", "评议人", MAX_NAME, False), ("comment", "评定意见", MAX_ENTRY, False),
          ("rect_note", "整改措施", MAX_ENTRY, False))
    fast("evaluation", ["date"], *not_after("date", "评议日期", tomorrow))
    fast("evaluation", ["date", "rect_due"], *ordered("date", "rect_due", "整改时限"))
    fast("evaluation", ["score"], lambda col: all(v is None or 0 <= v <= 100 for v in col),
         lambda v: None if v is None or 0 <= v <= 100 else f"字段「score」：分数 {v} 不在 0–100 之间")
    fits = {kind: {g for s_ in sets for g in vocab.GRADE_SETS[s_]} for kind, sets in vocab.GRADES_FOR_KIND.items()}
    rule("evaluation", lambda k, g: None if g is None or g in fits.get(k, ()) else
         f"字段「grade」：评定等次「{vocab.ALL_GRADES.get(g, g)}」不适用于{vocab.EVAL_KINDS.get(k, k)}", "kind", "grade")

    def ballots(issued, valid, sat, basic, unsat):
        counts = {"ballots_issued": issued, "ballots_valid": valid, "votes_satisfied": sat, "votes_basic": basic,
                  "votes_unsatisfied": unsat}
        for name, v in counts.items():
            if v is not None and v < 0:
                return f"字段「{name}」：票数 {v} 不能为负数"
        votes = [sat, basic, unsat]
        if any(v is not None for v in votes) and valid is not None and sum(v or 0 for v in votes) != valid:
            return f"字段「ballots_valid」：满意＋基本满意＋不满意＝{sum(v or 0 for v in votes)}，与有效票 {valid} 不符"
        if issued is not None and valid is not None and valid > issued:
            return f"字段「ballots_valid」：有效票 {valid} 不能多于发放票数 {issued}"
        return None

    rule("evaluation", ballots, "ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic", "votes_unsatisfied")
    # the second ledger: spans as helping.py keeps them
    for table, ends in (("contact_point", ("end_date",)), ("pairing", ("end_date",)),
                        ("stationing", ("planned_end", "actual_end"))):
        fast(table, ["start_date"], lambda col: min(col) >= "2000-01-01" and max(col) <= in_a_year,
             lambda v: None if "2000-01-01" <= v <= in_a_year else f"字段「start_date」：开始日期 {v} 不在合理范围内")
        for end in ends:
            fast(table, ["start_date", end], *ordered("start_date", end, "结束日期"))
            if end != "planned_end":
                fast(table, [end], *not_after(end, "结束日期", in_a_year))
    texts("contact_point", ("name", "联系点名称", MAX_NAME, True))
    texts("stationing", ("sending_unit", "派出单位", MAX_NAME, True))
    texts("pairing", ("household", "困难户", MAX_NAME, False))
    fast("help_log", ["date"], *not_after("date", "帮扶日期", tomorrow))


# ------------------------------------------------------------------ merging


class _Merger:
    def __init__(self, bundle: OpenedBundle, parsed: dict[str, list[tuple]], result: MergeResult):
        self.b = bundle
        self.parsed = parsed
        self.result = result
        self.code = bundle.county_code
        self.include_pii = bool(bundle.manifest.get("include_pii"))
        self.ids: dict[str, dict[str, int]] = {}  # uid → local id, for every record of the bundle
        self.existing: dict[str, dict[str, tuple[int, str]]] = {}  # uid → (local id, updated_at) already here

    # ---- checks: inside the transaction, before anything is written (a failure rolls back the temp tables)
    def preflight(self) -> None:
        """Refuse a bundle whose county or records belong elsewhere; note what the prefecture already has.

        One probe per table by uid gives both the owner (for the check) and the
        local id and ``updated_at`` of every record the prefecture already holds.
        """
        own = county_info()
        if self.code == own["code"]:
            raise BundleError(f"数据包来自代码为 {self.code} 的台账，与本台账（{own['name']}）的代码相同，不能导入自己。")
        conn = database.connection()
        # the prefecture's own tree (orgs nobody's bundle brought; a few): its uids are taken in every table
        own_tree = {uid for (uid,) in database.execute_sql(
            "SELECT t.uid FROM org t WHERE NOT EXISTS (SELECT 1 FROM record_owner o WHERE o.uid = t.uid)").fetchall()}
        for spec in TABLES:
            if spec.name in ("category", "work_year"):
                continue
            taken = own_tree.intersection(r[0] for r in self.parsed[spec.name])
            if taken:
                self._refuse(spec, min(taken), None)
            database.execute_sql(f"DROP TABLE IF EXISTS temp.in_{spec.name}")
            database.execute_sql(f"CREATE TEMP TABLE in_{spec.name} (uid TEXT PRIMARY KEY) WITHOUT ROWID")
            # in uid order: the temporary B-tree is filled by appending, and the probes below walk the uid
            # index in order instead of jumping about it
            conn.executemany(f"INSERT INTO temp.in_{spec.name} (uid) VALUES (?)",
                             zip(sorted(r[0] for r in self.parsed[spec.name])))
            # ownership, in bulk: a uid this prefecture holds for another county, or for another table
            stolen = database.execute_sql(
                f"SELECT i.uid, o.county, o.tbl FROM temp.in_{spec.name} i CROSS JOIN record_owner o ON o.uid = i.uid "
                "WHERE o.county <> ? OR o.tbl <> ? LIMIT 1", [self.code, spec.name]).fetchone()
            if stolen is not None:
                self._refuse(spec, stolen[0], stolen[1])
            # the bundle's uids drive the loop (CROSS JOIN keeps that order): a probe per record, never a scan
            # of the whole prefecture, whose tables grow with every county
            found = database.execute_sql(
                f"SELECT t.uid, t.id, t.updated_at, o.county FROM temp.in_{spec.name} i "
                f"CROSS JOIN {spec.name} t ON t.uid = i.uid LEFT JOIN record_owner o ON o.uid = t.uid"
            ).fetchall()
            for uid, _id, _upd, owner in found:
                if owner != self.code:  # None: the prefecture's own record
                    self._refuse(spec, uid, owner)
            self.existing[spec.name] = {uid: (rid, str(upd)) for uid, rid, upd, _owner in found}
        # after the owners (whose message says more): the county's code, already here, is the same ledger's
        spec = TABLE_BY_NAME["org"]
        root = next(r for r in self.parsed["org"] if r[_idx(spec, "parent_uid")] is None)
        row = database.execute_sql("SELECT uid, path, name FROM org WHERE code = ?", [self.code]).fetchone()
        if row is not None and row[0] != root[0]:
            raise BundleError(
                f"本台账已有行政区划代码为 {self.code} 的「{row[2]}」，但与数据包中的县不是同一个台账（uid 不同）。"
                "请核实数据包的来源；如该县重新建过台账，请联系管理员处理。"
            )

    def _refuse(self, spec: TableSpec, uid: str, owner: str | None) -> None:
        """Refuse the bundle: one of its records (``uid``) belongs to another county, or to the prefecture."""
        n = next(n for n, r in enumerate(self.parsed[spec.name], 1) if r[0] == uid)
        if owner is None:
            whose = f"本级（{county_info()['name']}）"
        else:
            row = database.execute_sql(
                "SELECT name FROM org WHERE code = ? AND kind = 'county' ORDER BY id LIMIT 1", [owner]).fetchone()
            whose = f"{row[0] if row else owner}（{owner}）"
        raise BundleError(
            f"{spec.name}.jsonl 第 {n} 行：{spec.label}记录（uid {uid}）在本台账中属于「{whose}」，"
            f"本数据包（{self.b.county_name}，{self.code}）无权修改。数据包已拒绝，台账未作任何改动；"
            "请核实数据包的来源。"
        )

    def _own(self) -> None:
        """Record the county as the owner of every record of the bundle that is new here (checked: no other)."""
        for spec in TABLES:
            if spec.name in ("category", "work_year"):
                continue
            database.execute_sql(
                f"INSERT OR IGNORE INTO record_owner (uid, county, tbl) SELECT uid, ?, ? FROM temp.in_{spec.name}",
                [self.code, spec.name])

    # ---- writes, inside the transaction
    def run(self, report: Progress) -> None:
        self._categories()
        self._years()
        steps = [s for s in TABLES if s.name not in ("category", "work_year")]
        for i, spec in enumerate(steps):
            report(spec.label, 0.3 + 0.65 * i / len(steps))
            self._merge(spec)
            if spec.name == "org":
                self._hang_tree()
            if spec.name == "pledge":
                self._carried_from()
        self._own()

    def _categories(self) -> None:
        spec = TABLE_BY_NAME["category"]
        ci, li = _idx(spec, "code"), _idx(spec, "label")
        local = {c: (lab, u) for c, lab, u in database.execute_sql("SELECT code, label, uid FROM category").fetchall()}
        by_label = {lab: c for c, (lab, _u) in local.items()}
        by_uid = {u: c for c, (_lab, u) in local.items()}
        self.category_map: dict[str, str] = {}
        counts = self.result.tables.setdefault("category", TableCounts())
        for row in self.parsed["category"]:
            counts.read += 1
            code, label = row[ci], row[li]
            if row[0] in by_uid:
                self.category_map[code] = by_uid[row[0]]
                counts.unchanged += 1
            elif code in local and local[code][0] == label:
                self.category_map[code] = code
                counts.unchanged += 1
            elif label in by_label:
                self.category_map[code] = by_label[label]
                counts.unchanged += 1
            else:
                new = code
                n = len(local) + 1
                while new in local:
                    new, n = f"c{n}", n + 1
                database.execute_sql(
                    "INSERT INTO category (uid, created_at, updated_at, deleted_at, code, label, sort) VALUES (?,?,?,?,?,?,?)",
                    [row[0], row[1], row[2], row[3], new, label, row[_idx(spec, "sort")]],
                )
                local[new] = (label, row[0])
                by_label[label] = new
                self.category_map[code] = new
                counts.inserted += 1
                if new != code:
                    self.result.notes.append(f"承诺类别「{label}」的代码 {code} 在本台账已被占用，改为 {new}。")

    def _years(self) -> None:
        spec = TABLE_BY_NAME["work_year"]
        yi = _idx(spec, "year")
        have = {r[0] for r in database.execute_sql("SELECT year FROM work_year").fetchall()}
        pledge_year = _idx(TABLE_BY_NAME["pledge"], "year")
        years = {r[yi] for r in self.parsed["work_year"]} | {r[pledge_year] for r in self.parsed["pledge"]}
        counts = self.result.tables.setdefault("work_year", TableCounts(read=len(self.parsed["work_year"])))
        from pledgebook.models.store.tables import new_uid, utcnow

        for y in sorted(years - have):
            now = utcnow()
            database.execute_sql(
                "INSERT INTO work_year (uid, created_at, updated_at, year, closed) VALUES (?,?,?,?,0)", [new_uid(), now, now, y]
            )
            counts.inserted += 1
        counts.unchanged = counts.read - counts.inserted if counts.read >= counts.inserted else 0

    def _local_column(self, spec: TableSpec, f: Field, col: Sequence) -> Sequence:
        """A column of bundle values as local values: refs to local ids, booleans to 0/1, categories mapped."""
        if f.kind == "ref":
            if f.name in ("parent_uid", "carried_from_uid"):
                return [None] * len(col)  # set afterwards, once every row has an id
            ids = self.ids[f.ref]
            # every uid is known (_check_refs); None is no key, so .get keeps a missing reference missing
            return list(map(ids.get if f.nullable else ids.__getitem__, col))
        if f.kind == "bool":
            return [1 if v else 0 for v in col]
        if spec.name == "pledge" and f.name == "category":
            cmap = self.category_map
            return [cmap.get(v, v) for v in col]
        return col

    def _merge(self, spec: TableSpec) -> None:
        rows = self.parsed[spec.name]
        counts = self.result.tables.setdefault(spec.name, TableCounts())
        counts.read = len(rows)
        fields = list(spec.fields)
        skip_pii = spec.name == "person" and not self.include_pii
        cols = [_column(f) for f in fields]
        write_idx = [i for i, f in enumerate(fields) if not (skip_pii and f.name in ("id_number", "phone"))]
        existing = self.existing[spec.name]
        upd_i = 2
        new_rows, newer, same = [], [], []
        for row in rows:
            have = existing.get(row[0])
            if have is None:
                new_rows.append(row)
            else:
                local_upd = have[1]
                if row[upd_i] > local_upd:
                    newer.append((row, have[0]))
                elif row[upd_i] == local_upd:
                    same.append(row)
                else:
                    counts.kept_newer += 1
        # every record gets its local id now: the ones here keep theirs, new ones are numbered explicitly
        # (inside the write transaction nobody else can take these ids), so no read-back by uid is needed
        ids = {uid: rid for uid, (rid, _upd) in existing.items()}
        first_id = database.execute_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {spec.name}").fetchone()[0]
        new_ids = range(first_id, first_id + len(new_rows))
        ids.update(zip((r[0] for r in new_rows), new_ids))
        self.ids[spec.name] = ids
        conn = database.connection()
        extra_cols, extra_vals = [], []
        if spec.name == "org":
            extra_cols, extra_vals = ["path", "depth"], ["", 0]
        if new_rows:
            names = ["id"] + [cols[i] for i in write_idx] + extra_cols
            sql = f"INSERT INTO {spec.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            columns = list(zip(*new_rows))  # one C-level transpose, not a list per column
            local = [new_ids] + [self._local_column(spec, fields[i], columns[i]) for i in write_idx]
            local += [[v] * len(new_rows) for v in extra_vals]
            conn.executemany(sql, zip(*local))
            counts.inserted = len(new_rows)
        if newer:
            set_idx = [i for i in write_idx if fields[i].name != "uid" and fields[i].name not in ("parent_uid", "carried_from_uid")]
            sql = f"UPDATE {spec.name} SET {', '.join(cols[i] + ' = ?' for i in set_idx)} WHERE id = ?"
            columns = list(zip(*(r for r, _ in newer)))
            local = [self._local_column(spec, fields[i], columns[i]) for i in set_idx]
            local.append([rid for _, rid in newer])
            conn.executemany(sql, zip(*local))
            counts.updated = len(newer)
        if same:
            self._compare(spec, same, write_idx, counts)

    def _compare(self, spec: TableSpec, same: list[tuple], idx: list[int], counts: TableCounts) -> None:
        """Rows with the same updated_at: unchanged, or a conflict (changed differently on each side)."""
        local = {
            r[0]: r
            for r in database.execute_sql(
                select_sql(spec, where=f"t.uid IN (SELECT uid FROM temp.in_{spec.name})")
            ).fetchall()
        }
        names = [f.name for f in spec.fields]
        cat_i = names.index("category") if spec.name == "pledge" else -1
        for row in same:
            mine = local.get(row[0])
            diff = []
            for i in idx:
                a, b = row[i], mine[i] if mine else None
                if i == cat_i:
                    a = self.category_map.get(a, a)
                if spec.fields[i].kind == "bool":
                    a, b = bool(a), bool(b)
                elif names[i] == "parent_uid" and a is None:
                    continue  # the county root hangs under the prefecture here
                if a != b and not (a is not None and b is not None and str(a) == str(b)):
                    diff.append(names[i])
            if diff:
                counts.conflicts += 1
                self.result.conflicts.append({"table": spec.name, "uid": row[0], "fields": diff})
            else:
                counts.unchanged += 1

    def _hang_tree(self) -> None:
        spec = TABLE_BY_NAME["org"]
        p_i = _idx(spec, "parent_uid")
        code_i = _idx(spec, "code")
        ids = self.ids["org"]
        pref = database.execute_sql(
            "SELECT id, path, depth FROM org WHERE parent_id IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
        parent_of = {r[0]: r[p_i] for r in self.parsed["org"]}
        placed: dict[str, tuple[int | None, str, int]] = {}

        def place(uid: str) -> tuple[int | None, str, int]:
            if uid in placed:
                return placed[uid]
            parent = parent_of[uid]
            if parent is None:
                pid, ppath, pdepth = pref[0], pref[1], pref[2]
            else:
                pid = ids[parent]
                _, ppath, pdepth = place(parent)
            placed[uid] = (pid, f"{ppath}{ids[uid]}/", pdepth + 1)
            return placed[uid]

        updates = []
        for r in self.parsed["org"]:
            pid, path, depth = place(r[0])
            updates.append((pid, path, depth, ids[r[0]]))
        database.connection().executemany("UPDATE org SET parent_id = ?, path = ?, depth = ? WHERE id = ?", updates)
        # codes: another county's org may use the same code; keep ours unique
        taken = dict(database.execute_sql(
            "SELECT code, uid FROM org WHERE code IS NOT NULL AND uid NOT IN (SELECT uid FROM temp.in_org)").fetchall())
        for r in self.parsed["org"]:
            c = r[code_i]
            if c is not None and c in taken and taken[c] != r[0]:
                new = f"{self.code}-{c}"
                database.execute_sql("UPDATE org SET code = ? WHERE id = ?", [None if new in taken else new, ids[r[0]]])
                self.result.notes.append(f"党组织「{r[_idx(spec, 'name')]}」的代码 {c} 已被其他县使用，改为 {new}。")

    def _carried_from(self) -> None:
        spec = TABLE_BY_NAME["pledge"]
        ci = _idx(spec, "carried_from_uid")
        ids = self.ids["pledge"]
        pairs = [(ids[r[ci]], ids[r[0]]) for r in self.parsed["pledge"] if r[ci] is not None]
        if pairs:
            database.connection().executemany("UPDATE pledge SET carried_from_id = ? WHERE id = ?", pairs)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Parsing builds a few hundred thousand small acyclic objects; the cyclic collector would only rescan them.

    Reference counting still frees everything; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_tables(b: OpenedBundle, pool: ThreadPoolExecutor, report: Progress) -> dict[str, list[tuple]]:
    """Every member read (sizes and hashes checked) and every table parsed and checked, in table order.

    A helper reads the next member while this thread parses the one before; a failure is still
    reported for the first bad table, as if they were read one after another.
    """
    version = b.manifest["format_version"]
    specs = [spec for spec in TABLES if spec.since <= version]  # an older program's bundle has fewer tables
    parsed: dict[str, list[tuple]] = {spec.name: [] for spec in TABLES}
    spec_cat = TABLE_BY_NAME["category"]
    pending = deque([pool.submit(b.read_member, f"{specs[0].name}.jsonl")])
    try:
        for i, spec in enumerate(specs):
            report(f"读取{spec.label}", 0.05 + 0.2 * i / len(specs))
            data = pending.popleft().result()
            if i + 1 < len(specs):
                pending.append(pool.submit(b.read_member, f"{specs[i + 1].name}.jsonl"))
            cats = None
            if spec.name == "pledge":
                cats = {r[_idx(spec_cat, "code")] for r in parsed["category"]} | set(vocab.DEFAULT_CATEGORIES)
            parsed[spec.name] = _parse_table(spec, data, b.manifest["counts"].get(spec.name), cats)
            del data
    finally:
        for future in pending:
            future.cancel()
    for name in b.manifest["members"]:
        if not name.endswith(".jsonl"):
            b.read_member(name, lambda chunk: None)  # report.xlsx: size and hash
    return parsed


def _discard(taken: Future) -> None:
    """Wait for a backup that is no longer wanted and remove it (a failed one leaves nothing)."""
    try:
        taken.result().path.unlink(missing_ok=True)
    except (PledgebookError, OSError):
        pass


def _read_checked(b: OpenedBundle, pool: ThreadPoolExecutor, report: Progress) -> dict[str, list[tuple]]:
    """Every check that needs no database: members, lines, fields, the second ledger's rules, references."""
    parsed = _read_tables(b, pool, report)
    _check_rules(parsed)
    _check_refs(parsed, b.county_code)
    _check_values(parsed)
    return parsed


def read_for_merge(path: str | Path) -> dict:
    """What the read-ahead child (:mod:`.readahead`) sends back: the bundle's checked tables, and the
    file's SHA-256 and manifest, so that the merge can tell that it read the same bytes. No database."""
    with open_bundle(path) as b, _no_gc(), ThreadPoolExecutor(1, thread_name_prefix="pledgebook-read") as pool:
        parsed = _read_checked(b, pool, lambda stage, frac: None)
        return {"sha256": b.sha256, "manifest": b.manifest_bytes, "tables": parsed}


class _ReadAhead:
    """The next bundle of a run, read and checked in a child process while this one merges the current one.

    Not a thread: SQLite's ``executemany`` gives the GIL away and takes it back for every row, and a thread
    parsing JSON beside it holds the GIL for long C calls, so every row of the writes would wait for it
    (40,000 rows: 0.4 s alone, 50 s beside ``json.loads``). The child is only a head start: whenever it
    fails, is late beyond reason, or read other bytes than the merge opened, the bundle is read here as
    without it; every check against the ledger (trust, sequence, owners, existing records) is made here, after
    the bundle before it has committed.
    """

    def __init__(self, path: Path):
        import subprocess

        from pledgebook.importers.reader import _child_env

        self.timeout = 60 + 10 * path.stat().st_size / 1024**2
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pledgebook.bundle.readahead", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_child_env(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )

    @classmethod
    def start(cls, path: Path, allow_unsigned: bool) -> _ReadAhead | None:
        """Start reading ``path`` unless, as the ledger stands now, it would be refused or is already merged."""
        try:
            b, result = _open_checked(path, allow_unsigned)
            b.close()
            return None if result.already_imported else cls(path)
        except (PledgebookError, OSError):
            return None  # the bundle's own turn says what is wrong

    def take(self, b: OpenedBundle) -> dict[str, list[tuple]] | None:
        """The child's checked tables of ``b``; None when the bundle is to be read here after all."""
        import marshal
        import subprocess

        try:
            out, _ = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.close()
            return None
        if self.process.returncode != 0:
            return None
        try:
            got = marshal.loads(out)
        except (EOFError, ValueError, TypeError):
            return None
        if not isinstance(got, dict) or got.get("sha256") != b.sha256 or got.get("manifest") != b.manifest_bytes:
            return None  # the file changed since the child read it
        return got["tables"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def _open_checked(path: str | Path, allow_unsigned: bool) -> tuple[OpenedBundle, MergeResult]:
    """Open a bundle and check it against this ledger: its level, the county's trusted key, the sequence.

    Returns the open bundle and its result (``already_imported`` when it is the last one accepted from its
    county); raises :class:`BundleError` when it is refused.
    """
    own = county_info()
    if own["level"] != "prefecture":
        raise BundleError(
            "只有州/市级台账可以导入县（区）数据包。请在州/市的电脑上用「pledgebook init --level prefecture」建立的台账中导入。"
        )
    b = open_bundle(path)
    try:
        trust, replay = trust_status(b)
        code, name = b.county_code, b.county_name
        fp = keymod.fingerprint(b.signer_key) if b.signer_key else None
        if b.signer_key is not None:
            for other in keymod.trusted_keys():
                if other.key == b.signer_key and other.county_code != code:
                    raise BundleError(
                        f"数据包自称来自「{name}」（{code}），签名公钥（指纹 {fp}）却是本台账为「{other.county_name}」"
                        f"（{other.county_code}）信任的公钥：一个县的密钥不能冒充另一个县，已拒绝，台账未作任何改动。"
                    )
        if trust == "mismatch":
            raise BundleError(
                f"数据包的签名公钥（指纹 {fp}）与本台账已信任的「{name}」公钥不一致，已拒绝。"
                "请与该县电话核对公钥指纹；如该县确实重新生成了密钥，核对后运行「pledgebook keys trust 公钥文件 --replace」。"
            )
        result = MergeResult(Path(path), dict(b.manifest["county"]), b.manifest["sequence"], b.sha256,
                             b.signer_key is not None, trust == "trusted", trust != "trusted")
        if replay == "same":
            result.already_imported = True
            result.allow_unsigned_used = False
            result.notes.append("该数据包已导入过，台账没有变化。")
            return b, result
        if trust == "unsigned" and keymod.trusted_key(code) is not None:
            # Once a county's key is trusted, only bundles that verify against it speak for that county:
            # --allow-unsigned is for first contact, never a way round a trusted key (anyone could write one).
            raise BundleError(
                f"本台账已信任「{name}」（{code}）的公钥，但该数据包没有签名，已拒绝（加 --allow-unsigned 也不能导入），"
                "台账未作任何改动。请让该县在保存密钥的电脑上重新导出；如该县的密钥已丢失并重新生成，"
                f"请电话核对新公钥的指纹后运行「pledgebook keys trust {code}.pub --replace」。"
            )
        if trust != "trusted" and not allow_unsigned:
            how = (f"数据包已签名（公钥指纹 {fp}），但本台账尚未信任「{name}」（{code}）的公钥" if trust == "untrusted"
                   else f"数据包没有签名，本台账也尚未信任「{name}」（{code}）的公钥")
            raise BundleError(
                f"{how}，默认不导入，台账未作任何改动。请：① 向该县要来公钥文件（{code}.pub），电话核对指纹后运行"
                f"「pledgebook keys trust {code}.pub」，再导入；或 ② 确认来源可靠时加 --allow-unsigned 导入（会记入审计日志，"
                "并在结果中注明）。"
            )
        if replay == "replay":
            last = keymod.last_accepted(code) or {}
            raise BundleError(
                f"该数据包的序号 {b.manifest['sequence']} 不大于已导入的「{name}」数据包序号 {last.get('sequence')}：是旧数据包（重放），已拒绝。"
                "请导入该县最新导出的数据包。"
            )
        if trust == "untrusted":
            result.notes.append(f"数据包已签名（指纹 {fp}），但本台账尚未信任该县公钥：按 --allow-unsigned 导入，已记入审计日志。"
                                f"请电话核对指纹后运行 pledgebook keys trust {code}.pub。")
        elif trust == "unsigned":
            result.notes.append("数据包没有签名：按 --allow-unsigned 导入，已记入审计日志。"
                                "请让报送单位运行 pledgebook keys init 后重新导出，并在本级运行 pledgebook keys trust。")
        result.notes += version_notes(b.manifest)
        return b, result
    except BaseException:
        b.close()
        raise


def _version_tuple(text: str) -> tuple[int, ...] | None:
    parts = re.fullmatch(r"([0-9]{1,4})\.([0-9]{1,4})\.([0-9]{1,4})", text.split("+")[0].split("-")[0][:20])
    return tuple(int(p) for p in parts.groups()) if parts else None


def version_notes(manifest: dict) -> list[str]:
    """What the prefecture should know about the program that wrote a bundle: older than ours, or a
    version-1 bundle (no 四帮四促 data in it)."""
    from pledgebook import __version__

    notes = []
    theirs, ours = _version_tuple(str(manifest.get("program_version", ""))), _version_tuple(__version__)
    if theirs is not None and ours is not None and theirs < ours:
        notes.append(f"该县使用的承诺台账版本较旧（{'.'.join(map(str, theirs))}），建议随下次U盘带去新版（本级为 {__version__}）。")
    if manifest.get("format_version") == 1:
        notes.append("该数据包为旧格式（格式版本 1），不含四帮四促数据（联系点、结对帮扶、驻村、帮扶记录）：这些数据本次没有导入。")
    return notes


def import_bundle(
    path: str | Path,
    *,
    allow_unsigned: bool = False,
    progress: Progress | None = None,
    backed_up: Path | None = None,
    dry_run: bool = False,
) -> MergeResult:
    """Verify a county bundle completely, then merge it by uid in one transaction.

    An automatic backup is taken first, unless ``backed_up`` names the one this
    run already took (one ``pledgebook import`` of twelve bundles backs up once:
    the point is to be able to go back to before the run). Several bundles:
    :func:`import_bundles`. ``dry_run``: every check and the whole merge, counted,
    then rolled back (no backup, nothing written, the sequence not remembered).

    Raises :class:`BundleError` (nothing written) when anything is wrong.
    """
    return _import(path, allow_unsigned, progress or (lambda stage, frac: None), backed_up, None, dry_run)


@dataclass
class BundleFailure:
    """A bundle of a run that was refused: nothing of it was written; ``error.message`` says why."""

    path: Path
    error: PledgebookError


def import_bundles(
    paths: Sequence[str | Path],
    *,
    allow_unsigned: bool = False,
    progress: Callable[[Path, str, float], None] | None = None,
    backed_up: Path | None = None,
    read_ahead: bool = True,
    dry_run: bool = False,
) -> Iterator[MergeResult | BundleFailure]:
    """Merge several bundles in turn, as :func:`import_bundle` does each, yielding each one's outcome.

    One bundle failing does not stop the others. The run takes one automatic backup, before the first
    bundle that merges (none when ``backed_up`` names one this run already took). Each bundle is checked completely and merged in its own transaction, in order;
    while one is being merged, the next one is read and checked (everything that needs no database) in a
    child process (:class:`_ReadAhead`, when there is a second CPU for it); its checks against the ledger
    run at its own turn.
    """
    paths = [Path(p) for p in paths]
    read_ahead = read_ahead and spare_cpu()  # on one CPU the child would only add its own cost
    ahead: _ReadAhead | None = None
    try:
        for i, path in enumerate(paths):
            current, ahead = ahead, None
            if read_ahead and i + 1 < len(paths):
                ahead = _ReadAhead.start(paths[i + 1], allow_unsigned)
            report = (lambda stage, frac, path=path: progress(path, stage, frac)) if progress else (lambda stage, frac: None)
            try:
                result = _import(path, allow_unsigned, report, backed_up, current, dry_run)
            except PledgebookError as exc:
                yield BundleFailure(path, exc)
                continue
            finally:
                if current is not None:
                    current.close()
            backed_up = backed_up or result.backup
            yield result
    finally:
        if ahead is not None:
            ahead.close()


class _RollBack(Exception):
    """Raised inside a dry run's transaction once everything is merged and counted."""


def _import(path: str | Path, allow_unsigned: bool, report: Progress, backed_up: Path | None,
            ahead: _ReadAhead | None, dry_run: bool = False) -> MergeResult:
    from pledgebook.models.ledger.rules import transaction

    started = time.perf_counter()
    report("校验", 0.0)
    b, result = _open_checked(path, allow_unsigned)
    with b:
        if result.already_imported:
            result.seconds = time.perf_counter() - started
            return result
        code, name = b.county_code, b.county_name
        with _no_gc():
            parsed = ahead.take(b) if ahead is not None else None
            with ThreadPoolExecutor(2, thread_name_prefix="pledgebook-merge") as pool:
                # beside the parsing (which needs the GIL): the automatic backup (SQLite copies pages without
                # it) and the inflating and hashing of the next member (zlib and hashlib let go of it too)
                taken = None if backed_up or dry_run else pool.submit(
                    backup.backup, reason="before-import", rotate_after=False)
                try:
                    if parsed is None:
                        parsed = _read_checked(b, pool, report)
                    report("备份", 0.28)
                    result.backup = taken.result().path if taken is not None else backed_up
                except BaseException:
                    if taken is not None:
                        _discard(taken)  # the bundle is refused: nothing will change, so the copy is not needed
                    raise
            merger = _Merger(b, parsed, result)
            report("合并", 0.3)
            try:
                with transaction():
                    merger.preflight()
                    merger.run(report)
                    if dry_run:
                        raise _RollBack
                    ImportBatch.create(
                        file_name=Path(path).name[:250], sha256=b.sha256, kind="bundle-unsigned" if result.allow_unsigned_used else "bundle",
                        user=audit.os_user(), rows_read=result.records, rows_written=result.changed, rows_rejected=0,
                    )
                    keymod.remember_accepted(code, b.manifest["sequence"], b.sha256)
                    note = f"导入{name}（{code}）数据包，序号 {b.manifest['sequence']}"
                    if result.allow_unsigned_used:
                        note += ("；签名公钥未经本级信任" if result.signed else "；未签名") + "，按 --allow-unsigned 导入"
                    audit.record("import", "org", None, {"bundle": (None, Path(path).name), "sha256": (None, b.sha256)}, note=note)
            except _RollBack:
                result.dry_run = True
    if not dry_run:
        backup.rotate()
    for spec in TABLES:
        database.execute_sql(f"DROP TABLE IF EXISTS temp.in_{spec.name}")
    report("完成", 1.0)
    result.seconds = time.perf_counter() - started
    return result
