"""The permission rules as a matrix: role × own/other subtree × action, asked of the rules directly.

"Own" is street S-A's subtree (community C-A1 and person_a, who is the cadre user's own record);
"other" is street S-B's (C-B1 and person_b). The liaison works for S-A, liaison_b for S-B; the other
staff roles hold their role without a unit, i.e. everywhere. Combined roles must not widen the roster:
liaison_reviewer and liaison_publicity are liaisons of S-A who also review or do publicity everywhere;
office_a is the office scoped to S-A alone (see ``org_mixed_roles``). The same table drives the URL
matrix in ``test_views_scope.py``.
"""

from __future__ import annotations

import pytest

from conftest import MATRIX_ROLES, shared_org
from taolun.accounts.models import Role
from taolun.accounts.services import can_assign

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

ROLES = MATRIX_ROLES
TARGETS = ["own", "other"]
ACTIONS = ["view_unit", "change_unit", "view_person", "view_person_pii", "change_person", "assign_roles"]

Y, N = True, False
# EXPECTED[action][role] = (own subtree, other subtree)
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "view_unit": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (Y, N),
        "liaison_b": (N, Y),
        "liaison_reviewer": (Y, N),
        "liaison_publicity": (Y, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (N, N),
        "citizen": (N, N),
        "anonymous": (N, N),
    },
    "change_unit": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (Y, N),
        "liaison_b": (N, Y),
        "liaison_reviewer": (Y, N),
        "liaison_publicity": (Y, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (N, N),
        "citizen": (N, N),
        "anonymous": (N, N),
    },
    "view_person": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (Y, N),
        "liaison_b": (N, Y),
        "liaison_reviewer": (Y, N),
        "liaison_publicity": (Y, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (Y, N),  # their own record only
        "citizen": (N, N),
        "anonymous": (N, N),
    },
    "view_person_pii": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (N, N),
        "liaison_b": (N, N),
        "liaison_reviewer": (N, N),
        "liaison_publicity": (N, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (Y, N),
        "citizen": (N, N),
        "anonymous": (N, N),
    },
    "change_person": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (Y, N),
        "liaison_b": (N, Y),
        "liaison_reviewer": (Y, N),
        "liaison_publicity": (Y, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (N, N),
        "citizen": (N, N),
        "anonymous": (N, N),
    },
    "assign_roles": {
        "admin": (Y, Y),
        "office": (Y, Y),
        "office_a": (Y, N),
        "liaison": (N, N),
        "liaison_b": (N, N),
        "liaison_reviewer": (N, N),
        "liaison_publicity": (N, N),
        "reviewer": (N, N),
        "publicity": (N, N),
        "cadre": (N, N),
        "citizen": (N, N),
        "anonymous": (N, N),
    },
}


def expected(action: str, role: str, target: str) -> bool:
    own, other = EXPECTED[action][role]
    return own if target == "own" else other


def targets(org, target: str):
    """(unit, person) of the target subtree."""
    if target == "own":
        return org.community_a, org.person_a
    return org.community_b, org.person_b


def has(user, perm: str, obj=None) -> bool:
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    return user.has_perm(perm, obj)


def rule_allows(org, role: str, target: str, action: str) -> bool:
    user = org.user(role)
    unit, person = targets(org, target)
    if action == "view_unit":
        return has(user, "orgs.view_unit", unit)
    if action == "change_unit":
        return has(user, "orgs.change_unit", unit)
    if action == "view_person":
        return has(user, "orgs.view_person", person)
    if action == "view_person_pii":
        return has(user, "orgs.view_person_pii", person)
    if action == "change_person":
        return has(user, "orgs.change_person", person)
    if action == "assign_roles":
        # The page is open to assigners; the service then checks the unit against their scope.
        return has(user, "accounts.assign_roles") and can_assign(by=user, role=Role.LIAISON, unit_path=unit.path)
    raise AssertionError(action)


def test_the_matrix_covers_every_role_and_action():
    assert set(EXPECTED) == set(ACTIONS)
    for action in ACTIONS:
        assert set(EXPECTED[action]) == set(ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_rule_matrix(org_mixed_roles, role, target, action):
    assert rule_allows(org_mixed_roles, role, target, action) is expected(action, role, target)


@pytest.mark.django_db
def test_liaison_rules_reach_down_the_whole_subtree_but_not_up(org):
    from tests.factories import make_unit

    deep = make_unit("甲一社区第一网格", parent=org.community_a, code="G-A1-1")
    liaison = org.user("liaison")
    assert liaison.has_perm("orgs.change_unit", deep)
    assert liaison.has_perm("orgs.add_unit", org.street_a)
    assert not liaison.has_perm("orgs.view_unit", org.district)
    assert not liaison.has_perm("orgs.add_unit", org.district)


@pytest.mark.django_db
def test_office_scoped_to_one_street_can_assign_only_inside_it(org):
    from taolun.accounts.models import RoleAssignment
    from tests.factories import UserFactory

    office_a = UserFactory(username="office_a")
    RoleAssignment.objects.create(user=office_a, role=Role.OFFICE, unit=org.street_a)
    assert office_a.has_perm("accounts.assign_roles")
    assert can_assign(by=office_a, role=Role.LIAISON, unit_path=org.community_a.path)
    assert not can_assign(by=office_a, role=Role.LIAISON, unit_path=org.community_b.path)
    assert not can_assign(by=office_a, role=Role.REVIEWER, unit_path=None)
    assert not can_assign(by=org.user("office"), role=Role.ADMIN, unit_path=None)
    assert can_assign(by=org.user("admin"), role=Role.ADMIN, unit_path=None)
