"""The ledger's main path through the services, end to end."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from taolun.campaigns.evidence import check_subject
from taolun.problems import services
from taolun.problems.lights import problem_light
from taolun.problems.models import ProblemStatus
from taolun.research.models import TopicStatus

from .conftest import days

pytestmark = pytest.mark.django_db


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


def test_problem_from_found_to_closed(org, campaign, make_problem, owner):
    problem = make_problem(confirmed=True)
    assert problem.status == ProblemStatus.CONFIRMED
    assert problem.measure_count == 1
    measure = problem.measures.get()
    services.measure_progress(measure=measure, progress=100, note="已完成", by=org.users["owner"], files=[pdf()])
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    assert problem.progress == 100
    services.problem_finish(problem=problem, result="审批时限由20天压缩到8天", by=org.users["liaison"])
    services.problem_close(problem=problem, by=org.users["office"], publish=True)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert problem.closed_on_time is True
    assert problem_light(problem) == "done"


def test_topic_evidence(org, campaign, leader, make_topic):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    requirement = campaign.requirements.get(key="leader-research-topic")
    (check,) = check_subject([requirement], leader.pk)
    assert check.state == "done", check
    assert topic.status == TopicStatus.REPORTED


def test_overdue_measure_is_red(org, campaign, make_problem):
    problem = make_problem(confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20))
    assert problem_light(problem) == "red"
