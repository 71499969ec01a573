"""The hand-off bundle's format: its members, the tables and fields that travel, and the manifest.

A bundle is a zip named ``<admin-code>_<yyyymmdd-hhmmss>.pledgebook`` holding

- ``manifest.json``: format and version, county name and 6-digit code,
  program version, time, years, record counts, SHA-256 and size of every
  other member, the sequence number, whether PII is included (:func:`build_manifest`,
  checked on the way in by :func:`check_manifest`);
- ``signature.json`` (when ``keys init`` has been run): Ed25519 over the
  exact bytes of ``manifest.json`` — which pins every member by hash;
- one JSON Lines file per table (:data:`TABLES`), fields by name, references
  by uid, never local integer ids; ID numbers and phones left out unless asked.
  Format version 2 added the second ledger (contact_point, pairing,
  stationing, help_log), version 3 the third (appraisal, disposal, star_rating,
  honour); a bundle of an older format (an older program) has none of the
  later members and is still read;
- ``report.xlsx``, the summary sheets of the open year's report workbook, for people.

:data:`TABLES` describes the schema of :mod:`pledgebook.models.store.tables` a third time (after the
models and the migrations), in the bundle's own terms: refs as uids, codes with their vocabulary, the
version that brought each table. What stays home is listed in :data:`HOME_TABLES` and
:data:`HOME_COLUMNS`, each with its reason; ``tests/bundle/test_bundle_format.py`` checks that every
column of every model is in one or the other, so that a new column cannot silently stay home.

Writing: :mod:`.write`; reading a file from outside: :mod:`.read`; checking it: :mod:`.verify`;
merging it at the prefecture: :mod:`.merge`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.values import has_control_chars

Progress = Callable[[str, float], None]
# an appraisal's 民主测评 ballots: 发放, 有效, and the votes per grade (in vocab.APPRAISAL_GRADES' order)
APPRAISAL_VOTES = ("votes_excellent", "votes_qualified", "votes_basic_qualified", "votes_unqualified")
APPRAISAL_COUNTS = ("ballots_issued", "ballots_valid", *APPRAISAL_VOTES)

FORMAT = "pledgebook-bundle"
FORMAT_VERSION = 3  # 2: the second ledger (contact_point, pairing, stationing, help_log); 3: the third (奖诺)
SUFFIX = ".pledgebook"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
REPORT = "report.xlsx"


class BundleError(PledgebookError):
    """The bundle cannot be used; the message says exactly what is wrong."""


@dataclass(frozen=True)
class Field:
    name: str
    sql: str
    kind: str  # uid | dt | date | text | int | float | bool | code | ref
    nullable: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""  # the table a ref points to


def _common(deleted: bool = True) -> list[Field]:
    out = [Field("uid", "t.uid", "uid"), Field("created_at", "t.created_at", "dt"), Field("updated_at", "t.updated_at", "dt")]
    if deleted:
        out.append(Field("deleted_at", "t.deleted_at", "dt", True))
    return out


def _code(name: str, vocabulary: dict[str, str], nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "code", nullable, tuple(vocabulary))


def _t(name: str, nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "text", nullable)


def _d(name: str, nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", "date", nullable)


def _n(name: str, kind: str = "int", nullable: bool = False) -> Field:
    return Field(name, f"t.{name}", kind, nullable)


def _ref(column: str, table: str, nullable: bool = False) -> Field:
    """``<column>_uid``: the uid of the record that ``t.<column>_id`` points to (joined as ``r_<column>``)."""
    return Field(f"{column}_uid", f"r_{column}.uid", "ref", nullable, ref=table)


def _later(name: str, fields: list[Field], label: str, since: int) -> TableSpec:
    """A table of a later ledger, new in format version ``since``; every ref joined as ``r_<column>``."""
    joins = [f"{name} t"] + [
        f"{'LEFT JOIN' if f.nullable else 'JOIN'} {f.ref} r_{f.name[:-4]} ON r_{f.name[:-4]}.id = t.{f.name[:-4]}_id"
        for f in fields if f.kind == "ref"
    ]
    return TableSpec(name, " ".join(joins), tuple(_common() + fields), label, since=since)


def _second(name: str, fields: list[Field], label: str) -> TableSpec:
    """A table of the second ledger (四帮四促), new in format version 2."""
    return _later(name, fields, label, 2)


def _third(name: str, fields: list[Field], label: str) -> TableSpec:
    """A table of the third ledger (奖诺: 民主评议党员, 星级评定, 评选表彰), new in format version 3."""
    return _later(name, fields, label, 3)


@dataclass(frozen=True)
class TableSpec:
    name: str  # member name without .jsonl, and the SQL table
    source: str  # FROM clause, the table aliased t
    fields: tuple[Field, ...]
    label: str
    since: int = 1  # the format version that brought the table


TABLES: tuple[TableSpec, ...] = (
    TableSpec("category", "category t", tuple(_common() + [_t("code"), _t("label"), Field("sort", "t.sort", "int")]), "承诺类别"),
    TableSpec(
        "work_year", "work_year t",
        tuple(_common(False) + [Field("year", "t.year", "int"), Field("closed", "t.closed", "bool"),
                                Field("closed_at", "t.closed_at", "dt", True)]),
        "年度",
    ),
    TableSpec(
        "org", "org t LEFT JOIN org r_parent ON r_parent.id = t.parent_id",
        tuple(_common() + [
            Field("parent_uid", "r_parent.uid", "ref", True, ref="org"), _t("code", True), _t("name"),
            _code("kind", vocab.ORG_KINDS), _code("sector", vocab.SECTORS, True), _t("township", True), _t("pinyin"),
            Field("active", "t.active", "bool"), Field("sort", "t.sort", "int"),
        ]),
        "党组织",
    ),
    TableSpec(
        "person", "person t JOIN org r_org ON r_org.id = t.org_id",
        tuple(_common() + [
            Field("org_uid", "r_org.uid", "ref", ref="org"), _t("name"), _code("gender", vocab.GENDERS, True),
            _t("ethnicity", True), _t("education", True), Field("birth_date", "t.birth_date", "date", True),
            Field("joined_date", "t.joined_date", "date", True), _t("post", True), _t("cadre_level", True),
            _t("id_number", True), _t("phone", True), _code("state", vocab.PERSON_STATES), _t("pinyin"),
        ]),
        "人员",
    ),
    TableSpec(
        "pledge",
        "pledge t JOIN org r_org ON r_org.id = t.org_id LEFT JOIN person r_person ON r_person.id = t.person_id "
        "LEFT JOIN pledge r_carried ON r_carried.id = t.carried_from_id",
        tuple(_common() + [
            Field("year", "t.year", "int"), Field("org_uid", "r_org.uid", "ref", ref="org"),
            Field("person_uid", "r_person.uid", "ref", True, ref="person"), _code("scope", vocab.SCOPES),
            Field("category", "t.category", "text"), _t("content"), _t("measures"),
            Field("due_date", "t.due_date", "date", True), _code("term", vocab.TERMS), _t("approved_by", True),
            Field("approved_on", "t.approved_on", "date", True), Field("published_on", "t.published_on", "date", True),
            _code("status", vocab.PLEDGE_STATUSES), Field("fulfilled_on", "t.fulfilled_on", "date", True),
            Field("carried_from_uid", "r_carried.uid", "ref", True, ref="pledge"), _t("source"),
            Field("source_row", "t.source_row", "int", True),
        ]),
        "承诺",
    ),
    TableSpec(
        "progress", "progress t JOIN pledge r_pledge ON r_pledge.id = t.pledge_id",
        tuple(_common() + [
            Field("pledge_uid", "r_pledge.uid", "ref", ref="pledge"), Field("date", "t.date", "date"), _t("note"),
            Field("percent", "t.percent", "int", True),
        ]),
        "践诺记录",
    ),
    TableSpec(
        "evaluation", "evaluation t JOIN pledge r_pledge ON r_pledge.id = t.pledge_id",
        tuple(_common() + [
            Field("pledge_uid", "r_pledge.uid", "ref", ref="pledge"), _code("kind", vocab.EVAL_KINDS),
            Field("date", "t.date", "date"), _t("evaluator"), _code("grade", vocab.ALL_GRADES, True),
            Field("score", "t.score", "float", True),
            *(Field(n, f"t.{n}", "int", True) for n in
              ("ballots_issued", "ballots_valid", "votes_satisfied", "votes_basic", "votes_unsatisfied")),
            _t("comment"), Field("rect_due", "t.rect_due", "date", True), Field("rect_done", "t.rect_done", "date", True),
            _t("rect_note"),
        ]),
        "评诺",
    ),
    # ---- the second ledger (四帮四促), since format version 2
    _second("contact_point", [
        _ref("leader", "person"), _code("kind", vocab.CONTACT_KINDS), _t("name"), _ref("org", "org"),
        _d("start_date"), _d("end_date", True), _n("active", "bool"), _t("note"),
    ], "联系点"),
    _second("pairing", [
        _ref("helper", "person"), _ref("helped_person", "person", True), _t("household", True), _ref("org", "org"),
        _d("start_date"), _d("end_date", True), _t("note"),
    ], "结对帮扶"),
    _second("stationing", [
        _ref("cadre", "person"), _t("sending_unit"), _code("role", vocab.STATION_ROLES), _ref("village", "org"),
        _ref("branch", "org", True), _d("start_date"), _d("planned_end", True), _d("actual_end", True), _t("note"),
    ], "驻村"),
    _second("help_log", [
        _d("date"), _ref("person", "person"), _ref("contact_point", "contact_point", True),
        _ref("pairing", "pairing", True), _ref("stationing", "stationing", True), _ref("org", "org"),
        _code("kind", vocab.WORK_KINDS),
        *(_n(m, "float" if m == "funds" else "int") for m in vocab.MEASURES),
        _t("note"), _t("source"), _n("source_row", "int", True),
    ], "帮扶记录"),
    # ---- the third ledger (奖诺), since format version 3
    _third("appraisal", [
        _n("year"), _ref("person", "person"), _ref("org", "org"), _t("self_review"),
        *(_n(n, "int", True) for n in APPRAISAL_COUNTS),
        _code("grade", vocab.APPRAISAL_GRADES, True), _t("exempt_reason", True), _d("decided_on", True),
        _t("comment"), _t("source"), _n("source_row", "int", True),
    ], "民主评议党员"),
    _third("disposal", [
        _ref("appraisal", "appraisal"), _code("kind", vocab.DISPOSAL_KINDS), _d("decided_on"), _d("due_date"),
        _d("closed_on", True), _t("result"), _t("note"),
    ], "组织处置"),
    _third("star_rating", [
        _n("year"), _ref("org", "org"), *(_n(f"score_{item}", "float", True) for item in vocab.STAR_ITEMS),
        _n("proposed_stars", "int", True), _n("stars", "int", True), _d("confirmed_on", True), _t("confirmed_by"),
        _t("note"),
    ], "星级评定"),
    _third("honour", [
        _n("year"), _code("kind", vocab.HONOUR_KINDS), _ref("org", "org"), _ref("person", "person", True),
        _code("source", vocab.HONOUR_SOURCES), _code("status", vocab.HONOUR_STATUSES), _n("meets_criteria", "bool"),
        _t("reason"), _d("decided_on", True), _t("note"), _n("source_row", "int", True),
    ], "评选表彰"),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}
PII_FIELDS = ("id_number", "phone")
DATA_MEMBERS = tuple(f"{t.name}.jsonl" for t in TABLES)
KNOWN_MEMBERS = frozenset((MANIFEST, SIGNATURE, REPORT, *DATA_MEMBERS))


# What stays home, and why (checked against the models by tests/bundle/test_bundle_format.py).
# PII is not here: person.id_number and person.phone are in the format, and travel (not NULL) only with
# --include-pii (see PII_FIELDS and select_sql).
HOME_TABLES: dict[str, str] = {
    "setting": "this ledger's own settings (name, code, level, formula); the county travels in the manifest",
    "import_batch": "the files this ledger imported, with local ids; the prefecture records its own",
    "audit_log": "who changed what on this PC; the prefecture's merge writes its own audit entry",
    "handoff": "the bundles written from this ledger; a bundle does not describe itself",
    "record_owner": "at a prefecture, which county owns each record; filled by the merge itself",
}
HOME_COLUMNS: dict[tuple[str, str], str] = {
    **{(t.name, "id"): "a local integer id: records travel by uid, references as <name>_uid" for t in TABLES},
    ("org", "path"): "the materialized path of local ids, rebuilt under the prefecture's tree by the merge",
    ("org", "depth"): "the level in the local tree, rebuilt under the prefecture's tree by the merge",
    ("pledge", "batch_id"): "the local import batch (import_batch stays home); source and source_row travel",
    ("help_log", "batch_id"): "the local import batch (import_batch stays home); source and source_row travel",
    ("appraisal", "batch_id"): "the local import batch (import_batch stays home); source and source_row travel",
    ("honour", "batch_id"): "the local import batch (import_batch stays home); source and source_row travel",
}


def data_members(version: int) -> tuple[str, ...]:
    """The JSON Lines members a bundle of format ``version`` carries (version 1: no second ledger; 2: no third)."""
    return tuple(f"{t.name}.jsonl" for t in TABLES if t.since <= version)


def column_of(f: Field) -> str:
    """The local column of a field: a reference ``x_uid`` is stored as ``x_id``."""
    return f.name[:-4] + "_id" if f.kind == "ref" else f.name


def field_index(spec: TableSpec, name: str) -> int:
    """Where the field ``name`` is in a record of ``spec`` (a row of the parsed member)."""
    return [f.name for f in spec.fields].index(name)


def _record(spec: TableSpec, include_pii: bool, as_json: bool) -> str:
    """A table's travelling fields (refs as uids) as a column list, or as one json_object()."""
    exprs = []
    for f in spec.fields:
        expr = "NULL" if (not include_pii and spec.name == "person" and f.name in PII_FIELDS) else f.sql
        exprs.append(f"'{f.name}', {expr}" if as_json else expr)
    return f"json_object({', '.join(exprs)})" if as_json else ", ".join(exprs)


def select_sql(
    spec: TableSpec, *, include_pii: bool = True, as_json: bool = False, as_bytes: bool = False, where: str = ""
) -> str:
    """The SELECT that gives a table's travelling fields (refs as uids), as rows or as JSON text.

    With ``as_bytes`` the JSON comes as its UTF-8 bytes (a blob), ready to write without decoding
    and re-encoding every record in Python.
    """
    cols = _record(spec, include_pii, as_json)
    if as_json and as_bytes:
        cols = f"CAST({cols} AS BLOB)"
    return f"SELECT {cols} FROM {spec.source}{(' WHERE ' + where) if where else ''} ORDER BY t.id"


def batch_sql(spec: TableSpec, *, include_pii: bool) -> str:
    """The records with ids ``?`` to ``?`` as one blob of JSON Lines (each line ended), and their count.

    SQLite builds and joins the lines in one call, without the GIL: fetching a row at a time, the
    writing thread would take the GIL back 600,000 times, waiting whenever another thread (the
    report's) holds it. Batches are id ranges, so that two connections can build them side by side.
    """
    return (
        f"SELECT CAST(group_concat(j, char(10)) || char(10) AS BLOB), count(*) FROM ("
        f"SELECT {_record(spec, include_pii, True)} AS j FROM {spec.source} "
        f"WHERE t.id BETWEEN ? AND ? ORDER BY t.id)"
    )


# ------------------------------------------------------------------ the manifest


def build_manifest(county: dict, *, program_version: str, created_at: str, years: list[int], open_year: int | None,
                   counts: dict[str, int], members: dict[str, dict], sequence: int, include_pii: bool) -> bytes:
    """The bytes of ``manifest.json`` (what the signature covers): sorted keys, one space of indent."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "county": {"name": county["name"], "code": county["code"], "level": county["level"]},
        "program_version": program_version,
        "created_at": created_at,
        "years": years,
        "open_year": open_year,
        "counts": counts,
        "members": members,
        "sequence": sequence,
        "include_pii": include_pii,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def is_county_code(code: object) -> bool:
    """Six ASCII digits: an administrative code (full-width and other look-alike digits are not)."""
    return isinstance(code, str) and re.fullmatch(r"[0-9]{6}", code) is not None


DRIVE = re.compile(r"^[A-Za-z]:")


def check_member_name(name: str) -> None:
    """Refuse a member name that could write elsewhere, or that a bundle does not hold."""
    if "\\" in name:
        raise BundleError(f"数据包内的文件名「{name}」含有反斜杠，可能企图写到别的文件夹，已拒绝。")
    if name.startswith("/") or DRIVE.match(name):
        raise BundleError(f"数据包内的文件名「{name}」是绝对路径或含盘符，已拒绝。")
    if ".." in name.split("/"):
        raise BundleError(f"数据包内的文件名「{name}」含有「..」（路径穿越），已拒绝。")
    if name not in KNOWN_MEMBERS:
        raise BundleError(f"数据包内有多余的文件「{name}」，不是承诺台账数据包应有的内容，已拒绝。")


def _plain(value: object, limit: int) -> bool:
    """A short text with no control characters (it is shown to people and written to the audit log)."""
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= limit and not has_control_chars(value)


def check_manifest(m: object) -> dict:
    """A parsed ``manifest.json`` from outside, checked field by field; returns it, or raises BundleError."""
    if not isinstance(m, dict):
        raise BundleError("manifest.json 不是一个 JSON 对象。")
    if m.get("format") != FORMAT:
        raise BundleError(f"这不是承诺台账数据包（manifest.json 的 format 是「{m.get('format')}」）。")
    version = m.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BundleError("manifest.json 缺少格式版本号（format_version）。")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"该数据包由更新版本的承诺台账生成（格式版本 {version}，本程序支持到 {FORMAT_VERSION}）。请升级承诺台账后再导入。"
        )
    if version < 1:
        raise BundleError(f"manifest.json 的格式版本号 {version} 无效。")
    c = m.get("county")
    if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"].strip():
        raise BundleError("manifest.json 缺少县（区）名称。")
    if not _plain(c["name"], 100):
        raise BundleError("manifest.json 中的县（区）名称过长或含有控制字符，已拒绝。")
    code = c.get("code")
    if not is_county_code(code):
        raise BundleError(f"manifest.json 中的行政区划代码「{str(code)[:20]}」不是6位半角数字（全角或其他形似的数字不算），已拒绝。")
    seq = m.get("sequence")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BundleError("manifest.json 中的序号（sequence）无效。")
    for key, kind in (("program_version", str), ("created_at", str), ("years", list), ("counts", dict), ("members", dict)):
        if not isinstance(m.get(key), kind):
            raise BundleError(f"manifest.json 中的「{key}」缺失或类型不对。")
    for key in ("program_version", "created_at"):
        if not _plain(m[key], 40):
            raise BundleError(f"manifest.json 中的「{key}」过长或含有控制字符，已拒绝。")
    if not all(isinstance(y, int) and not isinstance(y, bool) and 2000 <= y <= 2100 for y in m["years"]):
        raise BundleError("manifest.json 中的年度列表无效。")
    _check_listed(m, version)
    return m


def _check_listed(m: dict, version: int) -> None:
    """The manifest's members (names, sizes, hashes) and counts: those of a bundle of format ``version``."""
    for name, entry in m["members"].items():
        if not isinstance(name, str):
            raise BundleError("manifest.json 的文件清单无效。")
        check_member_name(name)
        if name in (MANIFEST, SIGNATURE):
            raise BundleError(f"manifest.json 的文件清单不应包含 {name}。")
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("size"), int)
            or isinstance(entry.get("size"), bool)
            or entry["size"] < 0
            or not isinstance(entry.get("sha256"), str)
            or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        ):
            raise BundleError(f"manifest.json 中 {name} 的长度或校验值无效。")
    expected = data_members(version)
    for name in expected:
        if name not in m["members"]:
            raise BundleError(f"数据包缺少 {name}（{TABLE_BY_NAME[name[:-6]].label}）。")
    for name in m["members"]:
        if name.endswith(".jsonl") and name not in expected:
            raise BundleError(f"格式版本 {version} 的数据包不应含有 {name}，已拒绝。")
    for table, n in m["counts"].items():
        if f"{table}.jsonl" not in expected or not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise BundleError(f"manifest.json 中的记录数「{table}」无效。")
