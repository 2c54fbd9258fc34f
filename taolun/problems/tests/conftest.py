"""Fixtures for the research and problem-ledger tests: a running campaign, a leader with an account,
and helpers that file problems, set measures and register topics, all through the services.

- ``leader``: the user ``leader`` (login role cadre), roster entry 王局长, a leading cadre of street A;
- ``owner``: the user ``owner`` (login role cadre), roster entry 赵科长 in community A1 (under street A);
- ``make_problem``: a problem of street A (status found) — ``confirmed=True`` completes the five clarities
  (owner, standard, one measure, deadline) and confirms it;
- ``make_topic``: a draft topic for a leader (``status=`` walks it on to registered, in progress, reported).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.activities.tests.conftest import campaign, campaign_start
from taolun.problems import services
from taolun.problems.models import Problem
from taolun.research import services as research_services
from taolun.research.models import ResearchTopic, TopicStatus
from tests.factories import PersonFactory, UserFactory

__all__ = ["campaign", "campaign_start", "days"]


def days(n: int) -> dt.date:
    """Today moved by ``n`` days."""
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def leader(org):
    user = UserFactory(username="leader", display_name="王局长")
    RoleAssignment.objects.create(user=user, role=Role.CADRE, unit=None)
    person = PersonFactory(unit=org.street_a, name="王局长", is_leading_cadre=True, is_party_member=True, user=user)
    org.users["leader"] = user
    return person


@pytest.fixture
def owner(org):
    user = UserFactory(username="owner", display_name="赵科长")
    RoleAssignment.objects.create(user=user, role=Role.CADRE, unit=None)
    person = PersonFactory(unit=org.community_a, name="赵科长", is_party_member=True, user=user)
    org.users["owner"] = user
    return person


@pytest.fixture
def make_problem(org, campaign, owner):
    counter = itertools.count(1)

    def _make(
        *,
        unit: Any = None,
        content: str | None = None,
        source: str = "self_examination",
        confirmed: bool = False,
        deadline: dt.date | None = None,
        measure_deadline: dt.date | None = None,
        starts_on: dt.date | None = None,
        by: Any = None,
        **fields: Any,
    ) -> Problem:
        unit = unit or org.street_a
        problem = services.problem_create(
            campaign=campaign,
            unit=unit,
            content=content or f"问题{next(counter)}：审批环节多、时限长，企业反映办事难",
            source=source,
            by=by,
            **fields,
        )
        if confirmed:
            person = owner if owner.unit.path.startswith(unit.path) else None
            deadline = deadline or days(30)
            problem = services.problem_update(
                problem=problem,
                owner=person or fields.get("owner"),
                standard="审批时限压缩一半，群众满意度达到90%",
                deadline=deadline,
                by=None,
            )
            services.measure_add(
                problem=problem,
                content="梳理审批事项清单，取消不必要的环节",
                deadline=measure_deadline or deadline,
                starts_on=starts_on,
                owner=person,
                by=None,
            )
            problem = services.problem_confirm(problem=problem, by=None)
        problem.refresh_from_db()
        return problem

    return _make


@pytest.fixture
def make_topic(campaign):
    def _make(
        leader: Any, *, status: str = TopicStatus.DRAFT, title: str = "优化营商环境调研", by: Any = None
    ) -> ResearchTopic:
        theme = campaign.themes.order_by("order").first()
        topic = research_services.topic_create(
            campaign=campaign,
            leader=leader,
            title=title,
            theme=theme,
            contact_unit=leader.unit,
            plan="走访企业20家，召开座谈会2次",
            by=by,
        )
        order = [TopicStatus.REGISTERED, TopicStatus.IN_PROGRESS, TopicStatus.REPORTED]
        if status in order:
            topic = research_services.topic_register(topic=topic, by=None)
        if status in order[1:]:
            research_services.topic_progress(
                topic=topic, happened_on=timezone.localdate(), content="走访企业5家", by=None
            )
        if status in order[2:]:
            topic = research_services.topic_report(
                topic=topic, findings="企业反映审批慢", countermeasures="推行一网通办", by=None
            )
        topic.refresh_from_db()
        return topic

    return _make
