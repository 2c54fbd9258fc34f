"""List endpoints issue the same number of queries whatever the amount of data (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import shared_org
from taolun.accounts.services import token_create
from taolun.campaigns import services
from taolun.problems import services as problem_services
from taolun.research import services as research_services
from tests.factories import PersonFactory, make_unit

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

# Session and user (2), the viewer's roles (1), then the endpoint's own queries.
LISTS = {
    "/api/units": 2 + 1 + 4,  # count, page ids, rows with child/people counts, tags
    "/api/people": 2 + 1 + 2,  # count, rows with their units
    "children": 2 + 1 + 1 + 4,  # the parent unit, then as /api/units
    "/api/me": 2 + 2,  # role assignments with units, the linked person with unit
    "/api/tokens": 2 + 1,
}


# Session and user (2); the campaign with its themes, shortcomings, dimensions, stages and requirements (6);
# what is asked of the viewer: person, units, their tags (3); requirement counts over units and people (2);
# the current campaign (1); how far the viewer is with the requirements asked of them whose evidence is
# tracked (4: one per activity requirement, one for all the problem requirements, one for the discussion's
# replies owed by the viewer's unit, whatever the data). A published campaign needs no role lookup to be seen.
CAMPAIGN_DETAIL_QUERIES = 2 + 6 + 3 + 2 + 1 + 4


def grow(org, size: int) -> None:
    for i in range(size):
        unit = make_unit(f"社区{i}", parent=org.street_a, kind="community", tags=["试点", f"t{i}"])
        PersonFactory.create_batch(2, unit=unit, phone="13800001111")
        PersonFactory(unit=org.community_a, name=f"甲{i}")


@pytest.mark.parametrize("size", [1, 15])
@pytest.mark.parametrize("role", ["office", "liaison"])
@pytest.mark.parametrize("endpoint", list(LISTS))
def test_list_query_count_is_flat(org, as_user, django_assert_num_queries, endpoint, role, size):
    grow(org, size)
    user = org.user(role)
    for i in range(size):
        token_create(user=user, name=f"t{i}")
    client = as_user(user)
    url = f"/api/units/{org.street_a.pk}/children" if endpoint == "children" else endpoint
    with django_assert_num_queries(LISTS[endpoint]):
        response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    rows = body if isinstance(body, list) else body.get("items", body.get("roles"))
    # The data really grew with ``size``: the page shows every row, each needing units, tags or counts.
    assert len(rows) >= (size if endpoint != "/api/me" else 1)


@pytest.mark.parametrize("size", [1, 4])
def test_campaign_list_and_detail_query_counts_are_flat(org, as_user, django_assert_num_queries, size):
    plan = services.plan_load_builtin()
    for i in range(size):
        created = services.campaign_create(
            plan=plan, root_unit=org.district, slug=f"c{i}", start_date=timezone.localdate(), by=None
        )
        services.campaign_activate(campaign=created, by=None)
    grow(org, size * 3)
    client = as_user(org.user("liaison"))
    # Session, user, roles; count, page with requirement counts, the current campaign.
    with django_assert_num_queries(2 + 1 + 3):
        assert len(client.get("/api/campaigns").json()["items"]) == size
    with django_assert_num_queries(CAMPAIGN_DETAIL_QUERIES):
        assert client.get("/api/campaigns/c0").status_code == 200


# Session and user (2), the viewer's roles (1) and roster entry (1); the campaign filter (1); then the
# endpoint's own queries.
LEDGER_LISTS = {
    "/api/problems?campaign=xihu": 2 + 2 + 1 + 3,  # count, page ids, rows with their relations and light
    "/api/problems/summary?by=unit&campaign=xihu": 2 + 2 + 1 + 2,  # totals, grouped tallies
    "/api/research/topics?campaign=xihu": 2 + 2 + 1 + 2,  # count, rows with leaders, units and progress counts
}


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("role", ["office", "liaison"])
@pytest.mark.parametrize("endpoint", list(LEDGER_LISTS))
def test_ledger_and_topic_list_query_counts_are_flat(org, as_user, django_assert_num_queries, endpoint, role, size):
    plan = services.plan_load_builtin()
    campaign = services.campaign_activate(
        campaign=services.campaign_create(
            plan=plan, root_unit=org.district, slug="xihu", start_date=timezone.localdate(), by=None
        ),
        by=None,
    )
    theme, category = campaign.themes.first(), campaign.shortcomings.first()
    for i in range(size):
        unit = make_unit(f"社区{i}", parent=org.street_a, kind="community")
        owner = PersonFactory(unit=unit)
        problem = problem_services.problem_create(
            campaign=campaign,
            unit=unit,
            content=f"问题{i}",
            source="spot_check",
            owner=owner,
            category=category,
            theme=theme,
            deadline=timezone.localdate() + dt.timedelta(days=30),
            by=None,
        )
        problem_services.measure_add(
            problem=problem, content="措施", deadline=timezone.localdate() + dt.timedelta(days=10), owner=owner, by=None
        )
        leader = PersonFactory(unit=unit, is_leading_cadre=True)
        research_services.topic_create(
            campaign=campaign, leader=leader, title=f"课题{i}", theme=theme, contact_unit=unit, members=[owner], by=None
        )
    client = as_user(org.user(role))
    with django_assert_num_queries(LEDGER_LISTS[endpoint]):
        response = client.get(endpoint)
    assert response.status_code == 200
    body = response.json()
    # The data really grew with ``size``: every row (or group) is on the page.
    assert len(body["items"]) == size
