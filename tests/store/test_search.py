"""The pledge search: trigram index kept in step by triggers, short queries by LIKE, capped counts."""

from __future__ import annotations

from datetime import date

import pytest

from pledgebook.models.ledger import queries, rules
from pledgebook.models.store.tables import database

TODAY = date(2011, 10, 1)


def found(text: str, **kw) -> set[int]:
    f = queries.PledgeFilter(year=2011, text=text, **kw)
    return {r.id for r in queries.pledge_page(f, 0, 500, TODAY)}


def total(text: str) -> queries.ListSummary:
    return queries.pledge_summary(queries.PledgeFilter(year=2011, text=text), TODAY)


@pytest.fixture
def pledges(county):
    c = county
    c["p1"] = rules.create_pledge(2011, "为群众代办事项二十件", person_id=c["zhang"].id, due_date="2011-12-31").id
    c["p2"] = rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id, category="harmony").id
    c["p3"] = rules.create_pledge(2011, "发展茶叶产业", org_id=c["committee"].id).id
    return c


@pytest.mark.parametrize(
    "text, key",
    [
        ("zs", "p1"), ("zhs", "p1"), ("zhangsan", "p1"), ("张三", "p1"), ("张", "p1"),  # pledger, pinyin
        ("lzz", "p3"), ("联珠镇", "p3"), ("lianzhu", "p3"),  # the org's name and pinyin
        ("纠纷", "p2"), ("矛盾纠纷", "p2"), ("bxc", "p2"), ("碧溪村党支部", "p2"),  # content, org
        ("ZS", "p1"), ("  茶叶  产业 ", None),  # case and blanks are folded; no such phrase
    ],
)
def test_search_matches_names_pinyin_and_content(pledges, text, key):
    assert found(text) == ({pledges[key]} if key else set())
    assert total(text).total == len(found(text))


def test_digits_find_the_number_too(pledges):
    assert pledges["p2"] in found(str(pledges["p2"]))


def test_index_follows_edits_renames_and_deletes(pledges):
    rules.update_pledge(pledges["p2"], content="走访困难党员五户")
    assert found("纠纷") == set() and found("困难党员") == {pledges["p2"]}
    rules.update_person(pledges["zhang"].id, name="张三丰")
    assert found("zsf") == {pledges["p1"]} and found("张三丰") == {pledges["p1"]}
    rules.update_org(pledges["committee"].id, name="中共勐弄镇委员会")
    assert found("mnz") == {pledges["p3"]} and found("lzz") == set()
    rules.soft_delete("pledge", pledges["p3"])
    assert found("mnz") == set()
    database.execute_sql("DELETE FROM pledge WHERE id = ?", [pledges["p3"]])
    from pledgebook.models.store import search

    with database.atomic():
        search.flush()
    assert database.execute_sql("SELECT count(*) FROM pledge_search WHERE rowid = ?", [pledges["p3"]]).fetchone()[0] == 0
    # the index says the same as a fresh scan
    database.execute_sql("INSERT INTO pledge_search (pledge_search) VALUES ('integrity-check')")


def test_quotes_and_wildcards_are_plain_text(pledges):
    for text in ['"', 'a"b"c', "%%%", "__", "*", "AND OR", "NEAR(", "-x"]:
        assert found(text) == set()
        assert total(text).total == 0


def test_a_short_query_on_a_huge_set_is_capped(pledges):
    for i in range(12):
        rules.create_pledge(2011, f"修路{i}公里", org_id=pledges["b1"].id)
    s = queries.pledge_summary(queries.PledgeFilter(year=2011, text="修"), TODAY, cap=10)
    assert s.capped and s.total == 10 and s.total_text == "10+" and s.fulfilment_rate is None
    s = queries.pledge_summary(queries.PledgeFilter(year=2011, text="修路"), TODAY, cap=20)
    assert not s.capped and s.total == 12
    s = queries.pledge_summary(queries.PledgeFilter(year=2011, text="公里"), TODAY)
    assert s.by_status == {"draft": 12} or sum(s.by_status.values()) == 12


def test_queued_changes_are_found_before_the_index_catches_up(pledges):
    """Another program wrote without the rules: the queue is checked by LIKE until flushed."""
    database.execute_sql("UPDATE pledge SET content = '修缮村级活动场所' WHERE id = ?", [pledges["p2"]])
    assert database.execute_sql("SELECT count(*) FROM pledge_search_dirty").fetchone()[0] == 1
    assert found("活动场所") == {pledges["p2"]} and found("矛盾纠纷") == set()
    from pledgebook.models.store import search

    with database.atomic():
        assert search.flush() == 1
    assert found("活动场所") == {pledges["p2"]} and found("矛盾纠纷") == set()


def test_summary_from_a_short_page_equals_the_counted_one(pledges):
    for text in ["", "zs", "联珠镇", "村"]:
        f = queries.PledgeFilter(year=2011, text=text)
        rows = queries.pledge_page(f, 0, 64, TODAY)
        a, b = queries.summarize(rows), queries.pledge_summary(f, TODAY)
        assert (a.total, a.by_status, a.overdue) == (b.total, b.by_status, b.overdue)


def test_the_index_holds_the_content_and_older_rows_answer_alike(pledges):
    """Names and pinyin keys are matched in their own tables; a row indexed the older way (migration 3:
    names and keys beside the content) gives the same answers."""
    text = database.execute_sql("SELECT text FROM pledge_search WHERE rowid = ?", [pledges["p1"]]).fetchone()[0]
    assert text == "为群众代办事项二十件"
    database.execute_sql("DELETE FROM pledge_search WHERE rowid = ?", [pledges["p1"]])
    database.execute_sql(
        "INSERT INTO pledge_search (rowid, text) SELECT p.id, p.content || char(10) || pe.name || ' ' || pe.pinyin"
        " || char(10) || o.name || ' ' || o.pinyin FROM pledge p JOIN person pe ON pe.id = p.person_id"
        " JOIN org o ON o.id = p.org_id WHERE p.id = ?", [pledges["p1"]])
    for query in ("zhangsan", "张三", "代办事项"):
        assert found(query) == {pledges["p1"]}
    rules.update_person(pledges["zhang"].id, name="李四")
    assert found("zhangsan") == set() and found("lisi") == {pledges["p1"]}
