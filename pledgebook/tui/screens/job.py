"""What the import, hand-off and year screens share: one long job at a time, in a thread
worker, with a ProgressBar and a stage line; the result or a kind Chinese message comes back
on the UI thread.

The job function gets ``progress(stage, fraction)`` and runs with its own database
connection (:func:`worker_db.db_thread`). A :class:`PledgebookError` becomes its message;
anything unexpected becomes a short note (never a traceback) from ``on_worker_state_changed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import work
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from pledgebook.models.core.errors import PledgebookError
from pledgebook.tui.screens.base import AreaScreen
from pledgebook.tui.worker_db import db_thread

T = TypeVar("T")
Progress = Callable[[str, float], None]

JOB_CSS = """
.job-bar { height: 1; padding: 0 1; }
.job-bar ProgressBar { width: 36; }
.job-bar Bar { width: 24; }
.job-stage { width: 1fr; color: $text-muted; }
.section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
.row { height: 1; padding: 0 1; }
.row Label { width: auto; padding: 0 1 0 0; }
.row Button { margin: 0 0 0 1; min-width: 8; }
.result { height: auto; padding: 0 1; }
"""


def fail_text(exc: BaseException) -> str:
    """A kind message for an unexpected error: what happened, without the traceback."""
    if isinstance(exc, PledgebookError):
        return exc.message
    if isinstance(exc, OSError):
        where = f"「{exc.filename}」" if getattr(exc, "filename", None) else ""
        return f"读写文件{where}时出错：{exc.strerror or exc}。请检查文件是否存在、是否正在 Excel/WPS 中打开、U盘是否已插好。"
    return f"操作没有完成（{type(exc).__name__}：{exc}）。数据没有改动；请重试，或把这段文字告诉维护人员。"


class JobScreen(AreaScreen):
    """An area screen that runs one long job at a time; subclasses compose a ``ProgressBar``
    with class ``job`` and a ``Static`` with class ``job-stage``."""

    busy = False

    def start_job(
        self,
        title: str,
        fn: Callable[[Progress], T],
        done: Callable[[T], None],
        failed: Callable[[str], None] | None = None,
    ) -> bool:
        if self.busy:
            self.notify("上一项操作还在进行，请稍候。", severity="warning")
            return False
        self.busy = True
        self._failed = failed
        self._last = (None, -1.0)
        self._show_progress(title, 0.0)
        self._run_job(title, fn, done, failed)
        return True

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def _run_job(self, title: str, fn: Callable[[Progress], T], done: Callable[[T], None],
                 failed: Callable[[str], None] | None) -> None:
        def progress(stage: str, fraction: float) -> None:
            stage_text = f"{title}：{stage}" if stage else title
            last_stage, last_frac = self._last
            if stage_text == last_stage and fraction - last_frac < 0.01 and fraction < 1:
                return
            self._last = (stage_text, fraction)
            self.app.call_from_thread(self._show_progress, stage_text, fraction)

        try:
            with db_thread():
                result = fn(progress)
        except (PledgebookError, OSError) as exc:
            self.app.call_from_thread(self._job_failed, fail_text(exc), failed)
            return
        self.app.call_from_thread(self._job_done, result, done)

    def _show_progress(self, stage: str, fraction: float) -> None:
        for bar in self.query("ProgressBar.job").results(ProgressBar):
            bar.update(total=100, progress=round(max(0.0, min(1.0, fraction)) * 100))
        for label in self.query(".job-stage").results(Static):
            label.update(stage)

    def _job_done(self, result: T, done: Callable[[T], None]) -> None:
        self.busy = False
        self._show_progress("完成", 1.0)
        done(result)

    def _job_failed(self, message: str, failed: Callable[[str], None] | None) -> None:
        self.busy = False
        self._show_progress("未完成", 0.0)
        if failed is not None:
            failed(message)
        self.notify(message, title="未完成", severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "job" and event.state == WorkerState.ERROR and worker.error is not None:
            self._job_failed(fail_text(worker.error), getattr(self, "_failed", None))
