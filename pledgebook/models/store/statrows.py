"""The rows of a stats table, for any ledger's figure book over the org tree (the pledge ledger's
FigureBook, the campaign's book, and any ledger after them): the 党委 of a county, or the counties of a
prefecture file, and the same rows as JSON objects."""

from __future__ import annotations

from typing import Protocol, TypeVar

__all__ = ["BY", "Book", "row_dicts", "rows_by", "rows_key"]

BY = ("committee", "county")


class Node(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def code(self) -> str | None: ...
    @property
    def kind(self) -> str: ...


class Figured(Protocol):
    def as_dict(self) -> dict[str, object]: ...


N = TypeVar("N", bound=Node)
F = TypeVar("F", bound=Figured)


class Book(Protocol[N, F]):
    """What both ledgers' figure books offer over the org tree (FigureBook, CampaignBook)."""

    orgs: dict[int, N]

    def children(self, org_id: int | None = None) -> list[tuple[N, F]]: ...

    def subtree(self, org_id: int | None = None) -> F: ...


def rows_by(book: Book[N, F], root_id: int | None, by: str) -> list[tuple[N, F]]:
    """The rows of a stats table: the root's children — the 党委, or the counties of a prefecture
    file. ``by='county'`` keeps only the counties; in a county file that is the county itself, one row."""
    kids = book.children(root_id)
    if by != "county":
        return kids
    counties = [(n, f) for n, f in kids if n.kind == "county"]
    if counties or root_id is None or book.orgs[root_id].kind != "county":
        return counties or kids
    return [(book.orgs[root_id], book.subtree(root_id))]


def row_dicts(rows: list[tuple[N, F]]) -> list[dict[str, object]]:
    """The rows as JSON objects: name, code, kind and every figure."""
    return [{"name": n.name, "code": n.code, "kind": n.kind, **f.as_dict()} for n, f in rows]


def rows_key(by: str) -> str:
    """The JSON key of the rows: 「by_committee」 or 「by_county」."""
    return "by_committee" if by == "committee" else "by_county"
