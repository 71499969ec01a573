"""践诺记录: progress records by pledge + date + note."""

from __future__ import annotations

from pledgebook.importers import cells
from pledgebook.importers.context import Context
from pledgebook.importers.plan import Collector, Planned, Row, RowErrors, SheetKind, Writer
from pledgebook.importers.sheets.pledger import UID_COLUMN, find_pledge
from pledgebook.models.core import vocab
from pledgebook.models.core.values import parse_int
from pledgebook.models.ledger import rules


class Progress(SheetKind):
    name = "progress"
    label = "践诺记录"
    table = "progress"
    required = (("践诺进展",), ("承诺事项", UID_COLUMN))
    key_columns = ("践诺日期",)
    reads = frozenset({"践诺进展", "践诺日期", "完成进度"})

    def plan(self, ctx: Context, row: Row) -> list[Planned]:
        c = Collector()
        pledge = find_pledge(ctx, row, c)
        note = cells.text(row, "践诺进展", "践诺进展", c, required=True)
        if row.raw("践诺日期") is not None:
            when = cells.date(row, "践诺日期", c, ctx.date1904)
        elif row.raw("填报日期") is not None:
            when = cells.date(row, "填报日期", c, ctx.date1904)
        else:
            when = None
            c.add("践诺日期" if row.has("践诺日期") else None, "请填写践诺日期")
        percent = c.run("完成进度", parse_int, row.raw("完成进度"))
        if percent is not None and not 0 <= percent <= 100:
            c.add("完成进度", "完成进度应在 0–100 之间")
        if when is not None and when > ctx.today:
            c.add("践诺日期", "践诺记录的日期不能晚于今天")
        c.raise_if_any()
        assert pledge is not None and when is not None
        problem = ctx.check_year(pledge["year"])
        if problem:
            raise RowErrors([(None, problem)])
        if pledge["status"] in ("withdrawn", "carried"):
            raise RowErrors([("承诺事项", f"该承诺已{vocab.label(vocab.PLEDGE_STATUSES, pledge['status'])}，不能再登记践诺")])
        key = ("progress", pledge["id"], when, cells.content_key(note))
        dup = ctx.duplicate(key, row.number)
        if dup:
            raise RowErrors([("践诺进展", dup)])
        values = {"pledge_id": pledge["id"], "note": note, "date": when, "percent": percent}
        action = "unchanged" if key[1:] in ctx.progress_keys() else "add"
        return [Planned("progress", action, row.number, values, label=note[:20])]

    def write(self, p: Planned, w: Writer) -> None:
        v = p.values
        rules.add_progress(v["pledge_id"], v["note"], on=v["date"], percent=v["percent"])


SHEET = Progress()
