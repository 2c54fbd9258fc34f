"""The role-assignment pages: list, assign, revoke, with the assigner's scope enforced and explained."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment, User
from taolun.core.models import AuditEntry
from tests.factories import PersonFactory, UserFactory, make_unit

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

HX_ROWS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "role-rows"}


@pytest.fixture
def office_a(org):
    """An office that runs street S-A only."""
    user = UserFactory(username="office_a")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=org.street_a)
    return user


def usernames(response) -> list[str]:
    return [row["user"].username for row in response.context["rows"]]


# --- list ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_role_list_replaces_the_profile_placeholder(org, login):
    response = login(org.user("office")).get(reverse("accounts:role_list"))
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/role_list.html"


@pytest.mark.django_db
def test_office_lists_every_user_with_roles_and_scopes(org, login):
    response = login(org.user("office")).get(reverse("accounts:role_list"))
    assert set(usernames(response)) >= {"admin", "office", "liaison", "liaison_b", "cadre", "citizen"}
    content = response.content.decode()
    assert "单位联络员 · 甲街道" in content
    assert "干部 · 全部范围" in content


@pytest.mark.django_db
def test_role_list_searches_by_username_name_and_filters_by_role(org, login):
    client = login(org.user("office"))
    url = reverse("accounts:role_list")
    assert usernames(client.get(url, {"q": "liaison"})) == ["liaison", "liaison_b"]
    assert usernames(client.get(url, {"q": "张三"})) == ["cadre"]  # by the linked person's name
    assert usernames(client.get(url, {"role": Role.REVIEWER})) == ["reviewer"]
    response = client.get(url, {"q": "liaison"}, **HX_ROWS)
    content = response.content.decode()
    assert "<html" not in content and 'id="role-status"' in content


@pytest.mark.django_db
def test_scoped_office_lists_only_users_of_its_street(org, login, office_a):
    response = login(office_a).get(reverse("accounts:role_list"))
    # cadre: their person is in S-A; liaison: their role is; office_a: their own role is.
    assert usernames(response) == ["cadre", "liaison", "office_a"]


@pytest.mark.django_db
def test_scoped_office_may_revoke_only_roles_inside_its_street(org, login, office_a):
    response = login(office_a).get(reverse("accounts:role_list"))
    revocable = {
        (row["user"].username, a.role): can for row in response.context["rows"] for a, can in row["assignments"]
    }
    assert revocable[("liaison", Role.LIAISON)] is True
    assert revocable[("cadre", Role.CADRE)] is False  # held everywhere: beyond a street office


# --- assign -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_office_assigns_a_liaison_to_a_street(org, login):
    client = login(org.user("office"))
    response = client.post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": "S-B"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:role_list") + "?q=citizen"
    assert RoleAssignment.objects.filter(user=org.user("citizen"), role=Role.LIAISON, unit=org.street_b).exists()
    assert AuditEntry.objects.filter(action="accounts.role.assign", actor=org.user("office")).exists()


@pytest.mark.django_db
def test_assign_form_prefills_the_user_from_the_list(org, login):
    response = login(org.user("office")).get(reverse("accounts:role_assign"), {"user": "citizen"})
    assert 'value="citizen"' in response.content.decode()


@pytest.mark.django_db
def test_liaison_without_a_unit_is_an_error_on_the_unit_field(org, login):
    count = RoleAssignment.objects.count()
    response = login(org.user("office")).post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": ""}
    )
    assert response.status_code == 200
    assert "联络员必须指定负责的单位" in response.context["form"].errors["unit"][0]
    assert 'id="id_unit_error"' in response.content.decode()
    assert RoleAssignment.objects.count() == count


@pytest.mark.django_db
def test_scoped_office_assigning_outside_its_street_gets_a_clear_error(org, login, office_a):
    client = login(office_a)
    count = RoleAssignment.objects.count()
    response = client.post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": "S-B"}
    )
    assert response.status_code == 200
    assert "不在您的管理范围内" in response.context["form"].errors["unit"][0]
    # Without a unit the role would cover everything, which is beyond a street office too.
    response = client.post(reverse("accounts:role_assign"), {"username": "citizen", "role": Role.REVIEWER, "unit": ""})
    assert "管理范围有限" in response.context["form"].errors["unit"][0]
    assert RoleAssignment.objects.count() == count


@pytest.mark.django_db
def test_scoped_office_unit_picker_lists_only_its_street(org, login, office_a):
    form = login(office_a).get(reverse("accounts:role_assign")).context["form"]
    assert [value for value, _label in form.fields["unit"].widget.choices if value] == ["S-A", "C-A1"]


@pytest.mark.django_db
def test_scoped_office_assigns_inside_its_street(org, login, office_a):
    response = login(office_a).post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": "C-A1"}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=org.user("citizen"), unit=org.community_a).exists()


@pytest.mark.django_db
def test_only_an_admin_may_grant_admin(org, login):
    form = login(org.user("office")).get(reverse("accounts:role_assign")).context["form"]
    assert Role.ADMIN not in [value for value, _label in form.fields["role"].choices]
    response = login(org.user("office")).post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.ADMIN}
    )
    assert response.context["form"].errors["role"]
    response = login(org.user("admin")).post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.ADMIN}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=org.user("citizen"), role=Role.ADMIN).exists()


@pytest.mark.django_db
def test_assigning_to_an_unknown_user_or_twice_is_reported(org, login):
    client = login(org.user("office"))
    response = client.post(reverse("accounts:role_assign"), {"username": "nobody", "role": Role.REVIEWER})
    assert "nobody" in response.context["form"].errors["username"][0]
    response = client.post(
        reverse("accounts:role_assign"), {"username": "liaison", "role": Role.LIAISON, "unit": "S-A"}
    )
    assert response.status_code == 200
    assert "已拥有" in " ".join(response.context["form"].non_field_errors())
    assert RoleAssignment.objects.filter(user=org.user("liaison")).count() == 1


@pytest.mark.django_db
def test_a_large_scope_gets_a_unit_code_field(org, login, settings):
    settings.TAOLUN_UNIT_SELECT_LIMIT = 2
    client = login(org.user("office"))
    field = client.get(reverse("accounts:role_assign")).context["form"].fields["unit"]
    assert not field.as_select
    response = client.post(
        reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": "C-B1"}
    )
    assert response.status_code == 302


# --- revoke -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_revoke_asks_for_confirmation_on_get_and_revokes_on_post(org, login):
    assignment = RoleAssignment.objects.get(user=org.user("liaison"))
    client = login(org.user("office"))
    url = reverse("accounts:role_revoke", args=[assignment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "确定撤销" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.role.revoke").exists()


@pytest.mark.django_db
def test_list_revoke_buttons_ask_before_posting(org, login):
    content = login(org.user("office")).get(reverse("accounts:role_list")).content.decode()
    assert "data-confirm=" in content
    assignment = RoleAssignment.objects.get(user=org.user("liaison"))
    assert f'action="{reverse("accounts:role_revoke", args=[assignment.pk])}"' in content


@pytest.mark.django_db
def test_scoped_office_cannot_revoke_outside_its_street(org, login, office_a):
    assignment = RoleAssignment.objects.get(user=org.user("liaison_b"))
    client = login(office_a)
    assert client.get(reverse("accounts:role_revoke", args=[assignment.pk])).status_code == 403
    assert client.post(reverse("accounts:role_revoke", args=[assignment.pk])).status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["liaison", "reviewer", "cadre", "citizen"])
def test_non_assigners_cannot_revoke(org, login, role):
    assignment = RoleAssignment.objects.get(user=org.user("liaison_b"))
    assert login(org.user(role)).post(reverse("accounts:role_revoke", args=[assignment.pk])).status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.django_db
def test_revoking_a_missing_assignment_is_404(org, login):
    assert login(org.user("office")).post(reverse("accounts:role_revoke", args=[999_999])).status_code == 404


# --- counted queries ----------------------------------------------------------------------
def grow(org, size: int) -> None:
    for i in range(size):
        unit = make_unit(f"社区{i}", parent=org.street_a)
        for j in range(size):
            user = UserFactory()
            RoleAssignment.objects.create(user=user, role=Role.LIAISON, unit=unit)
            RoleAssignment.objects.create(user=user, role=Role.CADRE, unit=None)
            if j % 2:
                PersonFactory(unit=unit, user=user)


# session, user, role scopes, the viewer's roster entry (nav), unread notifications, users count, users page
# (with person and unit), their role assignments (with units)
ROLE_LIST_QUERIES = 8


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
def test_role_list_query_count_does_not_grow_with_users(org, login, django_assert_num_queries, size):
    grow(org, size)
    client = login(org.user("office"))
    with django_assert_num_queries(ROLE_LIST_QUERIES):
        response = client.get(reverse("accounts:role_list"))
    assert len(response.context["rows"]) == min(User.objects.count(), 50)
    with django_assert_num_queries(ROLE_LIST_QUERIES):
        client.get(reverse("accounts:role_list"), {"q": "user", "role": Role.LIAISON})


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
def test_scoped_role_list_query_count_does_not_grow_with_users(org, login, office_a, django_assert_num_queries, size):
    grow(org, size)
    client = login(office_a)
    with django_assert_num_queries(ROLE_LIST_QUERIES):
        response = client.get(reverse("accounts:role_list"))
    assert len(response.context["rows"]) == size * size + 3
