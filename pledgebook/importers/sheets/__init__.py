"""The kinds of sheet an import understands, one module each, every one a :class:`~pledgebook.importers.plan.SheetKind`.

The pledge ledger: orgs (党组织名单), people (党员名册), pledges (承诺台账), progress (践诺记录),
evaluations (评诺结果). The second ledger (四帮四促): contacts (联系点名单), stationing (驻村干部名单),
helplogs (帮扶工作月报). The third ledger: appraisals (民主评议计票表), honours (评选表彰推荐). A new kind is a new module here and one line in :data:`SHEETS`.
"""

from __future__ import annotations

from pledgebook.importers.plan import SheetKind
from pledgebook.importers.sheets import (
    appraisals,
    contacts,
    evaluations,
    helplogs,
    honours,
    orgs,
    people,
    pledges,
    progress,
    stationing,
)

SHEETS: dict[str, SheetKind] = {kind.name: kind for kind in (
    orgs.SHEET, people.SHEET, pledges.SHEET, progress.SHEET, evaluations.SHEET,
    contacts.SHEET, stationing.SHEET, helplogs.SHEET, appraisals.SHEET, honours.SHEET,
)}
KIND_NAMES = tuple(SHEETS)
KINDS: dict[str, str] = {name: kind.label for name, kind in SHEETS.items()}  # name → Chinese label
BY_TABLE: dict[str, SheetKind] = {kind.table: kind for kind in SHEETS.values()}  # record type → its kind

__all__ = ["BY_TABLE", "KINDS", "KIND_NAMES", "SHEETS"]
