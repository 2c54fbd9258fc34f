"""The home page shows the current campaign to everyone, and what is asked of the signed-in viewer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from taolun.campaigns import services
from tests.factories import PersonFactory, UserFactory

from .conftest import requirement

THEME_QUESTIONS = [
    "总结比较优势，提振信心，走好溪湖创新发展、转型发展、优质发展的振兴之路",
    "坚持党的集中统一领导，党要管党、全面从严治党，充分发挥党的领导这一最大政治优势，确保党把方向、谋大局、定政策、促改革，为振兴发展提供坚强政治保证",
]


def text_of(response) -> str:
    return response.content.decode()


def test_home_without_a_campaign_is_helpful_to_the_public(login, org):
    response = login(None).get("/")
    assert response.status_code == 200
    body = text_of(response)
    assert "目前没有进行中的大讨论活动" in body
    assert reverse("campaigns:create") not in body


def test_home_without_a_campaign_offers_the_office_to_create_one(login, org):
    body = text_of(login(org.user("office")).get("/"))
    assert reverse("campaigns:create") in body


def test_home_shows_the_campaign_to_anonymous_visitors(login, campaign):
    response = login(None).get("/")
    assert response.status_code == 200
    body = text_of(response)
    assert f"<h1>{campaign.title}</h1>" in body and "溪湖区人民政府党组" in body
    assert body.count('class="theme"') == 6
    for question in THEME_QUESTIONS:
        assert question in body
    assert '<details class="card preamble">' in body and "全面贯彻党的十九大" in body
    for principle in ("坚持正确导向", "坚持领导带头", "坚持联系实际", "坚持融入结合"):
        assert principle in body
    assert body.count('class="stage ') == 3
    current = re.search(r'<li class="stage current" aria-current="step">.*?</li>', body, re.S)
    assert current and "认真查摆问题" in current.group(0)
    assert "当前阶段：认真查摆问题" in body
    assert "近期截止" in body
    assert "对您的要求" not in body


def test_draft_campaigns_are_not_shown_on_home(login, org, make_campaign):
    make_campaign(activate=False)
    assert "目前没有进行中的大讨论活动" in text_of(login(None).get("/"))


def test_signed_in_party_member_sees_what_is_asked_of_them(login, campaign, org):
    body = text_of(login(org.user("cadre")).get("/"))
    asked = body[body.index("对您的要求") : body.index("近期截止")]
    assert "张三" in asked and "撰写一篇有价值的心得体会文章" in asked
    assert "牵头主持1项重点调研课题" not in asked  # 张三 is not a leading cadre


def test_liaison_sees_the_requirements_on_their_unit(login, campaign, org):
    body = text_of(login(org.user("liaison")).get("/"))
    asked = body[body.index("对您的要求") : body.index("近期截止")]
    assert "甲街道（您联络的单位）" in asked
    assert "举办一次集中学习研讨活动" in asked and "开好专题研讨会" in asked
    assert "乙街道" not in asked


def test_a_user_without_a_person_sees_no_asked_section(login, campaign, org):
    assert "对您的要求" not in text_of(login(org.user("citizen")).get("/"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 6), ("cadre", 15), ("liaison", 15)],
)
def test_home_query_count_does_not_grow_with_the_plan(
    login, org, make_campaign, django_assert_num_queries, role, expected
):
    small = make_campaign(
        themes=2,
        requirements=[
            requirement("a", {"units": {"kinds": ["street"]}}),
            requirement("b", {"people": {"roles": ["party_member"]}}),
        ],
    )
    client = login(org.user(role) if role else None)
    with django_assert_num_queries(expected):
        assert client.get("/").status_code == 200
    services.campaign_close(campaign=small, by=None)
    reqs = [
        requirement(f"r{i}", {"people": {"roles": ["party_member"]}} if i % 2 else {"units": {"tags": ["街道"]}})
        for i in range(30)
    ]
    make_campaign(themes=12, requirements=reqs)
    with django_assert_num_queries(expected):
        body = client.get("/").content.decode()
    assert body.count('class="theme"') == 12


def test_home_shows_each_viewer_the_campaign_of_their_own_district(login, province):
    east_user = UserFactory(username="east")
    PersonFactory(unit=province.east_street, user=east_user)
    east_page = login(east_user).get("/")
    assert east_page.context["page"].campaign == province.east_campaign
    assert "东区方案" in text_of(east_page)
    anonymous_page = login(None).get("/")
    assert anonymous_page.context["page"].campaign == province.west_campaign
