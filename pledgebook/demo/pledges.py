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
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from pledgebook.models.core.errors import PledgebookError
from pledgebook.models.core.pinyin import pinyin_keys
from pledgebook.models.core.values import id_check_digit
from pledgebook.models.core.vocab import DEFAULT_CATEGORIES
from pledgebook.models.store import audit, migrations, search
from pledgebook.models.store.db import is_initialized, set_setting
from pledgebook.models.store.tables import database, utcnow

COUNTY_NAME = "云岭县"
COUNTY_CODE = "539901"  # fictional: no real county has this code

TOWNSHIPS = [
    "联珠镇", "通关镇", "碧溪镇", "新安镇", "龙坝乡", "团田乡", "那哈乡", "景星乡", "鱼塘镇",
    "文武乡", "雅邑乡", "泗南江乡", "孟弄乡", "坝溜镇", "新抚镇", "龙潭乡", "忠爱桥乡", "白马镇",
]
SECTOR_COMMITTEES = [
    ("县直机关工委", "working_committee", "government"),
    ("县教育体育局党委", "committee", "school"),
    ("县卫生健康局党委", "committee", "institution"),
    ("县国资委党委", "committee", "soe"),
    ("县非公有制经济组织党委", "committee", "private"),
    ("县社会组织党委", "committee", "social"),
]
VILLAGE_PARTS = list("大小新老上下东西南北中河山坝箐塘田村寨岭湾坡沟林")
VILLAGE_ROOTS = [
    "坝", "丰", "富", "和", "平", "安", "康", "兴", "龙", "凤", "云", "碧", "景", "松", "柏", "梅",
    "竹", "茶", "石", "岩", "泉", "溪", "星", "光", "联", "团", "结", "胜", "利", "民", "华", "乐",
]
DEPARTMENTS = [
    "财政局", "发展和改革局", "自然资源局", "住房和城乡建设局", "交通运输局", "水务局", "农业农村局",
    "商务局", "文化和旅游局", "市场监督管理局", "统计局", "审计局", "民政局", "司法局", "人力资源和社会保障局",
    "生态环境局", "林业和草原局", "应急管理局", "医疗保障局", "退役军人事务局", "乡村振兴局", "档案馆",
]
SURNAMES = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何罗高林郑梁谢宋唐许邓韩冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("建国华明军伟芳娟秀英敏静丽强磊洋艳勇杰娜涛超平刚桂兰林玉萍红霞波辉鹏飞斌燕云海峰凤琼文成贵福荣德永春志昌光学兵才忠祥")
ETHNICITIES = ["汉族"] * 6 + ["哈尼族"] * 4 + ["彝族"] * 2 + ["傣族", "拉祜族", "布朗族", "瑶族", "白族"]
POSTS_BRANCH = ["党支部书记", "党支部副书记", "组织委员", "宣传委员", "纪检委员"]
POSTS_MEMBER = ["党员", "党员", "党员", "村民小组长", "村委会委员", "致富带头人", "退休教师", "护林员", "乡村医生"]

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


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def name(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.7 else "")
        return r.choice(SURNAMES) + given

    def village(self, used: set[str]) -> str:
        r = self.rng
        while True:
            name = r.choice(VILLAGE_ROOTS) + r.choice(VILLAGE_PARTS)
            if name not in used:
                used.add(name)
                return name


# no demo stamp is later than the start of the build (set by build_demo): an edit made today must be newer
_latest = datetime.max


def _ts(d: date, rng: random.Random) -> str:
    """A time in the working day of ``d``, but never after the build began."""
    when = datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    return (when if when < _latest else _latest).isoformat(" ")


def build_demo(
    *,
    seed: int = 2011,
    total_pledges: int = 23_000,
    years: int | None = None,
    last_year: int | None = None,
    today: date | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, int]:
    """Fill an empty, open database with the demo county; return row counts.

    ``progress(stage, fraction)`` is called as the work goes on.
    """
    if is_initialized():
        raise PledgebookError("该数据库已有台账数据，演示数据只能载入空数据库。请用 --db 指定一个新文件。")
    global _latest
    _latest = utcnow().replace(microsecond=0)  # one clock read, not one per stamp (a million of them)
    report = progress or (lambda stage, frac: None)
    today = today or date.today()
    last_year = last_year or today.year
    years = years or (2 if total_pledges < 50_000 else 5)
    per_year = max(1, total_pledges // years)
    g = _Gen(seed)
    r = g.rng
    conn = database.connection()
    counts: dict[str, int] = {}
    first_year = last_year - years + 1
    created = _ts(date(first_year, 1, 5), r)

    with database.atomic("IMMEDIATE"):
        report("组织", 0.0)
        set_setting("county_name", COUNTY_NAME)
        set_setting("county_code", COUNTY_CODE)
        set_setting("level", "county")
        set_setting("satisfaction_formula", "satisfied_plus_basic")
        set_setting("demo", "1")
        conn.executemany(
            "INSERT INTO category (uid, created_at, updated_at, code, label, sort) VALUES (?,?,?,?,?,?)",
            [(g.uid(), created, created, c, lab, i) for i, (c, lab) in enumerate(DEFAULT_CATEGORIES.items())],
        )
        # ---- the org tree -------------------------------------------------
        orgs: list[tuple] = []  # id, name, kind, parent_id, path, depth, sector, township, code, sort
        next_id = [1]

        def add_org(name: str, kind: str, parent: tuple | None, sector: str | None, township: str | None) -> tuple:
            oid = next_id[0]
            next_id[0] += 1
            path = (parent[4] if parent else "/") + f"{oid}/"
            depth = parent[5] + 1 if parent else 0
            code = COUNTY_CODE + f"{oid:04d}" if parent else COUNTY_CODE
            row = (oid, name, kind, parent[0] if parent else None, path, depth, sector, township, code, oid)
            orgs.append(row)
            return row

        root = add_org(COUNTY_NAME, "county", None, None, None)
        committees: list[tuple] = []
        for t in TOWNSHIPS:
            committees.append(add_org(f"中共{t}委员会", "committee", root, "rural", t))
        for name, kind, sector in SECTOR_COMMITTEES:
            committees.append(add_org(f"中共{name}" if not name.startswith("县直") else name, kind, root, sector, None))
        # 73 general branches and 620 branches, spread like a real county
        used_villages: set[str] = set()
        branches: list[tuple] = []
        generals: list[tuple] = []
        n_general, n_branch = 73, 620
        township_comms = committees[: len(TOWNSHIPS)]
        sector_comms = committees[len(TOWNSHIPS):]
        for i in range(n_general):
            comm = township_comms[i % len(township_comms)] if i < 60 else sector_comms[i % len(sector_comms)]
            if comm[6] == "rural":
                vname = g.village(used_villages)
                kind_name = f"{vname}村党总支" if r.random() < 0.8 else f"{vname}社区党总支"
                generals.append(add_org(kind_name, "general_branch", comm, "rural" if "村" in kind_name else "community", comm[7]))
            else:
                generals.append(add_org(f"{r.choice(DEPARTMENTS)}党总支" if comm[6] == "government" else f"{g.village(used_villages)}{'中学' if comm[6] == 'school' else '公司'}党总支", "general_branch", comm, comm[6], None))
        dept_iter = iter(DEPARTMENTS * 5)
        for i in range(n_branch):
            if i < 330:  # village group branches under general branches
                parent = generals[i % len(generals)]
                if parent[6] in ("rural", "community"):
                    name = f"{parent[1].replace('党总支', '')}{r.choice(VILLAGE_ROOTS)}{r.choice(['寨', '组', '社'])}党支部"
                else:
                    name = f"{parent[1].replace('党总支', '')}第{i % 7 + 1}党支部"
                branches.append(add_org(name, "branch", parent, parent[6], parent[7]))
            else:
                comm = committees[i % len(committees)]
                sector = comm[6]
                if sector == "rural":
                    v = g.village(used_villages)
                    name, sector = (f"{v}村党支部", "rural") if r.random() < 0.85 else (f"{comm[7]}{v}学校党支部", "school")
                elif sector == "government":
                    name = f"县{next(dept_iter)}机关党支部"
                elif sector == "school":
                    name = f"{g.village(used_villages)}{r.choice(['小学', '中学', '幼儿园'])}党支部"
                elif sector == "institution":
                    name = f"{g.village(used_villages)}{r.choice(['卫生院', '医院', '疾控中心'])}党支部"
                elif sector == "soe":
                    name = f"{COUNTY_NAME[:2]}{r.choice(['电力', '水务', '交通投资', '城投', '粮食'])}公司第{i % 5 + 1}党支部"
                elif sector == "private":
                    name = f"{g.village(used_villages)}{r.choice(['茶业', '咖啡', '建材', '矿业', '食品'])}有限公司党支部"
                else:
                    name = f"{COUNTY_NAME}{r.choice(['个体劳动者协会', '律师协会', '志愿者协会', '茶叶协会'])}第{i % 4 + 1}党支部"
                branches.append(add_org(name, "branch", comm, sector, comm[7]))
        # a few temporary branches of stationed cadres
        for comm in township_comms[:6]:
            branches.append(add_org(f"{comm[7]}驻村工作队临时党支部", "temp_branch", comm, "rural", comm[7]))
        keys = pinyin_keys([o[1] for o in orgs])
        conn.executemany(
            "INSERT INTO org (id, uid, created_at, updated_at, code, name, kind, parent_id, path, depth, sector, "
            "township, pinyin, active, sort) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)",
            [
                (o[0], g.uid(), created, created, o[8], o[1], o[2], o[3], o[4], o[5], o[6], o[7], key, o[9])
                for o, key in zip(orgs, keys)
            ],
        )
        counts["orgs"] = len(orgs)
        report("人员", 0.1)

        # ---- people --------------------------------------------------------
        member_orgs = branches + generals
        n_people = max(13_724, total_pledges * 6 // 10 // years) if total_pledges >= 50_000 else 13_724
        people: list[tuple] = []  # id, org_id, name, post
        person_rows = []
        names = [g.name() for _ in range(n_people)]
        keys = pinyin_keys(names)
        per_org: dict[int, list[int]] = {}
        for pid in range(1, n_people + 1):
            org = member_orgs[(pid * 7919) % len(member_orgs)] if r.random() < 0.97 else r.choice(committees)
            index_in_org = len(per_org.setdefault(org[0], []))
            post = POSTS_BRANCH[index_in_org] if index_in_org < len(POSTS_BRANCH) else r.choice(POSTS_MEMBER)
            gender = "male" if r.random() < 0.72 else "female"
            birth = date(1940, 1, 1) + timedelta(days=r.randint(0, 365 * 62))
            joined = birth + timedelta(days=r.randint(365 * 19, 365 * 45))
            joined = min(joined, date(last_year - 1, 7, 1))
            state = "active" if r.random() < 0.985 else r.choice(["transferred", "deceased"])
            idn = None
            if r.random() < 0.9:
                first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{r.randint(0, 99):02d}{r.randint(0, 4) * 2 + (1 if gender == 'male' else 0)}"
                idn = first17 + id_check_digit(first17)
            phone = f"1{r.choice([3, 5, 8, 9])}{r.randint(0, 9)}{r.randint(10_000_000, 99_999_999)}" if r.random() < 0.85 else None
            per_org[org[0]].append(pid)
            people.append((pid, org[0], names[pid - 1], post, state))
            person_rows.append(
                (pid, g.uid(), created, created, names[pid - 1], org[0], gender, r.choice(ETHNICITIES),
                 birth.isoformat(), joined.isoformat(), post, None, idn, phone, state, keys[pid - 1])
            )
        conn.executemany(
            "INSERT INTO person (id, uid, created_at, updated_at, name, org_id, gender, ethnicity, birth_date, "
            "joined_date, post, cadre_level, id_number, phone, state, pinyin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            person_rows,
        )
        counts["people"] = n_people
        report("承诺", 0.25)

        # ---- years, pledges, progress, evaluations ---------------------------
        active_people = [p for p in people if p[4] == "active"]
        cats = list(PLEDGE_TEMPLATES)
        pledge_id = 0
        progress_rows: list[tuple] = []
        eval_rows: list[tuple] = []
        counts.update(pledges=0, progress=0, evaluations=0)
        carried_prev: list[tuple] = []  # (old id, org, person, category, content, measures, scope)
        for yi, year in enumerate(range(first_year, last_year + 1)):
            closed = year < last_year
            conn.execute(
                "INSERT INTO work_year (uid, created_at, updated_at, year, closed, closed_at) VALUES (?,?,?,?,?,?)",
                (g.uid(), created, created, year, 1 if closed else 0, _ts(date(year + 1, 1, 10), r) if closed else None),
            )
            pledge_rows = []
            carried_now: list[tuple] = []
            # the current year stands at today's date; earlier years are finished
            year_end = date(year, 12, 31)
            as_of = min(today, year_end) if not closed else year_end
            elapsed = max(0.05, min(1.0, (as_of - date(year, 1, 1)).days / 365))
            org_pledgers = [o for o in member_orgs + committees]
            n_org = min(len(org_pledgers) * 2, per_year // 9)
            plan: list[tuple] = []
            for item in carried_prev:
                plan.append(("carry", item))
            for _ in range(n_org):
                plan.append(("org", r.choice(org_pledgers)))
            while len(plan) < per_year:
                plan.append(("person", r.choice(active_people)))
            for kind, who in plan:
                pledge_id += 1
                if kind == "carry":
                    old_id, org_id, person_id, category, content, measures, scope = who
                    carried_from = old_id
                else:
                    carried_from = None
                    category = r.choice(cats)
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
                pledge_rows.append(
                    (pledge_id, g.uid(), _ts(made, r), _ts(min(as_of, max(made, fulfilled_on or made)), r), year,
                     org_id, person_id, scope, category, content, measures, due.isoformat(), term,
                     "党委会" if r.random() < 0.5 else "党支部委员会", approved.isoformat(),
                     published.isoformat() if published <= as_of else None, status,
                     fulfilled_on.isoformat() if fulfilled_on else None, carried_from)
                )
                if closed and status in ("in_progress", "partly", "unfulfilled") and r.random() < 0.5:
                    carried_now.append((pledge_id, org_id, person_id, category, content, measures, scope))
                # progress log
                for _k in range(r.choice([0, 1, 1, 2, 2, 3]) if status != "draft" else 0):
                    when = made + timedelta(days=r.randint(20, max(21, (as_of - made).days)))
                    if when > as_of:
                        continue
                    progress_rows.append(
                        (g.uid(), _ts(when, r), _ts(when, r), pledge_id, when.isoformat(),
                         r.choice(PROGRESS_NOTES).format(p=r.choice([30, 50, 60, 80]), m=r.randint(3, 40)),
                         r.choice([None, 30, 50, 80, 100]))
                    )
                # evaluations: mid-year self check and the year-end 评诺
                if status in ("fulfilled", "partly", "unfulfilled") or (status == "in_progress" and r.random() < 0.25):
                    _evaluations(g, pledge_id, year, status, as_of, today, closed, eval_rows)
            # the carried pledges of the previous year become 已结转 (set before insert)
            conn.executemany(
                "INSERT INTO pledge (id, uid, created_at, updated_at, year, org_id, person_id, scope, category, content, "
                "measures, due_date, term, approved_by, approved_on, published_on, status, fulfilled_on, carried_from_id, "
                "source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'demo')",
                pledge_rows,
            )
            if carried_now:
                conn.executemany(
                    "UPDATE pledge SET status = 'carried' WHERE id = ?", [(c[0],) for c in carried_now]
                )
            carried_prev = carried_now
            counts["pledges"] += len(pledge_rows)
            report("承诺", 0.25 + 0.6 * (yi + 1) / years)
        conn.executemany(
            "INSERT INTO progress (uid, created_at, updated_at, pledge_id, date, note, percent) VALUES (?,?,?,?,?,?,?)",
            progress_rows,
        )
        conn.executemany(
            "INSERT INTO evaluation (uid, created_at, updated_at, pledge_id, kind, date, evaluator, grade, score, "
            "ballots_issued, ballots_valid, votes_satisfied, votes_basic, votes_unsatisfied, comment, rect_due, "
            "rect_done, rect_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            eval_rows,
        )
        counts["progress"] = len(progress_rows)
        counts["evaluations"] = len(eval_rows)
        # the second ledger, when the file's schema has it (an old-version file in a test may not)
        if database.table_exists("help_log"):
            report("帮扶", 0.9)
            from pledgebook.demo.campaign import build_campaign

            counts.update(
                build_campaign(
                    conn, seed=seed, scale=min(3.0, max(0.05, per_year / 11_500)), today=today, orgs=orgs,
                    people=people, county_code=COUNTY_CODE, created=created,
                )
            )
            counts["orgs"] += counts.pop("temp_branches")
        audit.record("generate", "demo", None, {k: (None, v) for k, v in counts.items()}, note=f"载入演示数据（seed={seed}）")
        if migrations.schema_version(database) >= 3:  # (a test builds a demo on an old schema)
            search.flush()  # index the new pledges for the search box
        report("完成", 1.0)
    return counts


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


def _evaluations(g: _Gen, pledge_id: int, year: int, status: str, as_of: date, today: date, closed: bool, rows: list) -> None:
    r = g.rng
    base = {"fulfilled": 0.88, "partly": 0.6, "unfulfilled": 0.35, "in_progress": 0.7}[status]
    # self evaluation
    when = min(as_of, date(year, 7, 1) + timedelta(days=r.randint(0, 150)))
    grade = "good" if r.random() < base else r.choice(["fairly_good", "average"])
    rows.append((g.uid(), _ts(when, r), _ts(when, r), pledge_id, "self", when.isoformat(), "本人", grade, None,
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
    rows.append((g.uid(), _ts(when, r), _ts(when, r), pledge_id, "public", when.isoformat(), "群众评议小组", grade, None,
                 issued, valid, sat, basic, unsat, "", rect_due, rect_done, rect_note))
    # 组织评定 at year end for closed years
    if closed:
        when = date(year, 12, 20) + timedelta(days=r.randint(0, 10))
        rating = "excellent" if r.random() < 0.25 * base else ("qualified" if r.random() < 0.9 else "basic_qualified")
        due, done = (_demo_due(when, as_of, today, closed) if rating == "basic_qualified" else (None, None))
        rows.append((g.uid(), _ts(when, r), _ts(when, r), pledge_id, "org", when.isoformat(), "党支部委员会", rating,
                     round(60 + 40 * base * r.random(), 1), None, None, None, None, None,
                     r.choice(COMMENTS_GOOD if status == "fulfilled" else COMMENTS_WEAK), due, done,
                     "限期整改" if due else ""))
