"""Moving a plan's dates onto a campaign's own period."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from fractions import Fraction


def date_mapper(
    plan_start: dt.date, plan_end: dt.date, start: dt.date, end: dt.date | None = None
) -> Callable[[dt.date], dt.date]:
    """A function taking each plan date to the campaign's calendar.

    Only ``start``: every date moves by the same number of days (the plan's rhythm is kept).
    ``start`` and ``end``: the plan period is stretched or squeezed linearly onto the new one, each
    date rounded to the nearest day (halves round up), so the plan's start maps to ``start``, its end
    to ``end``, and the order of dates never changes.
    """
    if end is None:
        delta = start - plan_start
        return lambda d: d + delta
    span = (plan_end - plan_start).days
    new_span = (end - start).days
    if span == 0:
        return lambda d: start if d <= plan_start else end

    def linear(d: dt.date) -> dt.date:
        offset = Fraction((d - plan_start).days * new_span, span)
        return start + dt.timedelta(days=math.floor(offset + Fraction(1, 2)))

    return linear
