"""The third ledger's reads (A1 owns this module; only the constant every part of the ledger shares is here yet).

"branch" = a live, active org of one of :data:`BRANCH_KINDS`: the orgs that have members and hold appraisals
and stars.
"""

from __future__ import annotations

__all__ = ["BRANCH_KINDS"]

# the orgs that have members and hold appraisals and stars: 党支部, 党总支, 临时党支部
BRANCH_KINDS = ("branch", "general_branch", "temp_branch")
