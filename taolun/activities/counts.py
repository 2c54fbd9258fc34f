"""An activity's attendance counts, stored on the activity and kept exact.

Every write that changes who is invited, excused or present calls :func:`counts_refresh` in its own
transaction. It locks the activity's row first, so writes to the same activity take turns and each
count is taken after the previous writer committed: two check-ins racing each other cannot leave a
count one short. Reads over many activities (lists, rates of a unit, the coverage page) then add up
columns instead of counting invitation and attendance rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Activity, Attendance, Invitation, InvitationStatus

EXCUSED = Q(status=InvitationStatus.LEAVE_APPROVED)


def counts_of(activity_id: int) -> dict[str, int]:
    present = Attendance.objects.filter(activity_id=activity_id, person_id=OuterRef("person_id"))
    counts = Invitation.objects.filter(activity_id=activity_id).aggregate(
        invited_count=Count("pk"),
        excused_count=Count("pk", filter=EXCUSED),
        present_count=Count("pk", filter=Q(Exists(present)) & ~EXCUSED),
    )
    counts["attendance_count"] = Attendance.objects.filter(activity_id=activity_id).count()
    return counts


def counts_refresh(activity: Activity) -> None:
    """Recount one activity (call inside the transaction that changed it)."""
    Activity.objects.select_for_update().filter(pk=activity.pk).values_list("pk").get()
    counts = counts_of(activity.pk)
    Activity.objects.filter(pk=activity.pk).update(**counts)
    for name, value in counts.items():
        setattr(activity, name, value)


def _sub(qs: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values("activity").annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField()
    )


def counts_rebuild(activities: QuerySet[Activity]) -> int:
    """Recount many activities in one UPDATE each way (migrations, bulk loads)."""
    activity = OuterRef("pk")
    present = Attendance.objects.filter(activity_id=OuterRef("activity_id"), person_id=OuterRef("person_id"))
    invitations = Invitation.objects.filter(activity=activity)
    return activities.update(
        invited_count=_sub(invitations),
        excused_count=_sub(invitations.filter(EXCUSED)),
        present_count=_sub(invitations.filter(Exists(present)).exclude(EXCUSED)),
        attendance_count=_sub(Attendance.objects.filter(activity=activity)),
    )
