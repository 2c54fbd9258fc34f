"""Reads of research topics: who sees which topic, filters, a topic's page and timeline, the leaders a
user may register topics for, and how many leaders under a unit have one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import shared_org
from taolun.accounts.models import User
from taolun.research import selectors, services
from taolun.research.models import ResearchTopic, TopicStatus
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(mixed_roles=True, campaign=True))

T = TopicStatus


def fresh(org, role):
    user = org.users.get(role)
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.fixture
def topics(org_mixed_roles, campaign, leader, owner, make_topic):
    org = org_mixed_roles
    deputy = PersonFactory(unit=org.community_a, name="社区书记", is_leading_cadre=True)
    own = make_topic(leader, status=T.IN_PROGRESS)
    services.topic_update(topic=own, members=[owner], by=None)
    return {
        "own": own,
        "deputy": make_topic(deputy, status=T.REGISTERED, title="社区治理调研"),
        "b": make_topic(org.person_b, status=T.REPORTED, title="乡村振兴调研"),
    }


VISIBLE = {
    "admin": {"own", "deputy", "b"},
    "office": {"own", "deputy", "b"},
    "office_a": {"own", "deputy"},
    "liaison": {"own", "deputy"},
    "liaison_b": {"b"},
    "leader": {"own"},  # their own topic only: a leader does not manage the topics of others
    "owner": {"own"},  # a team member
    "cadre": set(),
    "citizen": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("role", VISIBLE)
def test_who_sees_which_topics(org_mixed_roles, topics, role):
    by_pk = {t.pk: name for name, t in topics.items()}
    seen = selectors.topics_visible_to(fresh(org_mixed_roles, role)).values_list("pk", flat=True)
    assert {by_pk[pk] for pk in seen} == VISIBLE[role]


def test_visibility_agrees_with_the_view_rule(org_mixed_roles, topics):
    for role in VISIBLE:
        user = fresh(org_mixed_roles, role)
        visible = set(selectors.topics_visible_to(user).values_list("pk", flat=True))
        allowed = {t.pk for t in topics.values() if user.has_perm("research.view_topic", t)}
        assert visible == allowed, role


def test_filters(org, campaign, topics):
    def names(**filters) -> list[str]:
        by_pk = {t.pk: name for name, t in topics.items()}
        return [by_pk[t.pk] for t in selectors.filter_topics(ResearchTopic.objects.all(), **filters)]

    assert sorted(names(campaign=campaign)) == ["b", "deputy", "own"]
    assert sorted(names(unit=org.street_a)) == ["deputy", "own"]
    assert names(unit=org.community_a) == ["deputy"]
    assert names(status=T.REPORTED) == ["b"]
    assert sorted(names(theme=campaign.themes.order_by("order").first().pk)) == ["b", "deputy", "own"]
    assert names(q="乡村") == ["b"]
    assert names(q="王局长") == ["own"]
    assert sorted(names(q="  ")) == ["b", "deputy", "own"]
    rows = {t.pk: t for t in selectors.filter_topics(ResearchTopic.objects.all())}
    assert rows[topics["own"].pk].update_count == 1 and rows[topics["deputy"].pk].update_count == 0


def test_a_list_reads_its_relations_in_one_query(topics):
    with CaptureQueriesContext(connection) as ctx:
        rows = [
            (
                t.leader.name,
                t.unit.name,
                t.theme and t.theme.title,
                t.contact_unit and t.contact_unit.name,
                t.update_count,
            )
            for t in selectors.filter_topics(ResearchTopic.objects.all())
        ]
    assert len(ctx.captured_queries) == 1 and len(rows) == 3


def test_a_topics_page_and_its_timeline(leader, topics):
    topic = topics["own"]
    services.topic_progress(
        topic=topic, happened_on=timezone.localdate() - dt.timedelta(days=3), content="早先的走访", by=None
    )
    services.topic_progress(topic=topic, happened_on=timezone.localdate(), content="座谈会", by=None)
    page = selectors.topic_for_page(topic.pk)
    with CaptureQueriesContext(connection) as ctx:
        shown = (page.campaign.root_unit.name, page.leader.unit.name, page.theme.title, page.contact_unit.name)
    assert len(ctx.captured_queries) == 0
    assert shown == ("示例区", "甲街道", topic.theme.title, "甲街道")
    # Newest day first; on one day, the later entry first.
    assert [u.content for u in selectors.timeline(topic)] == ["座谈会", "走访企业5家", "早先的走访"]
    assert selectors.topic_of(topic.campaign, leader) == topic


def test_leaders_a_user_may_register_topics_for(org_mixed_roles, campaign, leader):
    org = org_mixed_roles
    deputy = PersonFactory(unit=org.community_a, name="社区书记", is_leading_cadre=True)
    PersonFactory(unit=org.street_a, name="已调离", is_leading_cadre=True, is_active=False)
    assert set(selectors.leaders_for_topics(fresh(org, "liaison"), campaign)) == {leader, deputy}
    assert set(selectors.leaders_for_topics(fresh(org, "leader"), campaign)) == {leader}
    assert set(selectors.leaders_for_topics(fresh(org, "office"), campaign)) == {leader, deputy, org.person_b}
    assert set(selectors.leaders_for_topics(fresh(org, "liaison_b"), campaign)) == {org.person_b}
    assert list(selectors.leaders_for_topics(fresh(org, "cadre"), campaign)) == []


def test_coverage_of_leaders_under_a_unit(org, campaign, topics):
    missing = PersonFactory(unit=org.street_a, name="副局长", is_leading_cadre=True)
    with CaptureQueriesContext(connection) as ctx:
        cover = selectors.coverage(campaign, org.street_a)
        missing_names = [(p.name, p.unit.name) for p in cover.missing]
    assert len(ctx.captured_queries) == 3
    assert (cover.leaders, cover.with_topic) == (3, 2)
    assert cover.by_status == {**dict.fromkeys(T.values, 0), T.IN_PROGRESS: 1, T.REGISTERED: 1}
    assert missing_names == [(missing.name, "甲街道")]
    whole = selectors.coverage(campaign, org.district)
    assert (whole.leaders, whole.with_topic, whole.by_status[T.REPORTED]) == (4, 3, 1)
