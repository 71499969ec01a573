"""Shared fixtures. No test ever touches the real user data folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

from pledgebook.models.store.db import close_database, open_database


def _point_user_folders_at(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "USERPROFILE": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
            "LOCALAPPDATA": str(home / "localappdata"), "APPDATA": str(home / "appdata")}


# Module- and session-scoped fixtures run before any function-scoped one, so the whole test process
# (each xdist worker) starts pointed at a throw-away home: a module fixture that makes keys or a ledger
# never writes into the real user folders (a key left there by one run broke the next).
_PROCESS_HOME = Path(tempfile.mkdtemp(prefix="pledgebook-test-home-"))
atexit.register(shutil.rmtree, _PROCESS_HOME, ignore_errors=True)
os.environ.update(_point_user_folders_at(_PROCESS_HOME))
os.environ.pop("PLEDGEBOOK_DB", None)


@pytest.fixture(autouse=True)
def _isolate_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every user folder (data, config, home) into a temporary place."""
    home = tmp_path_factory.mktemp("home")
    for name, value in _point_user_folders_at(home).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PLEDGEBOOK_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path):
    """A fresh, empty, migrated ledger file (not yet initialised)."""
    path = tmp_path / "ledger.db"
    open_database(path)
    yield path
    close_database()


@pytest.fixture
def county(db_path: Path):
    """A small hand-made county: one committee, two branches, three members, year 2011 open.

    Returns a dict of the records by short name.
    """
    from pledgebook.models.ledger import rules

    root = rules.init_county("墨江哈尼族自治县", "530822", 2011)
    committee = rules.create_org("中共联珠镇委员会", "党委", root.id, township="联珠镇", sector="农村")
    b1 = rules.create_org("新华村党支部", "党支部", committee.id, sector="农村")
    b2 = rules.create_org("碧溪村党支部", "党支部", committee.id, sector="农村")
    zhang = rules.create_person("张三", b1.id, gender="男", post="党支部书记")
    li = rules.create_person("李四", b1.id, gender="女")
    wang = rules.create_person("王五", b2.id)
    return {
        "path": db_path,
        "root": root,
        "committee": committee,
        "b1": b1,
        "b2": b2,
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "year": 2011,
        "today": date.today(),
    }


@pytest.fixture
def demo_path(tmp_path: Path):
    """A small demo county (2,000 pledges over two years) in a temp file."""
    from pledgebook.demo.pledges import build_demo

    path = tmp_path / "demo.db"
    open_database(path)
    build_demo(total_pledges=2_000, seed=7)
    yield path
    close_database()


@pytest.fixture
def campaign(county):
    """The hand-made county plus a small campaign.

    Villages (农村 branches / general branches whose parent is not one): b1 新华村, b2 碧溪村,
    b3 龙坝村 (a general branch with a 一组 branch inside it) and b4 坝溜村 — 4. Not villages:
    the 一组 branch, the 社区 branch and the 临时党支部.
    """
    from pledgebook.models.campaign import rules as helping
    from pledgebook.models.ledger import rules

    c = county
    comm, root = c["committee"], c["root"]
    b3 = rules.create_org("龙坝村党总支", "党总支", comm.id, sector="农村")
    group = rules.create_org("龙坝村一组党支部", "党支部", b3.id, sector="农村")
    b4 = rules.create_org("坝溜村党支部", "党支部", comm.id, sector="农村")
    rules.create_org("新城社区党支部", "党支部", comm.id, sector="社区")
    temp = rules.create_org("联珠镇驻村工作队临时党支部", "临时党支部", comm.id, sector="农村")
    organ = rules.create_org("县直机关工委", "党工委", root.id, sector="机关")
    finance = rules.create_org("县财政局机关党支部", "党支部", organ.id, sector="机关")
    zhao = rules.create_person("赵六", finance.id)
    qian = rules.create_person("钱七", finance.id)
    zhang, li, wang = c["zhang"], c["li"], c["wang"]

    cp1 = helping.create_contact_point(zhang.id, "村", "新华村", c["b1"].id, start_date="2011-01-01")
    cp2 = helping.create_contact_point(li.id, "企业", "云岭茶业公司", comm.id, start_date="2011-02-01")
    helping.end_contact_point(cp2.id, "2011-06-30")
    cp3 = helping.create_contact_point(zhang.id, "困难户", "王大妈户", group.id, start_date="2011-03-01")
    cp4 = helping.create_contact_point(wang.id, "学校", "碧溪小学", c["b2"].id, start_date="2011-01-01")
    cp5 = helping.create_contact_point(li.id, "园区", "联珠工业园区", comm.id, start_date="2011-10-01")
    pa1 = helping.create_pairing(zhao.id, helped_person_id=wang.id, start_date="2011-01-10")
    pa2 = helping.create_pairing(qian.id, household="李小红户", org_id=c["b1"].id, start_date="2011-01-10")
    helping.end_pairing(pa2.id, "2011-05-31")
    st1 = helping.create_stationing(zhao.id, c["b2"].id, "县财政局", branch_id=temp.id, role="第一书记", start_date="2010-06-01")
    st2 = helping.create_stationing(qian.id, c["b1"].id, "县财政局", branch_id=temp.id, start_date="2011-01-01")
    helping.end_stationing(st2.id, "2011-03-31")

    logs = [
        helping.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id, quantities={"户": 12, "人次": 30}),
        helping.add_help_log("解决问题", "2011-05-10", contact_point_id=cp1.id, quantities={"个": 3}),
        helping.add_help_log("协调资金", "2011-05-20", pairing_id=pa1.id, quantities={"万元": "2.5"}),
        helping.add_help_log("化解矛盾纠纷", "2011-05-21", stationing_id=st1.id, quantities={"cases": 2}),
        helping.add_help_log("培训", "2011-07-01", stationing_id=st1.id, quantities={"期": 1, "人次": 40}),
        helping.add_help_log("办实事", "2011-08-01", contact_point_id=cp3.id, quantities={"件": 4}),
        helping.add_help_log("引进项目", "2011-04-01", contact_point_id=cp2.id, quantities={"个": 1, "万元": 100}),
    ]
    gone = helping.add_help_log("走访", "2011-06-01", contact_point_id=cp1.id, quantities={"户": 99})
    helping.soft_delete("help_log", gone.id)
    return {**c, "b3": b3, "group": group, "b4": b4, "temp": temp, "organ": organ, "zhao": zhao, "qian": qian,
            "cp": [cp1, cp2, cp3, cp4, cp5], "pa": [pa1, pa2], "st": [st1, st2], "logs": logs, "gone": gone}


@pytest.fixture
def prefecture(db_path: Path):
    """A hand-made prefecture file (2011): two counties under 普洱市, as merged bundles hang them.

    墨江县: 联珠镇党委 › 新华村 (a 村 contact point; 走访 12户/30人次, 协调资金 2.5万元) and
    碧溪村 (uncovered). 宁洱县: 宁洱镇党委 › 同心村 (a stationed cadre; 解决问题 3个) and
    勐先村 (a 学校 contact point; 化解矛盾纠纷 2起). Villages 4, covered 3.
    """
    from pledgebook.models.campaign import rules as helping
    from pledgebook.models.ledger import rules

    root = rules.init_county("普洱市", "530800", 2011, level="prefecture")
    made = {"root": root, "path": db_path}
    for county, code, town, (v1, v2) in (
        ("墨江县", "530822", "联珠镇", ("新华村党支部", "碧溪村党支部")),
        ("宁洱县", "530821", "宁洱镇", ("同心村党支部", "勐先村党支部")),
    ):
        c = rules.create_org(county, "县委", root.id, code=code)
        comm = rules.create_org(f"中共{town}委员会", "党委", c.id, sector="农村", township=town)
        made[county] = c
        made[v1] = rules.create_org(v1, "党支部", comm.id, sector="农村", code=code + "01")
        made[v2] = rules.create_org(v2, "党支部", comm.id, sector="农村")
    zhang = rules.create_person("张三", made["新华村党支部"].id)
    li = rules.create_person("李四", made["同心村党支部"].id)
    wang = rules.create_person("王五", made["勐先村党支部"].id)
    cp1 = helping.create_contact_point(zhang.id, "村", "新华村", made["新华村党支部"].id, start_date="2011-01-01")
    st = helping.create_stationing(li.id, made["同心村党支部"].id, "县财政局", start_date="2011-01-01")
    cp2 = helping.create_contact_point(wang.id, "学校", "勐先小学", made["勐先村党支部"].id, start_date="2011-02-01")
    helping.add_help_log("走访", "2011-03-05", contact_point_id=cp1.id, quantities={"户": 12, "人次": 30})
    helping.add_help_log("协调资金", "2011-05-20", contact_point_id=cp1.id, quantities={"万元": "2.5"})
    helping.add_help_log("解决问题", "2011-06-01", stationing_id=st.id, quantities={"个": 3})
    helping.add_help_log("化解矛盾纠纷", "2011-07-01", contact_point_id=cp2.id, quantities={"起": 2})
    return made
