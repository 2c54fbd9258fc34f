"""Traffic lights and roll-up: the one place progress and lateness are worked out.

- **red**: overdue — an unfinished measure's (or the problem's own) deadline has passed;
- **yellow**: due within ``PROBLEMS_YELLOW_DAYS`` days, or behind the straight-line schedule (the share of
  the measure's time that has passed exceeds its progress);
- **green**: on track; **done** once the problem is done or closed; **none** while it has no deadline yet
  (or was dismissed).

Being behind the straight line is a date: a measure running from ``starts_on`` to ``deadline`` with
``p`` % done is behind once ``today > starts_on + floor(p/100 × days)``. Storing that date (``behind_from``)
on the measure, and the earliest of them on its problem, lets a ledger compute lights and filter by
them in SQL with plain date comparisons, while the yellow window stays a setting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATUSES, ProblemStatus

LIGHTS = ("red", "yellow", "green", "done", "none")
LIGHT_LABELS = {
    "red": _("逾期"),
    "yellow": _("临期或滞后"),
    "green": _("正常推进"),
    "done": _("已完成"),
    "none": _("未定时限"),
}
FINISHED = (ProblemStatus.DONE, ProblemStatus.CLOSED)


def yellow_days() -> int:
    return int(getattr(settings, "PROBLEMS_YELLOW_DAYS", 7))


def behind_from(starts_on: dt.date, deadline: dt.date, progress: int) -> dt.date | None:
    """The last day on which ``progress`` still keeps up with the straight line (None when finished)."""
    if progress >= 100:
        return None
    span = (deadline - starts_on).days
    if span <= 0:
        return deadline
    return starts_on + dt.timedelta(days=progress * span // 100)


def light_of(*, due_on: dt.date | None, behind: dt.date | None, finished: bool, today: dt.date | None = None) -> str:
    """The light of one measure or problem from its stored dates (the Python twin of ``light_case``)."""
    if finished:
        return "done"
    if due_on is None:
        return "none"
    today = today or timezone.localdate()
    if due_on < today:
        return "red"
    if due_on <= today + dt.timedelta(days=yellow_days()) or (behind is not None and behind < today):
        return "yellow"
    return "green"


def measure_light(measure: object, *, problem_finished: bool = False, today: dt.date | None = None) -> str:
    progress = getattr(measure, "progress", 0)
    return light_of(
        due_on=getattr(measure, "deadline", None),
        behind=getattr(measure, "behind_from", None),
        finished=problem_finished or progress >= 100,
        today=today,
    )


def problem_light(problem: object, *, today: dt.date | None = None) -> str:
    status = getattr(problem, "status", "")
    if status == ProblemStatus.DISMISSED:
        return "none"
    return light_of(
        due_on=getattr(problem, "due_on", None),
        behind=getattr(problem, "behind_from", None),
        finished=status in FINISHED,
        today=today,
    )


def light_q(light: str, *, today: dt.date | None = None, prefix: str = "") -> Q:
    """Problems (``prefix`` for a relation) whose light is ``light``, as a filter."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=yellow_days())
    status, due, behind = f"{prefix}status", f"{prefix}due_on", f"{prefix}behind_from"
    open_ = Q(**{f"{status}__in": OPEN_STATUSES}) & Q(**{f"{due}__isnull": False})
    red = open_ & Q(**{f"{due}__lt": today})
    yellow = open_ & Q(**{f"{due}__gte": today}) & (Q(**{f"{due}__lte": soon}) | Q(**{f"{behind}__lt": today}))
    if light == "red":
        return red
    if light == "yellow":
        return yellow
    if light == "green":
        return open_ & Q(**{f"{due}__gt": soon}) & (Q(**{f"{behind}__isnull": True}) | Q(**{f"{behind}__gte": today}))
    if light == "done":
        return Q(**{f"{status}__in": FINISHED})
    if light == "none":
        return Q(**{f"{status}": ProblemStatus.DISMISSED}) | (
            Q(**{f"{status}__in": OPEN_STATUSES}) & Q(**{f"{due}__isnull": True})
        )
    raise ValueError(light)


def light_case(*, today: dt.date | None = None) -> Case:
    """The light of each problem as an annotation (``.annotate(light=light_case())``)."""
    today = today or timezone.localdate()
    return Case(
        *(When(light_q(light, today=today), then=Value(light)) for light in ("done", "none", "red", "yellow")),
        default=Value("green"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Rollup:
    """What a problem keeps from its measures."""

    progress: int
    measure_count: int
    due_on: dt.date | None
    behind_from: dt.date | None


def rollup(problem_deadline: dt.date | None, measures: Iterable[tuple[int, int, dt.date, dt.date | None]]) -> Rollup:
    """Roll ``(weight, progress, deadline, behind_from)`` of each measure up into its problem's figures.

    Progress is the weighted mean (rounded down, so 100 % means every measure is finished); the due
    date is the earliest of the problem's deadline and its unfinished measures' deadlines.
    """
    total_weight = weighted = count = 0
    dues = [problem_deadline] if problem_deadline else []
    behinds: list[dt.date] = []
    for weight, progress, deadline, behind in measures:
        count += 1
        total_weight += weight
        weighted += weight * progress
        if progress < 100:
            dues.append(deadline)
            if behind is not None:
                behinds.append(behind)
    progress = weighted // total_weight if total_weight else 0
    return Rollup(
        progress=progress,
        measure_count=count,
        due_on=min(dues) if dues else None,
        behind_from=min(behinds, default=None),
    )
