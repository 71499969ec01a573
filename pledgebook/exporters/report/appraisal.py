"""The third ledger's headline numbers in the report: 奖诺情况 (民主评议党员, 星级评定, 评选表彰) per row of
承诺情况统计表 — per 党委 at a county, per county at a prefecture."""

from __future__ import annotations

from pledgebook.exporters.report.data import Sheet
from pledgebook.models.appraisal.headline import Headline, HeadlineBook


def appraisal_sheets(year: int, root_id: int, group: str) -> list[Sheet]:
    """奖诺情况统计表: :class:`HeadlineBook`'s numbers (``figures.summary``'s, what ``stats`` prints) per child of
    the root and the total; none when the year has no record of the third ledger."""
    book = HeadlineBook(year)
    total = book.subtree(root_id)
    if not any(vars(total).values()):
        return []
    sheet = Sheet(
        "奖诺情况统计表",
        "奖诺情况统计表",
        [group, "参评党员\n（名）", "评为优秀\n（名）", "评为不合格\n（名）", "组织处置未销号\n（项）",
         "五星党支部\n（个）", "确定表彰\n（个、名）"],
        ["text"] + ["int"] * 6,
        note="参评党员不含不参评的；五星党支部为已确定的最高星级；确定表彰含先进基层党组织、优秀共产党员、优秀党务工作者",
    )

    def row(name: str, fig: Headline) -> list:
        return [name, fig.appraised, fig.excellent, fig.unqualified, fig.disposals_open, fig.five_star,
                fig.honours_confirmed]

    sheet.rows = [row(node.name, fig) for node, fig in book.children(root_id)]
    sheet.total = row("合计", total)
    return [sheet]
