"""What articles prove to the requirement engine: the built-in plan's ``member-article`` (an approved,
excellent or published article per party member) and plans asking per unit or for other statuses; the
per-subject and per-requirement paths agree."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taolun.articles import services
from taolun.articles.models import Article, ArticleStatus
from taolun.campaigns.evidence import achieved, check_subject
from taolun.campaigns.models import RequirementSubject
from taolun.campaigns.tests.conftest import requirement
from taolun.orgs.models import Person
from taolun.problems.tests.helpers import plan_campaign

pytestmark = pytest.mark.django_db

S = ArticleStatus
BODY = "我们坚持问题导向，把大讨论查摆出的问题逐项列入台账，明确整改时限，以整改实效检验讨论成果。" * 10
# The statuses to walk each author's article to, in order; None: no article at all.
WALKS = [S.APPROVED, S.EXCELLENT, S.PUBLISHED, S.SUBMITTED, S.RETURNED, S.DRAFT, None]


def walk(campaign, person, status: str) -> Article:
    """``person``'s article in ``campaign`` brought to ``status`` through the services (as the system)."""
    article = services.article_start(
        campaign=campaign, author=person, by=None, title="心得", body=BODY, consent_public=True
    )
    if status == S.DRAFT:
        return article
    article = services.article_submit(article=article, by=None)
    if status == S.SUBMITTED:
        return article
    if status == S.RETURNED:
        return services.article_return(article=article, by=None, comment="请修改")
    article = services.article_approve(article=article, by=None, thought=30, practice=20, suggestions=20)
    if status == S.APPROVED:
        return article
    article = services.article_mark_excellent(article=article, by=None)
    if status == S.EXCELLENT:
        return article
    return services.article_publish(article=article, by=None)


@pytest.fixture
def members(org, make_author):
    """Seven party members: 张三 and two more in community A1, two in street A itself, two in community B1."""
    units = [org.community_a, org.community_a, org.street_a, org.street_a, org.community_b, org.community_b]
    return [org.person_a, *(make_author(unit) for unit in units)]


def test_member_article_of_the_builtin_plan(campaign, members):
    for person, status in zip(members, WALKS, strict=True):
        if status is not None:
            walk(campaign, person, status)
    req = campaign.requirements.get(key="member-article")
    assert req.subject == RequirementSubject.PERSON
    assert req.evidence_spec.kind == "article"
    results = [check_subject([req], p.pk)[0] for p in members]
    assert [r.achieved for r in results] == [1, 1, 1, 0, 0, 0, 0]
    assert [r.is_done for r in results] == [True, True, True, False, False, False, False]
    assert achieved(req, [p.pk for p in members]) == {p.pk: 1 for p in members[:3]}


def test_an_article_is_taken_back_when_its_status_falls(campaign, members):
    article = walk(campaign, members[0], S.EXCELLENT)
    req = campaign.requirements.get(key="member-article")
    assert check_subject([req], members[0].pk)[0].is_done
    services.article_unmark_excellent(article=article, by=None, reason="评优有误")
    assert check_subject([req], members[0].pk)[0].is_done  # approved still counts


UNITS = {"units": {"kinds": ["street", "community"]}}
MEMBERS = {"people": {"roles": ["party_member"]}}
PLAN = [
    requirement("unit-articles", UNITS, evidence={"kind": "article", "count": 2}),
    requirement("unit-handed-in", UNITS, evidence={"kind": "article", "status": ["submitted"]}),
    requirement("member-excellent", MEMBERS, evidence={"kind": "article", "status": ["excellent", "published"]}),
    requirement("member-any", MEMBERS, evidence={"kind": "article"}),
]


def test_both_paths_agree_for_every_person_and_unit(org, campaign, members):
    other = plan_campaign(org, key="article-plan", requirements=PLAN)
    for person, status in zip(members, WALKS, strict=True):
        if status is not None:
            walk(other, person, status)
    # The built-in campaign's articles never count for the other one.
    walk(campaign, members[3], S.PUBLISHED)
    # The unit an article counts for is the one its author was in when writing it.
    Person.objects.filter(pk=members[2].pk).update(unit=org.community_b)

    units = [org.district, org.street_a, org.street_b, org.community_a, org.community_b]
    counts: dict[str, dict[int, int]] = {}
    for subject, ids in (
        (RequirementSubject.PERSON, [p.pk for p in members]),
        (RequirementSubject.UNIT, [u.pk for u in units]),
    ):
        batch = list(other.requirements.filter(subject=subject).order_by("order"))
        assert batch
        per_requirement = {r.pk: achieved(r, ids) or {} for r in batch}
        for subject_id in ids:
            for check in check_subject(batch, subject_id):
                got = per_requirement[check.requirement.pk].get(subject_id, 0)
                assert check.achieved == got, (check.requirement.key, subject_id)
                counts.setdefault(check.requirement.key, {})[subject_id] = got

    people = [p.pk for p in members]
    assert [counts["member-any"][pk] for pk in people] == [1, 1, 1, 0, 0, 0, 0]
    assert [counts["member-excellent"][pk] for pk in people] == [0, 1, 1, 0, 0, 0, 0]
    # Per unit (the unit itself, not its subtree): A1 has the approved, excellent and published articles
    # (the last one's author moved to B1 since), street A the submitted and the returned ones, B1 a draft.
    unit = {u.pk: name for u, name in zip(units, ["district", "street_a", "street_b", "a1", "b1"], strict=True)}
    assert {unit[pk]: n for pk, n in counts["unit-articles"].items()} == {
        "district": 0,
        "street_a": 0,
        "street_b": 0,
        "a1": 3,
        "b1": 0,
    }
    assert {unit[pk]: n for pk, n in counts["unit-handed-in"].items()} == {
        "district": 0,
        "street_a": 1,
        "street_b": 0,
        "a1": 0,
        "b1": 0,
    }
    a1 = check_subject(other.requirements.filter(key="unit-articles"), org.community_a.pk)[0]
    street = check_subject(other.requirements.filter(key="unit-articles"), org.street_a.pk)[0]
    assert (a1.achieved, a1.needed, a1.is_done) == (3, 2, True)
    assert (street.achieved, street.is_done) == (0, False)

    personal = list(other.requirements.filter(subject=RequirementSubject.PERSON))
    with CaptureQueriesContext(connection) as one:
        check_subject(personal[:1], members[0].pk)
    with CaptureQueriesContext(connection) as both:
        check_subject(personal, members[0].pk)
    assert len(one.captured_queries) == len(both.captured_queries) == 1
