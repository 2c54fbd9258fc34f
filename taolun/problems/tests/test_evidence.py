"""What problems and self-examinations prove for the plan's requirements: the built-in plan's
``unit-problems``, ``community-problems``, ``unit-measures`` and ``leader-self-examination``, and a plan
built here that asks for found problems with measures, closed problems, problems closed on time and
self-examinations covering given aspects. The batched path (``check_subject``: one query per kind for
one subject) and the per-requirement path (``achieved``: one query for many subjects) must agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.campaigns.evidence import achieved, check_subject, needed, state_of
from taolun.campaigns.models import Campaign, Requirement, RequirementSubject
from taolun.campaigns.tests.conftest import requirement
from taolun.orgs.models import Person, Unit
from taolun.problems import services
from taolun.problems.models import Problem, ProblemStatus, SelfExaminationItem
from taolun.problems.selfexam import self_examination_save
from tests.factories import PersonFactory

from .conftest import days
from .helpers import pdf, plan_campaign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ProblemStatus
ASPECTS = ["政治定力", "工作思路", "能力素质"]


def items(*aspects: str) -> list[dict[str, str]]:
    return [{"aspect": a, "gap": f"{a}方面的差距", "measure": f"{a}方面的措施"} for a in aspects]


def file(
    campaign: Campaign,
    unit: Unit,
    status: str,
    *,
    owner: Person | None = None,
    late: bool = False,
    with_measure: bool = True,
) -> Problem:
    """A problem of ``campaign`` brought to ``status`` through the services."""
    problem = services.problem_create(
        campaign=campaign, unit=unit, content=f"{unit.name}的问题", source="spot_check", owner=owner, by=None
    )
    if status in (S.FOUND, S.DISMISSED):
        if with_measure:
            services.measure_add(problem=problem, content="措施", deadline=days(10), by=None)
        if status == S.DISMISSED:
            services.problem_dismiss(problem=problem, reason="不予认定", by=None)
        return problem
    problem = services.problem_update(
        problem=problem, standard="整改标准", deadline=days(0) if late else days(30), by=None
    )
    measure = services.measure_add(
        problem=problem, content="措施", deadline=problem.deadline, starts_on=days(-5), by=None
    )
    services.problem_confirm(problem=problem, by=None)
    if status == S.CONFIRMED:
        return problem
    done = status != S.RECTIFYING
    services.measure_progress(
        measure=measure, progress=100 if done else 50, note="进展", by=None, files=[pdf()] if done else []
    )
    if not done:
        return problem
    services.problem_finish(problem=problem, result="整改完成", by=None)
    if late:
        Problem.objects.filter(pk=problem.pk).update(done_at=F("done_at") + dt.timedelta(days=1))
    if status == S.CLOSED:
        services.problem_close(problem=problem, by=None)
    return problem


def subject_ids(org, requirement_: Requirement, people: list[Person]) -> list[int]:
    if requirement_.subject == RequirementSubject.UNIT:
        return [
            u.pk for u in (org.district, org.street_a, org.street_b, org.community_a, org.community_b, org.department)
        ]
    return [p.pk for p in people]


def assert_paths_agree(org, requirements: list[Requirement], people: list[Person]) -> dict[str, dict[int, int]]:
    """Both paths, for every requirement and subject; returns {requirement key: {subject id: count}}."""
    today = timezone.localdate()
    counts: dict[str, dict[int, int]] = {}
    for subject in (RequirementSubject.UNIT, RequirementSubject.PERSON):
        batch = [r for r in requirements if r.subject == subject]
        if not batch:
            continue
        ids = subject_ids(org, batch[0], people)
        per_requirement = {r.pk: achieved(r, ids) for r in batch}
        for subject_id in ids:
            for check in check_subject(batch, subject_id, today=today):
                r = check.requirement
                got = (per_requirement[r.pk] or {}).get(subject_id, 0)
                assert check.achieved == got, (r.key, subject_id, check.achieved, got)
                assert check.state == state_of(r, got, needed(r.evidence_spec), today)
                counts.setdefault(r.key, {})[subject_id] = got
    return counts


# —— the built-in plan ——


def test_the_builtin_plans_problem_and_self_examination_requirements(org, campaign, make_problem, leader, owner):
    for _ in range(3):
        make_problem(confirmed=True)
    make_problem()  # found only: not counted
    for _ in range(2):
        make_problem(confirmed=True, unit=org.street_b, owner=org.person_b)
    make_problem(confirmed=True, unit=org.community_a)
    self_examination_save(campaign=campaign, person=leader, items=items(*ASPECTS), by=None, submit=True)
    self_examination_save(campaign=campaign, person=org.person_b, items=items(*ASPECTS), by=None)  # not submitted

    wanted = ["unit-problems", "community-problems", "unit-measures", "leader-self-examination"]
    requirements = {r.key: r for r in campaign.requirements.filter(key__in=wanted)}
    assert set(requirements) == set(wanted)

    def check(key: str, subject_id: int):
        (result,) = check_subject([requirements[key]], subject_id)
        return result

    assert (check("unit-problems", org.street_a.pk).achieved, check("unit-problems", org.street_a.pk).state) == (
        3,
        "done",
    )
    assert check("unit-problems", org.street_b.pk).achieved == 2
    assert check("unit-problems", org.street_b.pk).state != "done"
    assert check("unit-measures", org.street_a.pk).state == "done"
    assert check("unit-measures", org.street_b.pk).achieved == 2
    assert check("community-problems", org.community_a.pk).state == "done"
    assert check("community-problems", org.community_b.pk).achieved == 0
    assert check("leader-self-examination", leader.pk).state == "done"
    assert check("leader-self-examination", org.person_b.pk).achieved == 0

    counts = assert_paths_agree(org, list(requirements.values()), [leader, owner, org.person_a, org.person_b])
    assert counts["unit-problems"][org.street_a.pk] == 3


def test_a_self_examination_missing_an_aspect_does_not_count(campaign, leader):
    requirement_ = campaign.requirements.get(key="leader-self-examination")
    examination = self_examination_save(campaign=campaign, person=leader, items=items(*ASPECTS), by=None, submit=True)
    # Once handed in, a save that drops an aspect is refused like a submission would be ...
    with pytest.raises(ValidationError):
        self_examination_save(campaign=campaign, person=leader, items=items(*ASPECTS[:2]), by=None)
    (check,) = check_subject([requirement_], leader.pk)
    assert check.achieved == 1
    # ... and should the rows lose one anyway, the examination no longer counts.
    examination.items.filter(aspect=ASPECTS[2]).delete()
    (check,) = check_subject([requirement_], leader.pk)
    assert check.achieved == 0
    assert achieved(requirement_, [leader.pk]) == {}


# —— a plan built here ——

STREETS = {"units": {"kinds": ["street"]}}
COMMUNITIES = {"units": {"kinds": ["community"]}}
OWNERS = {"people": {"roles": ["party_member"]}}
LEADERS = {"people": {"roles": ["leading_cadre"]}}
PLAN = [
    requirement("found", STREETS, evidence={"kind": "problem", "status": ["found"]}),
    requirement("found-measures", STREETS, evidence={"kind": "problem", "status": ["found"], "with_measures": True}),
    requirement("open", STREETS, evidence={"kind": "problem", "status": ["confirmed", "rectifying"], "count": 2}),
    requirement("closed", STREETS, evidence={"kind": "problem", "status": ["closed"], "count": 2}),
    requirement("on-time", STREETS, evidence={"kind": "problem", "closed_on_time": True}),
    requirement("on-time-2", STREETS, evidence={"kind": "problem", "closed_on_time": True, "count": 2}),
    requirement(
        "on-time-measures", STREETS, evidence={"kind": "problem", "closed_on_time": True, "with_measures": True}
    ),
    requirement("community", COMMUNITIES, evidence={"kind": "problem"}),
    requirement("owner", OWNERS, evidence={"kind": "problem", "count": 2}),
    requirement("owner-on-time", OWNERS, evidence={"kind": "problem", "closed_on_time": True}),
    requirement("exam", LEADERS, evidence={"kind": "self_examination", "aspects": ["政治定力", "工作思路"]}),
    requirement("exam-any", LEADERS, evidence={"kind": "self_examination"}),
    requirement("exam-repeated", LEADERS, evidence={"kind": "self_examination", "aspects": ["政治定力", "政治定力"]}),
    requirement("exam-unit", STREETS, evidence={"kind": "self_examination", "aspects": ["政治定力"]}),
]


@pytest.fixture
def ledger(org, campaign, make_problem, leader, owner):
    """A campaign of the plan above with problems in every state, and one of the built-in plan beside it."""
    c = plan_campaign(org, key="evidence-plan", requirements=PLAN)
    file(c, org.street_a, S.CLOSED, owner=owner)
    file(c, org.street_a, S.CLOSED, owner=owner, late=True)
    file(c, org.street_a, S.FOUND)
    file(c, org.street_a, S.FOUND, with_measure=False)
    file(c, org.street_a, S.RECTIFYING, owner=owner)
    file(c, org.street_a, S.DONE, owner=owner)
    file(c, org.street_b, S.CLOSED, owner=org.person_b)
    file(c, org.street_b, S.CLOSED, owner=org.person_b)
    file(c, org.street_b, S.DISMISSED)
    file(c, org.community_a, S.CONFIRMED, owner=owner)
    # The built-in campaign's problems never count for this one.
    make_problem(confirmed=True, unit=org.community_b, owner=org.person_b)
    file(campaign, org.street_b, S.CLOSED, owner=org.person_b)
    colleague = PersonFactory(unit=org.street_a, name="副局长", is_leading_cadre=True)
    self_examination_save(campaign=c, person=leader, items=items(*ASPECTS), by=None, submit=True)
    self_examination_save(campaign=c, person=org.person_b, items=items("政治定力", "工作思路"), by=None, submit=True)
    # A handed-in examination that has since lost an aspect (a later save is refused; the rows can still change).
    SelfExaminationItem.objects.filter(
        examination__campaign=c, examination__person=org.person_b, aspect="工作思路"
    ).delete()
    self_examination_save(campaign=c, person=colleague, items=items(*ASPECTS), by=None)  # never handed in
    self_examination_save(campaign=campaign, person=colleague, items=items(*ASPECTS), by=None, submit=True)
    return c, [leader, owner, colleague, org.person_a, org.person_b]


def test_both_paths_agree_and_count_what_the_plan_asks(org, ledger, leader, owner):
    c, people = ledger
    requirements = list(c.requirements.order_by("order"))
    assert len(requirements) == len(PLAN)
    counts = assert_paths_agree(org, requirements, people)
    a, b, ca, cb = org.street_a.pk, org.street_b.pk, org.community_a.pk, org.community_b.pk
    colleague = people[2]
    assert counts["found"][a] == 2 and counts["found"][b] == 0
    assert counts["found-measures"][a] == 1
    assert counts["open"][a] == 1  # the confirmed one is community A1's, not the street's
    assert counts["closed"] == {**counts["closed"], a: 2, b: 2}
    assert (counts["on-time"][a], counts["on-time"][b]) == (1, 2)
    assert (counts["on-time-2"][a], counts["on-time-2"][b]) == (1, 2)
    assert counts["on-time-measures"][a] == 1
    assert (counts["community"][ca], counts["community"][cb]) == (1, 0)
    assert counts["owner"][owner.pk] == 5 and counts["owner"][org.person_b.pk] == 2
    assert counts["owner-on-time"][owner.pk] == 1 and counts["owner-on-time"][org.person_b.pk] == 2
    assert counts["exam"] == {**dict.fromkeys(counts["exam"], 0), leader.pk: 1}
    assert counts["exam-any"] == {**dict.fromkeys(counts["exam-any"], 0), leader.pk: 1, org.person_b.pk: 1}
    assert counts["exam-repeated"][org.person_b.pk] == 1 and counts["exam-repeated"][colleague.pk] == 0
    assert counts["exam-unit"][a] == 1 and counts["exam-unit"][b] == 0


def test_achieved_takes_a_subquery_of_ids(org, ledger):
    c, _people = ledger
    requirement_ = c.requirements.get(key="on-time")
    streets = Unit.objects.filter(kind="street").values("pk")
    assert achieved(requirement_, streets) == {org.street_a.pk: 1, org.street_b.pk: 2}


def test_check_subject_asks_one_query_per_kind_however_many_requirements(org, ledger, leader):
    c, _people = ledger
    streets = list(c.requirements.filter(subject=RequirementSubject.UNIT).order_by("order"))
    problem_reqs = [r for r in streets if r.evidence_spec.kind == "problem"]
    assert len(problem_reqs) >= 8

    def queries(batch: list[Requirement], subject_id: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            check_subject(batch, subject_id)
        return len(ctx.captured_queries)

    one = queries(problem_reqs[:1], org.street_a.pk)
    assert one == 1
    assert queries(problem_reqs, org.street_a.pk) == one
    assert queries(streets, org.street_a.pk) == 2  # problems, and self-examinations
    people = list(c.requirements.filter(subject=RequirementSubject.PERSON))
    assert queries(people, leader.pk) == 2


def test_achieved_asks_one_query_however_many_subjects(org, ledger):
    c, people = ledger
    for key in ("on-time", "found-measures", "owner", "exam", "exam-unit"):
        r = c.requirements.get(key=key)
        few = subject_ids(org, r, people)[:2]
        many = subject_ids(org, r, people)
        with CaptureQueriesContext(connection) as small:
            achieved(r, few)
        with CaptureQueriesContext(connection) as large:
            achieved(r, many)
        assert len(small.captured_queries) == len(large.captured_queries) == 1, key
