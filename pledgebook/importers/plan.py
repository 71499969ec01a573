"""The shape every kind of sheet shares: a row, what it plans, its errors, and the kind itself.

A sheet kind (:mod:`pledgebook.importers.sheets`, one module each) is a :class:`SheetKind`: it
names its Chinese label, the columns it cannot do without, the columns it reads, and turns one
data :class:`Row` into :class:`Planned` records — add, update or unchanged, by the natural key —
or raises :class:`RowErrors` naming the canonical column of every problem. The planning is the
whole validation: the writing (:mod:`pledgebook.importers.write`) calls ``write`` with exactly
what was planned, so a dry run reports exactly what an import would do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pledgebook.models.core.errors import ValidationError
from pledgebook.models.core.values import clean_text

if TYPE_CHECKING:
    from pledgebook.importers.context import Context
    from pledgebook.importers.sheet import CellValue
    from pledgebook.models.store.tables import ImportBatch

T = TypeVar("T")


class RowErrors(Exception):
    """What is wrong with one row: [(canonical column or None, message)]."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("；".join(m for _, m in errors))
        self.errors = errors


@dataclass(slots=True)
class Planned:
    """One record an import row adds, updates or leaves as it is."""

    table: str  # 'org', 'person', 'pledge', 'progress', 'evaluation', 'contact_point', 'stationing', 'help_log'
    action: str  # 'add', 'update', 'unchanged'
    row: int  # Excel row number
    values: dict[str, Any] = field(default_factory=dict)  # add: all fields; update: the new values
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # update: field -> (old, new)
    target: int | None = None  # the existing record's id (update/unchanged)
    label: str = ""  # for messages: what the record is
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (canonical column, message): imported anyway


class Row:
    """One data row seen through canonical column names.

    The cells are looked up once, when the row is made: a row is asked for its cells some twenty
    times while it is planned, and each answer is then one dict lookup (a blank text cell reads as None).
    ``raw(name)`` is the value of column ``name``, None when the sheet has no such column or it is blank."""

    __slots__ = ("number", "values", "columns", "cells", "raw")

    def __init__(self, number: int, values: list[CellValue], columns: dict[str, int]):
        self.number = number
        self.values = values
        self.columns = columns
        # no isinstance, no method call per lookup: the hottest lines of an import
        self.cells: dict[str, CellValue] = {
            name: value for name, j in columns.items()
            if (value := values[j]) is not None and (type(value) is not str or value.strip())
        }
        self.raw: Callable[[str], Any] = self.cells.get

    def has(self, name: str) -> bool:
        return name in self.columns

    def text(self, name: str) -> str:
        return clean_text(self.cells.get(name))


class Collector:
    """Gathers the errors of one row so that every problem is reported at once."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: list[tuple[str | None, str]] = []

    def add(self, column: str | None, message: str) -> None:
        self.errors.append((column, message))

    def run(self, column: str | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``fn(*args, **kwargs)``, or None with its message collected when it refuses the value."""
        try:
            return fn(*args, **kwargs)
        except (ValueError, ValidationError) as exc:
            self.add(column, getattr(exc, "message", None) or str(exc))
            return None

    def has_error(self, column: str) -> bool:
        return any(col == column for col, _ in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)


@dataclass
class Writer:
    """What the writes of one import share: its batch, its file, and the ids of records it created."""

    batch: ImportBatch
    file_name: str
    adds_orgs: bool = False  # this import creates orgs (their members cannot go in before them)
    new_orgs: dict[int, int] = field(default_factory=dict)  # placeholder id (-row) -> created id
    new_places: dict[tuple[str, int], int] = field(default_factory=dict)  # (table, -row) -> created id


Outcome = list[Planned] | RowErrors  # what planning one row gave


class SheetKind(ABC):
    """One kind of sheet: what it is called, which columns it needs and reads, how a row is planned
    and how what was planned is written. Each module of :mod:`pledgebook.importers.sheets` makes one."""

    name: ClassVar[str]  # 'pledges' (the --kind name)
    label: ClassVar[str]  # '承诺台账'
    table: ClassVar[str]  # the record type its rows plan: 'pledge'
    required: ClassVar[tuple[tuple[str, ...], ...]]  # columns it cannot do without (any one of each tuple)
    key_columns: ClassVar[tuple[str, ...]] = ()  # without these it imports, but not as the clerk meant
    reads: ClassVar[frozenset[str]] = frozenset()  # the columns it reads beyond COMMON
    whole_sheet: ClassVar[bool] = False  # planned with plan_sheet (all rows at once), not row by row
    renames: ClassVar[Mapping[str, str]] = {}  # a column read as another name that, in this kind, means its own
    all_or_nothing: ClassVar[bool] = False  # one refused row refuses the whole file (as --on-error abort)

    COMMON: ClassVar[frozenset[str]] = frozenset(
        {"乡镇", "党组织", "姓名", "公民身份号码", "承诺事项", "承诺编号", "填报日期", "备注", "序号"})

    def used(self, columns: Mapping[str, int]) -> set[str]:
        """The canonical columns this kind reads in a table with ``columns`` (the others are listed as ignored)."""
        return set(self.COMMON | self.reads)

    def begin(self, ctx: Context, columns: Mapping[str, int]) -> None:
        """Before the rows of one table are planned (the default: nothing to prepare)."""
        return None

    def plan_sheet(self, ctx: Context, rows: list[Row]) -> list[tuple[Row, Outcome]]:
        """A whole sheet planned at once (kinds with :attr:`whole_sheet`), in the order its records must be
        written; the default plans the rows one by one, in the order of the file."""
        outcomes: list[tuple[Row, Outcome]] = []
        for row in rows:
            try:
                outcomes.append((row, self.plan(ctx, row)))
            except RowErrors as exc:
                outcomes.append((row, exc))
        return outcomes

    @abstractmethod
    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        """The records one row adds, updates or leaves as they are; raises :class:`RowErrors` naming every problem."""

    @abstractmethod
    def write(self, p: Planned, w: Writer) -> None:
        """Write one planned add or update (inside the import's transaction)."""

    def write_many(self, adds: list[Planned], w: Writer) -> bool:
        """Write many planned adds at once; False (the default) when this kind writes them one by one."""
        return False
