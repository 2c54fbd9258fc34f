"""What research topics prove: the built-in plan's ``leader-research-topic`` (reported or accepted, per
leader) and plans asking for other stages or per unit; the batched and per-requirement paths agree."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from taolun.campaigns.evidence import achieved, check_subject, needed, state_of
from taolun.campaigns.models import RequirementSubject
from taolun.campaigns.tests.conftest import requirement
from taolun.problems.tests.helpers import plan_campaign
from taolun.research import services
from taolun.research.models import TopicStatus
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

T = TopicStatus


@pytest.fixture
def leaders(org, leader):
    """Five leading cadres: 王局长 (S-A, with an account), two more in S-A, 李四 (C-B1), one in the department."""
    return [
        leader,
        PersonFactory(unit=org.street_a, name="副局长甲", is_leading_cadre=True),
        PersonFactory(unit=org.community_a, name="社区书记", is_leading_cadre=True),
        org.person_b,
        PersonFactory(unit=org.department, name="局长", is_leading_cadre=True),
    ]


def bring(make_topic, person, status: str):
    if status in (T.ACCEPTED, T.RETURNED):
        topic = make_topic(person, status=T.REPORTED)
        if status == T.ACCEPTED:
            return services.topic_accept(topic=topic, by=None)
        return services.topic_return(topic=topic, reason="不够具体", by=None)
    return make_topic(person, status=status)


def test_leader_research_topic_of_the_builtin_plan(campaign, leaders, make_topic):
    statuses = [T.REPORTED, T.ACCEPTED, T.RETURNED, T.IN_PROGRESS]
    for person, status in zip(leaders, statuses, strict=False):
        bring(make_topic, person, status)
    req = campaign.requirements.get(key="leader-research-topic")
    assert req.subject == RequirementSubject.PERSON
    results = {p.pk: check_subject([req], p.pk)[0] for p in leaders}
    assert [results[p.pk].achieved for p in leaders] == [1, 1, 0, 0, 0]
    assert [results[p.pk].state == "done" for p in leaders] == [True, True, False, False, False]
    assert achieved(req, [p.pk for p in leaders]) == {leaders[0].pk: 1, leaders[1].pk: 1}


LEADERS = {"people": {"roles": ["leading_cadre"]}}
UNITS = {"units": {"kinds": ["street", "community", "department"]}}
PLAN = [
    requirement("topic", LEADERS, evidence={"kind": "research_topic"}),
    requirement("registered", LEADERS, evidence={"kind": "research_topic", "status": ["registered", "in_progress"]}),
    requirement("accepted", LEADERS, evidence={"kind": "research_topic", "status": ["accepted"]}),
    requirement("unit-topics", UNITS, evidence={"kind": "research_topic", "count": 2}),
    requirement(
        "unit-any",
        UNITS,
        evidence={"kind": "research_topic", "status": ["registered", "in_progress", "reported", "accepted"]},
    ),
]


def test_both_paths_agree_for_every_leader_and_unit(org, campaign, leaders, make_topic):
    other = plan_campaign(org, key="research-plan", requirements=PLAN)
    statuses = [T.REPORTED, T.ACCEPTED, T.REGISTERED, T.IN_PROGRESS, T.DRAFT]
    for person, status in zip(leaders, statuses, strict=True):
        topic = services.topic_create(
            campaign=other,
            leader=person,
            title=f"{person.name}的课题",
            theme=other.themes.first(),
            contact_unit=person.unit,
            plan="调研计划",
            by=None,
        )
        if status != T.DRAFT:
            services.topic_register(topic=topic, by=None)
        if status in (T.IN_PROGRESS, T.REPORTED, T.ACCEPTED):
            services.topic_progress(topic=topic, happened_on=timezone.localdate(), content="走访", by=None)
        if status in (T.REPORTED, T.ACCEPTED):
            services.topic_report(topic=topic, findings="发现", countermeasures="对策", by=None)
        if status == T.ACCEPTED:
            services.topic_accept(topic=topic, by=None)
    # The built-in campaign's topics never count for the other one.
    bring(make_topic, leaders[2], T.ACCEPTED)

    today = timezone.localdate()
    units = [
        org.district.pk,
        org.street_a.pk,
        org.street_b.pk,
        org.community_a.pk,
        org.community_b.pk,
        org.department.pk,
    ]
    counts: dict[str, dict[int, int]] = {}
    for subject, ids in ((RequirementSubject.PERSON, [p.pk for p in leaders]), (RequirementSubject.UNIT, units)):
        batch = list(other.requirements.filter(subject=subject).order_by("order"))
        per_requirement = {r.pk: achieved(r, ids) or {} for r in batch}
        for subject_id in ids:
            for check in check_subject(batch, subject_id, today=today):
                got = per_requirement[check.requirement.pk].get(subject_id, 0)
                assert check.achieved == got, (check.requirement.key, subject_id)
                assert check.state == state_of(check.requirement, got, needed(check.requirement.evidence_spec), today)
                counts.setdefault(check.requirement.key, {})[subject_id] = got
    by_leader = [leader.pk for leader in leaders]
    assert [counts["topic"][pk] for pk in by_leader] == [1, 1, 0, 0, 0]
    assert [counts["registered"][pk] for pk in by_leader] == [0, 0, 1, 1, 0]
    assert [counts["accepted"][pk] for pk in by_leader] == [0, 1, 0, 0, 0]
    # A unit's topics are those of leaders whose unit it is (the unit itself, not its subtree).
    assert counts["unit-topics"][org.street_a.pk] == 2 and counts["unit-topics"][org.community_a.pk] == 0
    assert counts["unit-any"][org.community_a.pk] == 1 and counts["unit-any"][org.department.pk] == 0
    assert counts["unit-any"][org.district.pk] == 0

    personal = list(other.requirements.filter(subject=RequirementSubject.PERSON))
    assert len(personal) == 3
    with CaptureQueriesContext(connection) as one:
        check_subject(personal[:1], leaders[0].pk)
    with CaptureQueriesContext(connection) as all_of_them:
        check_subject(personal, leaders[0].pk)
    assert len(one.captured_queries) == len(all_of_them.captured_queries) == 1
