"""Printing the third ledger from the TUI: 民主测评票 and 计票表, 民主评议结果公示, 星级评定表, 授旗名单, 星级公示,
评选表彰公示 and 表彰名单 — for the branch open in 评议评星, the 党委 chosen there, or the whole county.

One dialog for all of them (:class:`AppraisalPrintDialog`): where to save, and what the sheet needs (the 公示
date, the copies of the ballots, per branch or per 乡镇（党委）). The files are written by
:mod:`pledgebook.exporters.paper` (``appraisal``, ``stars``, ``honours``) in a thread worker; a refusal
(nothing to print, a 公示 date outside the year) is shown in the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from pledgebook.exporters.paper import appraisal, honours, stars
from pledgebook.exporters.paper.sheets import PaperResult
from pledgebook.models.core.errors import ValidationError
from pledgebook.tui.dialogs.appraisal import DATE_HINT, LedgerForm
from pledgebook.tui.screens.tally import documents_folder, safe_file_name

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp


@dataclass(frozen=True)
class Printable:
    title: str  # the form's and the notice's
    stem: str  # the file name's start
    write: Callable[..., PaperResult]
    dated: bool = False  # a 公示: asks for its date
    counted: str = "人"  # what ``members`` of the result counts


PRINTS: dict[str, Printable] = {
    "appraisal_ballots": Printable("民主测评票和计票表", "民主测评票", appraisal.print_appraisal_ballots),
    "appraisal_notice": Printable("民主评议结果公示", "民主评议公示", appraisal.print_appraisal_notice, dated=True),
    "star_table": Printable("星级评定表", "星级评定表", stars.print_star_table, counted="个党支部"),
    "flag_list": Printable("授旗名单", "授旗名单", stars.print_flag_list, counted="个党支部"),
    "star_notice": Printable("星级评定结果公示", "星级公示", stars.print_star_notice, dated=True, counted="个党支部"),
    "honour_notice": Printable("评选表彰公示", "表彰公示", honours.print_honour_notice, dated=True, counted="名（个）"),
    "honour_list": Printable("表彰名单", "表彰名单", honours.print_honour_list, counted="名（个）"),
}


class AppraisalPrintDialog(LedgerForm):
    """Print one of :data:`PRINTS` for ``org_id``'s subtree. Dismisses with the :class:`PaperResult`."""

    save_label = "打印 Ctrl+S"

    def __init__(self, what: str, org_id: int | None, org_name: str, year: int, today: date) -> None:
        super().__init__()
        self.what = what
        self.printable = PRINTS[what]
        self.org_id = org_id
        self.org_name = org_name
        self.year = year
        self.today = today
        self.form_title = f"打印{self.printable.title}：{org_name}（{year}年度）"

    def body(self) -> ComposeResult:
        stem = f"{self.printable.stem}_{safe_file_name(self.org_name)}_{self.today:%Y%m%d}.xlsx"
        yield from self.field("path", "保存为", Input(str(documents_folder() / stem)))
        if self.printable.dated:
            yield from self.inline("published_on", "公示日期（张贴日期）",
                                   Input(self.today.isoformat(), placeholder=DATE_HINT, compact=True))
        if self.what == "appraisal_notice":
            by = [(label, code) for code, label in appraisal.NOTICE_BY.items()]
            yield from self.inline("by", "每张表", Select(by, value="branch", allow_blank=False, compact=True))
        if self.what == "appraisal_ballots":
            yield from self.inline("copies", "每个党支部打印几份",
                                   Input("1", type="integer", placeholder="留空：每名参评党员一份", compact=True))

    def save(self, values: dict[str, Any]) -> PaperResult:
        if not values["path"]:
            raise ValidationError("请填写保存的文件名", "path")
        path = Path(values["path"])
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        if not path.parent.is_dir():
            raise ValidationError(f"找不到文件夹「{path.parent}」：请写一个已有文件夹里的文件名", "path")
        options: dict[str, Any] = {"org_id": self.org_id, "year": self.year}
        if self.printable.dated:
            options["published_on"] = values["published_on"]
        if "by" in values:
            options["by"] = values["by"]
        if "copies" in values:
            options["copies"] = int(values["copies"]) if values["copies"] else None
        return self.printable.write(path, **options)


def _printed(app: PledgebookApp, printable: Printable) -> Callable[[PaperResult | None], None]:
    def done(result: PaperResult | None) -> None:
        if not result:
            return
        text = f"已写入「{result.path}」：{result.units} 张表，{result.members} {printable.counted}。"
        if result.tally_path:
            text += f"计票表：「{result.tally_path.name}」。"
        app.notify(text, title=f"已打印{printable.title}", timeout=12)

    return done


def open_print(app: PledgebookApp, what: str) -> None:
    """The palette's 打印… of the third ledger: for what 评议评星 shows (a branch, a 党委), else the county."""
    if app.year is None:
        return
    from pledgebook.tui.screens.appraisal import selected_scope

    org_id, name = selected_scope(app)
    if org_id is None:
        from pledgebook.models.ledger import rules

        root = rules.root_org()
        org_id, name = root.id, root.name
    app.push_screen(AppraisalPrintDialog(what, org_id, name, app.year, app.today), _printed(app, PRINTS[what]))
