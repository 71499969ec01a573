"""The third ledger's write rules: every change checked, audited and in one transaction."""

# ---- A2: 星级评定 and 评选表彰 (rules/stars.py, rules/honours.py); their names join __all__ below
from pledgebook.models.appraisal.rules.honours import (  # noqa: E402
    QuotaUse,
    add_candidate,
    decide,
    delete_honour,
    propose_candidates,
    quota_usage,
    restore_honour,
)
from pledgebook.models.appraisal.rules.stars import (  # noqa: E402
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

__all__ = [  # A2's names (A1's join them)
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
]
