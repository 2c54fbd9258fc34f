"""The activity rules as a matrix: role × own/other scope × rule, asked of the rules directly.

"Own" is an activity held by community C-A1 under street S-A, to which person_a (the cadre user's own
roster entry) is invited; "other" is one held by C-B1 under S-B, to which person_b (no account) is
invited. ``add_activity`` is asked about the holding unit itself. The liaison works for S-A,
liaison_b for S-B; office_a is an office scoped to S-A; liaison_reviewer and liaison_publicity are
liaisons of S-A who also hold a role everywhere (see ``org_mixed_roles``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import MATRIX_ROLES, shared_org

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ROLES = MATRIX_ROLES
TARGETS = ["own", "other"]
RULES = ["view_activity", "change_activity", "add_activity", "confirm_records"]

Y, N = True, False
EVERYWHERE, OWN, NOWHERE = (Y, Y), (Y, N), (N, N)
OTHER = (N, Y)
PLANNERS = {
    "admin": EVERYWHERE,
    "office": EVERYWHERE,
    "office_a": OWN,
    "liaison": OWN,
    "liaison_b": OTHER,
    "liaison_reviewer": OWN,
    "liaison_publicity": OWN,
    "reviewer": NOWHERE,
    "publicity": NOWHERE,
    "cadre": NOWHERE,
    "citizen": NOWHERE,
    "anonymous": NOWHERE,
}
# EXPECTED[rule][role] = (own, other)
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "view_activity": {**PLANNERS, "cadre": OWN},  # the invited cadre sees the activity they are invited to
    "change_activity": PLANNERS,
    "add_activity": PLANNERS,
    "confirm_records": {
        **dict.fromkeys(ROLES, NOWHERE),
        "admin": EVERYWHERE,
        "office": EVERYWHERE,
        "office_a": OWN,
    },
}


@pytest.fixture
def activities(org_mixed_roles, make_activity, invite):
    org = org_mixed_roles
    own = make_activity(unit=org.community_a)
    invite(own, org.person_a)
    other = make_activity(unit=org.community_b)
    invite(other, org.person_b)
    return {"own": own, "other": other}


def target_of(org, activities, rule: str, target: str):
    if rule == "add_activity":
        return org.community_a if target == "own" else org.community_b
    return activities[target]


def test_the_matrix_covers_every_role_and_rule():
    assert set(EXPECTED) == set(RULES)
    for rule in RULES:
        assert set(EXPECTED[rule]) == set(ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_rule_matrix(org_mixed_roles, activities, role, target):
    user = org_mixed_roles.user(role) or AnonymousUser()
    got = {
        rule: user.has_perm(f"activities.{rule}", target_of(org_mixed_roles, activities, rule, target))
        for rule in RULES
    }
    want = {rule: EXPECTED[rule][role][TARGETS.index(target)] for rule in RULES}
    assert got == want


@pytest.mark.django_db
def test_the_cadre_sees_only_activities_they_are_invited_to(org, make_activity, invite):
    from taolun.activities.models import Invitation

    held = make_activity(unit=org.community_a)
    assert not org.user("cadre").has_perm("activities.view_activity", held)
    invite(held, org.person_a)
    cadre = type(org.user("cadre")).objects.get(pk=org.user("cadre").pk)  # a fresh request's user
    assert cadre.has_perm("activities.view_activity", held)
    Invitation.objects.filter(activity=held).delete()
    cadre = type(cadre).objects.get(pk=cadre.pk)
    assert not cadre.has_perm("activities.view_activity", held)


@pytest.mark.django_db
def test_liaison_rules_reach_down_the_subtree_but_not_up(org, make_activity):
    from tests.factories import make_unit

    grid = make_unit("甲一社区第一网格", parent=org.community_a, code="G-A1-1")
    liaison = org.user("liaison")
    assert liaison.has_perm("activities.add_activity", grid)
    assert liaison.has_perm("activities.change_activity", make_activity(unit=grid))
    assert not liaison.has_perm("activities.add_activity", org.district)
    assert not liaison.has_perm("activities.view_activity", make_activity(unit=org.district))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "plans"), [("office", Y), ("liaison", Y), ("admin", Y), ("reviewer", N), ("cadre", N)]
)
def test_who_plans_activities_at_all(org, role, plans):
    assert org.user(role).has_perm("activities.plan_activities") is plans
