"""An activity's attendance counts, stored on the activity and kept exact.

Every write that changes who is invited, excused or present calls :func:`counts_refresh` in its own
transaction. It locks the activity's row first, so writes to the same activity take turns and each
count is taken after the previous writer committed: two check-ins racing each other cannot leave a
count one short. Reads over many activities (lists, rates of a unit, the coverage page) then add up
columns instead of counting invitation and attendance rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

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


REBUILD_BATCH = 2000


def _grouped(qs: QuerySet[Any], ids: list[int]) -> dict[int, int]:
    rows = qs.filter(activity_id__in=ids).order_by().values("activity_id").annotate(n=Count("pk"))
    return {row["activity_id"]: row["n"] for row in rows}


def counts_rebuild(activities: QuerySet[Activity]) -> int:
    """Recount many activities (after a restore or a bulk load): grouped counts for a batch of activities
    at a time, written back with one UPDATE per batch. Returns how many activities were recounted."""
    ids = list(activities.order_by("pk").values_list("pk", flat=True))
    present = Invitation.objects.filter(person__activity_attendances__activity_id=F("activity_id")).exclude(EXCUSED)
    for start in range(0, len(ids), REBUILD_BATCH):
        chunk = ids[start : start + REBUILD_BATCH]
        invited = _grouped(Invitation.objects.all(), chunk)
        excused = _grouped(Invitation.objects.filter(EXCUSED), chunk)
        came = _grouped(present, chunk)
        attended = _grouped(Attendance.objects.all(), chunk)
        Activity.objects.bulk_update(
            [
                Activity(
                    pk=pk,
                    invited_count=invited.get(pk, 0),
                    excused_count=excused.get(pk, 0),
                    present_count=came.get(pk, 0),
                    attendance_count=attended.get(pk, 0),
                )
                for pk in chunk
            ],
            ["invited_count", "excused_count", "present_count", "attendance_count"],
            batch_size=REBUILD_BATCH,
        )
    return len(ids)
