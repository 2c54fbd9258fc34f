"""role_assignments_of: a user's roles with their scope units (what /api/me shows)."""

from __future__ import annotations

import pytest

from taolun.accounts.models import Role, RoleAssignment
from taolun.accounts.selectors import role_assignments_of

pytestmark = pytest.mark.django_db


def test_role_assignments_of_lists_each_role_with_its_unit(org, django_assert_num_queries):
    user = org.user("liaison")
    RoleAssignment.objects.create(user=user, role=Role.LIAISON, unit=org.street_b)
    RoleAssignment.objects.create(user=user, role=Role.REVIEWER, unit=None)
    with django_assert_num_queries(1):
        rows = [(a.role, a.unit.code if a.unit else None) for a in role_assignments_of(user)]
    assert rows == [("liaison", "S-A"), ("liaison", "S-B"), ("reviewer", None)]


def test_role_assignments_of_holds_only_that_users_roles(org):
    assert [a.role for a in role_assignments_of(org.user("office"))] == ["office"]
