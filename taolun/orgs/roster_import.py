"""Importing a roster (名册导入): every row checked first, then all written in one transaction, or nothing.

The steps: read the file (``roster_parse``), check each row (``roster_clean``), match against the
database and check scope (``roster_match``), then — only when nothing is wrong and it is not a dry
run — write everything in bulk (``roster_write``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Unit
from .roster_clean import ErrorSink, clean_sheets
from .roster_format import PEOPLE, SHEET_TITLES, UNITS, ImportReport, KindCounts, PreviewRow, Progress, RowError
from .roster_match import RosterImporter, require_roster_import, tags_of
from .roster_parse import RosterFileError, read_roster
from .roster_write import write_plan

if TYPE_CHECKING:
    from taolun.accounts.models import User

__all__ = ["ImportReport", "KindCounts", "PreviewRow", "RowError", "roster_import"]


def roster_import(
    *,
    file_obj: IO[bytes] | None = None,
    path: str | Path | None = None,
    filename: str,
    under: Unit | None,
    by: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_written: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Check a roster file and, unless ``dry_run`` or any row is wrong, write it all in one transaction.

    ``on_written`` runs inside that transaction once everything is written, so what it records (a
    job marked done) commits with the rows or not at all; an exception from it undoes the import.
    """
    require_roster_import(by, under)
    if (file_obj is None) == (path is None):
        raise ValueError("pass exactly one of file_obj or path")
    report = ImportReport(filename=filename, dry_run=dry_run)
    sink = ErrorSink()
    try:
        sheets = read_roster(Path(path) if path is not None else file_obj, filename, progress)  # type: ignore[arg-type]
    except RosterFileError as exc:
        sink.add(exc.error)
        return _finish(report, sink)
    unit_rows, person_rows = clean_sheets(sheets, sink)
    if progress is not None:
        progress("validate", len(unit_rows) + len(person_rows), len(unit_rows) + len(person_rows))
    importer = RosterImporter(under=under, by=by, report=report, sink=sink)
    importer.load_units(unit_rows, person_rows)
    importer.plan_units(unit_rows)
    existing_ids = [p.existing["id"] for p in importer.units.values() if p.existing]
    paths = importer.check_units(tags_of(existing_ids))
    importer.plan_people(person_rows, paths)
    importer.summarise()
    if sink.count or dry_run:
        return _finish(report, sink)
    try:
        with transaction.atomic():
            write_plan(importer, filename=filename, progress=progress)
            if on_written is not None:
                on_written(report)
    except IntegrityError:
        sink.add(
            RowError(
                "",
                None,
                "",
                _("导入时数据被其他人同时修改，未写入任何数据。"),
                _("请稍后重新导入同一文件。"),
            )
        )
        return _finish(report, sink)
    report.written = True
    return _finish(report, sink)


def _finish(report: ImportReport, sink: ErrorSink) -> ImportReport:
    order = {SHEET_TITLES[UNITS]: 0, SHEET_TITLES[PEOPLE]: 1}
    report.errors = sorted(sink.errors, key=lambda e: (order.get(e.sheet, -1), e.row or 0))
    report.error_count = sink.count
    return report
