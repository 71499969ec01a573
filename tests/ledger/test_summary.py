"""The stats both faces show (models/ledger/summary.py, models/campaign/summary.py), without the CLI."""

from __future__ import annotations

import pytest

from pledgebook.models.campaign import rules as campaign_rules
from pledgebook.models.campaign import summary as campaign_summary
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.ledger import rules
from pledgebook.models.ledger import summary as ledger_summary


def test_the_pledge_figures_by_committee_and_as_json(county):
    rules.create_pledge(2011, "为群众代办事项二十件", person_id=county["zhang"].id)
    pledges = ledger_summary.summarise(None)
    assert pledges.year == 2011 and not pledges.closed
    assert [n.name for n, _f in pledges.rows] == ["中共联珠镇委员会"]
    assert pledges.total.pledges == 1 and pledges.people == 3 and pledges.orgs == 4
    data = pledges.as_json()
    assert list(data) == ["county", "year", "year_closed", "totals", "by_committee"]
    assert data["totals"]["orgs"] == 4 and data["totals"]["pledges"] == 1
    assert ledger_summary.summarise(2011, by="county").as_json()["by_county"][0]["kind"] == "county"


def test_the_campaign_figures_beside_them(county):
    campaign_rules.create_contact_point(county["zhang"].id, "村", "新华村", county["b1"].id, start_date="2010-06-01")
    pledges = ledger_summary.summarise(2011)
    helping = campaign_summary.summarise(2011, pledges.root_id, idle_months=3)
    data = helping.as_json()
    assert list(data) == ["as_of", "totals", "by_committee", "uncovered_villages", "idle_months", "idle_people"]
    assert helping.total.contact_points == 1
    assert [p["name"] for p in data["idle_people"]] == ["张三"]


def test_what_it_refuses(county):
    with pytest.raises(PledgebookError, match="--by"):
        ledger_summary.summarise(2011, by="township")
    with pytest.raises(PledgebookError, match="--idle-months"):
        campaign_summary.summarise(2011, None, idle_months=0)
