"""Who reaches which activity page: the rules as a matrix over the pages, including guessed ids.

An activity of street A, seen by each viewer. Those who may not see it get 404 (the same as an id that
does not exist); those who may see but not change it get 403 on the planner's pages; writes posted to
another street's activity change nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import MATRIX_ROLES, shared_org
from taolun.activities import checkin
from taolun.activities.models import Activity, Attendance, Speech

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


@pytest.fixture
def seminar(org, make_activity, invite):
    activity = make_activity(kind="seminar", title="甲街道专题研讨会")
    invite(activity, org.person_a)
    return activity


# role → (detail, planner pages, confirm): 200/403/404 as the rules say.
SEES_AND_CHANGES = {"admin", "office", "liaison", "liaison_reviewer", "liaison_publicity", "office_a"}
CONFIRMS = {"admin", "office", "office_a"}
INVITED = {"cadre"}  # linked to person_a, who is invited


def expected(role: str, page: str) -> int:
    if role == "anonymous":
        return 302
    if role in SEES_AND_CHANGES:
        return 200
    if role in INVITED:
        return 200 if page == "detail" else 403
    return 404


PAGES = {
    "detail": lambda a: reverse("activities:detail", args=[a.pk]),
    "edit": lambda a: reverse("activities:edit", args=[a.pk]),
    "invite": lambda a: reverse("activities:invite", args=[a.pk]),
    "participants": lambda a: reverse("activities:participants", args=[a.pk]),
    "screen": lambda a: reverse("activities:screen", args=[a.pk]),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_activity_pages_by_role(org_mixed_roles, seminar, login, role, page):
    client = login(org_mixed_roles.user(role))
    response = client.get(PAGES[page](seminar))
    assert response.status_code == expected(role, page)
    if response.status_code != 200:
        assert "甲街道专题研讨会" not in response.content.decode()


def test_liaison_of_another_street_cannot_write_to_the_activity_by_guessed_id(org, seminar, login):
    client = login(org.user("liaison_b"))
    checkin.attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    posts = [
        (reverse("activities:minutes", args=[seminar.pk]), {"minutes": "篡改的纪要"}),
        (reverse("activities:speech", args=[seminar.pk]), {"person": org.person_a.pk, "content": "篡改"}),
        (reverse("activities:attendance", args=[seminar.pk]), {"was_present": [org.person_a.pk]}),
        (reverse("activities:status", args=[seminar.pk, "cancel"]), {"reason": "篡改"}),
        (reverse("activities:invite", args=[seminar.pk]), {"units": ["S-B"]}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    seminar.refresh_from_db()
    assert seminar.minutes == "" and seminar.status == "planned"
    assert not Speech.objects.filter(activity=seminar).exists()
    assert Attendance.objects.filter(activity=seminar, person=org.person_a).exists()
    assert seminar.invitations.count() == 1


def test_invited_cadre_may_not_use_planner_writes(org, seminar, login):
    client = login(org.user("cadre"))
    response = client.post(reverse("activities:minutes", args=[seminar.pk]), {"minutes": "自己写的纪要"})
    assert response.status_code == 403
    seminar.refresh_from_db()
    assert seminar.minutes == ""


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_only_the_office_confirms_records(org_mixed_roles, seminar, login, role):
    client = login(org_mixed_roles.user(role))
    response = client.post(reverse("activities:status", args=[seminar.pk, "confirm"]))
    seminar.refresh_from_db()
    if role in CONFIRMS:
        assert response.status_code == 302 and seminar.status == "confirmed"
    else:
        assert response.status_code in {302, 403, 404}
        assert seminar.status == "planned"
        if role != "anonymous":
            assert response.status_code == (403 if role in SEES_AND_CHANGES | INVITED else 404)


def test_the_list_shows_only_the_viewers_scope(org, make_activity, login):
    make_activity(title="甲街道学习")
    make_activity(unit=org.street_b, title="乙街道学习")
    body = login(org.user("liaison")).get(reverse("activities:list")).content.decode()
    assert "甲街道学习" in body and "乙街道学习" not in body
    body = login(org.user("office")).get(reverse("activities:list")).content.decode()
    assert "甲街道学习" in body and "乙街道学习" in body
    assert login(org.user("cadre")).get(reverse("activities:list")).status_code == 403


def test_unit_calendar_of_another_scope_is_not_found(org, make_activity, login):
    make_activity(unit=org.street_b, title="乙街道学习")
    client = login(org.user("liaison"))
    assert client.get(reverse("activities:calendar"), {"unit": org.street_b.pk}).status_code == 404
    body = client.get(reverse("activities:calendar"), {"view": "list"}).content.decode()
    assert "乙街道学习" not in body


def test_attachment_files_are_served_only_to_those_who_see_the_activity(org, seminar, login, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from taolun.activities import records
    from taolun.activities.tests.conftest import image_bytes

    photo = records.attachment_add(
        activity=seminar,
        upload=SimpleUploadedFile("a.jpg", image_bytes(), content_type="image/jpeg"),
        kind="photo",
        by=None,
    )
    for role, status in (("liaison", 200), ("cadre", 200), ("liaison_b", 404), ("citizen", 404)):
        response = login(org.user(role)).get(reverse("activities:attachment_file", args=[photo.pk]))
        assert response.status_code == status, role
        if status == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_activity_list_runs_a_fixed_number_of_queries(org, make_activity, invite, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(org.user("office"))
    make_activity(title="第一场")
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("activities:list")).status_code == 200
    for i in range(12):
        activity = make_activity(title=f"活动{i}")
        invite(activity, org.person_a, org.person_b)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("activities:list")).status_code == 200
    assert len(many) == len(one)
    assert Activity.objects.count() == 13


def test_a_persons_activity_page_follows_the_roster_rules(org, seminar, login):
    from taolun.activities import checkin

    checkin.attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    url = reverse("activities:person", args=[org.person_a.pk])
    body = login(org.user("liaison")).get(url).content.decode()
    assert "甲街道专题研讨会" in body and "100%" in body
    assert login(org.user("cadre")).get(url).status_code == 200  # their own record
    assert login(org.user("liaison_b")).get(url).status_code == 404
    assert login(org.user("citizen")).get(url).status_code == 404
