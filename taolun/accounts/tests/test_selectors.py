"""Reads about users and roles: scopes, and the users an assigner manages."""

from __future__ import annotations

import pytest

from taolun.accounts.models import Role, RoleAssignment
from taolun.accounts.selectors import covers, role_list_users, role_scopes, scope_paths, users_visible_to
from tests.factories import UserFactory


@pytest.mark.django_db
def test_role_scopes_are_read_once_per_user_object(org, django_assert_num_queries):
    user = org.user("liaison")
    with django_assert_num_queries(1):
        assert role_scopes(user) == {Role.LIAISON: [org.street_a.path]}
        assert covers(user, [Role.LIAISON], org.community_a.path)
        assert not covers(user, [Role.LIAISON], org.street_b.path)


@pytest.mark.django_db
def test_scope_paths_drop_nested_paths_and_admin_covers_everything(org):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.LIAISON, unit=org.street_a)
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=org.community_a)
    assert scope_paths(user, [Role.LIAISON, Role.OFFICE]) == [org.street_a.path]
    assert scope_paths(org.user("admin"), [Role.LIAISON]) == [""]


@pytest.mark.django_db
def test_users_visible_to_a_global_office_are_all_active_users(org):
    inactive = UserFactory(is_active=False)
    visible = set(users_visible_to(org.user("office")))
    assert org.user("citizen") in visible and inactive not in visible


@pytest.mark.django_db
def test_users_visible_to_a_street_office_are_those_of_its_street(org):
    office_a = UserFactory(username="office_a")
    RoleAssignment.objects.create(user=office_a, role=Role.OFFICE, unit=org.street_a)
    assert {u.username for u in users_visible_to(office_a)} == {"office_a", "liaison", "cadre"}


@pytest.mark.django_db
def test_users_visible_to_non_assigners_is_nobody(org):
    assert not users_visible_to(org.user("liaison")).exists()
    assert not users_visible_to(org.user("reviewer")).exists()


@pytest.mark.django_db
def test_role_list_users_loads_people_units_and_roles_in_three_queries(org, django_assert_num_queries):
    office = org.user("office")
    role_scopes(office)
    with django_assert_num_queries(2):
        users = list(role_list_users(office))
    with django_assert_num_queries(0):
        summary = {
            u.username: (
                getattr(u, "person", None) and u.person.unit.code,
                [(a.role, a.unit.code if a.unit else None) for a in u.role_assignments.all()],
            )
            for u in users
        }
    assert summary["cadre"] == ("C-A1", [(Role.CADRE, None)])
    assert summary["liaison"] == (None, [(Role.LIAISON, "S-A")])


@pytest.mark.django_db
def test_role_list_users_search_and_role_filter(org):
    office = org.user("office")
    assert [u.username for u in role_list_users(office, q="LIAISON")] == ["liaison", "liaison_b"]
    assert [u.username for u in role_list_users(office, q="张三")] == ["cadre"]
    assert [u.username for u in role_list_users(office, role=Role.PUBLICITY)] == ["publicity"]
