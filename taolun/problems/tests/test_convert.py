"""An inspection opinion becomes a problem of the holding unit in one action, through the activities app's
converter registry: source inspection, the opinion's dimension, and the link kept on both sides."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.activities import records
from taolun.activities.models import OpinionSource
from taolun.activities.services import activity_create
from taolun.activities.tests.conftest import at
from taolun.core.models import AuditEntry
from taolun.problems import convert
from taolun.problems.models import Problem, ProblemSource, ProblemStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def problem_converter():
    """The ledger's converter as the app registers it (another test module may have swapped it out)."""
    saved = records.CONVERTERS.get("problem")
    importlib.reload(convert)
    yield records.CONVERTERS["problem"]
    if saved is not None:
        records.CONVERTERS["problem"] = saved


@pytest.fixture
def opinion(org, campaign):
    visit = activity_create(
        campaign=campaign,
        unit=org.street_a,
        kind="inspection",
        title="人大代表视察老旧小区改造",
        start_at=at(hours=-1),
        end_at=at(hours=1),
        by=None,
    )
    return records.opinion_add(
        activity=visit,
        content="老旧小区雨后积水严重",
        dimension=campaign.dimensions.first(),
        source_kind=OpinionSource.DEPUTY,
        source_name="王代表",
        by=None,
    )


def test_the_ledger_registers_its_converter(problem_converter):
    assert problem_converter.key == "problem" and problem_converter.perm == "problems.add_problem"


def test_an_opinion_becomes_a_found_problem_of_the_holding_unit(org, campaign, opinion):
    url = records.opinion_convert(opinion=opinion, to="problem", by=org.user("liaison"))
    problem = Problem.objects.get()
    assert url == problem.get_absolute_url()
    assert (problem.campaign, problem.unit, problem.status, problem.source) == (
        campaign,
        org.street_a,
        ProblemStatus.FOUND,
        ProblemSource.INSPECTION,
    )
    assert problem.content == "老旧小区雨后积水严重"
    assert problem.dimension == opinion.dimension and problem.dimension is not None
    assert problem.opinion == opinion
    assert problem.source_note == "人大代表视察老旧小区改造（人大代表、政协委员·王代表）"
    assert problem.created_by == org.user("liaison")
    opinion.refresh_from_db()
    assert (opinion.link_type, opinion.link_id) == ("problem", problem.pk) and opinion.linked_at is not None
    assert AuditEntry.objects.filter(action="problems.create", object_id=str(problem.pk)).exists()
    assert AuditEntry.objects.filter(action="activities.opinion.convert").exists()


def test_an_opinion_is_converted_once(org, opinion):
    records.opinion_convert(opinion=opinion, to="problem", by=org.user("liaison"))
    with pytest.raises(ValidationError):
        records.opinion_convert(opinion=opinion, to="problem", by=org.user("office"))
    assert Problem.objects.count() == 1


def test_a_liaison_of_another_street_cannot_convert(org, opinion):
    with pytest.raises(PermissionDenied):
        records.opinion_convert(opinion=opinion, to="problem", by=org.user("liaison_b"))
    opinion.refresh_from_db()
    assert opinion.link_type == "" and opinion.link_id is None
    assert Problem.objects.count() == 0


def test_a_refused_problem_leaves_the_opinion_unconverted(org, opinion, monkeypatch):
    from taolun.problems import services

    def refuse(**kwargs):
        raise ValidationError({"unit": "不在范围内"})

    monkeypatch.setattr(services, "problem_create", refuse)
    with pytest.raises(ValidationError):
        records.opinion_convert(opinion=opinion, to="problem", by=org.user("liaison"))
    opinion.refresh_from_db()
    assert opinion.link_type == "" and Problem.objects.count() == 0
