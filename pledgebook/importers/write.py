"""Writing what an import planned, inside its one transaction: bulk adds first, then record by record."""

from __future__ import annotations

from collections.abc import Callable

from pledgebook.importers.plan import Planned, Writer
from pledgebook.importers.sheets import BY_TABLE, SHEETS
from pledgebook.models.core.errors import PledgebookError


def write_planned(planned: list[Planned], w: Writer, report: Callable[[str, int, int], None]) -> None:
    """Every add and update of ``planned``: each kind's adds in one go where it can (people, pledges:
    one executemany each), the rest one by one in the order they were planned."""
    writes = [p for p in planned if p.action != "unchanged"]
    total = len(writes)
    done = 0
    w.adds_orgs = any(p.table == "org" and p.action == "add" for p in writes)
    bulk: set[int] = set()
    for kind in SHEETS.values():
        adds = [p for p in writes if p.table == kind.table and p.action == "add"]
        if adds and kind.write_many(adds, w):
            bulk.update(id(p) for p in adds)
            done += len(adds)
            report("写入", done, total)
    for p in writes:
        if id(p) in bulk:
            continue
        try:
            BY_TABLE[p.table].write(p, w)
        except PledgebookError as exc:
            raise PledgebookError(f"第 {p.row} 行（{p.label}）：{exc.message}") from exc
        done += 1
        if done % 200 == 0:
            report("写入", done, total)
    report("写入", total, total)
