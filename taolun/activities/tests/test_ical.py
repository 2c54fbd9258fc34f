"""The calendar subscription: the feed's content, who sees what, the token as the key, renewal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from conftest import shared_org
from taolun.activities import services
from taolun.activities.feeds import feed_activities, feed_token_rotate
from taolun.activities.models import CalendarFeed
from taolun.core.models import AuditEntry

from .conftest import at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def feed_get(client, token: str):
    return client.get(reverse("activities:ical_feed", args=[token]))


def events(response) -> dict[str, object]:
    """The feed's events by UID."""
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def uid(activity) -> str:
    return f"activity-{activity.pk}@testserver.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://testserver.example"


@pytest.fixture
def invited(org, make_activity, invite):
    """A seminar of street A in three days that 张三 (the cadre's roster entry) is invited to."""
    activity = make_activity(
        kind="seminar",
        title="专题研讨会",
        start_at=at(days=3),
        end_at=at(days=3, hours=2),
        place="街道会议室",
        agenda="一、学习文件\n二、交流发言",
    )
    invite(activity, org.person_a)
    return activity


def test_feed_lists_the_activities_the_person_is_invited_to(org, invited, make_activity, client):
    elsewhere = make_activity(unit=org.street_b, title="乙街道的活动", start_at=at(days=4))
    token = feed_token_rotate(user=org.user("cadre")).token
    response = feed_get(client, token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert uid(invited) in found
    assert uid(elsewhere) not in found


def test_event_has_utc_times_place_description_link_and_status(org, invited, client):
    token = feed_token_rotate(user=org.user("cadre")).token
    event = events(feed_get(client, token))[uid(invited)]
    assert str(event["summary"]) == "专题研讨会"
    assert str(event["location"]) == "街道会议室"
    assert event.decoded("dtstart") == invited.start_at.replace(microsecond=0)
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert event.decoded("dtend") == invited.end_at.replace(microsecond=0)
    assert "甲街道" in str(event["description"]) and "交流发言" in str(event["description"])
    assert str(event["url"]) == f"https://testserver.example/activities/{invited.pk}/"
    assert str(event["status"]) == "CONFIRMED"


def test_calendar_is_named_and_times_are_written_in_utc(org, invited, client):
    response = feed_get(client, feed_token_rotate(user=org.user("cadre")).token)
    assert "X-WR-CALNAME:" in response.content.decode()
    assert Calendar.from_ical(response.content)["x-wr-calname"]
    assert f"DTSTART:{invited.start_at.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z" in response.content.decode()


def test_cancelled_activity_stays_in_the_feed_marked_cancelled(org, invited, client):
    services.activity_cancel(activity=invited, reason="场地调整", by=org.user("office"))
    event = events(feed_get(client, feed_token_rotate(user=org.user("cadre")).token))[uid(invited)]
    assert str(event["status"]) == "CANCELLED"
    assert "场地调整" in str(event["description"])


def test_planner_also_sees_activities_held_in_their_scope(org, make_activity, client):
    own = make_activity(unit=org.community_a, title="甲一社区学习会", start_at=at(days=2))
    other = make_activity(unit=org.street_b, title="乙街道学习会", start_at=at(days=2))
    found = events(feed_get(client, feed_token_rotate(user=org.user("liaison")).token))
    assert uid(own) in found
    assert uid(other) not in found


def test_feed_covers_thirty_days_back_to_180_days_ahead(org, invited):
    cadre = org.user("cadre")
    assert invited in feed_activities(cadre)
    assert invited in feed_activities(cadre, now=invited.end_at + dt.timedelta(days=29))
    assert invited not in feed_activities(cadre, now=invited.end_at + dt.timedelta(days=32))
    assert invited not in feed_activities(cadre, now=invited.start_at - dt.timedelta(days=182))


def test_unknown_token_is_404(org, invited, client):
    feed_token_rotate(user=org.user("cadre"))
    assert feed_get(client, "not-a-token").status_code == 404


def test_renewing_the_token_shuts_the_old_address(org, invited, client):
    cadre = org.user("cadre")
    old = feed_token_rotate(user=cadre).token
    assert feed_get(client, old).status_code == 200
    new = feed_token_rotate(user=cadre).token
    assert new != old
    assert feed_get(client, old).status_code == 404
    assert feed_get(client, new).status_code == 200
    assert CalendarFeed.objects.filter(user=cadre).count() == 1


def test_rotation_is_audited_without_the_token(org):
    cadre = org.user("cadre")
    feed_token_rotate(user=cadre)
    token = feed_token_rotate(user=cadre).token
    actions = list(AuditEntry.objects.filter(actor=cadre).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["activities.feed.create", "activities.feed.rotate"]
    assert not AuditEntry.objects.filter(after__icontains=token).exists()
    assert not AuditEntry.objects.filter(before__icontains=token).exists()


def test_feed_of_a_deactivated_user_is_404(org, invited, client):
    cadre = org.user("cadre")
    token = feed_token_rotate(user=cadre).token
    cadre.is_active = False
    cadre.save(update_fields=["is_active"])
    assert feed_get(client, token).status_code == 404


def test_feed_is_answered_in_the_same_number_of_queries_for_more_activities(org, make_activity, client):
    liaison = org.user("liaison")
    token = feed_token_rotate(user=liaison).token

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert feed_get(client, token).status_code == 200
        return len(ctx.captured_queries)

    make_activity(start_at=at(days=1))
    few = queries()
    for day in range(2, 12):
        make_activity(start_at=at(days=day))
    assert queries() == few <= 3


# --- the subscription page -------------------------------------------------------------------------


def test_page_offers_to_create_an_address(org, login):
    response = login(org.user("cadre")).get(reverse("activities:feed_manage"))
    assert response.status_code == 200
    assert "生成订阅地址" in response.content.decode()


def test_creating_then_renewing_from_the_page(org, login):
    client = login(org.user("cadre"))
    url = reverse("activities:feed_manage")
    response = client.post(url)
    assert response.status_code == 302
    first = CalendarFeed.objects.get(user=org.user("cadre")).token
    page = client.get(url)
    assert page["Cache-Control"] == "no-store"
    assert f"https://testserver.example/activities/feed/{first}.ics" in page.content.decode()
    assert "更换订阅地址" in page.content.decode()
    client.post(url)
    second = CalendarFeed.objects.get(user=org.user("cadre")).token
    assert second != first
    assert first not in client.get(url).content.decode()


def test_subscription_page_needs_a_sign_in(org, login):
    response = login(None).get(reverse("activities:feed_manage"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()
