"""The demo's size: a county smaller or larger than the default, as the province benchmark builds 88 of them."""

from __future__ import annotations

from pledgebook.demo.pledges import build_demo
from pledgebook.models.store.tables import database


def count(table: str) -> int:
    return database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_small_county_has_the_members_and_pledges_asked_for(db_path):
    counts = build_demo(total_pledges=600, years=1, member_count=700, seed=3)
    assert counts["people"] == count("person") == 700
    assert counts["pledges"] == count("pledge") == 600
    # every pledge is made by one of those members, and the campaign scaled down with the county
    assert database.execute_sql("SELECT count(*) FROM pledge WHERE person_id > 700").fetchone()[0] == 0
    assert 0 < count("help_log") < 39_585 // 4
    assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
