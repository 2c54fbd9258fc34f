"""Who reaches which research page: the rules as a matrix over the pages, guessed ids, POST-only changes,
CSRF, served files, and the list's query count.

The topic belongs to 王局长, a leading cadre of street A. Those who may not see it get 404 (the same as an
id that does not exist); those who see but may not do something get 403; the browsing pages answer 403 to
those without the rule.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import shared_org
from taolun.research import services
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the organisation and the running campaign, built once for the module.
globals().update(shared_org(campaign=True))

ROLES = ["admin", "office", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]
# Who sees and writes 王局长's topic (street A): the office, admin, street A's liaison and the leader.
CHANGES = {"admin", "office", "liaison", "leader"}
DECIDES = {"admin", "office"}
BROWSES = {"admin", "office", "liaison", "liaison_b"}


def pdf(name: str = "走访记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def viewer(org, role: str):
    return org.users.get(role) if role != "anonymous" else None


def topic_page_status(role: str) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in CHANGES else 404


# page → (status the topic needs for the page to be open, url)
TOPIC_PAGES = {
    "detail": (TopicStatus.IN_PROGRESS, "research:detail"),
    "history": (TopicStatus.IN_PROGRESS, "research:history"),
    "edit": (TopicStatus.IN_PROGRESS, "research:edit"),
    "register": (TopicStatus.DRAFT, "research:register"),
    "progress": (TopicStatus.IN_PROGRESS, "research:progress"),
    "report": (TopicStatus.IN_PROGRESS, "research:report"),
}


@pytest.mark.parametrize("page", list(TOPIC_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_topic_pages_by_role(org, campaign, leader, owner, make_topic, login, role, page):
    status, name = TOPIC_PAGES[page]
    topic = make_topic(leader, status=status, title="甲街道营商环境调研")
    response = login(viewer(org, role)).get(reverse(name, args=[topic.pk]))
    assert response.status_code == topic_page_status(role)
    body = response.content.decode()
    if response.status_code == 200:
        assert "甲街道营商环境调研" in body
    else:
        assert "甲街道营商环境调研" not in body


@pytest.mark.parametrize("name", [n for _s, n in TOPIC_PAGES.values()])
def test_a_topic_that_does_not_exist_is_not_found(org, campaign, login, name):
    assert login(org.user("office")).get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("research:list", lambda role: 200 if role in BROWSES else 403),
        ("research:coverage", lambda role: 200 if role in BROWSES else 403),
        ("research:mine", lambda role: 200 if role == "leader" else 403),
        ("research:create", lambda role: 200 if role in BROWSES | {"leader"} else 403),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_campaign_pages_by_role(org, campaign, leader, owner, login, role, name, expected):
    response = login(viewer(org, role)).get(reverse(name))
    assert response.status_code == (302 if role == "anonymous" else expected(role))


def test_a_team_member_sees_the_topic_but_may_not_change_it(org, campaign, leader, owner, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    services.topic_update(topic=topic, members=[owner], by=None)
    client = login(org.user("owner"))
    assert client.get(reverse("research:detail", args=[topic.pk])).status_code == 200
    assert client.get(reverse("research:history", args=[topic.pk])).status_code == 200
    for name in ("research:edit", "research:progress", "research:report"):
        assert client.get(reverse(name, args=[topic.pk])).status_code == 403, name
    response = client.post(reverse("research:progress", args=[topic.pk]), {"happened_on": "2000-01-01"})
    assert response.status_code == 403
    assert topic.updates.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_decides(org, campaign, leader, owner, make_topic, login, role):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    response = login(viewer(org, role)).post(reverse("research:decide", args=[topic.pk]), {"decision": "accept"})
    topic.refresh_from_db()
    if role in DECIDES:
        assert response.status_code == 302
        assert topic.status == TopicStatus.ACCEPTED
    else:
        assert topic.status == TopicStatus.REPORTED
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/" in response["Location"]
        else:
            assert response.status_code == (403 if role in CHANGES else 404)


def test_another_streets_liaison_cannot_write_by_guessed_id(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = login(org.user("liaison_b"))
    posts = [
        (reverse("research:edit", args=[topic.pk]), {"title": "篡改"}),
        (reverse("research:progress", args=[topic.pk]), {"happened_on": timezone.localdate(), "content": "篡改"}),
        (reverse("research:report", args=[topic.pk]), {"findings": "篡改", "countermeasures": "篡改"}),
        (reverse("research:decide", args=[topic.pk]), {"decision": "return", "reason": "篡改"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    topic.refresh_from_db()
    assert topic.title == "优化营商环境调研" and topic.status == TopicStatus.REGISTERED
    assert not topic.updates.exists()


def test_the_list_shows_only_the_viewers_scope(org, campaign, leader, make_topic, login):
    make_topic(leader, title="甲街道课题")
    make_topic(org.person_b, title="乙街道课题")
    body = login(org.user("liaison")).get(reverse("research:list")).content.decode()
    assert "甲街道课题" in body and "乙街道课题" not in body
    body = login(org.user("liaison_b")).get(reverse("research:list")).content.decode()
    assert "甲街道课题" not in body and "乙街道课题" in body
    body = login(org.user("office")).get(reverse("research:list")).content.decode()
    assert "甲街道课题" in body and "乙街道课题" in body


def test_the_list_filters(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, title="甲街道课题", status=TopicStatus.REGISTERED)
    make_topic(org.person_b, title="乙街道课题")
    client = login(org.user("office"))

    def titles(**params):
        response = client.get(reverse("research:list"), params)
        assert response.status_code == 200
        return {t.title for t in response.context["rows"]}

    assert titles() == {"甲街道课题", "乙街道课题"}
    assert titles(unit="S-A") == {"甲街道课题"}
    assert titles(unit="C-B1") == {"乙街道课题"}
    assert titles(status="registered") == {"甲街道课题"}
    assert titles(q="乙街道") == {"乙街道课题"}
    assert titles(q="王局长") == {"甲街道课题"}
    assert titles(theme=topic.theme_id) == {"甲街道课题", "乙街道课题"}
    other = campaign.themes.exclude(pk=topic.theme_id).first()
    assert titles(theme=other.pk) == set()
    # A unit outside the viewer's scope is "not found" next to the field, and lists nothing.
    response = login(org.user("liaison")).get(reverse("research:list"), {"unit": "S-B"})
    assert response.context["form"].errors["unit"]
    assert response.context["rows"] == []


def test_the_list_rows_count_updates_and_show_the_last_date(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    earlier = timezone.localdate() - timezone.timedelta(days=3)
    services.topic_progress(topic=topic, happened_on=earlier, content="座谈会", by=None)
    (row,) = login(org.user("office")).get(reverse("research:list")).context["rows"]
    assert row.update_count == 2
    assert row.last_update == timezone.localdate()


def test_the_list_answers_htmx_with_the_rows_alone(org, campaign, leader, make_topic, login):
    make_topic(leader, title="甲街道课题")
    response = login(org.user("office")).get(
        reverse("research:list"), headers={"HX-Request": "true", "HX-Target": "topic-rows"}
    )
    body = response.content.decode()
    assert body.startswith('<div id="topic-rows">') and "甲街道课题" in body
    assert "<html" not in body


def test_an_unknown_campaign_slug_is_not_found(org, campaign, login):
    assert login(org.user("office")).get(reverse("research:list"), {"campaign": "nope"}).status_code == 404


def grow(org, campaign, size: int) -> None:
    """``size`` leaders under each street, each with a topic that has progress."""
    for unit in (org.street_a, org.community_b):
        for _ in range(size):
            person = PersonFactory(unit=unit, is_leading_cadre=True)
            topic = services.topic_create(
                campaign=campaign,
                leader=person,
                title="课题",
                theme=campaign.themes.first(),
                contact_unit=unit,
                members=[org.person_a],
                plan="计划",
                by=None,
            )
            services.topic_register(topic=topic, by=None)
            services.topic_progress(topic=topic, happened_on=timezone.localdate(), content="走访", by=None)


LIST_QUERIES = 10


@pytest.mark.parametrize("size", [1, 6])
def test_list_query_count_does_not_grow_with_the_topics(org, campaign, login, django_assert_num_queries, size):
    grow(org, campaign, size)
    client = login(org.user("liaison"))
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("research:list"))
    assert len(response.context["rows"]) == size
    with django_assert_num_queries(LIST_QUERIES + 1):  # + the unit filter's lookup
        response = client.get(reverse("research:list"), {"unit": "S-A", "status": "in_progress", "q": "课题"})
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [1, 6])
def test_coverage_query_count_does_not_grow_with_the_leaders(org, campaign, login, django_assert_num_queries, size):
    grow(org, campaign, size)
    for _ in range(size):
        PersonFactory(unit=org.community_a, is_leading_cadre=True)
    client = login(org.user("office"))
    with django_assert_num_queries(COVERAGE_QUERIES):
        response = client.get(reverse("research:coverage"), {"unit": "S-A"})
    cov = response.context["coverage"]
    assert (cov.leaders, cov.with_topic) == (2 * size, size)
    assert cov.by_status["in_progress"] == size
    assert len(response.context["page_obj"].object_list) == size


COVERAGE_QUERIES = 11


def test_coverage_names_the_leaders_without_a_topic(org, campaign, leader, make_topic, login):
    make_topic(org.person_b)
    client = login(org.user("office"))
    body = client.get(reverse("research:coverage")).content.decode()
    assert "王局长" in body and "李四" not in body
    assert f"?leader={leader.pk}" in body
    # A liaison's coverage starts at their street and cannot look at another's.
    response = login(org.user("liaison")).get(reverse("research:coverage"))
    assert response.context["unit"] == org.street_a
    assert login(org.user("liaison")).get(reverse("research:coverage"), {"unit": "S-B"}).status_code == 404


def test_mine_leads_a_leader_to_their_topic_or_to_the_form(org, campaign, leader, make_topic, login):
    client = login(org.user("leader"))
    response = client.get(reverse("research:mine"))
    assert response.status_code == 200
    assert response.context["form"] is not None
    assert f'action="{reverse("research:create")}"' in response.content.decode()
    topic = make_topic(leader)
    response = client.get(reverse("research:mine"))
    assert response.status_code == 302 and response["Location"] == reverse("research:detail", args=[topic.pk])


# --- POST only, CSRF, files -----------------------------------------------------------------------


def test_decide_is_post_only(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    response = login(org.user("office")).get(reverse("research:decide", args=[topic.pk]), {"decision": "accept"})
    assert response.status_code == 405
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REPORTED


def test_get_never_changes_a_topic(org, campaign, leader, make_topic, login):
    draft = make_topic(leader)
    client = login(org.user("leader"))
    client.get(reverse("research:register", args=[draft.pk]))
    client.get(reverse("research:edit", args=[draft.pk]), {"title": "改名"})
    draft.refresh_from_db()
    assert draft.status == TopicStatus.DRAFT and draft.title == "优化营商环境调研"
    services.topic_register(topic=draft, by=None)
    client.get(reverse("research:progress", args=[draft.pk]), {"happened_on": timezone.localdate(), "content": "x"})
    client.get(reverse("research:report", args=[draft.pk]), {"findings": "x", "countermeasures": "y"})
    draft.refresh_from_db()
    assert draft.status == TopicStatus.REGISTERED and not draft.updates.exists()


@pytest.mark.parametrize("role", ["liaison", "leader", "citizen"])
def test_delete_put_and_patch_are_refused(org, campaign, leader, make_topic, login, role):
    topic = make_topic(leader)
    client = login(viewer(org, role))
    for method in (client.put, client.patch, client.delete):
        assert method(reverse("research:edit", args=[topic.pk])).status_code == 405


def test_csrf_is_enforced(org, campaign, leader, make_topic):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("leader"))
    data = {"happened_on": timezone.localdate().isoformat(), "content": "没有令牌的提交"}
    response = client.post(reverse("research:progress", args=[topic.pk]), data)
    assert response.status_code == 403
    assert not topic.updates.exists()
    # The same client with the token from the page succeeds.
    page = client.get(reverse("research:progress", args=[topic.pk]))
    token = page.cookies["csrftoken"].value
    response = client.post(reverse("research:progress", args=[topic.pk]), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert topic.updates.count() == 1


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("role", ROLES)
def test_progress_files_are_served_only_to_those_who_see_the_topic(
    org, campaign, leader, owner, make_topic, login, media, role
):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    update = services.topic_progress(
        topic=topic, happened_on=timezone.localdate(), content="走访", upload=pdf('报告"; x=.pdf'), by=None
    )
    response = login(viewer(org, role)).get(reverse("research:update_file", args=[update.pk]))
    assert response.status_code == topic_page_status(role)
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert '"; x=' not in disposition  # the uploader's name cannot break out of the header value
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_update_without_a_file_has_nothing_to_serve(org, campaign, leader, make_topic, login):
    make_topic(leader, status=TopicStatus.IN_PROGRESS)
    update = TopicUpdate.objects.get()
    assert login(org.user("office")).get(reverse("research:update_file", args=[update.pk])).status_code == 404


def test_the_topic_page_offers_what_the_viewer_may_do(org, campaign, leader, make_topic, make_problem, login):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    problem = make_problem(source="research_topic", research_topic=topic, content="调研发现：企业开办时间长")
    office = login(org.user("office")).get(reverse("research:detail", args=[topic.pk]))
    assert office.context["can_decide"] and not office.context["can_report"]
    body = office.content.decode()
    assert reverse("research:decide", args=[topic.pk]) in body
    assert f"{reverse('problems:create')}?topic={topic.pk}" in body
    assert reverse("problems:detail", args=[problem.pk]) in body and "企业开办时间长" in body
    assert reverse("research:history", args=[topic.pk]) in body
    leader_page = login(org.user("leader")).get(reverse("research:detail", args=[topic.pk]))
    assert not leader_page.context["can_decide"]
    assert reverse("research:decide", args=[topic.pk]) not in leader_page.content.decode()
    liaison = login(org.user("liaison")).get(reverse("research:detail", args=[topic.pk]))
    assert not liaison.context["can_decide"] and not liaison.context["can_edit"]


def test_history_shows_names_not_ids(org, campaign, leader, make_topic, login):
    topic = make_topic(leader)
    themes = list(campaign.themes.order_by("order"))
    for theme, unit in ((themes[1], org.community_a), (themes[2], org.street_a)):
        services.topic_update(topic=topic, theme=theme, contact_unit=unit, members=[org.person_a], by=None)
    response = login(org.user("office")).get(reverse("research:history", args=[topic.pk]))
    body = response.content.decode()
    assert themes[1].title in body and themes[2].title in body
    assert "甲一社区" in body and "张三" in body
    assert f">{themes[1].pk}<" not in body
    assert len(response.context["versions"]) == 3
    assert ResearchTopic.objects.get().theme == themes[2]


HISTORY_QUERIES = 10


@pytest.mark.parametrize("edits", [1, 6])
def test_history_query_count_does_not_grow_with_the_versions(
    org, campaign, leader, make_topic, login, django_assert_num_queries, edits
):
    topic = make_topic(leader)
    themes = list(campaign.themes.order_by("order"))
    units = [org.community_a, org.street_a]
    people = [org.person_a, leader]
    for n in range(edits):
        services.topic_update(
            topic=topic,
            theme=themes[n % len(themes)],
            contact_unit=units[n % 2],
            members=people[: n % 2 + 1],
            title=f"课题第{n}版",
            by=None,
        )
    client = login(org.user("office"))
    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(reverse("research:history", args=[topic.pk]))
    assert len(response.context["versions"]) == edits + 1
