"""Activities as an iCalendar (RFC 5545) feed that calendar apps subscribe to.

Times are written in UTC, so no VTIMEZONE is needed and every app shows them in its own zone. Each
event's UID is stable (``activity-<pk>@<host>``): a moved or cancelled activity updates the event the
app already has instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Activity, ActivityStatus

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Taolun//Activities//ZH"
REFRESH = dt.timedelta(hours=1)


def _site() -> tuple[str, str]:
    """The site's base URL (no trailing slash) and its host name, from ``SITE_URL``."""
    base = settings.SITE_URL.rstrip("/")
    return base, urlsplit(base).hostname or "taolun"


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def activity_event(activity: Activity, *, base_url: str, host: str) -> Event:
    """One VEVENT; ``activity.unit`` should be loaded with the activity."""
    event = Event()
    event.add("uid", f"activity-{activity.pk}@{host}")
    event.add("dtstamp", _utc(activity.updated_at))
    event.add("last-modified", _utc(activity.updated_at))
    event.add("dtstart", _utc(activity.start_at))
    event.add("dtend", _utc(activity.end_at))
    event.add("summary", activity.title)
    if activity.place:
        event.add("location", activity.place)
    lines = [_("举办单位：%(unit)s") % {"unit": activity.unit.name}]
    if activity.host:
        lines.append(_("主持人：%(host)s") % {"host": activity.host})
    if activity.agenda.strip():
        lines += [_("议程："), activity.agenda.strip()]
    if activity.status == ActivityStatus.CANCELLED:
        event.add("status", "CANCELLED")
        lines.insert(0, _("已取消：%(reason)s") % {"reason": activity.cancel_reason or "—"})
    else:
        event.add("status", "CONFIRMED")
    event.add("description", "\n".join(lines))
    event.add("url", base_url + reverse("activities:detail", args=[activity.pk]))
    return event


def calendar_bytes(activities: Iterable[Activity], *, name: str) -> bytes:
    """A VCALENDAR named ``name`` (X-WR-CALNAME) holding one event per activity."""
    base_url, host = _site()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for activity in activities:
        calendar.add_component(activity_event(activity, base_url=base_url, host=host))
    return calendar.to_ical()
