"""The peewee tables of one county (or prefecture) ledger.

Records that travel upward carry a ``uid`` (UUID4 text), ``created_at`` and
``updated_at`` (UTC), and, where they can be removed, ``deleted_at`` (soft
delete, so that the removal travels too). Codes are ASCII words from
:mod:`pledgebook.models.core.vocab`.

The schema these classes describe is built by the numbered migrations in
:mod:`pledgebook.models.store.migrations`, never by ``create_tables`` on a user's
file: a fresh file and an upgraded one go through the same steps.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, cast

from peewee import (
    AutoField,
    BaseQuery,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)


class LedgerDatabase(SqliteDatabase):
    """peewee's SqliteDatabase, able to connect through a read-only ``file:`` URI (``read_only_uri``).

    ``database`` (the attribute) stays the plain path every module reads (``backup.current_db()``, the
    bundle's lock); only how a connection is made changes. ``store.db.open_database`` sets the URI.
    """

    read_only_uri: str | None = None

    def _connect(self) -> sqlite3.Connection:
        # peewee's stubs leave out its connection internals (_connect, _add_conn_hooks) that this
        # override reuses: hence the two pyright ignores below
        if self.read_only_uri is None:
            return cast(sqlite3.Connection, super()._connect())  # pyright: ignore[reportAttributeAccessIssue] - not in the stubs
        # the body of peewee's SqliteDatabase._connect, with the URI
        params = cast("dict[str, Any]", self.connect_params)
        timeout = cast(float, self.timeout)
        conn = sqlite3.connect(self.read_only_uri, timeout=timeout, isolation_level=None, uri=True, **params)
        try:
            self._add_conn_hooks(conn)  # pyright: ignore[reportAttributeAccessIssue] - not in the stubs
        except Exception:
            conn.close()
            raise
        return conn


# Deferred: opened by pledgebook.models.store.db.open_database with the right pragmas.
database = LedgerDatabase(None)


Row = tuple[Any, ...]


def fetch_all(sql: str, params: Sequence[object] = (), *, db: SqliteDatabase = database) -> list[Row]:
    """Every row of raw SQL on the open ledger (or ``db``). peewee's cursor is untyped: its rows get a type here."""
    return cast("list[Row]", db.execute_sql(sql, params).fetchall())


def fetch_one(sql: str, params: Sequence[object] = (), *, db: SqliteDatabase = database) -> Row | None:
    """The first row of raw SQL on the open ledger (or ``db``), or None (see :func:`fetch_all`)."""
    return cast("Row | None", db.execute_sql(sql, params).fetchone())


def fetch_tuples(query: BaseQuery) -> Iterable[Row]:
    """A peewee query's rows as plain tuples (``query.tuples()``, still lazy): peewee's stubs type a select's
    rows as model objects whatever the row type asked for; here they get the type they have."""
    return cast("Iterable[Row]", query.tuples())


def new_uid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC now; every stored timestamp is UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class LedgerMeta:
    """The peewee options every table shares. A table's own ``class Meta`` derives from this class: peewee
    reads only a Meta's own attributes (and inherits these itself), and a type checker sees one kind of Meta."""

    database = database
    legacy_table_names = False


class BaseModel(Model):
    Meta = LedgerMeta


class Tracked(BaseModel):
    """A record that can travel upward in a hand-off bundle.

    ``id`` is the primary key peewee would add by itself (``AutoField`` named ``id``, inherited by every
    subclass); written out so that the type checker knows it. Beside each ``ForeignKeyField`` ``x`` stands
    the annotation of ``x_id``, the raw id peewee's ``ForeignKeyField.bind`` sets on the class (an
    ``ObjectIdAccessor``; annotation only, nothing at run time).
    """

    id = AutoField()
    uid = CharField(max_length=36, unique=True, default=new_uid)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Setting(BaseModel):
    """County settings: name, administrative code, level, 满意率 formula …"""

    key = CharField(primary_key=True)
    value = TextField()


class Category(Tracked):
    """承诺类别: the defaults plus any the county adds."""

    code = CharField(unique=True)
    label = CharField()
    sort = IntegerField(default=0)
    deleted_at = DateTimeField(null=True)


class Org(Tracked):
    """党组织. The tree is the spine: a county is a root; ``path`` is the
    materialized path of ids ("/1/5/23/") so a subtree is one index range."""

    code = CharField(null=True, unique=True)
    name = CharField()
    kind = CharField()
    parent: ForeignKeyField[Org | None] = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    parent_id: int | None
    path = CharField(index=True, default="")
    depth = IntegerField(default=0)
    sector = CharField(null=True)
    township = CharField(null=True)
    pinyin = CharField(default="")  # search key: initials and full pinyin
    active = BooleanField(default=True)
    sort = IntegerField(default=0)
    deleted_at = DateTimeField(null=True)


class Person(Tracked):
    """党员/干部. Never deleted: ``state`` says 在册/转出/死亡/其他."""

    name = CharField()
    org = ForeignKeyField(Org, backref="people", on_delete="RESTRICT")
    org_id: int
    gender = CharField(null=True)
    ethnicity = CharField(null=True)
    education = CharField(null=True)  # 学历 as the roster writes it (大学本科, 大专, 高中 …)
    birth_date = DateField(null=True)
    joined_date = DateField(null=True)
    post = CharField(null=True)
    cadre_level = CharField(null=True)
    id_number = CharField(null=True, index=True)
    phone = CharField(null=True)
    state = CharField(default="active")
    pinyin = CharField(default="")
    deleted_at = DateTimeField(null=True)


class WorkYear(Tracked):
    year = IntegerField(unique=True)
    closed = BooleanField(default=False)
    closed_at = DateTimeField(null=True)


class ImportBatch(Tracked):
    file_name = CharField()
    sha256 = CharField(index=True)
    kind = CharField()
    imported_at = DateTimeField(default=utcnow)
    user = CharField(default="")
    rows_read = IntegerField(default=0)
    rows_written = IntegerField(default=0)
    rows_rejected = IntegerField(default=0)


class Pledge(Tracked):
    """承诺. ``org`` is the pledging org, or the org of the pledging person."""

    year = IntegerField()
    org = ForeignKeyField(Org, backref="pledges", on_delete="RESTRICT")
    org_id: int
    person = ForeignKeyField(Person, null=True, backref="pledges", on_delete="RESTRICT")
    person_id: int | None
    scope = CharField(default="personal")
    category = CharField(default="service")
    content = TextField()
    measures = TextField(default="")
    due_date = DateField(null=True)
    term = CharField(default="annual")
    approved_by = CharField(null=True)
    approved_on = DateField(null=True)
    published_on = DateField(null=True)
    status = CharField(default="in_progress")
    fulfilled_on = DateField(null=True)
    carried_from: ForeignKeyField[Pledge | None] = ForeignKeyField("self", null=True, backref="carried_to", on_delete="SET NULL")
    carried_from_id: int | None
    source = CharField(default="manual")
    batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    batch_id: int | None
    source_row = IntegerField(null=True)
    deleted_at = DateTimeField(null=True)

    class Meta(LedgerMeta):
        indexes = ((("year", "status"), False),)  # and more: the schema comes from the migrations


class Progress(Tracked):
    """践诺记录."""

    pledge = ForeignKeyField(Pledge, backref="progress", on_delete="CASCADE")
    pledge_id: int
    date = DateField()
    note = TextField()
    percent = IntegerField(null=True)
    deleted_at = DateTimeField(null=True)


class Evaluation(Tracked):
    """评诺: one evaluation of one pledge, with ballots and rectification."""

    pledge = ForeignKeyField(Pledge, backref="evaluations", on_delete="CASCADE")
    pledge_id: int
    kind = CharField()
    date = DateField()
    evaluator = CharField(default="")
    grade = CharField(null=True)
    score = FloatField(null=True)
    ballots_issued = IntegerField(null=True)
    ballots_valid = IntegerField(null=True)
    votes_satisfied = IntegerField(null=True)
    votes_basic = IntegerField(null=True)
    votes_unsatisfied = IntegerField(null=True)
    comment = TextField(default="")
    rect_due = DateField(null=True)
    rect_done = DateField(null=True)
    rect_note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class AuditLog(BaseModel):
    """Who changed what, when: fields from → to (JSON)."""

    id = AutoField()
    at = DateTimeField(default=utcnow, index=True)
    user = CharField(default="")
    action = CharField()
    table = CharField()
    record_uid = CharField(null=True, index=True)
    changes = TextField(default="{}")
    note = TextField(default="")


class Handoff(Tracked):
    """Each hand-off bundle written."""

    written_at = DateTimeField(default=utcnow)
    path = TextField()
    sha256 = CharField()
    sequence = IntegerField(default=0)
    counts = TextField(default="{}")


# ---- the second ledger (四帮四促 / 帮联驻): not per year; continues until ended


class ContactPoint(Tracked):
    """联系点: a leader's village, enterprise, project, park, school or needy household.

    ``org`` is the organization (for a village: the village's branch) the point
    belongs to; the figures count the point under that org's subtree.
    """

    leader = ForeignKeyField(Person, backref="contact_points", on_delete="RESTRICT")
    leader_id: int
    kind = CharField()
    name = CharField()
    org = ForeignKeyField(Org, backref="contact_points", on_delete="RESTRICT")
    org_id: int
    start_date = DateField()
    end_date = DateField(null=True)
    active = BooleanField(default=True)
    note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class Pairing(Tracked):
    """结对帮扶: a helper and the helped member (a Person) or household (a name).

    ``org`` is where the helped belongs (the member's org, or the household's
    village); the figures count the pairing there.
    """

    helper = ForeignKeyField(Person, backref="pairings", on_delete="RESTRICT")
    helper_id: int
    helped_person = ForeignKeyField(Person, null=True, backref="helped_by", on_delete="RESTRICT")
    helped_person_id: int | None
    household = CharField(null=True)
    org = ForeignKeyField(Org, backref="pairings", on_delete="RESTRICT")
    org_id: int
    start_date = DateField()
    end_date = DateField(null=True)
    note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class Stationing(Tracked):
    """驻村: a cadre sent by a unit to live in a village, in a 临时党支部."""

    cadre = ForeignKeyField(Person, backref="stationings", on_delete="RESTRICT")
    cadre_id: int
    sending_unit = CharField()
    role = CharField(default="member")
    village = ForeignKeyField(Org, backref="stationings", on_delete="RESTRICT")
    village_id: int
    branch = ForeignKeyField(Org, null=True, backref="stationed", on_delete="RESTRICT")
    branch_id: int | None
    start_date = DateField()
    planned_end = DateField(null=True)
    actual_end = DateField(null=True)
    note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class HelpLog(Tracked):
    """帮扶记录: one piece of work on one date, against exactly one contact point,
    pairing or stationing, with its quantities by measure as columns (so a
    year's sums are one GROUP BY over a covering index).

    ``org`` is the org the work counts under, copied from the place when the
    log is written (a contact point's or pairing's org, a stationing's village).
    """

    date = DateField()
    person = ForeignKeyField(Person, backref="help_logs", on_delete="RESTRICT")
    person_id: int
    contact_point = ForeignKeyField(ContactPoint, null=True, backref="logs", on_delete="RESTRICT")
    contact_point_id: int | None
    pairing = ForeignKeyField(Pairing, null=True, backref="logs", on_delete="RESTRICT")
    pairing_id: int | None
    stationing = ForeignKeyField(Stationing, null=True, backref="logs", on_delete="RESTRICT")
    stationing_id: int | None
    org = ForeignKeyField(Org, backref="help_logs", on_delete="RESTRICT", index=False)  # see migration 5
    org_id: int
    kind = CharField()
    households = IntegerField(default=0)  # 户
    person_times = IntegerField(default=0)  # 人次
    items = IntegerField(default=0)  # 件
    units = IntegerField(default=0)  # 个
    cases = IntegerField(default=0)  # 起
    funds = FloatField(default=0)  # 万元
    sessions = IntegerField(default=0)  # 期
    note = TextField(default="")
    source = CharField(default="manual")
    batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    batch_id: int | None
    source_row = IntegerField(null=True)
    deleted_at = DateTimeField(null=True)

    class Meta(LedgerMeta):
        # the schema itself comes from migration 4 (indexes, CHECK exactly one place)
        constraints = [
            Check("(contact_point_id IS NOT NULL) + (pairing_id IS NOT NULL) + (stationing_id IS NOT NULL) = 1")
        ]


# ---- the third ledger (奖诺): 民主评议党员, 星级评定, 评选表彰; per year, frozen when the year closes


class Appraisal(Tracked):
    """民主评议党员: one member's appraisal in one year (one live record per member and year: migration 9).

    The 民主测评 votes are counted like the 群众评议 ballots (发放, 有效, per grade); ``grade`` is the
    branch's 组织评定 (a code of ``vocab.APPRAISAL_GRADES``), NULL until decided. A member who is not
    appraised (流动党员, 长期病休 …) has ``exempt_reason`` and no grade, and is not counted in the quota.
    ``org`` is the branch that appraised (the member's org when the record was made).
    """

    year = IntegerField()
    person = ForeignKeyField(Person, backref="appraisals", on_delete="RESTRICT")
    person_id: int
    org = ForeignKeyField(Org, backref="appraisals", on_delete="RESTRICT")
    org_id: int
    self_review = TextField(default="")  # 个人自评
    ballots_issued = IntegerField(null=True)
    ballots_valid = IntegerField(null=True)
    votes_excellent = IntegerField(null=True)
    votes_qualified = IntegerField(null=True)
    votes_basic_qualified = IntegerField(null=True)
    votes_unqualified = IntegerField(null=True)
    grade = CharField(null=True)  # 组织评定
    exempt_reason = CharField(null=True)  # 不参评原因; then grade is NULL
    decided_on = DateField(null=True)
    comment = TextField(default="")
    source = CharField(default="manual")
    batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    batch_id: int | None
    source_row = IntegerField(null=True)
    deleted_at = DateTimeField(null=True)


class Disposal(Tracked):
    """组织处置 of a member appraised 基本合格 or 不合格: like a rectification, it has a due date and must be
    closed (``closed_on``). It is not frozen with its appraisal's year: an open one is carried into the next
    year's work and closed there."""

    appraisal = ForeignKeyField(Appraisal, backref="disposals", on_delete="RESTRICT")
    appraisal_id: int
    kind = CharField()  # vocab.DISPOSAL_KINDS
    decided_on = DateField()
    due_date = DateField()
    closed_on = DateField(null=True)
    result = TextField(default="")  # 处置结果 / 销号情况
    note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class StarRating(Tracked):
    """星级评定 (授旗评星): one branch's scores on the 五个好 and its stars in one year (one live record per
    org and year: migration 9). Scores are points out of the county's scoring table (a setting); the ledger
    proposes ``score_members``/``score_performance``/``score_public`` and ``proposed_stars``; the office
    adjusts and confirms ``stars`` (``confirmed_on``/``confirmed_by``; NULL until confirmed)."""

    year = IntegerField()
    org = ForeignKeyField(Org, backref="star_ratings", on_delete="RESTRICT")
    org_id: int
    score_leadership = FloatField(null=True)
    score_members = FloatField(null=True)
    score_mechanism = FloatField(null=True)
    score_performance = FloatField(null=True)
    score_public = FloatField(null=True)
    proposed_stars = IntegerField(null=True)
    stars = IntegerField(null=True)
    confirmed_on = DateField(null=True)
    confirmed_by = CharField(default="")
    note = TextField(default="")
    deleted_at = DateTimeField(null=True)


class Honour(Tracked):
    """评选表彰: a candidate for, or the award of, one honour in one year.

    ``kind`` is a code of ``vocab.HONOUR_KINDS``; for 先进基层党组织 ``person`` is NULL and ``org`` is the
    org honoured; otherwise ``person`` is the member and ``org`` their org. ``meets_criteria`` says whether the
    county's criteria held when the candidate was put forward; one who does not meet them needs ``reason``.
    """

    year = IntegerField()
    kind = CharField()
    org = ForeignKeyField(Org, backref="honours", on_delete="RESTRICT")
    org_id: int
    person = ForeignKeyField(Person, null=True, backref="honours", on_delete="RESTRICT")
    person_id: int | None
    source = CharField(default="manual")  # vocab.HONOUR_SOURCES
    status = CharField(default="candidate")  # vocab.HONOUR_STATUSES
    meets_criteria = BooleanField(default=True)
    reason = TextField(default="")
    decided_on = DateField(null=True)
    note = TextField(default="")
    batch = ForeignKeyField(ImportBatch, null=True, on_delete="SET NULL")
    batch_id: int | None
    source_row = IntegerField(null=True)
    deleted_at = DateTimeField(null=True)


class RecordOwner(BaseModel):
    """At a prefecture: which county each merged record belongs to (the county whose bundle first brought it).

    A record with no row here is the prefecture's own. ``tbl`` is the table the uid was merged into, so that
    a uid cannot change tables either. Filled by the bundle merge; built for older files by migration 6.
    """

    uid = CharField(max_length=36, primary_key=True)
    county = CharField(max_length=6)  # the county's 6-digit administrative code
    tbl = CharField(max_length=20)
    # issue 20 (the monthly re-merge): the BLAKE2b digest of the bundle line this record was last merged
    # from (pledgebook.bundle.parse.line_digests); NULL until then. Migration 8.
    digest = BlobField(null=True)

    class Meta(LedgerMeta):
        table_name = "record_owner"
        without_rowid = True


SECOND_LEDGER_TABLES: tuple[type[BaseModel], ...] = (ContactPoint, Pairing, Stationing, HelpLog)
THIRD_LEDGER_TABLES: tuple[type[BaseModel], ...] = (Appraisal, Disposal, StarRating, Honour)

ALL_TABLES: tuple[type[BaseModel], ...] = (
    Setting,
    Category,
    Org,
    Person,
    WorkYear,
    ImportBatch,
    Pledge,
    Progress,
    Evaluation,
    AuditLog,
    Handoff,
    *SECOND_LEDGER_TABLES,
    *THIRD_LEDGER_TABLES,
    RecordOwner,
)
