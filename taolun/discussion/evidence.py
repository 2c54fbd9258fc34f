"""What the discussion proves, for the requirement engine (``campaigns.evidence``).

A ``discussion`` requirement (答复网上大讨论中的群众建言) holds for a unit when, of the campaign's
suggestions routed to the unit or to any unit under it that are answered or past their deadline, at
least ``replied_ratio`` were answered by their deadline. A unit with nothing due yet has nothing
outstanding and counts as done. The counts come from two correlated subqueries over the units asked,
never from a loop over suggestions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from taolun.campaigns import evidence
from taolun.campaigns.models import Requirement
from taolun.orgs.models import Unit

from .models import ANSWERED, Suggestion, Visibility


def _count(qs: Any) -> Subquery:
    return Subquery(
        qs.order_by().values("campaign_id").annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()
    )


class RepliedRatioProvider:
    def units_achieved(self, requirement: Requirement, spec: Any, unit_ids: evidence.Ids) -> dict[int, int]:
        now = timezone.now()
        routed = Suggestion.objects.filter(
            campaign_id=requirement.campaign_id,
            status=Visibility.PUBLISHED,
            department__path__startswith=OuterRef("path"),
        )
        answered = Q(answer_state__in=ANSWERED)
        due = routed.filter(answered | Q(due_at__lt=now))
        on_time = routed.filter(answered, replied_at__lte=F("due_at"))
        rows = (
            Unit.objects.filter(pk__in=unit_ids)
            .annotate(due=Coalesce(_count(due), Value(0)), on_time=Coalesce(_count(on_time), Value(0)))
            .values_list("pk", "due", "on_time")
        )
        ratio = float(spec.replied_ratio)
        return {pk: 1 for pk, due_n, on_time_n in rows if due_n == 0 or on_time_n >= ratio * due_n}

    def people_achieved(self, requirement: Requirement, spec: Any, person_ids: evidence.Ids) -> dict[int, int]:
        # Answers are owed by departments, not by people.
        return {}


evidence.register("discussion", RepliedRatioProvider())
