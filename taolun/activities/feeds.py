"""The user's calendar subscription (日历订阅): a secret address serving their activities as iCal.

Calendar apps cannot sign in, so the address's token is the key. Renewing it replaces the token at
once: the old address stops working, which is how a leaked address is shut.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from taolun.core.paths import paths_q
from taolun.core.services import audit_record

from . import selectors
from .models import Activity, CalendarFeed, Invitation

if TYPE_CHECKING:
    from taolun.accounts.models import User

FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)
FEED_LIMIT = 2000


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def feed_token_rotate(*, user: User) -> CalendarFeed:
    """Create the user's feed address, or replace its token (the old address stops working)."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        created = feed is None
        if feed is None:
            feed = CalendarFeed(user=user)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save()
        audit_record(
            actor=user,
            action="activities.feed.create" if created else "activities.feed.rotate",
            obj=feed,
            object_repr=user.get_username(),
        )
    return feed


def feed_of(user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk).first()


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose address holds ``token``, with its user, if the user may still sign in."""
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def feed_activities(user: Any, *, now: dt.datetime | None = None) -> list[Activity]:
    """What the user's calendar shows: activities their roster entry is invited to and, for planners,
    those held in their planning scope, from 30 days back to 180 days ahead (one query, at most
    FEED_LIMIT, soonest first). Cancelled ones stay, so calendar apps mark them cancelled."""
    today = timezone.localdate(now or timezone.now())
    invited = Invitation.objects.filter(person__user_id=user.pk).values("activity_id")
    wanted = Q(pk__in=invited) | paths_q("unit__path", selectors.planner_paths(user))
    qs = selectors.overlapping(Activity.objects.filter(wanted), today - FEED_PAST, today + FEED_AHEAD)
    return list(qs.select_related("unit").order_by("start_at", "id")[:FEED_LIMIT])
