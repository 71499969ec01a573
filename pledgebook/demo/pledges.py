"""A realistic, fictional demo county: deterministic for a seed, fast at county scale.

Default scale is a real county: 24 党委, 73 党总支, 620 党支部, about 13,700
members and 11,500 pledges a year over two years (the older one closed), with
progress logs, evaluations (votes, grades), overdue items and open
rectifications, and the second ledger's campaign (:mod:`pledgebook.demo.campaign`:
1,200 contact points, 1,100 pairings, 300 stationed cadres, 12 months of help
logs). ``total_pledges=100_000`` builds five years of 20,000.

Rows go in with raw ``executemany`` inside one transaction: peewee's
``Model.create`` runs at about an eighth of that speed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from sqlite3 import Connection

from pledgebook.demo.appraisal import build_appraisals, build_standing
from pledgebook.demo.campaign import build_campaign
from pledgebook.demo.county import (
    COUNTY_CODE,
    COUNTY_NAME,
    Gen,
    OrgTree,
    PersonRow,
    insert_orgs,
    org_tree,
    people,
)
from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.vocab import DEFAULT_CATEGORIES
from pledgebook.models.store import audit, migrations, search
from pledgebook.models.store.db import is_initialized, set_setting
from pledgebook.models.store.tables import database, utcnow

PLEDGE_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "development": [
        ("带头发展{crop}种植{n}亩，带动{m}户群众增收", "引进优良品种，组织技术培训，联系销售渠道"),
        ("年内协调争取项目资金{n}万元，完成{road}硬化", "积极向上级部门汇报争取，组织群众投工投劳"),
        ("带领{m}户群众发展{animal}养殖，户均增收{n}千元", "提供技术指导，协调小额信贷，统一防疫"),
        ("推动村集体经济收入达到{n}万元以上", "盘活集体资产，发展{crop}合作社，开展订单农业"),
    ],
    "harmony": [
        ("全年调解矛盾纠纷{n}起以上，做到小事不出村", "建立矛盾纠纷排查台账，每月排查一次"),
        ("帮助{m}户困难家庭解决子女就学问题", "逐户走访摸底，协调教育资助政策"),
        ("开展移风易俗宣传{n}次，推动红白喜事简办", "修订村规民约，成立红白理事会"),
    ],
    "service": [
        ("为群众代办各类事项{n}件以上", "实行党员代办制，公开联系电话，随叫随到"),
        ("结对帮扶困难群众{m}户，每月至少走访一次", "建立帮扶台账，帮助解决实际困难"),
        ("为村里孤寡老人办实事{n}件", "定期上门看望，帮助购买生活用品"),
        ("按时办结群众诉求，满意率达到{p}%以上", "实行首问负责制和限时办结制"),
    ],
    "grassroots": [
        ("按时参加组织生活，全年参加三会一课不少于{n}次", "做好学习笔记，带头发言"),
        ("发展培养入党积极分子{m}名", "开展谈心谈话，落实培养联系人"),
        ("规范党员活动室建设，完善各项制度{n}项", "对照标准逐项整改，建立管理台账"),
    ],
    "stability": [
        ("做好{road}沿线安全隐患排查，全年排查{n}次", "组织党员巡逻队，发现问题及时上报"),
        ("开展禁毒防艾宣传{n}场次", "入户宣传，利用广播、微信群宣传"),
        ("协助做好森林防火工作，辖区内不发生较大火灾", "落实网格责任，加强巡山护林"),
    ],
    "self": [
        ("全年学习党的理论知识不少于{n}学时", "参加集中学习，开展自学，撰写心得体会"),
        ("带头遵守村规民约，做到廉洁自律", "主动接受群众监督，定期述职述廉"),
        ("掌握{n}门实用技术，成为致富能手", "参加县乡组织的实用技术培训"),
    ],
}
CROPS = ["茶叶", "咖啡", "核桃", "澳洲坚果", "烤烟", "甘蔗", "魔芋", "中药材", "蔬菜", "水果"]
ANIMALS = ["生猪", "肉牛", "山羊", "土鸡", "蜜蜂", "竹鼠"]
ROADS = ["进村道路", "村组道路", "产业路", "入户路"]
PROGRESS_NOTES = [
    "已完成{p}%，正按计划推进", "召开群众会议，落实分工", "已走访{m}户群众，收集意见建议",
    "协调资金到位，开始实施", "组织技术培训一期，参训{m}人次", "完成阶段任务，群众反映良好",
]
COMMENTS_GOOD = ["承诺事项已兑现，群众认可", "措施得力，效果明显", "按时完成，示范带动作用强"]
COMMENTS_WEAK = ["进度滞后，需加快推进", "群众知晓率不高，需加强宣传", "部分事项未落实到位"]

CATEGORIES = list(PLEDGE_TEMPLATES)


def build_demo(
    *,
    seed: int = 2011,
    total_pledges: int = 23_000,
    years: int | None = None,
    member_count: int | None = None,
    last_year: int | None = None,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, int]:
    """Fill an empty, open database with the demo county; return row counts.

    ``progress(stage, fraction)`` is called as the work goes on. ``member_count`` sets the county's party members
    (default 13,724, more for a file of 50,000 pledges and up): a smaller or larger county than the default.
    """
    if is_initialized():
        raise PledgebookError("该数据库已有台账数据，演示数据只能载入空数据库。请用 --db 指定一个新文件。")
    report = progress or (lambda stage, frac: None)
    today = today or date.today()
    last_year = last_year or today.year
    years = years or (2 if total_pledges < 50_000 else 5)
    per_year = max(1, total_pledges // years)
    g = Gen(seed, latest=utcnow().replace(microsecond=0))  # one clock read, not one per stamp (a million of them)
    conn = database.connection()
    first_year = last_year - years + 1
    created = g.ts(date(first_year, 1, 5))

    with database.atomic("IMMEDIATE"):
        report("组织", 0.0)
        _settings(conn, g, created)
        tree = org_tree(g)
        insert_orgs(conn, g, tree.orgs, created)
        counts: dict[str, int] = {"orgs": len(tree.orgs)}
        report("人员", 0.1)
        n_people = member_count or (max(13_724, total_pledges * 6 // 10 // years) if total_pledges >= 50_000 else 13_724)
        members = people(conn, g, tree, n_people, last_year, created)
        counts["people"] = n_people
        report("承诺", 0.25)
        book = _Pledging(conn, g, today, created, tree, [p for p in members if p[4] == "active"])
        counts.update(pledges=0, progress=0, evaluations=0)
        carried: list[tuple] = []
        for yi, year in enumerate(range(first_year, last_year + 1)):
            written, carried = book.year(year, closed=year < last_year, carried_prev=carried, per_year=per_year)
            counts["pledges"] += written
            report("承诺", 0.25 + 0.6 * (yi + 1) / years)
        counts["progress"], counts["evaluations"] = book.write_logs()
        # the second ledger, when the file's schema has it (an old-version file in a test may not)
        if database.table_exists("help_log"):
            report("帮扶", 0.9)
            counts.update(
                build_campaign(
                    conn, seed=seed, scale=min(3.0, max(0.05, per_year / 11_500)), today=today, orgs=tree.orgs,
                    people=members, county_code=COUNTY_CODE, created=created,
                )
            )
            counts["orgs"] += counts.pop("temp_branches")
        if database.table_exists("appraisal"):  # the third ledger (奖诺): the December of every year
            report("评议", 0.95)
            counts.update(
                build_appraisals(
                    conn, seed=seed, years=range(first_year, last_year + 1), today=today, orgs=tree.orgs,
                    people=members, closed=range(first_year, last_year),
                )
            )
            counts.update(build_standing(conn, seed=seed, years=range(first_year, last_year + 1),
                                         closed=range(first_year, last_year), today=today))
        audit.record("generate", "demo", None, {k: (None, v) for k, v in counts.items()}, note=f"载入演示数据（seed={seed}）")
        if migrations.schema_version(database) >= 3:  # (a test builds a demo on an old schema)
            search.flush()  # index the new pledges for the search box
        report("完成", 1.0)
    return counts


def _settings(conn: Connection, g: Gen, created: str) -> None:
    """The county's settings and the default pledge categories."""
    set_setting("county_name", COUNTY_NAME)
    set_setting("county_code", COUNTY_CODE)
    set_setting("level", "county")
    set_setting("satisfaction_formula", "satisfied_plus_basic")
    set_setting("demo", "1")
    conn.executemany(
        "INSERT INTO category (uid, created_at, updated_at, code, label, sort) VALUES (?,?,?,?,?,?)",
        [(g.uid(), created, created, c, lab, i) for i, (c, lab) in enumerate(DEFAULT_CATEGORIES.items())],
    )


# ---------------------------------------------------------------- years, pledges, progress, evaluations

Carried = tuple  # (old id, org, person, category, content, measures, scope) of a pledge carried into the next year


@dataclass
class _Pledging:
    """The pledges of each year in turn; progress logs and evaluations gathered for one insert at the end."""

    conn: Connection
    g: Gen
    today: date
    created: str
    tree: OrgTree
    active_people: list[PersonRow]
    pledge_id: int = 0
    progress_rows: list[tuple] = field(default_factory=list)
    eval_rows: list[tuple] = field(default_factory=list)

    def year(self, year: int, *, closed: bool, carried_prev: list[Carried], per_year: int) -> tuple[int, list[Carried]]:
        """Insert one work year and its pledges; returns how many, and those carried into the next year."""
        g, r = self.g, self.g.rng
        self.conn.execute(
            "INSERT INTO work_year (uid, created_at, updated_at, year, closed, closed_at) VALUES (?,?,?,?,?,?)",
            (g.uid(), self.created, self.created, year, 1 if closed else 0, g.ts(date(year + 1, 1, 10)) if closed else None),
        )
        pledge_rows = []
        carried_now: list[Carried] = []
        # the current year stands at today's date; earlier years are finished
        year_end = date(year, 12, 31)
        as_of = min(self.today, year_end) if not closed else year_end
        elapsed = max(0.05, min(1.0, (as_of - date(year, 1, 1)).days / 365))
        for kind, who in self._plan(r, carried_prev, per_year):
            self.pledge_id += 1
            row, made = self._pledge(kind, who, year, closed, as_of, elapsed)
            pledge_rows.append(row)
            status = row[16]
            if closed and status in ("in_progress", "partly", "unfulfilled") and r.random() < 0.5:
                carried_now.append((self.pledge_id, row[5], row[6], row[8], row[9], row[10], row[7]))
            self._progress(made, status, as_of)
            # evaluations: mid-year self check and the year-end 评诺
            if status in ("fulfilled", "partly", "unfulfilled") or (status == "in_progress" and r.random() < 0.25):
                _evaluations(g, self.pledge_id, year, status, as_of, self.today, closed, self.eval_rows)
        # the carried pledges of the previous year become 已结转 (set before insert)
        self.conn.executemany(
            "INSERT INTO pledge (id, uid, created_at, updated_at, year, org_id, person_id, scope, category, content, "
            "measures, due_date, term, approved_by, approved_on, published_on, status, fulfilled_on, carried_from_id, "
            "source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'demo')",
            pledge_rows,
        )
        if carried_now:
            self.conn.executemany("UPDATE pledge SET status = 'carried' WHERE id = ?", [(c[0],) for c in carried_now])
        return len(pledge_rows), carried_now

    def _plan(self, r: random.Random, carried_prev: list[Carried], per_year: int) -> list[tuple[str, tuple]]:
        """Who pledges this year: the carried pledges, then orgs, then members, ``per_year`` in all."""
        org_pledgers = self.tree.member_orgs + self.tree.committees
        n_org = min(len(org_pledgers) * 2, per_year // 9)
        plan: list[tuple[str, tuple]] = [("carry", item) for item in carried_prev]
        for _ in range(n_org):
            plan.append(("org", r.choice(org_pledgers)))
        while len(plan) < per_year:
            plan.append(("person", r.choice(self.active_people)))
        return plan

    def _pledge(
        self, kind: str, who: tuple, year: int, closed: bool, as_of: date, elapsed: float
    ) -> tuple[tuple, date]:
        """One pledge's row (and the day it was made): carried from last year, or drawn from the
        templates for an org or a member."""
        g, r = self.g, self.g.rng
        if kind == "carry":
            old_id, org_id, person_id, category, content, measures, scope = who
            carried_from = old_id
        else:
            carried_from = None
            category = r.choice(CATEGORIES)
            tmpl, measures = r.choice(PLEDGE_TEMPLATES[category])
            content = tmpl.format(
                n=r.randint(2, 30), m=r.randint(2, 20), p=r.choice([90, 95, 98]),
                crop=r.choice(CROPS), animal=r.choice(ANIMALS), road=r.choice(ROADS),
            )
            if kind == "org":
                org_id, person_id, scope = who[0], None, r.choice(["org", "team", "service"])
            else:
                org_id, person_id, scope = who[1], who[0], "personal"
        term = "immediate" if r.random() < 0.08 else "annual"
        made = date(year, 1, 1) + timedelta(days=r.randint(10, 75))
        due = date(year, r.choice([6, 9, 10, 11, 12, 12, 12, 12]), 1) + timedelta(days=r.randint(0, 29))
        if term == "immediate":
            due = made + timedelta(days=r.randint(7, 60))
        approved = made + timedelta(days=r.randint(3, 15))
        published = approved + timedelta(days=r.randint(1, 10))
        status, fulfilled_on = _status_for(r, closed, due, as_of, elapsed)
        return (self.pledge_id, g.uid(), g.ts(made), g.ts(min(as_of, max(made, fulfilled_on or made))), year,
                org_id, person_id, scope, category, content, measures, due.isoformat(), term,
                "党委会" if r.random() < 0.5 else "党支部委员会", approved.isoformat(),
                published.isoformat() if published <= as_of else None, status,
                fulfilled_on.isoformat() if fulfilled_on else None, carried_from), made

    def _progress(self, made: date, status: str, as_of: date) -> None:
        """The pledge's progress log: up to three entries (none for a draft), none after ``as_of``."""
        g, r = self.g, self.g.rng
        for _k in range(r.choice([0, 1, 1, 2, 2, 3]) if status != "draft" else 0):
            when = made + timedelta(days=r.randint(20, max(21, (as_of - made).days)))
            if when > as_of:
                continue
            self.progress_rows.append(
                (g.uid(), g.ts(when), g.ts(when), self.pledge_id, when.isoformat(),
                 r.choice(PROGRESS_NOTES).format(p=r.choice([30, 50, 60, 80]), m=r.randint(3, 40)),
                 r.choice([None, 30, 50, 80, 100]))
            )

    def write_logs(self) -> tuple[int, int]:
        """Insert every year's progress logs and evaluations; returns how many of each."""
        self.conn.executemany(
            "INSERT INTO progress (uid, created_at, updated_at, pledge_id, date, note, percent) VALUES (?,?,?,?,?,?,?)",
            self.progress_rows,
        )
        self.conn.executemany(
            "INSERT INTO evaluation (uid, created_at, updated_at, pledge_id, kind, date, evaluator, grade, score, "
            "ballots_issued, ballots_valid, votes_satisfied, votes_basic, votes_unsatisfied, comment, rect_due, "
            "rect_done, rect_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self.eval_rows,
        )
        return len(self.progress_rows), len(self.eval_rows)


def _status_for(r: random.Random, closed: bool, due: date, as_of: date, elapsed: float) -> tuple[str, date | None]:
    x = r.random()
    if closed:
        if x < 0.86:
            status = "fulfilled"
        elif x < 0.93:
            status = "partly"
        elif x < 0.96:
            status = "unfulfilled"
        elif x < 0.97:
            status = "withdrawn"
        else:
            status = "in_progress"
    else:
        done_share = 0.82 * elapsed
        if x < done_share * 0.9:
            status = "fulfilled"
        elif x < done_share * 0.97:
            status = "partly"
        elif x < done_share:
            status = "unfulfilled"
        elif x < done_share + 0.01:
            status = "withdrawn"
        elif x < done_share + 0.03:
            status = "draft"
        else:
            status = "in_progress"
    if status in ("fulfilled", "partly", "unfulfilled"):
        when = min(due, as_of) - timedelta(days=r.randint(0, 40))
        return status, when
    return status, None


def _demo_due(when: date, as_of: date, today: date, closed: bool) -> tuple[str, str | None]:
    """A rectification due by the default 30 days (drawing nothing from the generator, so the rest of
    the demo stays as it was); done in a closed year, or when already past."""
    due = when + timedelta(days=30)
    done = max(when, min(due, as_of if closed else today)) if closed or due < today else None
    return due.isoformat(), done.isoformat() if done else None


def _evaluations(g: Gen, pledge_id: int, year: int, status: str, as_of: date, today: date, closed: bool, rows: list) -> None:
    r = g.rng
    base = {"fulfilled": 0.88, "partly": 0.6, "unfulfilled": 0.35, "in_progress": 0.7}[status]
    # self evaluation
    when = min(as_of, date(year, 7, 1) + timedelta(days=r.randint(0, 150)))
    grade = "good" if r.random() < base else r.choice(["fairly_good", "average"])
    rows.append((g.uid(), g.ts(when), g.ts(when), pledge_id, "self", when.isoformat(), "本人", grade, None,
                 None, None, None, None, None, "", None, None, ""))
    if r.random() < 0.15 and status != "fulfilled":
        return
    # 群众评议 with ballots
    when = min(as_of, date(year, 11, 1) + timedelta(days=r.randint(0, 50)))
    issued = r.randint(20, 60)
    valid = issued - r.randint(0, 4)
    sat = int(valid * min(1.0, max(0.0, r.gauss(base, 0.08))))
    unsat = int((valid - sat) * r.random() * (0.15 if status == "fulfilled" else 0.6))
    basic = valid - sat - unsat
    rect_due = rect_done = None
    rect_note = ""
    grade = "satisfied" if sat / valid >= 0.8 else ("basic" if sat / valid >= 0.6 else "unsatisfied")
    if unsat and unsat / valid > 0.1:
        due = when + timedelta(days=r.choice([30, 45, 60]))
        rect_due = due.isoformat()
        rect_note = "针对群众意见逐项整改"
        if closed or (due < today and r.random() < 0.6) or r.random() < 0.3:
            done = min(due, as_of) if closed else min(today, due - timedelta(days=r.randint(0, 20)))
            rect_done = max(done, when).isoformat()
    elif grade == "unsatisfied":  # a poor grade asks for a rectification too (rules.needs_rectification)
        rect_due, rect_done = _demo_due(when, as_of, today, closed)
        rect_note = "针对群众意见逐项整改"
    rows.append((g.uid(), g.ts(when), g.ts(when), pledge_id, "public", when.isoformat(), "群众评议小组", grade, None,
                 issued, valid, sat, basic, unsat, "", rect_due, rect_done, rect_note))
    # 组织评定 at year end for closed years
    if closed:
        when = date(year, 12, 20) + timedelta(days=r.randint(0, 10))
        rating = "excellent" if r.random() < 0.25 * base else ("qualified" if r.random() < 0.9 else "basic_qualified")
        due, done = (_demo_due(when, as_of, today, closed) if rating == "basic_qualified" else (None, None))
        rows.append((g.uid(), g.ts(when), g.ts(when), pledge_id, "org", when.isoformat(), "党支部委员会", rating,
                     round(60 + 40 * base * r.random(), 1), None, None, None, None, None,
                     r.choice(COMMENTS_GOOD if status == "fulfilled" else COMMENTS_WEAK), due, done,
                     "限期整改" if due else ""))
