"""Writes racing each other on PostgreSQL, from threads with their own database connections:

- two requests registering a topic for the same leader: the database keeps one, the other is refused
  in words;
- many requests filing problems in one campaign: the numbers run on without a gap or a repeat;
- progress reported on two measures of one problem at once: the problem's roll-up holds both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from conftest import require_postgres
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import MeasureUpdate, Problem, ProblemStatus
from taolun.research import services as research_services
from taolun.research.models import ResearchTopic
from tests.concurrency import race
from tests.factories import PersonFactory

from .conftest import days

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_requests_for_the_same_leaders_topic_leave_one_row(org, campaign):
    require_postgres()
    leaders = [PersonFactory(unit=org.street_a, name=f"领导{i}", is_leading_cadre=True) for i in range(8)]
    theme = campaign.themes.first()

    def register(leader, n: int) -> Callable[[], str]:
        def job() -> str:
            try:
                research_services.topic_create(campaign=campaign, leader=leader, title=f"课题{n}", theme=theme, by=None)
                return "created"
            except ValidationError as refusal:
                assert "每名领导干部牵头 1 项" in refusal.message_dict["leader"][0]
                return "refused"

        return job

    for leader in leaders:
        outcomes = race([register(leader, 1), register(leader, 2)])
        assert sorted(outcomes) == ["created", "refused"], leader.name
    assert ResearchTopic.objects.count() == len(leaders)
    assert Counter(ResearchTopic.objects.values_list("leader_id", flat=True)) == Counter({p.pk: 1 for p in leaders})
    assert AuditEntry.objects.filter(action="research.create").count() == len(leaders)


def test_problems_filed_at_once_get_consecutive_numbers(org, campaign):
    require_postgres()
    units = [org.street_a, org.street_b, org.community_a, org.community_b]
    total = 48

    def file(n: int) -> Callable[[], int]:
        def job() -> int:
            problem = services.problem_create(
                campaign=campaign, unit=units[n % len(units)], content=f"问题{n}", source="spot_check", by=None
            )
            return problem.number

        return job

    numbers = race([file(n) for n in range(total)], threads=12)
    assert sorted(numbers) == list(range(1, total + 1))
    assert sorted(Problem.objects.filter(campaign=campaign).values_list("number", flat=True)) == list(
        range(1, total + 1)
    )


def test_progress_on_two_measures_at_once_rolls_up_both(org, campaign, owner):
    require_postgres()
    problems = []
    for n in range(6):
        problem = services.problem_create(
            campaign=campaign,
            unit=org.street_a,
            content=f"问题{n}",
            source="spot_check",
            owner=owner,
            standard="标准",
            deadline=days(30),
            by=None,
        )
        services.measure_add(problem=problem, content="措施一", deadline=days(20), weight=1, by=None)
        services.measure_add(problem=problem, content="措施二", deadline=days(25), weight=3, by=None)
        problems.append(services.problem_confirm(problem=problem, by=None))

    def report(measure, progress: int) -> Callable[[], int]:
        def job() -> int:
            return services.measure_progress(measure=measure, progress=progress, note="进展", by=None).pk

        return job

    for problem in problems:
        first, second = problem.measures.order_by("order")
        race([report(first, 100), report(second, 40)])
        stored = Problem.objects.get(pk=problem.pk)
        assert stored.progress == (1 * 100 + 3 * 40) // 4
        assert stored.status == ProblemStatus.RECTIFYING
        assert stored.due_on == days(25)  # the finished measure is no longer due
    assert MeasureUpdate.objects.count() == 2 * len(problems)
    # The move to rectifying happened once per problem, whichever report came first.
    assert AuditEntry.objects.filter(action="problems.start").count() == len(problems)
