"""Rules of the campaign ledger (四帮四促 / 帮联驻): contact points, pairings, stationing, help logs.

Same shape as :mod:`pledgebook.models.ledger.rules`: validate first
(:mod:`pledgebook.models.campaign.validate`, Chinese messages naming the field), write in one
``IMMEDIATE`` transaction, record the change in the audit log, soft delete and restore
(:mod:`pledgebook.models.store.lifecycle`). One module per record: :mod:`.places` (contact points,
pairings), :mod:`.stationing`, :mod:`.logs` (and the monthly form), :mod:`.deletion`, :mod:`.yearend`.

Contact points, pairings and stationings are **not per year**: they run from
their start date until they are ended, and every year's figures read them as
they stood on that year's date. So a year-end rollover copies nothing; see
:func:`year_end_summary`. What keeps a closed year frozen:

- a help log dated in a closed year cannot be written, changed, deleted or
  restored (like a pledge of that year);
- a contact point, pairing or stationing cannot start or end inside a closed
  year, and one that was running during a closed year cannot be deleted,
  restored or moved to another kind, org or village (end it instead):
  any of those would change the closed year's figures. Its name and note
  can still be corrected.
"""

from __future__ import annotations

from pledgebook.models.campaign.figures import VILLAGE_KINDS
from pledgebook.models.campaign.rules.deletion import restore, soft_delete
from pledgebook.models.campaign.rules.logs import add_help_log, save_month, update_help_log
from pledgebook.models.campaign.rules.places import (
    STATION_YEARS,
    create_contact_point,
    create_pairing,
    default_planned_end,
    end_contact_point,
    end_pairing,
    update_contact_point,
    update_pairing,
)
from pledgebook.models.campaign.rules.stationing import create_stationing, end_stationing, update_stationing
from pledgebook.models.campaign.rules.yearend import CampaignYearEnd, year_end_summary
from pledgebook.models.campaign.validate import MAX_FUNDS, MAX_QUANTITY
from pledgebook.models.store.years import closed_years

__all__ = [
    "MAX_FUNDS",
    "MAX_QUANTITY",
    "STATION_YEARS",
    "VILLAGE_KINDS",
    "CampaignYearEnd",
    "add_help_log",
    "closed_years",
    "create_contact_point",
    "create_pairing",
    "create_stationing",
    "default_planned_end",
    "end_contact_point",
    "end_pairing",
    "end_stationing",
    "restore",
    "save_month",
    "soft_delete",
    "update_contact_point",
    "update_help_log",
    "update_pairing",
    "update_stationing",
    "year_end_summary",
]
