"""Year end: preview, close and carry forward (结转), reopen, the closed year's archive, the years overview.

The faces (CLI, TUI) call these functions and get plain dataclasses back;
each lives in its own module:

- :mod:`~pledgebook.yearend.plan` — :func:`preview`: what a rollover would do and what blocks it;
- :mod:`~pledgebook.yearend.close` — :func:`rollover`: backup, then one transaction that closes
  the year and carries its unfinished pledges forward;
- :mod:`~pledgebook.yearend.archive` — :func:`ensure_archive`: the closed year's backup and summary;
- :mod:`~pledgebook.yearend.reopening` — :func:`reopen_check`, :func:`reopen`: undo a rollover;
- :mod:`~pledgebook.yearend.years` — :func:`years_overview`;
- :mod:`~pledgebook.yearend.common` — the rollover record, the org lookup, the progress callback.

Nothing here imports textual, rich or typer; long work reports progress as
``progress(stage, fraction)``.
"""

from pledgebook.yearend.archive import ArchiveResult, ensure_archive, summary_rows, write_year_summary
from pledgebook.yearend.close import RolloverResult, rollover
from pledgebook.yearend.common import RECORD_KEY, PointHook, Progress, org_lookup, rollover_record
from pledgebook.yearend.plan import (
    CARRIABLE,
    CARRY_DEFAULT,
    DUE_RULES,
    PROBLEM_KINDS,
    CarryRow,
    Preview,
    Problem,
    RolloverBlocked,
    new_due,
    parse_carry,
    preview,
)
from pledgebook.yearend.reopening import (
    ReopenBlocked,
    ReopenBlocker,
    ReopenCheck,
    ReopenResult,
    reopen,
    reopen_check,
)
from pledgebook.yearend.years import years_overview

__all__ = [
    "CARRIABLE",
    "CARRY_DEFAULT",
    "DUE_RULES",
    "PROBLEM_KINDS",
    "RECORD_KEY",
    "ArchiveResult",
    "CarryRow",
    "PointHook",
    "Preview",
    "Problem",
    "Progress",
    "ReopenBlocked",
    "ReopenBlocker",
    "ReopenCheck",
    "ReopenResult",
    "RolloverBlocked",
    "RolloverResult",
    "ensure_archive",
    "new_due",
    "org_lookup",
    "parse_carry",
    "preview",
    "reopen",
    "reopen_check",
    "rollover",
    "rollover_record",
    "summary_rows",
    "write_year_summary",
    "years_overview",
]
