"""One name for an organization on every screen: the short one where space is short.

「中共联珠镇委员会」 is 「联珠镇党委」 in the org tree, on the home screen, in its
trail and in the ledger's summary line; the full name stays where there is room
for it: the pledge detail, the forms' pickers, the printed notices and reports.
"""

from __future__ import annotations


def short_name(name: str) -> str:
    """中共联珠镇委员会 → 联珠镇党委; 中共县直机关工作委员会 → 县直机关工委; others as they are."""
    if name.startswith("中共") and name.endswith("工作委员会") and len(name) > 7:
        return name[2:-5] + "工委"
    if name.startswith("中共") and name.endswith("委员会") and len(name) > 5:
        return name[2:-3] + "党委"
    return name
