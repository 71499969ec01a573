"""The second ledger's tables in the report: 四帮四促工作情况统计表 and 未覆盖村."""

from __future__ import annotations

from datetime import date

from pledgebook.exporters.report.data import Sheet, cn_date, rate
from pledgebook.models.campaign.figures import CampaignBook
from pledgebook.models.core import vocab


def campaign_sheets(year: int, root_id: int, group: str, committee_of: dict[int, str], today: date) -> list[Sheet]:
    """The second ledger: 四帮四促工作情况统计表 (rows as on 承诺情况统计表) and the 未覆盖村 list.

    Every figure is :class:`CampaignBook`'s (what ``pledgebook stats`` prints): running contact points,
    pairings and stationed cadres on ``as_of``; the year's help logs summed by kind of work and measure.
    """
    book = CampaignBook(year, today=today)
    total = book.subtree(root_id)
    as_of = cn_date(book.as_of)
    work = [(kind, m) for kind in vocab.WORK_KINDS for m in vocab.WORK_MEASURES[kind]]
    figures = Sheet(
        "四帮四促工作情况统计表",
        "四帮四促工作情况统计表",
        [group, "联系点\n（个）", "结对帮扶\n（对）", "驻村干部\n（名）", "帮扶记录\n（条）"]
        + [f"{vocab.WORK_KINDS[kind]}\n（{vocab.MEASURES[m]}）" for kind, m in work]
        + ["村\n（个）", "已覆盖村\n（个）", "未覆盖村\n（个）", "覆盖率"],
        ["text"] + ["int"] * 4 + ["money" if m == "funds" else "int" for _kind, m in work] + ["int"] * 3 + ["pct"],
        units="单位：见表头",
        note=f"联系点、结对帮扶、驻村干部为截至{as_of}的现有数，帮扶工作量为本年度帮扶记录合计",
    )
    by_kind = "、".join(
        f"{label} {total.contact_points_by_kind[kind]}"
        for kind, label in vocab.CONTACT_KINDS.items() if total.contact_points_by_kind.get(kind)
    )
    if by_kind:
        figures.note += f"；联系点按类型：{by_kind}"

    def help_row(name: str, fig) -> list:
        d = fig.as_dict()  # 万元 to 2 places, the other measures whole
        uncovered = d["villages"] - d["villages_covered"]
        return [name, d["contact_points"], d["pairings"], d["stationed_cadres"], d["logs"],
                *(d["work"][kind][m] for kind, m in work),
                d["villages"], d["villages_covered"], uncovered, rate(fig.coverage_rate)]

    figures.rows = [help_row(node.name, fig) for node, fig in book.children(root_id)]
    figures.total = help_row("合计", total)

    villages = book.uncovered_villages(root_id)
    missing = Sheet(
        "未覆盖村",
        f"未覆盖村名单（{len(villages)}个）",
        ["序号", group, "乡镇", "村（党组织）", "组织代码"],
        ["int", "text", "text", "text", "text"],
        units="单位：个",
        note=f"截至{as_of}既无驻村干部、也无联系点的村（农村党支部、党总支）",
        empty="全部村已覆盖" if total.villages else "台账中没有村级党组织（农村党支部、党总支）",
    )
    missing.rows = [
        [n, committee_of.get(v.id, v.committee), v.township or "", v.name, v.code or ""]
        for n, v in enumerate(villages, 1)
    ]
    return [figures, missing]
