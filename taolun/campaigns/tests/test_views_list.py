import datetime as dt

import pytest
from django.urls import reverse

from taolun.campaigns import services
from taolun.campaigns.models import Campaign

LIST = reverse("campaigns:list")


def make(org, plan, n):
    for i in range(n):
        services.campaign_create(
            plan=plan, root_unit=org.district, slug=f"c{i}", start_date=dt.date(2019, 1, 1) + dt.timedelta(i), by=None
        )


def test_office_sees_every_campaign_with_its_status(login, org, builtin_plan):
    make(org, builtin_plan, 2)
    services.campaign_activate(campaign=Campaign.objects.get(slug="c1"), by=None)
    body = login(org.user("office")).get(LIST).content.decode()
    assert "c0" in body and "c1" in body
    assert "筹备中" in body and "进行中" in body
    assert reverse("campaigns:create") in body


@pytest.mark.parametrize("role", ["liaison", "cadre", "reviewer", "citizen"])
def test_others_may_not_open_the_list(login, org, role):
    assert login(org.user(role)).get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(login, org):
    response = login(None).get(LIST)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("n", [1, 12])
def test_list_query_count_is_flat(login, org, builtin_plan, django_assert_num_queries, n):
    make(org, builtin_plan, n)
    client = login(org.user("office"))
    with django_assert_num_queries(7):
        assert client.get(LIST).status_code == 200
