"""Importing an Excel ledger (台账导入) into a campaign and a unit subtree: all rows or nothing.

Every row is checked first (``ledger_read`` reads the file, ``LedgerChecker`` checks and matches each
row against the roster and the campaign in a fixed number of queries) and the report names each bad
cell with its Excel row number, what is wrong and how to fix it. Only when no row is wrong, and it is
not a dry run, is everything written — in one transaction, in bulk: problems numbered on from the
campaign's last number, their measures and progress reports, the rolled-up figures computed as the
services compute them, one audit entry per problem and one for the import.

What each row becomes:

- 责任单位: a unit within the chosen subtree, by name or code (a name shared by several units must be
  given as the code);
- 责任人 of the problem: a person on the roster of the responsible unit's subtree, by name (or
  ``姓名（人员编号）`` when names repeat). Someone the roster does not know is an error rather than a
  silently dropped name: the problem's owner is one of its "five clarities" and receives its tasks;
- 责任人 of a measure: matched the same way, else kept as the measure's ``owner_name`` text;
- status: closed (已销号) when 销号时间 is filled (完成情况 is then required, every measure counts as
  done); confirmed when the row has all five clarities (内容, 责任人, 整改标准, 措施, 时限) — rectifying
  once any measure reports progress; otherwise found (已查摆).

Imports notify nobody (a ledger of hundreds of rows would flood every owner); owners find their
problems under 我的任务.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Campaign
from taolun.core.models import AuditEntry
from taolun.core.permissions import require_perm
from taolun.core.services import _actor_label, audit_record, audit_record_many, bulk_insert, snapshot
from taolun.orgs.models import Unit

from . import services
from .imports_check import LedgerChecker, PlannedProblem
from .ledger_read import LedgerFileError, RowError, read_ledger
from .lights import behind_from, rollup
from .models import Measure, MeasureUpdate, Problem, ProblemStatus

if TYPE_CHECKING:
    from taolun.accounts.models import User

__all__ = ["LedgerImportReport", "RowError", "ledger_import"]

ERRORS_KEPT = 1000


@dataclass
class LedgerImportReport:
    filename: str
    dry_run: bool = False
    rows: int = 0
    problems: int = 0
    measures: int = 0
    updates: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def status_counts(self) -> list[tuple[str, int]]:
        """``[(label, n)]`` in the workflow's order, for the summary."""
        return [(str(label), self.statuses[v]) for v, label in ProblemStatus.choices if self.statuses.get(v)]


def _fail(report: LedgerImportReport, errors: list[RowError]) -> LedgerImportReport:
    report.error_count = len(errors)
    report.errors = sorted(errors, key=lambda e: (e.row or 0, e.column))[:ERRORS_KEPT]
    return report


def ledger_import(
    *,
    file_obj: IO[bytes],
    filename: str,
    campaign: Campaign,
    unit: Unit,
    by: User | None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> LedgerImportReport:
    """Check a ledger file and, unless ``dry_run`` or any row is wrong, create its problems in ``campaign``.

    ``unit`` bounds the responsible units the file may name (``problems.import_ledger`` on it is required).
    """
    require_perm(by, "problems.import_ledger", unit)
    if not unit.path.startswith(campaign.root_unit.path):
        raise ValidationError({"unit": _("“%(unit)s”不在本次大讨论的范围内。") % {"unit": unit.name}})
    today = today or timezone.localdate()
    report = LedgerImportReport(filename=filename, dry_run=dry_run)
    try:
        sheet = read_ledger(file_obj)
    except LedgerFileError as exc:
        return _fail(report, [exc.error])
    report.rows = len(sheet.rows)
    checker = LedgerChecker(campaign=campaign, root=unit, today=today)
    plans = checker.check(sheet.rows)
    if checker.errors:
        return _fail(report, checker.errors)
    report.problems = len(plans)
    report.measures = sum(len(p.measures) for p in plans)
    report.updates = sum(1 for p in plans for m in p.measures if m.update is not None)
    report.statuses = dict(Counter(p.status for p in plans))
    if dry_run:
        return report
    try:
        with transaction.atomic():
            _write(plans, campaign=campaign, root=unit, by=by, filename=filename)
    except IntegrityError:
        return _fail(
            report,
            [
                RowError(
                    None,
                    "",
                    _("导入时台账被其他人同时修改，未写入任何数据。"),
                    _("请稍后重新导入同一文件。"),
                )
            ],
        )
    report.written = True
    return report


def _write(
    plans: list[PlannedProblem],
    *,
    campaign: Campaign,
    root: Unit,
    by: User | None,
    filename: str,
) -> None:
    now = timezone.now()
    actor = services.actor(by)
    numbers = services.next_numbers(campaign, len(plans))
    problems: list[Problem] = []
    measures: list[list[Measure]] = []
    for number, plan in zip(numbers, plans, strict=True):
        closed_at = plan.closed_at()
        problem = Problem(
            campaign=campaign,
            number=number,
            content=plan.content,
            source=plan.source,
            unit_id=plan.unit_id,
            owner_id=plan.owner_id,
            category_id=plan.category_id,
            theme_id=plan.theme_id,
            dimension_id=plan.dimension_id,
            standard=plan.standard,
            deadline=plan.deadline,
            status=plan.status,
            result=plan.result,
            found_at=min(now, closed_at) if closed_at else now,
            created_by=actor,
            created_at=now,
        )
        if plan.status != ProblemStatus.FOUND:
            problem.confirmed_at = problem.found_at
            problem.original_deadline = plan.deadline
        if closed_at is not None:
            problem.done_at = problem.closed_at = closed_at
            problem.closed_by = actor
            problem.closed_on_time = plan.deadline is None or plan.closed_on <= plan.deadline  # type: ignore[operator]
        own: list[Measure] = []
        for order, m in enumerate(plan.measures, start=1):
            measure = Measure(
                content=m.content,
                owner_id=m.owner_id,
                owner_name=m.owner_name,
                starts_on=m.starts_on,
                deadline=m.deadline,
                progress=m.progress,
                order=order,
                created_at=now,
            )
            measure.behind_from = behind_from(m.starts_on, m.deadline, m.progress)
            measure.done_at = (closed_at or now) if m.progress >= 100 else None
            own.append(measure)
        figures = rollup(plan.deadline, [(m.weight, m.progress, m.deadline, m.behind_from) for m in own])
        problem.progress, problem.measure_count = figures.progress, figures.measure_count
        problem.due_on, problem.behind_from = figures.due_on, figures.behind_from
        problems.append(problem)
        measures.append(own)
    bulk_insert(Problem, problems)
    for problem, own in zip(problems, measures, strict=True):
        for measure in own:
            measure.problem_id = problem.pk
    flat = [m for own in measures for m in own]
    bulk_insert(Measure, flat)
    updates = [
        MeasureUpdate(
            measure_id=measure.pk,
            happened_on=m.update.happened_on,
            progress=m.update.progress,
            note=m.update.note,
            created_at=now,
            created_by=actor,
        )
        for plan, own in zip(plans, measures, strict=True)
        for m, measure in zip(plan.measures, own, strict=True)
        if m.update is not None
    ]
    bulk_insert(MeasureUpdate, updates)
    _audit(plans, problems, by=by, now=now, filename=filename)
    audit_record(
        actor=by,
        action="problems.ledger.import",
        obj=root,
        after={
            "file": filename,
            "campaign": campaign.pk,
            "problems": len(problems),
            "measures": len(flat),
            "numbers": [problems[0].number, problems[-1].number] if problems else [],
        },
        note=filename[:500],
        unit_path=root.path,
    )


def _audit(
    plans: list[PlannedProblem], problems: list[Problem], *, by: User | None, now: dt.datetime, filename: str
) -> None:
    """One entry per problem, as ``problem_create`` writes it: the first version of its history."""
    actor = by if by is not None and by.pk else None
    label = _actor_label(by)[:150]
    entries = [
        AuditEntry(
            at=now,
            actor=actor,
            actor_label=label,
            action="problems.import",
            object_type=Problem._meta.label,
            object_id=str(problem.pk),
            object_repr=str(problem)[:200],
            unit_path=plan.unit_path,
            before=None,
            after={
                **snapshot(problem, services.PROBLEM_FIELDS),
                "measures": [m.content[:200] for m in plan.measures],
                "row": plan.row,
            },
            note=filename[:500],
        )
        for plan, problem in zip(plans, problems, strict=True)
    ]
    audit_record_many(entries)
