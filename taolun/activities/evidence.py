"""What activities prove, for the requirement engine (``campaigns.evidence``).

An activity counts for a requirement of kind ``activity`` when it belongs to the requirement's
campaign, is of the asked kind, was not cancelled, has begun, and carries every record asked for:

- ``minutes``: the minutes are written;
- ``attendance``: at least one person checked in (or was marked present);
- ``speeches``: at least one speech, and every person present has a speech recorded (见人见事见思想);
- ``photos``: at least one photo;
- ``opinions``: at least one opinion gathered (inspection visits).

A unit's count is the number of such activities it held itself. A person's count is the number of
such activities they attended; for trainings held in batches (``in_batches``) any batch counts, so
the batches together must cover everyone the requirement applies to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from taolun.campaigns import evidence
from taolun.campaigns.models import Requirement
from taolun.campaigns.plan import ActivityEvidence

from .models import Activity, Attachment, AttachmentKind, Attendance, Opinion, Speech


def records_q(records: list[str]) -> Q:
    """The activities (as a Q over Activity) that carry every record in ``records``."""
    q = Q()
    activity = OuterRef("pk")
    if "minutes" in records:
        q &= ~Q(minutes="")
    if "attendance" in records:
        q &= Q(Exists(Attendance.objects.filter(activity=activity)))
    if "photos" in records:
        q &= Q(Exists(Attachment.objects.filter(activity=activity, kind=AttachmentKind.PHOTO)))
    if "opinions" in records:
        q &= Q(Exists(Opinion.objects.filter(activity=activity)))
    if "speeches" in records:
        unspoken = Attendance.objects.filter(activity=activity).exclude(
            Exists(Speech.objects.filter(activity=OuterRef("activity"), person=OuterRef("person")))
        )
        q &= Q(Exists(Speech.objects.filter(activity=activity))) & ~Q(Exists(unspoken))
    return q


def qualifying(requirement: Requirement, spec: ActivityEvidence, *, now: Any = None) -> QuerySet[Activity]:
    return (
        Activity.objects.live()
        .filter(campaign_id=requirement.campaign_id, kind=spec.activity_kind, start_at__lte=now or timezone.now())
        .filter(records_q(list(spec.records)))
    )


class ActivityProvider:
    def units_achieved(self, requirement: Requirement, spec: ActivityEvidence, unit_ids: Any) -> dict[int, int]:
        rows = (
            qualifying(requirement, spec)
            .filter(unit_id__in=unit_ids)
            .order_by()
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
        return dict(rows)

    def people_achieved(self, requirement: Requirement, spec: ActivityEvidence, person_ids: Any) -> dict[int, int]:
        rows = (
            Attendance.objects.filter(person_id__in=person_ids, activity__in=qualifying(requirement, spec))
            .order_by()
            .values("person_id")
            .annotate(n=Count("activity_id", distinct=True))
            .values_list("person_id", "n")
        )
        return dict(rows)


evidence.register("activity", ActivityProvider())
