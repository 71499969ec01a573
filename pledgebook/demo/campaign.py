"""The demo county's second ledger: a 四帮四促 / 帮联驻 campaign, deterministic for a seed.

At the default scale: about 1,200 contact points, 1,100 pairings, 300 cadres
stationed in villages (each township's 驻村工作队 has its 临时党支部) and 12
months of help logs up to today (≈ 40,000 rows). A few villages are left
without anyone, and some leaders have stopped logging, so that the coverage
and "nothing logged lately" views have something to show. Scaled with the
pledges of a year (``scale`` 1.0 = 11,500 pledges a year).

Called by :func:`pledgebook.demo.pledges.build_demo` inside its transaction, with raw
``executemany`` like the rest of the demo.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from sqlite3 import Connection

from pledgebook.models.campaign.figures import months_before
from pledgebook.models.core.pinyin import pinyin_keys
from pledgebook.models.store.tables import utcnow

# work done, by where it is recorded: (kind, weight)
WORK_MIX = {
    "contact_point": [("visit", 34), ("receive", 10), ("solve", 8), ("plan", 5), ("mediate", 9), ("project", 3),
                      ("funds", 6), ("training", 5), ("practical", 12)],
    "pairing": [("visit", 58), ("practical", 20), ("funds", 7), ("solve", 5), ("training", 5)],
    "stationing": [("visit", 30), ("receive", 12), ("solve", 8), ("mediate", 10), ("practical", 12), ("training", 8),
                   ("plan", 5), ("project", 3), ("funds", 5)],
}
# logs a month, on average
LOG_RATE = {"contact_point": 1.15, "pairing": 0.9, "stationing": 3.3}
NOTES = {
    "visit": ["入户走访，了解生产生活情况", "走访脱贫监测户，宣传政策", "走访老党员和困难群众"],
    "receive": ["接待群众来访，登记诉求", "在村活动室接访"],
    "solve": ["协调解决饮水管道维修", "帮助办理医保报销", "协调解决产业路损毁问题"],
    "plan": ["制定村集体经济发展规划", "制定年度帮扶计划"],
    "mediate": ["调解土地边界纠纷", "调解邻里矛盾"],
    "project": ["引进茶叶初制所项目", "引进咖啡精深加工项目"],
    "funds": ["协调产业扶持资金", "协调危房改造资金"],
    "training": ["举办茶叶管护技术培训", "举办劳动力转移就业培训"],
    "practical": ["帮助联系农产品销路", "为村小学捐赠学习用品", "修缮村组活动场所"],
}
KIND_MIX = [("village", 52), ("household", 16), ("enterprise", 11), ("project", 8), ("school", 8), ("park", 5)]


def _pick(r: random.Random, mix: list[tuple[str, int]]) -> str:
    return r.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]


def _quantities(r: random.Random, kind: str, place: str) -> tuple[int, int, int, int, int, float, int]:
    """households, person_times, items, units, cases, funds (万元), sessions."""
    h = pt = items = units = cases = sessions = 0
    funds = 0.0
    if kind == "visit":
        h = 1 if place == "pairing" else r.randint(2, 12)
        pt = h * r.randint(1, 3)
    elif kind == "receive":
        pt = r.randint(1, 15)
    elif kind == "solve":
        units = 1 if r.random() < 0.8 else 2
    elif kind == "plan":
        units = 1
    elif kind == "mediate":
        cases = r.choice((1, 1, 1, 2))
    elif kind == "project":
        units = 1
        funds = round(r.uniform(5, 35), 1) if r.random() < 0.15 else 0.0
    elif kind == "funds":
        funds = round(r.uniform(0.1, 0.5), 2) if place == "pairing" else round(r.uniform(0.2, 2.5), 2)
    elif kind == "training":
        sessions = 1
        pt = r.randint(15, 80)
    else:  # practical
        items = r.randint(1, 4)
    return h, pt, items, units, cases, funds, sessions


Place = tuple[str, int, int, int, date, date | None]  # (place, id, person, org, start, end)


class _Draw:
    """The campaign's own seeded generator, and what it draws: uids, start and end dates."""

    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed * 1_000_003 + 4)
        self.today = today
        self.log_start = months_before(today, 12) + timedelta(days=1)

    def uid(self) -> str:  # a version-4 UUID from the seeded generator, formatted by hand (twice as fast)
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"

    def start_date(self, recent_share: float) -> date:
        r, today = self.rng, self.today
        if r.random() < recent_share:  # started within the last year
            return self.log_start + timedelta(days=r.randint(0, max(1, (today - self.log_start).days - 30)))
        return today - timedelta(days=r.randint(400, 365 * 4))

    def end_date(self, start: date, share: float) -> date | None:
        r, today = self.rng, self.today
        if r.random() >= share:
            return None
        first = max(start + timedelta(days=30), self.log_start)
        return first + timedelta(days=r.randint(0, max(1, (today - first).days - 1))) if first < today else None


@dataclass
class _Cast:
    """Who does what: the leaders with contact points, the stationed cadres, the helpers, the helped."""

    leaders: list[tuple]
    cadres: list[tuple]
    helpers: list[tuple]
    rural_members: list[tuple]
    n_cp: int
    n_pa: int
    n_st: int


def build_campaign(
    conn: Connection,
    *,
    seed: int,
    scale: float,
    today: date,
    orgs: list[tuple],
    people: list[tuple],
    county_code: str,
    created: str,
) -> dict[str, int]:
    """Insert the campaign; ``orgs`` rows are (id, name, kind, parent_id, path, depth, sector,
    township, code, sort) and ``people`` rows (id, org_id, name, post, state). Returns counts."""
    d = _Draw(seed, today)
    by_id = {o[0]: o for o in orgs}
    villages = [
        o for o in orgs
        if o[2] in ("branch", "general_branch") and o[6] == "rural" and by_id[o[3]][2] not in ("branch", "general_branch")
    ]
    village_of = {v[0]: v for v in villages}
    for o in orgs:  # the 村民小组 branches belong to their village
        if o[3] in village_of and o[0] not in village_of:
            village_of[o[0]] = village_of[o[3]]
    temp_by_township, new_orgs = _temp_branches(conn, d, orgs, county_code, created)
    cast = _cast(d, orgs, people, village_of, scale)
    # villages nobody covers (about 7%), and the order the rest are covered in
    shuffled = villages[:]
    d.rng.shuffle(shuffled)
    coverable = shuffled[max(1, len(villages) * 7 // 100):]
    places: list[Place] = []
    cp = _contact_points(conn, d, orgs, people, cast, coverable, iter(coverable * 20), created, places)
    pa = _pairings(conn, d, people, cast, coverable, created, places)
    st = _stationings(conn, d, by_id, cast, coverable, temp_by_township, created, places)
    logs = _logs(conn, d, cast, places)
    return {
        "contact_points": cp,
        "pairings": pa,
        "stationings": st,
        "help_logs": logs,
        "temp_branches": len(new_orgs),
    }


def _temp_branches(
    conn: Connection, d: _Draw, orgs: list[tuple], county_code: str, created: str
) -> tuple[dict[str, tuple], list[tuple]]:
    """A 驻村工作队临时党支部 in every rural township that has none; returns them by township, and the new ones."""
    committees = [o for o in orgs if o[2] in ("committee", "working_committee")]
    temp_by_township = {o[7]: o for o in orgs if o[2] == "temp_branch"}
    next_id = max(o[0] for o in orgs) + 1
    new_orgs = []
    for comm in committees:
        if comm[6] == "rural" and comm[7] not in temp_by_township:
            row = (next_id, f"{comm[7]}驻村工作队临时党支部", "temp_branch", comm[0], f"{comm[4]}{next_id}/", comm[5] + 1,
                   "rural", comm[7], f"{county_code}{next_id:04d}", next_id)
            new_orgs.append(row)
            temp_by_township[comm[7]] = row
            next_id += 1
    if new_orgs:
        keys = pinyin_keys([o[1] for o in new_orgs])
        conn.executemany(
            "INSERT INTO org (id, uid, created_at, updated_at, code, name, kind, parent_id, path, depth, sector, "
            "township, pinyin, active, sort) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)",
            [(o[0], d.uid(), created, created, o[8], o[1], o[2], o[3], o[4], o[5], o[6], o[7], k, o[9])
             for o, k in zip(new_orgs, keys)],
        )
    return temp_by_township, new_orgs


def _cast(d: _Draw, orgs: list[tuple], people: list[tuple], village_of: dict[int, tuple], scale: float) -> _Cast:
    r = d.rng
    active = [p for p in people if p[4] == "active"]
    org_kind = {o[0]: o[2] for o in orgs}
    org_sector = {o[0]: o[6] for o in orgs}
    leaders = [p for p in active if org_kind[p[1]] in ("committee", "working_committee")
               or (org_sector[p[1]] == "government" and p[3] in ("党支部书记", "党支部副书记"))]
    official = [p for p in active if org_sector[p[1]] in ("government", "institution", "soe", "school")]
    r.shuffle(official)
    rural_members = [p for p in active if p[1] in village_of]
    n_cp = max(20, round(1_200 * scale))
    n_pa = max(20, round(1_100 * scale))
    n_st = max(6, round(300 * scale))
    leaders = r.sample(leaders, min(len(leaders), max(8, n_cp // 3)))
    leader_ids = {p[0] for p in leaders}
    cadres = [p for p in official if p[0] not in leader_ids][: round(n_st * 1.1)]
    helpers = [p for p in official if p[0] not in leader_ids][len(cadres):][: max(10, n_pa // 2)] + leaders[: len(leaders) // 2]
    return _Cast(leaders, cadres, helpers, rural_members, n_cp, n_pa, n_st)


def _contact_points(
    conn: Connection, d: _Draw, orgs: list[tuple], people: list[tuple], cast: _Cast, coverable: list[tuple],
    cover_iter: Iterator[tuple], created: str, places: list[Place],
) -> int:
    r, today = d.rng, d.today
    cp_rows = []
    schools = [o for o in orgs if o[6] == "school" and o[2] == "branch"]
    firms = [o for o in orgs if o[6] == "private" and o[2] == "branch"]
    for i in range(1, cast.n_cp + 1):
        leader = cast.leaders[(i - 1) % len(cast.leaders)]
        kind = _pick(r, KIND_MIX)
        if kind == "village":
            v = next(cover_iter)
            org, name = v, v[1].replace("党总支", "").replace("党支部", "")
        elif kind == "school" and schools:
            org = r.choice(schools)
            name = org[1].replace("党支部", "")
        elif kind == "enterprise" and firms:
            org = r.choice(firms)
            name = org[1].replace("党支部", "")
        else:
            kind = kind if kind in ("household", "project", "park") else "household"
            org = r.choice(coverable)
            village = org[1].replace("党总支", "").replace("党支部", "")
            name = {
                "household": f"{village}{people[r.randrange(len(people))][2]}户",
                "project": f"{village}{r.choice(['茶叶', '咖啡', '核桃', '中药材', '蔬菜'])}产业基地项目",
                "park": f"{org[7] or '县城'}{r.choice(['工业', '农业', '物流'])}园区",
            }[kind]
        start = d.start_date(0.12)
        end = d.end_date(start, 0.05)
        cp_rows.append((i, d.uid(), created, created, leader[0], kind, name, org[0], start.isoformat(),
                        end.isoformat() if end else None, 0 if end and end <= today else 1))
        places.append(("contact_point", i, leader[0], org[0], start, end))
    conn.executemany(
        "INSERT INTO contact_point (id, uid, created_at, updated_at, leader_id, kind, name, org_id, start_date, "
        "end_date, active, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,'')",
        cp_rows,
    )
    return len(cp_rows)


def _pairings(
    conn: Connection, d: _Draw, people: list[tuple], cast: _Cast, coverable: list[tuple], created: str,
    places: list[Place],
) -> int:
    r = d.rng
    pa_rows = []
    helped_members = r.sample(cast.rural_members, min(len(cast.rural_members), cast.n_pa // 3))
    for i in range(1, cast.n_pa + 1):
        helper = cast.helpers[(i - 1) % len(cast.helpers)]
        start = d.start_date(0.1)
        end = d.end_date(start, 0.06)
        if i <= len(helped_members):
            helped = helped_members[i - 1]
            org_id, helped_id, household = helped[1], helped[0], None
        else:
            v = r.choice(coverable)
            org_id, helped_id = v[0], None
            household = f"{people[r.randrange(len(people))][2]}户"
        pa_rows.append((i, d.uid(), created, created, helper[0], helped_id, household, org_id, start.isoformat(),
                        end.isoformat() if end else None))
        places.append(("pairing", i, helper[0], org_id, start, end))
    conn.executemany(
        "INSERT INTO pairing (id, uid, created_at, updated_at, helper_id, helped_person_id, household, org_id, "
        "start_date, end_date, note) VALUES (?,?,?,?,?,?,?,?,?,?,'')",
        pa_rows,
    )
    return len(pa_rows)


def _stationings(
    conn: Connection, d: _Draw, by_id: dict[int, tuple], cast: _Cast, coverable: list[tuple],
    temp_by_township: dict[str, tuple], created: str, places: list[Place],
) -> int:
    """A team of cadres in a village, in its township's temporary branch."""
    r, today = d.rng, d.today
    st_rows = []
    n_st = cast.n_st
    station_villages = coverable[: max(1, n_st // 2)] if len(coverable) * 2 > n_st else coverable
    for i, cadre in enumerate(cast.cadres, start=1):
        v = station_villages[(i - 1) % len(station_villages)]
        branch = temp_by_township.get(v[7])
        start = today - timedelta(days=r.randint(60, 365 * 3 - 30))
        ended = i > n_st  # the last tenth were recalled or rotated out during the year
        end = (max(start, d.log_start) + timedelta(days=r.randint(20, 200))) if ended else None
        end = min(end, today - timedelta(days=1)) if end else None
        role = "first_secretary" if i <= len(station_villages) else ("team_leader" if r.random() < 0.3 else "member")
        unit = by_id[cadre[1]][1]
        for suffix in ("机关党支部", "党总支", "党支部"):
            unit = unit.replace(suffix, "")
        try:
            planned = start.replace(year=start.year + 3)
        except ValueError:
            planned = start.replace(year=start.year + 3, day=28)
        st_rows.append((i, d.uid(), created, created, cadre[0], unit or "县直单位", role, v[0], branch[0] if branch else None,
                        start.isoformat(), planned.isoformat(), end.isoformat() if end else None))
        places.append(("stationing", i, cadre[0], v[0], start, end))
    conn.executemany(
        "INSERT INTO stationing (id, uid, created_at, updated_at, cadre_id, sending_unit, role, village_id, branch_id, "
        "start_date, planned_end, actual_end, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'')",
        st_rows,
    )
    return len(st_rows)


def _months(log_start: date, today: date) -> list[tuple[date, date]]:
    """(first, last) day of each month from ``log_start`` to ``today``, both cut to that span."""
    months = []
    first = date(log_start.year, log_start.month, 1)
    while first <= today:
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        months.append((max(first, log_start), min(nxt - timedelta(days=1), today)))
        first = nxt
    return months


def _logs(conn: Connection, d: _Draw, cast: _Cast, places: list[Place]) -> int:
    """Twelve months of help logs at every place; some people fell silent months ago."""
    r, today = d.rng, d.today
    quiet = {p[0]: months_before(today, r.choice((4, 5, 7))) for p in cast.leaders + cast.helpers if r.random() < 0.06}
    months = _months(d.log_start, today)
    log_rows = []
    now = utcnow().replace(microsecond=0).isoformat(" ")  # a log of today is not stamped in the future
    mixes = {k: ([m for m, _ in v], [w for _, w in v]) for k, v in WORK_MIX.items()}
    for place, pid, person, org_id, start, end in places:
        rate = LOG_RATE[place]
        kinds, weights = mixes[place]
        stop = quiet.get(person)
        for lo, hi in months:
            lo2, hi2 = max(lo, start), min(hi, end or hi, stop or hi)
            if lo2 > hi2:
                continue
            n = int(rate) + (1 if r.random() < rate - int(rate) else 0)
            span = (hi2 - lo2).days
            for kind in r.choices(kinds, weights, k=n):
                when = (lo2 + timedelta(days=r.randint(0, span))).isoformat()
                ts = min(when + " 18:00:00", now)
                note = r.choice(NOTES[kind]) if r.random() < 0.3 else ""
                log_rows.append((d.uid(), ts, ts, when, person,
                                 pid if place == "contact_point" else None,
                                 pid if place == "pairing" else None,
                                 pid if place == "stationing" else None,
                                 org_id, kind, *_quantities(r, kind, place), note))
    log_rows.sort(key=lambda row: row[3])  # in date order: the figures index grows at its end
    conn.executemany(
        "INSERT INTO help_log (uid, created_at, updated_at, date, person_id, contact_point_id, pairing_id, stationing_id, "
        "org_id, kind, households, person_times, items, units, cases, funds, sessions, note, source) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'demo')",
        log_rows,
    )
    return len(log_rows)
