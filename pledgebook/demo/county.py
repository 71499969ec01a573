"""The demo county's people and places: its names, a seeded generator, the org tree and the members.

Everything is drawn from one seeded :class:`Gen`, in a fixed order, so that a
seed always makes the same county.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from sqlite3 import Connection

from pledgebook.models.core.pinyin import pinyin_keys
from pledgebook.models.core.values import id_check_digit

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


OrgRow = tuple  # (id, name, kind, parent_id, path, depth, sector, township, code, sort)
PersonRow = tuple  # (id, org_id, name, post, state)


class Gen:
    """The demo's one random generator, with what it draws: uids, names, village names, time stamps."""

    def __init__(self, seed: int, latest: datetime = datetime.max):
        self.rng = random.Random(seed)
        self.latest = latest  # no stamp is later than the start of the build: an edit made today must be newer

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

    def ts(self, d: date) -> str:
        """A time in the working day of ``d``, but never after the build began."""
        rng = self.rng
        when = datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
        return (when if when < self.latest else self.latest).isoformat(" ")


# ---------------------------------------------------------------- the org tree


@dataclass
class OrgTree:
    """The county's orgs as rows, in the order they were made (ids 1, 2, …)."""

    orgs: list[OrgRow] = field(default_factory=list)
    committees: list[OrgRow] = field(default_factory=list)
    generals: list[OrgRow] = field(default_factory=list)
    branches: list[OrgRow] = field(default_factory=list)

    def add(self, name: str, kind: str, parent: OrgRow | None, sector: str | None, township: str | None) -> OrgRow:
        oid = len(self.orgs) + 1
        path = (parent[4] if parent else "/") + f"{oid}/"
        depth = parent[5] + 1 if parent else 0
        code = COUNTY_CODE + f"{oid:04d}" if parent else COUNTY_CODE
        row = (oid, name, kind, parent[0] if parent else None, path, depth, sector, township, code, oid)
        self.orgs.append(row)
        return row

    @property
    def member_orgs(self) -> list[OrgRow]:
        """Where members belong: the branches, then the general branches."""
        return self.branches + self.generals


def org_tree(g: Gen) -> OrgTree:
    """24 党委 (18 townships, 6 sectors), 73 党总支 and 620 党支部 spread like a real county, 6 临时党支部."""
    tree = OrgTree()
    root = tree.add(COUNTY_NAME, "county", None, None, None)
    for t in TOWNSHIPS:
        tree.committees.append(tree.add(f"中共{t}委员会", "committee", root, "rural", t))
    for name, kind, sector in SECTOR_COMMITTEES:
        tree.committees.append(tree.add(f"中共{name}" if not name.startswith("县直") else name, kind, root, sector, None))
    used_villages: set[str] = set()
    _general_branches(tree, g, used_villages)
    _branches(tree, g, used_villages)
    # a few temporary branches of stationed cadres
    for comm in tree.committees[: len(TOWNSHIPS)][:6]:
        tree.branches.append(tree.add(f"{comm[7]}驻村工作队临时党支部", "temp_branch", comm, "rural", comm[7]))
    return tree


def _general_branches(tree: OrgTree, g: Gen, used_villages: set[str]) -> None:
    r = g.rng
    township_comms = tree.committees[: len(TOWNSHIPS)]
    sector_comms = tree.committees[len(TOWNSHIPS):]
    for i in range(73):
        comm = township_comms[i % len(township_comms)] if i < 60 else sector_comms[i % len(sector_comms)]
        if comm[6] == "rural":
            vname = g.village(used_villages)
            kind_name = f"{vname}村党总支" if r.random() < 0.8 else f"{vname}社区党总支"
            tree.generals.append(
                tree.add(kind_name, "general_branch", comm, "rural" if "村" in kind_name else "community", comm[7])
            )
        else:
            name = (f"{r.choice(DEPARTMENTS)}党总支" if comm[6] == "government"
                    else f"{g.village(used_villages)}{'中学' if comm[6] == 'school' else '公司'}党总支")
            tree.generals.append(tree.add(name, "general_branch", comm, comm[6], None))


def _branches(tree: OrgTree, g: Gen, used_villages: set[str]) -> None:
    r = g.rng
    dept_iter = iter(DEPARTMENTS * 5)
    for i in range(620):
        if i < 330:  # village group branches under general branches
            parent = tree.generals[i % len(tree.generals)]
            if parent[6] in ("rural", "community"):
                name = f"{parent[1].replace('党总支', '')}{r.choice(VILLAGE_ROOTS)}{r.choice(['寨', '组', '社'])}党支部"
            else:
                name = f"{parent[1].replace('党总支', '')}第{i % 7 + 1}党支部"
            tree.branches.append(tree.add(name, "branch", parent, parent[6], parent[7]))
            continue
        comm = tree.committees[i % len(tree.committees)]
        name, sector = _branch_name(g, comm, i, used_villages, dept_iter)
        tree.branches.append(tree.add(name, "branch", comm, sector, comm[7]))


def _branch_name(g: Gen, comm: OrgRow, i: int, used_villages: set[str], dept_iter) -> tuple[str, str]:
    """A branch directly under a 党委, named after its sector; and its sector."""
    r = g.rng
    sector = comm[6]
    if sector == "rural":
        v = g.village(used_villages)
        return (f"{v}村党支部", "rural") if r.random() < 0.85 else (f"{comm[7]}{v}学校党支部", "school")
    if sector == "government":
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
    return name, sector


def insert_orgs(conn: Connection, g: Gen, orgs: list[OrgRow], created: str) -> None:
    keys = pinyin_keys([o[1] for o in orgs])
    conn.executemany(
        "INSERT INTO org (id, uid, created_at, updated_at, code, name, kind, parent_id, path, depth, sector, "
        "township, pinyin, active, sort) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)",
        [
            (o[0], g.uid(), created, created, o[8], o[1], o[2], o[3], o[4], o[5], o[6], o[7], key, o[9])
            for o, key in zip(orgs, keys)
        ],
    )


# ---------------------------------------------------------------- members


def people(conn: Connection, g: Gen, tree: OrgTree, n_people: int, last_year: int, created: str) -> list[PersonRow]:
    """``n_people`` members (97% in branches, the rest in a 党委), inserted; returns (id, org_id, name, post, state)."""
    r = g.rng
    member_orgs = tree.member_orgs
    rows: list[PersonRow] = []
    person_rows = []
    names = [g.name() for _ in range(n_people)]
    keys = pinyin_keys(names)
    per_org: dict[int, list[int]] = {}
    for pid in range(1, n_people + 1):
        org = member_orgs[(pid * 7919) % len(member_orgs)] if r.random() < 0.97 else r.choice(tree.committees)
        index_in_org = len(per_org.setdefault(org[0], []))
        post = POSTS_BRANCH[index_in_org] if index_in_org < len(POSTS_BRANCH) else r.choice(POSTS_MEMBER)
        gender = "male" if r.random() < 0.72 else "female"
        birth = date(1940, 1, 1) + timedelta(days=r.randint(0, 365 * 62))
        joined = birth + timedelta(days=r.randint(365 * 19, 365 * 45))
        joined = min(joined, date(last_year - 1, 7, 1))
        state = "active" if r.random() < 0.985 else r.choice(["transferred", "deceased"])
        idn, phone = _contact(r, birth, gender)
        per_org[org[0]].append(pid)
        rows.append((pid, org[0], names[pid - 1], post, state))
        person_rows.append(
            (pid, g.uid(), created, created, names[pid - 1], org[0], gender, r.choice(ETHNICITIES),
             birth.isoformat(), joined.isoformat(), post, None, idn, phone, state, keys[pid - 1])
        )
    conn.executemany(
        "INSERT INTO person (id, uid, created_at, updated_at, name, org_id, gender, ethnicity, birth_date, "
        "joined_date, post, cadre_level, id_number, phone, state, pinyin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        person_rows,
    )
    return rows


def _contact(r: random.Random, birth: date, gender: str) -> tuple[str | None, str | None]:
    """A member's ID number (90% have one, with a valid check digit) and phone (85%)."""
    idn = None
    if r.random() < 0.9:
        first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{r.randint(0, 99):02d}{r.randint(0, 4) * 2 + (1 if gender == 'male' else 0)}"
        idn = first17 + id_check_digit(first17)
    phone = f"1{r.choice([3, 5, 8, 9])}{r.randint(0, 9)}{r.randint(10_000_000, 99_999_999)}" if r.random() < 0.85 else None
    return idn, phone
