"""星级评定 in the TUI: a branch's points on the 五个好 (each beside its full points), confirming its stars, and
the year's proposal for every branch and confirming them all.

The writes are :mod:`pledgebook.models.appraisal.rules` (``score``, ``confirm_stars``, ``propose_stars``,
``confirm_all``) in a thread worker; a refusal (points beyond an item's full points, stars outside the county's
levels, a closed year) is shown in the form with the rules' message and nothing is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from pledgebook.models.appraisal.rules import stars as rules
from pledgebook.models.appraisal.views import RatingView
from pledgebook.models.core import vocab
from pledgebook.models.store import settings
from pledgebook.tui.dialogs.appraisal import LedgerForm

if TYPE_CHECKING:
    from pledgebook.tui.app import PledgebookApp


def points_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class StarScoreForm(LedgerForm):
    DEFAULT_CSS = """
    StarScoreForm .inline-label { width: 34; }
    """

    """The office's points of one branch: every item, its full points beside it; the ledger's items come
    proposed from the figures (the office may correct them). Dismisses with the rating's id."""

    def __init__(self, org_id: int, name: str, year: int, rating: RatingView | None) -> None:
        super().__init__()
        self.org_id = org_id
        self.year = year
        self.rating = rating
        self.form_title = f"星级评分：{name}（{year}年度）"

    def body(self) -> ComposeResult:
        full = settings.star_points()
        lines = "/".join(str(v) for v in settings.star_thresholds().values())
        ledger = "、".join(vocab.STAR_ITEMS[i] for i in vocab.STAR_ITEMS_FROM_LEDGER)
        yield Static(f"扣分制，从满分扣减；星级分数线 {lines}（五星起）。\n{ledger}由台账数据建议，可修改。",
                     classes="field-label")
        scores = self.rating.scores if self.rating else {}
        for item, label in vocab.STAR_ITEMS.items():
            ledger = "，台账建议" if item in vocab.STAR_ITEMS_FROM_LEDGER else ""
            yield from self.inline(f"score_{item}", f"{label}（满分 {full[item]}{ledger}）",
                                   Input(points_text(scores.get(item)), type="number", compact=True,
                                         placeholder="留空：不改" if self.rating else f"留空：{full[item]}"))
        yield Static("", id="star-total", classes="preview")

    def on_mount(self) -> None:
        super().on_mount()
        self._total()

    @on(Input.Changed)
    def _total(self) -> None:
        """The total of the points as typed (a blank item: as it stands) and the stars it gives, live."""
        shown = self.query_one("#star-total", Static)
        if self.rating is None:
            shown.update("保存后，未填的台账项按台账数据计算，再给出建议星级。")
            return
        total = 0.0
        for item in vocab.STAR_ITEMS:
            text = self.query_one(f"#f-score_{item}", Input).value.strip()
            try:
                total += float(text) if text else self.rating.scores.get(item) or 0.0
            except ValueError:
                shown.update(f"{vocab.STAR_ITEMS[item]}的得分应是数字")
                return
        level = rules.stars_for(round(total, 1))
        shown.update(f"合计 {round(total, 1):g} 分，按分数线为{vocab.STAR_LABELS.get(level, f'{level}星')}")

    def save(self, values: dict[str, Any]) -> int:
        given = {key.removeprefix("score_"): value for key, value in values.items() if value not in (None, "")}
        return rules.score(self.org_id, self.year, given).id


class ConfirmStarsForm(LedgerForm):
    """The office confirms a branch's stars: the proposal, or a level it chooses. Dismisses with the rating's id."""

    save_label = "确定 Ctrl+S"

    def __init__(self, org_id: int, name: str, year: int, rating: RatingView | None) -> None:
        super().__init__()
        self.org_id = org_id
        self.year = year
        self.rating = rating
        self.form_title = f"确定星级：{name}（{year}年度）"

    def body(self) -> ComposeResult:
        r = self.rating
        if r is None:
            said = "还没有星级评定记录：请先按 s 评分，或在评议评星区按 P 生成星级建议。"
        else:
            said = (f"总分 {r.total:g}，建议 {r.proposed_stars or '—'}星"
                    + (f"；已于 {r.confirmed_on} 确定为 {r.stars}星" if r.stars is not None else ""))
        yield Static(said, classes="preview")
        levels = [(vocab.STAR_LABELS.get(n, f"{n}星"), n) for n in reversed(rules.star_levels())]
        chosen = r.stars if r and r.stars is not None else (r.proposed_stars if r else None)
        yield from self.inline("stars", "星级", Select(levels, value=chosen if chosen is not None else Select.NULL,
                                                     prompt="按建议", compact=True))
        yield from self.inline("note", "说明", Input(r.note if r else "", placeholder="调整建议星级时写明理由，可不填",
                                                    compact=True))

    def save(self, values: dict[str, Any]) -> int:
        return rules.confirm_stars(self.org_id, self.year, values["stars"], note=values["note"] or "").id


def propose_all(app: PledgebookApp, year: int) -> None:
    """生成星级建议 for every branch of the year, after a yes; the result in a notice."""
    from pledgebook.tui.dialogs.confirm import ConfirmDialog

    def answered(yes: bool | None) -> None:
        if yes:
            app.run_write(lambda: rules.propose_stars(year),
                          lambda result: app.notify(result.text, title="星级建议", timeout=10))

    app.push_screen(ConfirmDialog(
        f"按台账数据为全县各党支部生成{year}年度星级建议？\n已确定星级的不改动；办公室已评的分数保留。", "生成"), answered)


def confirm_all(app: PledgebookApp, year: int, under: int | None, where: str) -> None:
    """按建议确定 every rating not yet confirmed (of ``under``'s subtree), after a yes."""
    from pledgebook.tui.dialogs.confirm import ConfirmDialog

    def answered(yes: bool | None) -> None:
        if yes:
            app.run_write(lambda: rules.confirm_all(year, under),
                          lambda n: app.notify(f"已按建议确定 {n} 个党支部的星级。", title="确定星级", timeout=10))

    app.push_screen(ConfirmDialog(
        f"把{where or '全县'}{year}年度尚未确定的星级全部按建议确定？\n（确定人、日期记入修改日志）", "全部确定"), answered)
