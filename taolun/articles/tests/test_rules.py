"""Article rules as a matrix: every ``articles.*`` rule × user × own article (street S-A) / other (S-B), at
two stages: handed in and under review, then marked excellent.

- "own": the article of 张三 (``cadre``, a party member of community A1), assigned to ``reviewer_a`` (the
  reviewer of street A); to start one, 张三's roster entry;
- "other": the article of 作者B (``author_b``, community B1 under S-B), assigned to the district-wide
  ``reviewer``; 作者B's roster entry;
- the call, the re-check: the campaign (the district), the same in both columns.

Besides the users of ``org_mixed_roles``: ``reviewer_a``, ``reviewer_idle`` (a district-wide reviewer
assigned nothing), ``publicity_b`` (publicity of street B) and ``author_b``.

A rule added to ``articles/rules.py`` without a row here fails ``test_every_registered_rule_has_a_row``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rules.permissions import permissions

from conftest import MATRIX_ROLES, shared_org
from taolun.accounts.models import Role, RoleAssignment, User
from taolun.articles import services
from taolun.articles.models import ArticleStatus
from tests.factories import PersonFactory, UserFactory

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ROLES = [*MATRIX_ROLES, "reviewer_a", "reviewer_idle", "publicity_b", "author_b"]
TARGETS = ["own", "other"]
STAGES = [ArticleStatus.SUBMITTED, ArticleStatus.EXCELLENT]

Y, N = True, False
EVERYWHERE, OWN, OTHER, NOWHERE = (Y, Y), (Y, N), (N, Y), (N, N)
NONE = dict.fromkeys(ROLES, NOWHERE)


def some(*roles: str) -> dict[str, tuple[bool, bool]]:
    return {**NONE, **dict.fromkeys(roles, EVERYWHERE)}


OFFICES = {**NONE, "admin": EVERYWHERE, "office": EVERYWHERE, "office_a": OWN}
REVIEWERS = {**OFFICES, "reviewer_a": OWN, "reviewer": OTHER}
VIEWERS = {
    **REVIEWERS,
    "liaison": OWN,
    "liaison_b": OTHER,
    "liaison_reviewer": OWN,  # as the liaison of S-A; a reviewer everywhere, but assigned neither
    "liaison_publicity": OWN,
    "cadre": OWN,
    "author_b": OTHER,
}
WRITERS = {**NONE, "cadre": OWN, "author_b": OTHER}

# At the submitted stage; EXCELLENT below changes only what differs once an article is excellent.
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "write": some("cadre", "author_b"),
    "add_article": WRITERS,
    "change_article": WRITERS,
    "view_article": VIEWERS,
    "review_queue": some("admin", "office", "office_a", "liaison_reviewer", "reviewer", "reviewer_a", "reviewer_idle"),
    "review_article": REVIEWERS,
    "view_check": REVIEWERS,
    "browse_articles": some(
        "admin", "office", "office_a", "liaison", "liaison_b", "liaison_reviewer", "liaison_publicity"
    ),
    "assign_reviewer": OFFICES,
    # The campaign covers the district: street A's office does not run it.
    "manage_call": some("admin", "office"),
    "recheck": some("admin", "office"),
    "publish_queue": some("admin", "publicity", "liaison_publicity", "publicity_b"),
    "publish_article": NONE,
    "manage_references": some("admin", "office", "office_a"),
}
EXCELLENT: dict[str, dict[str, tuple[bool, bool]]] = {
    "view_article": {**VIEWERS, "publicity": EVERYWHERE, "liaison_publicity": EVERYWHERE, "publicity_b": OTHER},
    "publish_article": {
        **NONE,
        "admin": EVERYWHERE,
        "publicity": EVERYWHERE,
        "liaison_publicity": EVERYWHERE,
        "publicity_b": OTHER,
    },
}
OBJECT = {
    "write": None,
    "add_article": "person",
    "review_queue": None,
    "browse_articles": None,
    "manage_call": "campaign",
    "recheck": "campaign",
    "publish_queue": None,
    "manage_references": None,
}


def expected(stage: str) -> dict[str, dict[str, tuple[bool, bool]]]:
    return {**EXPECTED, **EXCELLENT} if stage == ArticleStatus.EXCELLENT else EXPECTED


def test_every_registered_rule_has_a_row():
    registered = {name.split(".", 1)[1] for name in permissions if name.startswith("articles.")}
    assert registered == set(EXPECTED)
    for rule, row in [*EXPECTED.items(), *EXCELLENT.items()]:
        assert set(row) == set(ROLES), rule


@pytest.fixture
def targets(request, org_mixed_roles, campaign, make_article, reviewer_a, reviewer_idle, publicity_b):
    org = org_mixed_roles
    stage = request.param
    user = UserFactory(username="author_b", display_name="作者B")
    RoleAssignment.objects.create(user=user, role=Role.CADRE, unit=None)
    org.users["author_b"] = user
    author_b = PersonFactory(unit=org.community_b, name="作者B", is_party_member=True, user=user)
    own = make_article(org.person_a, status=stage)
    other = make_article(author_b, status=ArticleStatus.SUBMITTED)
    # The district-wide reviewer reviews the other one (the pool of equals has three: make it explicit).
    other = services.article_assign(article=other, by=None, reviewer=org.user("reviewer"))
    if stage == ArticleStatus.EXCELLENT:
        other = services.article_approve(article=other, by=None, thought=30, practice=20, suggestions=20)
        other = services.article_mark_excellent(article=other, by=None)
    assert own.status == other.status == stage
    assert own.reviewer_id == reviewer_a.pk and other.reviewer_id == org.user("reviewer").pk
    return stage, {
        "own": {None: None, "article": own, "person": org.person_a, "campaign": campaign},
        "other": {None: None, "article": other, "person": author_b, "campaign": campaign},
    }


def fresh(org, role: str):
    user = org.users.get(role)
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("targets", STAGES, indirect=True, ids=[str(s) for s in STAGES])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_rule_matrix(org_mixed_roles, targets, role, target):
    stage, objects = targets
    user = fresh(org_mixed_roles, role)
    table = expected(stage)
    got = {rule: user.has_perm(f"articles.{rule}", objects[target][OBJECT.get(rule, "article")]) for rule in table}
    want = {rule: table[rule][role][TARGETS.index(target)] for rule in table}
    assert got == want


@pytest.mark.django_db
def test_a_person_off_the_roster_list_or_inactive_does_not_write(org, make_author):
    citizen = make_author(is_party_member=False, is_cadre=False)
    leaving = make_author(is_active=False)
    for person in (citizen, leaving):
        user = User.objects.get(pk=person.user_id)
        assert not user.has_perm("articles.write")
        assert not user.has_perm("articles.add_article", person)


@pytest.mark.django_db
def test_a_reviewer_loses_the_article_when_it_is_reassigned(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=ArticleStatus.SUBMITTED)
    assert fresh(org, "reviewer_a").has_perm("articles.review_article", article)
    article = services.article_assign(article=article, by=None, reviewer=org.user("reviewer"))
    assert not fresh(org, "reviewer_a").has_perm("articles.review_article", article)
    assert not fresh(org, "reviewer_a").has_perm("articles.view_article", article)
    assert fresh(org, "reviewer").has_perm("articles.review_article", article)


@pytest.mark.django_db
def test_an_assigned_user_who_lost_the_reviewer_role_no_longer_reviews(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=ArticleStatus.SUBMITTED)
    RoleAssignment.objects.filter(user=reviewer_a, role=Role.REVIEWER).delete()
    assert not fresh(org, "reviewer_a").has_perm("articles.review_article", article)
    assert not fresh(org, "reviewer_a").has_perm("articles.view_check", article)
