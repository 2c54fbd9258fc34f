"""What the discussion proves for the built-in plan's ``online-discussion-replies`` requirement
(evidence kind ``discussion``: of the suggestions routed to a street or department, or to units under
it, that are answered or past their deadline, ``replied_ratio`` answered by the deadline), read
through the requirement engine (``campaigns.evidence``) as every report does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from taolun.campaigns.evidence import achieved, check_subject
from taolun.campaigns.tests.conftest import requirement as plan_requirement
from taolun.discussion import services
from taolun.discussion.models import Suggestion
from taolun.orgs.models import Unit

pytestmark = pytest.mark.django_db

ANSWER = "经核查，已安排工作人员周末轮班，服务大厅周六上午开放。"


@pytest.fixture
def replies(campaign):
    return campaign.requirements.get(key="online-discussion-replies")


@pytest.fixture
def units(org):
    return [org.street_a.pk, org.street_b.pk, org.department.pk]


@pytest.fixture
def routed(make_suggestion):
    """A published suggestion routed to ``unit`` (its deadline ``days`` from now)."""

    def _route(unit, *, days: float | None = None, **kw) -> Suggestion:
        suggestion = services.suggestion_route(suggestion=make_suggestion(**kw), department=unit, by=None)
        if days is not None:
            Suggestion.objects.filter(pk=suggestion.pk).update(due_at=timezone.now() + dt.timedelta(days=days))
            suggestion.refresh_from_db()
        return suggestion

    return _route


def answer(suggestion: Suggestion) -> None:
    services.reply_create(suggestion=suggestion, body=ANSWER, by=None)


def done(requirement, unit_id: int) -> bool:
    (check,) = check_subject([requirement], unit_id)
    return check.is_done


def test_the_requirement_is_read_by_the_discussions_provider(replies):
    assert replies.evidence_spec.kind == "discussion"
    assert float(replies.evidence_spec.replied_ratio) == 1.0


def test_a_unit_with_nothing_due_has_nothing_outstanding(org, replies, units, routed):
    assert achieved(replies, units) == dict.fromkeys(units, 1)
    routed(org.department, days=3)  # routed, its deadline still ahead
    routed(org.community_a, days=1)
    assert achieved(replies, units) == dict.fromkeys(units, 1)
    assert done(replies, org.department.pk)


def test_an_overdue_unanswered_suggestion_fails_its_unit_and_the_units_above(org, replies, units, routed):
    routed(org.community_a, days=-1)
    assert achieved(replies, units) == {org.street_b.pk: 1, org.department.pk: 1}
    assert not done(replies, org.street_a.pk)
    assert done(replies, org.street_b.pk)
    routed(org.department, days=-0.01)
    assert achieved(replies, units) == {org.street_b.pk: 1}


def test_hidden_suggestions_and_other_campaigns_do_not_count(org, replies, units, routed, make_campaign, citizen):
    hidden = routed(org.department, days=-2)
    services.moderate(item=hidden, action="hide", note="重复内容", by=None)
    other = make_campaign()
    elsewhere = services.suggestion_create(
        campaign=other,
        theme=other.themes.first(),
        title="另一活动的建议",
        body="建议社区在周末延长服务大厅的开放时间，另一活动。",
        by=citizen,
    )
    services.suggestion_route(suggestion=elsewhere, department=org.department, by=None)
    Suggestion.objects.filter(pk=elsewhere.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    assert achieved(replies, units) == dict.fromkeys(units, 1)


def test_the_units_may_be_given_as_a_subquery(org, replies, routed):
    routed(org.department, days=-1)
    streets_and_departments = Unit.objects.filter(kind__in=["street", "department"]).values("pk")
    assert achieved(replies, streets_and_departments) == {org.street_a.pk: 1, org.street_b.pk: 1}


def test_on_time_replies_meet_it_and_late_ones_do_not(org, replies, units, routed):
    on_time = routed(org.department, days=2)
    answer(on_time)
    assert achieved(replies, units) == dict.fromkeys(units, 1)

    late = routed(org.community_a, days=-1)
    answer(late)  # answered, a day after its deadline
    assert achieved(replies, units) == {org.street_b.pk: 1, org.department.pk: 1}
    assert not done(replies, org.street_a.pk)

    also_on_time = routed(org.street_a, days=5)
    answer(also_on_time)
    assert org.street_a.pk not in achieved(replies, units)  # 1 of 2 is short of a ratio of 1.0


def test_a_lower_ratio_in_a_plan_of_its_own(org, make_campaign, citizen, dept_liaison):
    campaign = make_campaign(
        requirements=[
            plan_requirement(
                "half-replied",
                {"units": {"kinds": ["department"]}},
                evidence={"kind": "discussion", "replied_ratio": 0.5},
            )
        ]
    )
    requirement = campaign.requirements.get(key="half-replied")
    theme = campaign.themes.first()

    def routed_here(n: int, days: float) -> Suggestion:
        suggestion = services.suggestion_create(
            campaign=campaign,
            theme=theme,
            title=f"本活动第{n}条建议",
            body=f"建议社区在周末延长服务大厅的开放时间，第{n}条。",
            by=citizen,
        )
        routed = services.suggestion_route(suggestion=suggestion, department=org.department, by=None)
        Suggestion.objects.filter(pk=routed.pk).update(due_at=timezone.now() + dt.timedelta(days=days))
        routed.refresh_from_db()
        return routed

    answer(routed_here(1, 3))
    routed_here(2, -1)
    assert achieved(requirement, [org.department.pk]) == {org.department.pk: 1}  # 1 of 2
    routed_here(3, -1)
    assert achieved(requirement, [org.department.pk]) == {}  # 1 of 3


def test_a_reopened_suggestion_is_owed_again(org, replies, routed, citizen):
    suggestion = routed(org.department, days=2)
    services.reply_create(suggestion=suggestion, body=ANSWER, by=None)
    reply = suggestion.replies.get()
    services.reply_rate(reply=reply, rating="unsatisfied", note="没有解决", by=citizen)
    assert achieved(replies, [org.department.pk]) == {org.department.pk: 1}  # the new deadline is ahead
    Suggestion.objects.filter(pk=suggestion.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert achieved(replies, [org.department.pk]) == {}
