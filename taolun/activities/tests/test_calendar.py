"""The calendar pages: a busy day shows its first activities and how many more; the list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from taolun.activities import selectors

pytestmark = pytest.mark.django_db


def test_a_busy_day_shows_four_and_links_to_the_rest(org, make_activity, campaign, login):
    day = timezone.localdate() + dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    for i in range(6):
        make_activity(title=f"第{i}场", start_at=base + dt.timedelta(minutes=30 * i))
    client = login(org.user("office"))
    query = {"unit": org.district.pk, "year": day.year, "month": day.month}
    grid = client.get(reverse("activities:calendar"), query).content.decode()
    assert grid.count('class="cal-item') == 4 and "另 2 项" in grid
    listing = client.get(reverse("activities:calendar"), {**query, "view": "list", "day": day.isoformat()})
    assert all(f"第{i}场" in listing.content.decode() for i in range(6))


def test_a_busy_month_shows_how_many_each_day_holds(org, make_activity, campaign, login, monkeypatch):
    from taolun.activities import views

    monkeypatch.setattr(views, "GRID_LIST_LIMIT", 2)
    day = timezone.localdate() + dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    for i in range(3):
        make_activity(title=f"第{i}场", start_at=base + dt.timedelta(minutes=30 * i))
    assert selectors.unit_day_counts(org.user("office"), org.district, day, day) == {day: 3}
    client = login(org.user("office"))
    grid = client.get(reverse("activities:calendar"), {"unit": org.district.pk, "year": day.year, "month": day.month})
    body = grid.content.decode()
    assert 'class="cal-item' not in body and "3 项活动" in body


def test_a_multi_day_activity_shows_on_each_of_its_days(org, make_activity, campaign, login):
    day = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    make_activity(kind="training", title="三天培训", start_at=start, end_at=start + dt.timedelta(days=2, hours=8))
    weeks = selectors.month_grid(
        day.year, day.month, selectors.unit_calendar(org.user("office"), org.district, day, day + dt.timedelta(days=2))
    )
    in_grid = {d.date for week in weeks for d in week}
    shown = {d.date for week in weeks for d in week if d.activities}
    spanned = {day + dt.timedelta(days=i) for i in range(3)} & in_grid
    assert day in shown and shown == spanned


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
