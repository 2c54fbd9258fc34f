"""Notifications and the audit log pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taolun.accounts.models import Role, RoleAssignment
from taolun.core.models import Notification
from taolun.core.services import audit_record, notify
from taolun.orgs import services as org_services
from tests.factories import UserFactory


# --- notifications ------------------------------------------------------------------------
@pytest.mark.django_db
def test_notifications_list_only_the_users_own(org, login):
    notify(recipients=[org.user("cadre")], title="请提交心得体会")
    notify(recipients=[org.user("liaison")], title="别人的通知")
    content = login(org.user("cadre")).get(reverse("core:notification_list")).content.decode()
    assert "请提交心得体会" in content and "别人的通知" not in content


@pytest.mark.django_db
def test_unread_count_shows_in_the_nav(org, login):
    notify(recipients=[org.user("cadre")], title="一")
    notify(recipients=[org.user("cadre")], title="二")
    response = login(org.user("cadre")).get(reverse("home"))
    assert response.context["unread_notifications"] == 2


@pytest.mark.django_db
def test_marking_read_is_a_post_and_touches_only_own_notices(org, login):
    notify(recipients=[org.user("cadre")], title="一")
    notify(recipients=[org.user("liaison")], title="二")
    mine = Notification.objects.get(recipient=org.user("cadre"), title="一")
    theirs = Notification.objects.get(recipient=org.user("liaison"), title="二")
    client = login(org.user("cadre"))
    assert client.get(reverse("core:notification_read")).status_code == 405
    response = client.post(reverse("core:notification_read"), {"id": [mine.pk, theirs.pk]})
    assert response.status_code == 302
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db
def test_notifications_need_a_login(client):
    response = client.get(reverse("core:notification_list"))
    assert response.status_code == 302


# --- audit log ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("office", 200),
        ("liaison", 403),
        ("reviewer", 403),
        ("publicity", 403),
        ("cadre", 403),
        ("citizen", 403),
        ("anonymous", 302),
    ],
)
def test_audit_log_is_for_the_office_and_admin(org, login, role, status):
    assert login(org.user(role)).get(reverse("core:audit_list")).status_code == status


@pytest.mark.django_db
def test_a_street_office_sees_only_its_streets_entries(org, login):
    office_a = UserFactory(username="office_a")
    RoleAssignment.objects.create(user=office_a, role=Role.OFFICE, unit=org.street_a)
    org_services.unit_update(unit=org.street_a, name="甲街道新名", by=org.user("office"))
    org_services.unit_update(unit=org.street_b, name="乙街道新名", by=org.user("office"))
    response = login(office_a).get(reverse("core:audit_list"), {"action": "orgs.unit.update"})
    reprs = [e.object_repr for e in response.context["page_obj"]]
    assert reprs == ["甲街道新名"]


@pytest.mark.django_db
def test_audit_log_filters_and_answers_htmx_with_rows(org, login):
    audit_record(actor=org.user("office"), action="campaigns.campaign.create", object_repr="大讨论")
    client = login(org.user("office"))
    response = client.get(reverse("core:audit_list"), {"action": "campaigns."}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert [e.action for e in response.context["page_obj"]] == ["campaigns.campaign.create"]


@pytest.mark.django_db
def test_audit_log_date_range_error_is_shown(org, login):
    response = login(org.user("office")).get(reverse("core:audit_list"), {"since": "2024-05-02", "until": "2024-05-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()


def _grow(org, size: int) -> None:
    for i in range(size):
        org_services.unit_create(name=f"社区{i}", code=f"CX{i}", parent=org.street_a, by=org.user("office"))


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 8])
def test_audit_log_query_count_does_not_grow(org, login, django_assert_num_queries, size):
    _grow(org, size)
    client = login(org.user("office"))
    # session, user, role scopes, unread notifications, entries page (one row more than shown; no count)
    with django_assert_num_queries(6):
        client.get(reverse("core:audit_list"))


@pytest.mark.django_db
def test_the_audit_log_pages_without_counting_the_whole_log(login, org, settings, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from taolun.core.services import audit_record

    settings.TAOLUN_PAGE_SIZE = 5
    for i in range(12):
        audit_record(actor=org.user("office"), action="test.page", object_type="x", object_repr=f"第{i}条")
    client = login(org.user("office"))
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audit/", {"action": "test.page"})
    audit_counts = [
        q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "core_auditentry" in q["sql"]
    ]
    assert audit_counts == []
    body = first.content.decode()
    assert "第11条" in body and "第 1 页" in body and 'rel="next"' in body and 'rel="prev"' not in body
    last = client.get("/audit/", {"action": "test.page", "page": 3}).content.decode()
    assert "第0条" in last and 'rel="next"' not in last and 'rel="prev"' in last
    # A page past the end is empty, not an error; a non-number is the first page.
    assert client.get("/audit/", {"page": 99}).status_code == 200
    assert "第11条" in client.get("/audit/", {"action": "test.page", "page": "x"}).content.decode()
