"""Validation of the campaign ledger's values: public, pure functions that return clean values or raise
:class:`ValidationErrors`. The writes in :mod:`.rules` and the importers call them.

(Phase 1 of the reorganisation: the names are public here first; the bodies move here from rules.)
"""

from __future__ import annotations

from pledgebook.models.campaign.rules import _end as end_date
from pledgebook.models.campaign.rules import _ensure_span_open as ensure_span_open
from pledgebook.models.campaign.rules import _quantities as quantities
from pledgebook.models.campaign.rules import _start as start_date

__all__ = ["end_date", "ensure_span_open", "quantities", "start_date"]
