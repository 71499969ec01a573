"""Errors of the importers, each with one Chinese message saying what to do."""

from __future__ import annotations

from pledgebook.models.core.errors import PledgebookError


class FileUnreadable(PledgebookError):
    """The file as a whole cannot be used: wrong format, damaged, hostile, empty.

    ``str(e)`` names the file and says what to do. ``detail`` may hold a
    technical note for a log (never shown as the message).
    """

    exit_code = 2

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.detail = detail


class NoTable(PledgebookError):
    """A sheet was read but no header row could be found in it."""

    def __init__(self, message: str, sheet: str = ""):
        super().__init__(message)
        self.sheet = sheet
