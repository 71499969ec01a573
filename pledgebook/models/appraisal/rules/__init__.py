"""The third ledger's write rules: every change checked, audited and in one transaction.

Validate first (:mod:`pledgebook.models.appraisal.validate`: a ValidationError naming the field in
Chinese), refuse a closed year, write in one ``IMMEDIATE`` transaction with an audit entry, soft delete
and restore through :mod:`pledgebook.models.store.lifecycle`. One module per record: :mod:`.appraisals`
(民主评议党员 and the 优秀 quota), :mod:`.disposals` (组织处置), :mod:`.stars`
(星级评定) and :mod:`.honours` (评选表彰).
"""

from __future__ import annotations

from pledgebook.models.appraisal.rules.appraisals import (
    EXEMPT,
    Quota,
    QuotaError,
    delete_appraisal,
    excellent_limit,
    quota,
    quota_problems,
    restore_appraisal,
    save_appraisal,
)
from pledgebook.models.appraisal.rules.disposals import (
    CLOSING_FIELDS,
    DisposalRow,
    close_disposal,
    default_due,
    delete_disposal,
    open_disposals,
    restore_disposal,
    save_disposal,
)
from pledgebook.models.appraisal.rules.honours import (
    QuotaUse,
    add_candidate,
    decide,
    delete_honour,
    propose_candidates,
    quota_usage,
    restore_honour,
)
from pledgebook.models.appraisal.rules.stars import (
    ProposalResult,
    confirm_all,
    confirm_stars,
    ledger_scores,
    propose_stars,
    rating_of,
    score,
    star_history,
    star_levels,
    stars_for,
)

__all__ = [
    "ProposalResult",
    "QuotaUse",
    "add_candidate",
    "confirm_all",
    "confirm_stars",
    "decide",
    "delete_honour",
    "ledger_scores",
    "propose_candidates",
    "propose_stars",
    "quota_usage",
    "rating_of",
    "restore_honour",
    "score",
    "star_history",
    "star_levels",
    "stars_for",
    "CLOSING_FIELDS",
    "EXEMPT",
    "DisposalRow",
    "Quota",
    "QuotaError",
    "close_disposal",
    "default_due",
    "delete_appraisal",
    "delete_disposal",
    "excellent_limit",
    "open_disposals",
    "quota",
    "quota_problems",
    "restore_appraisal",
    "restore_disposal",
    "save_appraisal",
    "save_disposal",
]

