"""The demo district's research topics and problem ledger: built through the services, every light shown."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from conftest import module_rows
from taolun.accounts.models import User
from taolun.core.models import AuditEntry
from taolun.problems.lights import light_case
from taolun.problems.models import Extension, ExtensionStatus, MeasureUpdate, Problem, ProblemSource, SelfExamination
from taolun.problems.selectors import owned_by, public_ledger
from taolun.research.models import ResearchTopic, TopicStatus

pytestmark = pytest.mark.django_db


# Built once for the module; each test runs in a savepoint of it (see ``module_rows`` in conftest.py).
@module_rows
def _demo():
    call_command("demo", people=300, stdout=io.StringIO())


@pytest.fixture
def demo(_demo, db):
    return None


def test_demo_topics_are_in_every_status_with_their_timeline(demo):
    by_status = dict(ResearchTopic.objects.values_list("status").annotate(n=Count("id")))
    for status in TopicStatus.values:
        assert by_status.get(status, 0) >= 1, status
    returned = ResearchTopic.objects.get(status=TopicStatus.RETURNED)
    assert returned.return_reason
    accepted = ResearchTopic.objects.get(status=TopicStatus.ACCEPTED)
    assert accepted.updates.count() >= 2 and accepted.countermeasures
    leader = User.objects.get(username="leader").person
    mine = ResearchTopic.objects.get(leader=leader)
    assert mine.status == TopicStatus.IN_PROGRESS and mine.updates.exists()
    # Every topic was created (and moved) through the services: each has its audit entries.
    for topic in ResearchTopic.objects.all():
        actions = set(
            AuditEntry.objects.filter(action__startswith="research.", object_id=str(topic.pk)).values_list(
                "action", flat=True
            )
        )
        assert "research.create" in actions, topic


def test_demo_ledger_shows_every_light_and_every_stage(demo):
    problems = Problem.objects.all()
    assert problems.count() >= 30
    lights = dict(problems.annotate(light=light_case()).order_by().values_list("light").annotate(n=Count("id")))
    for light in ("red", "yellow", "green", "done", "none"):
        assert lights.get(light, 0) >= 1, (light, lights)
    statuses = set(problems.values_list("status", flat=True))
    assert statuses == {"found", "confirmed", "rectifying", "done", "closed", "dismissed"}
    assert set(problems.values_list("source", flat=True)) >= {
        ProblemSource.SELF_EXAMINATION,
        ProblemSource.RESEARCH_TOPIC,
        ProblemSource.INSPECTION,
        ProblemSource.DISCUSSION,
        ProblemSource.SPOT_CHECK,
    }
    assert problems.filter(source=ProblemSource.INSPECTION, opinion__isnull=False).count() >= 3
    assert problems.filter(source=ProblemSource.RESEARCH_TOPIC, research_topic__isnull=False).exists()
    assert problems.values("unit").distinct().count() >= 15
    assert problems.filter(category__isnull=False).values("category").distinct().count() >= 3
    assert MeasureUpdate.objects.count() >= 20
    assert problems.filter(reopen_count=1, status="rectifying").exists()
    # Closed problems on the public ledger, with the evidence they were verified against.
    campaign = problems.first().campaign
    public = list(public_ledger(campaign))
    assert len(public) >= 3
    assert all(p.closed_on_time and p.evidence.exists() for p in public)
    assert Extension.objects.filter(status=ExtensionStatus.PENDING).count() == 1
    assert Extension.objects.filter(status=ExtensionStatus.APPROVED).count() == 1
    # Each problem's history: one creation entry per problem (converted opinions included).
    assert AuditEntry.objects.filter(action="problems.create").count() == problems.count()


def test_demo_logins_have_work_in_the_ledger(demo):
    cadre = User.objects.get(username="cadre").person
    leader = User.objects.get(username="leader").person
    mine = owned_by(cadre).annotate(light=light_case())
    assert "red" in set(mine.values_list("light", flat=True))
    assert owned_by(leader).exists()
    submitted = SelfExamination.objects.filter(submitted_at__isnull=False)
    assert submitted.count() >= 1
    assert set(submitted.first().items.values_list("aspect", flat=True)) >= {"政治定力", "工作思路", "能力素质"}
    assert SelfExamination.objects.filter(submitted_at__isnull=True).exists()


def test_running_the_demo_again_adds_no_topics_or_problems(demo, capsys):
    counts = (ResearchTopic.objects.count(), Problem.objects.count(), MeasureUpdate.objects.count())
    call_command("demo", people=300)
    assert (ResearchTopic.objects.count(), Problem.objects.count(), MeasureUpdate.objects.count()) == counts
