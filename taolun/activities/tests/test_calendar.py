"""The calendar pages: a busy day shows its first activities and how many more; the list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from taolun.activities import selectors

pytestmark = pytest.mark.django_db


def test_a_busy_day_shows_four_and_counts_the_rest(org, make_activity, campaign):
    day = timezone.localdate() + dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    for i in range(6):
        make_activity(title=f"第{i}场", start_at=base + dt.timedelta(minutes=30 * i))
    items, counts = selectors.unit_month_items(org.user("office"), org.district, day.year, day.month, per_day=4)
    assert [a.title for a in items] == ["第0场", "第1场", "第2场", "第3场"]
    assert counts[day] == 6
    weeks = selectors.month_grid(day.year, day.month, items, counts=counts)
    cell = next(d for week in weeks for d in week if d.date == day)
    assert len(cell.activities) == 4 and cell.more == 2


def test_unit_calendar_pages_through_a_month(org, make_activity, campaign, login, settings):
    day = timezone.localdate() + dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    for i in range(3):
        make_activity(title=f"活动{i}", start_at=base + dt.timedelta(minutes=30 * i))
    client = login(org.user("liaison"))
    query = {"unit": org.street_a.pk, "year": day.year, "month": day.month}
    grid = client.get(reverse("activities:calendar"), query).content.decode()
    assert grid.count('class="cal-item') == 3
    listing = client.get(reverse("activities:calendar"), {**query, "view": "list"}).content.decode()
    assert all(f"活动{i}" in listing for i in range(3))
