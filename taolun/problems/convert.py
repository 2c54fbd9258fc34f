"""An inspection opinion becomes a problem in the ledger (the activities app's converter registry)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from taolun.activities.records import Converter, register_converter

from .models import ProblemSource


def problem_from_opinion(*, opinion: Any, by: Any) -> tuple[int, str]:
    """File the opinion as a problem (found) of the unit that held the inspection, for the liaison to complete."""
    from .services import problem_create

    activity = opinion.activity
    who = opinion.get_source_kind_display() + (f"·{opinion.source_name}" if opinion.source_name else "")
    problem = problem_create(
        campaign=activity.campaign,
        unit=activity.unit,
        content=opinion.content,
        source=ProblemSource.INSPECTION,
        source_note=f"{activity.title}（{who}）"[:200],
        dimension=opinion.dimension,
        opinion=opinion,
        by=by,
    )
    return problem.pk, problem.get_absolute_url()


register_converter(
    Converter(key="problem", label=_("转为问题"), perm="problems.add_problem", create=problem_from_opinion)
)
