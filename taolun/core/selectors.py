"""Reads shared by core views and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEntry, Notification
from .paths import paths_q


def audit_entries(
    *,
    scope_paths: list[str],
    action: str = "",
    object_type: str = "",
    actor: str = "",
    q: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries visible within ``scope_paths`` ([""] is everything), newest first.

    Entries without a unit (global changes) are only visible with the global scope.
    """
    qs = AuditEntry.objects.filter(paths_q("unit_path", scope_paths))
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(note__icontains=q) | Q(object_id=q))
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by().values_list("action", flat=True).distinct()[:200])


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
