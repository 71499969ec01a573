"""One file in, whatever it is: a county's hand-off bundle is merged (pledgebook.bundle), a township's
spreadsheet imported (:func:`pledgebook.importers.apply.import_file`). Both faces call this:

- :func:`check_one` and :func:`import_one` — the TUI's 导入 area, one file at a time (F2 checks, F3 imports);
- :class:`ImportRun` — ``pledgebook import``: a list of files in order, its bundles merged by one run
  that reads the next bundle while one merges, each outcome an :class:`ImportResult`.

The bundle modules (and the cryptography they load) are imported only when a bundle comes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

from pledgebook.importers.apply import ImportResult, import_file

if TYPE_CHECKING:
    from pledgebook.bundle.merge import BundleFailure
    from pledgebook.bundle.merger import MergeResult
    from pledgebook.bundle.verify import VerifyReport

Stage = Callable[[str, float], None]  # (what is being done, fraction done)
FileProgress = Callable[[str, int, int], None]  # import_file's: (stage, done, total)
EvaluationDate = Union[dt.date, Callable[[], Union[dt.date, None]], None]


def is_bundle(path: Path) -> bool:
    """The file is (or claims to be) a hand-off bundle rather than a spreadsheet."""
    from pledgebook.bundle.merge import is_bundle as claims_bundle

    return claims_bundle(path)


def _fraction(progress: Stage | None) -> FileProgress | None:
    if progress is None:
        return None
    return lambda stage, done, total: progress(stage, done / total if total else 0)


def check_one(
    path: Path, *, kind: str = "auto", year: int | None = None, evaluation_date: EvaluationDate = None,
    progress: Stage | None = None,
) -> VerifyReport | ImportResult:
    """Look before importing, writing nothing: a bundle is verified whole (structure, hashes, signature,
    trust), a spreadsheet imported as a dry run (what would be added, updated, refused)."""
    if is_bundle(path):
        from pledgebook.bundle.verify import verify_bundle

        return verify_bundle(path, progress=(lambda _stage, f: progress("校验", f)) if progress else None)
    return import_file(path, kind=kind, dry_run=True, year=year, evaluation_date=evaluation_date,
                       progress=_fraction(progress))


def import_one(
    path: Path, *, bundle: bool, kind: str = "auto", on_error: str = "skip", year: int | None = None,
    evaluation_date: EvaluationDate = None, allow_unsigned: bool = False, progress: Stage | None = None,
) -> MergeResult | ImportResult:
    """Import one file as it was checked (``bundle``: what :func:`check_one` found it to be)."""
    if bundle:
        from pledgebook.bundle.merge import import_bundle

        return import_bundle(path, progress=progress, allow_unsigned=allow_unsigned)
    return import_file(path, kind=kind, on_error=on_error, year=year, evaluation_date=evaluation_date,
                       progress=_fraction(progress))


class ImportRun:
    """The files of one list, imported in its order: the bundles merged by one ``import_bundles`` run
    (while one bundle merges, the run reads the next), each spreadsheet at its turn by ``import_file``.

    ``backed_up`` holds the run's one automatic backup, shared with a later list (an inbox after
    the files named): the point is to be able to go back to before the run.
    """

    def __init__(
        self, paths: list[Path], *, backed_up: list[Path], allow_unsigned: bool = False, dry_run: bool = False,
        kind: str = "auto", on_error: str = "skip", year: int | None = None,
        aliases: Mapping[str, str] | None = None, evaluation_date: EvaluationDate = None,
    ) -> None:
        self.backed_up, self.dry_run = backed_up, dry_run
        self.kind, self.on_error, self.year = kind, on_error, year
        self.aliases, self.evaluation_date = aliases, evaluation_date
        bundles = [p for p in paths if is_bundle(p)]
        self.several = len(bundles) > 1
        self.progress: FileProgress | None = None
        self.outcomes: Iterator[MergeResult | BundleFailure] | None = None
        if bundles:
            from pledgebook.bundle.merge import import_bundles

            self.outcomes = import_bundles(bundles, allow_unsigned=allow_unsigned, progress=self._report,
                                           backed_up=backed_up[0] if backed_up else None, dry_run=dry_run)

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if isinstance(self.outcomes, Generator):
            self.outcomes.close()

    def _report(self, path: Path, stage: str, frac: float) -> None:
        if self.progress is not None:
            self.progress(stage, round(frac * 1000), 1000)

    def import_one(self, path: Path, progress: FileProgress | None = None) -> ImportResult:
        """The outcome of ``path``, the list's next file."""
        if not is_bundle(path):
            return import_file(path, kind=self.kind, dry_run=self.dry_run, on_error=self.on_error, year=self.year,
                               aliases=self.aliases, evaluation_date=self.evaluation_date, progress=progress)
        return self._next_bundle(path, progress)

    def _next_bundle(self, path: Path, progress: FileProgress | None) -> ImportResult:
        from pledgebook.bundle.merge import BundleFailure

        assert self.outcomes is not None, path  # every bundle of the list is in the run
        result = ImportResult(path=path, status="bundle", kind="bundle", dry_run=self.dry_run)
        self.progress = progress
        try:
            merged = next(self.outcomes)
        finally:
            self.progress = None
        assert merged.path == path, (merged.path, path)
        if isinstance(merged, BundleFailure):
            result.status = "unusable"
            result.message = merged.error.message
            return result
        result.message = merge_text(path, merged)
        if self.dry_run and self.several and not merged.already_imported:
            result.message += "（试导入时各数据包分别按台账现状计算，未计入同批前面的数据包。）"
        result.backup = merged.backup
        if merged.backup is not None and not self.backed_up:
            self.backed_up.append(Path(merged.backup))
        return result


def merge_text(path: Path, merged: MergeResult) -> str:
    """One readable paragraph about a merged bundle."""
    county = merged.county or {}
    who = f"{county.get('name', '')}（{county.get('code', '')}）"
    if merged.already_imported:
        return f"数据包「{path.name}」（{who}，序号 {merged.sequence}）此前已导入，本次未作任何改动。"
    if merged.dry_run:
        parts = [f"试导入（未写入）：数据包「{path.name}」校验通过，{who}，序号 {merged.sequence}，共 {merged.records} 条记录，"
                 f"导入将新增或更新 {merged.changed} 条"]
    else:
        parts = [f"数据包「{path.name}」已导入：{who}，序号 {merged.sequence}，共 {merged.records} 条记录，新增或更新 {merged.changed} 条"]
    if merged.conflicts:
        parts.append(f"冲突 {len(merged.conflicts)} 条（保留了本级较新的记录，详见 --json）")
    text = "，".join(parts) + "。"
    if merged.notes:
        text += " " + " ".join(merged.notes)
    return text
