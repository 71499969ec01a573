"""Validation of the pledge ledger's values: public, pure functions that return clean values or raise
:class:`ValidationErrors`. The writes in :mod:`.rules` (transaction, audit) and the importers call them.

(Phase 1 of the reorganisation: the names are public here first; the bodies move here from rules.)
"""

from __future__ import annotations

from pledgebook.models.ledger.rules import _date as parse_date
from pledgebook.models.ledger.rules import _evaluation_values as evaluation_values
from pledgebook.models.ledger.rules import _person_values as person_values
from pledgebook.models.ledger.rules import _sane_due as check_due

__all__ = ["check_due", "evaluation_values", "parse_date", "person_values"]
