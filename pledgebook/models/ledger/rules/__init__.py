"""The pledge ledger's rules: every change to it goes through one of these functions.

Each function validates first (:mod:`pledgebook.models.ledger.validate`: a :class:`ValidationError`
with a Chinese message naming the field), refuses writes to a closed year (:class:`YearClosed`),
writes in one ``IMMEDIATE`` transaction and records the change in the audit log
(:mod:`pledgebook.models.store.lifecycle`). The TUI, the CLI and the importers all call these, so
a rule lives in exactly one place. One module per record: :mod:`.county` (the root, categories,
years), :mod:`.orgs`, :mod:`.people`, :mod:`.pledges` (and progress), :mod:`.evaluations` (and
rectifications), :mod:`.deletion` (soft delete and restore).

The reads the rules have always offered (years, stage, rates …) are re-exported here too.
"""

from __future__ import annotations

from pledgebook.models.core.errors import ValidationError, ValidationErrors, YearClosed
from pledgebook.models.core.fields import MAX_NAME, MAX_TEXT
from pledgebook.models.ledger.categories import categories
from pledgebook.models.ledger.detail import is_overdue, stage
from pledgebook.models.ledger.rectification import (
    RECT_POOR_GRADES,
    default_rectification_due,
    needs_rectification,
    participation_rate,
    rectification_sql,
    satisfaction_rate,
    undated_rectifications,
)
from pledgebook.models.ledger.rules.county import (
    add_category,
    close_year,
    current_year,
    init_county,
    open_year,
    root_org,
)
from pledgebook.models.ledger.rules.deletion import restore, soft_delete
from pledgebook.models.ledger.rules.evaluations import (
    close_rectification,
    record_evaluation,
    set_rectification,
    update_evaluation,
    update_progress,
)
from pledgebook.models.ledger.rules.orgs import (
    OrgImpact,
    closed_year_pledges,
    create_org,
    move_org,
    org_impact,
    set_org_active,
    subtree_ids,
    update_org,
)
from pledgebook.models.ledger.rules.people import create_person, update_person
from pledgebook.models.ledger.rules.pledges import add_progress, create_pledge, set_status, update_pledge
from pledgebook.models.store.lifecycle import mark_deleted, transaction
from pledgebook.models.store.years import ensure_year_open, open_years, year_state

__all__ = [
    "MAX_NAME",
    "MAX_TEXT",
    "RECT_POOR_GRADES",
    "OrgImpact",
    "ValidationError",
    "ValidationErrors",
    "YearClosed",
    "add_category",
    "add_progress",
    "categories",
    "close_rectification",
    "close_year",
    "closed_year_pledges",
    "create_org",
    "create_person",
    "create_pledge",
    "current_year",
    "default_rectification_due",
    "ensure_year_open",
    "init_county",
    "is_overdue",
    "mark_deleted",
    "move_org",
    "needs_rectification",
    "open_year",
    "open_years",
    "org_impact",
    "participation_rate",
    "record_evaluation",
    "rectification_sql",
    "restore",
    "root_org",
    "satisfaction_rate",
    "set_org_active",
    "set_rectification",
    "set_status",
    "soft_delete",
    "stage",
    "subtree_ids",
    "transaction",
    "undated_rectifications",
    "update_evaluation",
    "update_org",
    "update_person",
    "update_progress",
    "update_pledge",
    "year_state",
]
