"""Helpers the third ledger's tests share: branches filled with members, appraisals by grade."""

from __future__ import annotations

from collections.abc import Sequence

from pledgebook.models.appraisal import rules as appraising
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Appraisal, Org, Person


def members(org: Org, names: Sequence[str]) -> list[Person]:
    """Members 在册 in ``org``, one per name."""
    return [rules.create_person(name, org.id) for name in names]


def appraise(people: Sequence[Person], grades: Sequence[str | None], year: int = 2011,
             **values: object) -> list[Appraisal]:
    """One appraisal per person, as a branch does it: every record made first with ``values`` (the tally's
    votes, or a 不参评原因), then graded in order (a grade None leaves it undecided)."""
    made = [appraising.save_appraisal(dict(values), person_id=p.id, year=year) for p in people]
    return [appraising.save_appraisal({"grade": grade}, person_id=p.id, year=year, appraisal_id=a.id)
            if grade is not None else a for p, a, grade in zip(people, made, grades)]


def december(county: dict) -> dict:
    """The hand-made county of ``tests/conftest.py`` after its 2011 appraisal, over two 乡镇党委.

    联珠镇党委: 新华村党支部 — 张三 优秀, 李四 合格, 甲 基本合格 (处置 open), 乙 不参评 (流动党员);
    碧溪村党支部 — 王五 undecided (votes in, no grade). 通关镇党委: 通关村党支部 — 丙 合格, 丁 不合格
    (处置 closed), 戊 合格, 辛 转出 (not 在册); 通关社区党总支 — 己 合格, 庚 appraised then deleted.
    Also: 张三 合格 in 2012 (another year); 新华村 five stars confirmed, 通关村 three proposed; one
    优秀共产党员 confirmed.
    """
    from datetime import date

    from pledgebook.models.store.tables import Honour, StarRating

    c = county
    b1, root = c["b1"], c["root"]
    town2 = rules.create_org("中共通关镇委员会", "党委", root.id, township="通关镇", sector="农村")
    b3 = rules.create_org("通关村党支部", "党支部", town2.id, sector="农村")
    b4 = rules.create_org("通关社区党总支", "党总支", town2.id, sector="社区")
    jia, yi = members(b1, ["甲", "乙"])
    bing, ding, wu, xin = members(b3, ["丙", "丁", "戊", "辛"])
    ji, geng = members(b4, ["己", "庚"])
    rules.update_person(xin.id, state="转出")
    zhang_a, li_a, jia_a = appraise([c["zhang"], c["li"], jia], ["优秀", "合格", "基本合格"])
    appraise([yi], [None], exempt_reason="流动党员")
    appraise([c["wang"]], [None], ballots_issued=5, ballots_valid=5, votes_qualified=5)
    _, ding_a, _ = appraise([bing, ding, wu], ["合格", "不合格", "合格"])
    ji_a, geng_a = appraise([ji, geng], ["合格", "合格"])
    appraising.delete_appraisal(geng_a.id)
    open_one = appraising.save_disposal({"kind": "限期改正", "decided_on": date(2011, 12, 20),
                                         "due_date": date(2012, 3, 20)}, appraisal_id=jia_a.id)
    closed = appraising.save_disposal({"kind": "除名", "decided_on": date(2011, 12, 20), "due_date": date(2012, 1, 20),
                                       "closed_on": date(2012, 1, 5), "result": "已除名"}, appraisal_id=ding_a.id)
    rules.open_year(2012)
    appraise([c["zhang"]], ["合格"], year=2012)
    StarRating.create(year=2011, org=b1, stars=5, proposed_stars=4)
    StarRating.create(year=2011, org=b3, proposed_stars=3)
    Honour.create(year=2011, kind="excellent_member", org=b1, person=c["zhang"], status="confirmed")
    return {**c, "town2": town2, "b3": b3, "b4": b4, "jia": jia, "yi": yi, "bing": bing, "ding": ding, "wu": wu,
            "xin": xin, "ji": ji, "geng": geng, "zhang_a": zhang_a, "li_a": li_a, "jia_a": jia_a, "ding_a": ding_a,
            "ji_a": ji_a, "open_disposal": open_one, "closed_disposal": closed}
