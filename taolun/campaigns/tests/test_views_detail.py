import re

import pytest
from django.urls import reverse

from .conftest import requirement


def url(campaign) -> str:
    return reverse("campaigns:detail", args=[campaign.slug])


def row(body: str, key: str) -> str:
    match = re.search(rf'<tr id="req-{key}">.*?</tr>', body, re.S)
    assert match, key
    return match.group(0)


def test_detail_shows_the_campaign_and_every_requirement_with_whom_it_applies_to(login, campaign, org):
    response = login(None).get(url(campaign))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="theme"') == 6 and body.count('class="stage ') == 3
    assert body.count('<tr id="req-') == 15
    # streets S-A, S-B and the department; the district itself; the communities C-A1, C-B1.
    assert "3 个单位" in row(body, "unit-study-session") and "举办集中学习研讨 1 次" in row(body, "unit-study-session")
    assert "1 个单位" in row(body, "government-inspection")
    assert "2 个单位" in row(body, "community-study-session")
    assert "0 个单位" in row(body, "publicity-coverage")  # no unit is tagged 信息中心 here
    assert "1 人" in row(body, "member-article") and "每名党员" in row(body, "member-article")
    assert "1 人" in row(body, "leader-research-topic")
    assert "分期分批" in row(body, "leader-training")
    # Anonymous visitors get no management buttons.
    assert reverse("campaigns:close", args=[campaign.slug]) not in body


def test_office_sees_the_buttons_that_fit_the_status(login, campaign, org):
    body = login(org.user("office")).get(url(campaign)).content.decode()
    assert reverse("campaigns:close", args=[campaign.slug]) in body
    assert reverse("campaigns:activate", args=[campaign.slug]) not in body


def test_a_draft_is_hidden_from_everyone_but_the_office_covering_it(login, org, make_campaign, street_office):
    draft = make_campaign(activate=False)
    for user in (None, org.user("liaison"), org.user("cadre"), street_office):
        assert login(user).get(url(draft)).status_code == 404
    body = login(org.user("office")).get(url(draft)).content.decode()
    assert reverse("campaigns:activate", args=[draft.slug]) in body


def test_unknown_campaign_is_404(login, db):
    assert login(None).get("/campaigns/nowhere/").status_code == 404


@pytest.mark.parametrize(("role", "expected"), [(None, 8), ("office", 15)])
def test_detail_query_count_does_not_grow_with_the_plan(
    login, org, make_campaign, django_assert_num_queries, role, expected
):
    small = make_campaign(
        themes=2,
        requirements=[
            requirement("a", {"units": {"kinds": ["street"]}}),
            requirement("b", {"people": {"roles": ["cadre"]}}),
        ],
    )
    reqs = [
        requirement(f"r{i}", {"people": {"roles": ["party_member"]}} if i % 2 else {"units": {"tags": ["街道"]}})
        for i in range(40)
    ]
    large = make_campaign(themes=15, requirements=reqs)
    client = login(org.user(role) if role else None)
    for campaign, rows in ((small, 2), (large, 40)):
        with django_assert_num_queries(expected):
            body = client.get(url(campaign)).content.decode()
        assert body.count('<tr id="req-') == rows


def test_matched_counts_are_reused_for_a_few_minutes(login, campaign, org, django_assert_num_queries):
    client = login(None)
    client.get(url(campaign))
    with django_assert_num_queries(6):  # the campaign and its items; the counts come from the cache
        body = client.get(url(campaign)).content.decode()
    assert "3 个单位" in row(body, "unit-study-session")
