"""组织处置: the values, who gets one, closing it (also after its year closed), the open list, delete/restore."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from appraisal_util import appraise, members

from pledgebook.models.appraisal import rules as appraising
from pledgebook.models.appraisal.validate import FieldErrors, disposal_values
from pledgebook.models.core.errors import ValidationError, YearClosed
from pledgebook.models.ledger import rules
from pledgebook.models.store import settings
from pledgebook.models.store.tables import AuditLog, Disposal

DECIDED = date(2011, 12, 20)


@pytest.fixture
def poor(county):
    """李四 appraised 不合格, 王五 基本合格, 张三 合格 (in 2011)."""
    zhang, li = appraise([county["zhang"], county["li"]], ["合格", "不合格"])
    wang = appraise([county["wang"]], ["基本合格"])[0]
    return {**county, "a_zhang": zhang, "a_li": li, "a_wang": wang}


def test_values():
    values = disposal_values({"kind": "限期改正", "decided_on": "2011-12-20", "due_date": "2012-03-20"})
    assert values == {"kind": "correct", "decided_on": DECIDED, "due_date": date(2012, 3, 20), "closed_on": None,
                      "result": "", "note": ""}


@pytest.mark.parametrize(("raw", "field", "words"), [
    ({"kind": "限期改正", "decided_on": "2011-12-20"}, "due_date", "组织处置必须有整改期限"),
    ({"kind": "警告", "due_date": "2012-01-01"}, "kind", "处置方式「警告」不在可选范围内（可选：批评教育、限期改正、劝其退党、除名）"),
    ({"due_date": "2012-01-01"}, "kind", "请选择处置方式"),
    ({"kind": "除名", "decided_on": "2011-12-20", "due_date": "2011-12-01"}, "due_date", "整改期限 2011-12-01 不能早于决定日期"),
    ({"kind": "除名", "decided_on": "2011-12-20", "due_date": "2012-01-01", "closed_on": "2011-12-19"},
     "closed_on", "销号日期 2011-12-19 不能早于决定日期 2011-12-20"),
    ({"kind": "除名", "due_date": date(2999, 1, 1), "closed_on": date(2999, 1, 1)}, "closed_on", "不能晚于今天"),
])
def test_values_refused(raw, field, words):
    with pytest.raises(FieldErrors) as err:
        disposal_values(raw)
    assert words in err.value.errors[field]



def test_disposal_made_and_closed(poor):
    assert appraising.default_due(DECIDED) == DECIDED + timedelta(days=90)
    settings.set_value("disposal_days", "60")
    due = appraising.default_due(DECIDED)
    assert due == date(2012, 2, 18)
    d = appraising.save_disposal({"kind": "限期改正", "decided_on": DECIDED, "due_date": due},
                                 appraisal_id=poor["a_li"].id)
    assert (d.kind, d.due_date, d.closed_on) == ("correct", due, None)
    closed = appraising.close_disposal(d.id, date(2012, 1, 10), "已改正，予以销号")
    assert (closed.closed_on, closed.result) == (date(2012, 1, 10), "已改正，予以销号")
    with pytest.raises(ValidationError, match="该组织处置已于 2012-01-10 销号"):
        appraising.close_disposal(d.id, date(2012, 1, 11), "再次")
    log = [(a.action, json.loads(a.changes)) for a in AuditLog.select().where(AuditLog.record_uid == d.uid)
           .order_by(AuditLog.id)]
    assert [a for a, _ in log] == ["create", "end"]
    assert log[1][1]["closed_on"] == [None, "2012-01-10"]


def test_without_due_date_is_refused_and_nothing_written(poor):
    with pytest.raises(ValidationError, match="组织处置必须有整改期限"):
        appraising.save_disposal({"kind": "限期改正", "decided_on": DECIDED}, appraisal_id=poor["a_li"].id)
    assert Disposal.select().count() == 0


def test_only_basic_or_unqualified_members_get_one(poor):
    with pytest.raises(ValidationError, match="张三 2011年度民主评议为「合格」，不需要组织处置：只有评定为基本合格、不合格的党员才作组织处置"):
        appraising.save_disposal({"kind": "批评教育", "due_date": "2012-01-01", "decided_on": DECIDED},
                                 appraisal_id=poor["a_zhang"].id)
    appraising.save_disposal({"kind": "批评教育", "due_date": "2012-01-01", "decided_on": DECIDED},
                             appraisal_id=poor["a_wang"].id)
    # the grade of a member with a live 处置 cannot be changed to one that asks for none
    with pytest.raises(ValidationError, match="该党员已有 1 条组织处置记录，不能改评为「合格」"):
        appraising.save_appraisal({"grade": "合格"}, person_id=poor["wang"].id, year=2011, appraisal_id=poor["a_wang"].id)
    appraising.save_appraisal({"grade": "不合格"}, person_id=poor["wang"].id, year=2011, appraisal_id=poor["a_wang"].id)


def test_appraisal_with_a_live_disposal_cannot_go(poor):
    d = appraising.save_disposal({"kind": "除名", "due_date": "2012-01-01", "decided_on": DECIDED},
                                 appraisal_id=poor["a_li"].id)
    with pytest.raises(ValidationError, match="该民主评议记录下还有 1 条组织处置记录，请先删除组织处置记录"):
        appraising.delete_appraisal(poor["a_li"].id)
    appraising.delete_disposal(d.id)
    appraising.delete_appraisal(poor["a_li"].id)
    with pytest.raises(ValidationError, match="该民主评议记录已被删除"):  # its appraisal must come back first
        appraising.restore_disposal(d.id)
    appraising.restore_appraisal(poor["a_li"].id)
    appraising.restore_disposal(d.id)
    assert Disposal.get_by_id(d.id).deleted_at is None


def test_closed_year_read_only_but_an_open_disposal_can_be_closed(poor):
    open_one = appraising.save_disposal({"kind": "限期改正", "due_date": "2012-03-01", "decided_on": DECIDED},
                                        appraisal_id=poor["a_li"].id)
    done = appraising.save_disposal({"kind": "批评教育", "due_date": "2012-01-01", "decided_on": DECIDED,
                                     "closed_on": "2011-12-25", "result": "已谈话"}, appraisal_id=poor["a_wang"].id)
    rules.open_year(2012)
    rules.close_year(2011)
    with pytest.raises(YearClosed, match="2011年度已关闭"):
        appraising.save_disposal({"kind": "除名", "due_date": "2012-03-01", "decided_on": DECIDED},
                                 appraisal_id=poor["a_li"].id)
    with pytest.raises(YearClosed):
        appraising.save_disposal({"due_date": "2012-06-01"}, appraisal_id=poor["a_li"].id, disposal_id=open_one.id)
    with pytest.raises(YearClosed):  # a closed one stays as it was closed
        appraising.save_disposal({"result": "改写"}, appraisal_id=poor["a_wang"].id, disposal_id=done.id)
    with pytest.raises(YearClosed):
        appraising.delete_disposal(open_one.id)
    with pytest.raises(YearClosed):  # the closing date may not fall in the closed year either
        appraising.close_disposal(open_one.id, date(2011, 12, 30), "已改正")
    closed = appraising.close_disposal(open_one.id, date(2012, 2, 1), "已改正，予以销号")
    assert closed.closed_on == date(2012, 2, 1)
    assert Disposal.get_by_id(open_one.id).due_date == date(2012, 3, 1)


def test_open_disposals_due_first_overdue_flagged(poor):
    extra = members(poor["b2"], ["赵一"])
    late = appraise(extra, ["不合格"], year=2011)[0]
    a = appraising.save_disposal({"kind": "限期改正", "due_date": "2012-03-01", "decided_on": DECIDED},
                                 appraisal_id=poor["a_li"].id)
    b = appraising.save_disposal({"kind": "批评教育", "due_date": "2012-01-15", "decided_on": DECIDED},
                                 appraisal_id=poor["a_wang"].id)
    appraising.save_disposal({"kind": "除名", "due_date": "2012-01-01", "decided_on": DECIDED, "closed_on": "2011-12-30",
                              "result": "已除名"}, appraisal_id=late.id)
    rows = appraising.open_disposals(2011, today=date(2012, 2, 1))
    assert [(r.disposal_id, r.person_name, r.org_name, r.grade, r.kind, r.overdue) for r in rows] == [
        (b.id, "王五", "碧溪村党支部", "basic", "educate", True),
        (a.id, "李四", "新华村党支部", "unqualified", "correct", False),
    ]
    assert appraising.open_disposals(2012) == []
    assert [r.disposal_id for r in appraising.open_disposals()] == [b.id, a.id]
