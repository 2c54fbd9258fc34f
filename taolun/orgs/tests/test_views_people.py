"""The people list, the person page, person forms and opening a login account for a person."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment, User
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person
from tests.factories import PersonFactory, make_unit

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

HX_ROWS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "person-rows"}


def names(response) -> list[str]:
    return [row["name"] for row in response.context["rows"]]


# --- list ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_people_list_is_scoped_to_the_liaisons_street(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:person_list"))
    assert names(response) == ["张三"]
    assert "李四" not in response.content.decode()


@pytest.mark.django_db
def test_people_list_masks_numbers_for_the_liaison(org, login):
    content = login(org.user("liaison")).get(reverse("orgs:person_list")).content.decode()
    assert "138****1234" in content
    assert "13800001234" not in content
    assert "11010519491231002X" not in content


@pytest.mark.django_db
def test_people_list_shows_full_numbers_to_the_office(org, login):
    content = login(org.user("office")).get(reverse("orgs:person_list")).content.decode()
    assert "13800001234" in content
    assert "13900005678" in content
    assert "11010519491231002X" in content


@pytest.mark.django_db
def test_office_scoped_to_a_street_sees_numbers_in_clear_only_inside_it(org, login):
    office_b = User.objects.create(username="office_b")
    RoleAssignment.objects.create(user=office_b, role=Role.OFFICE, unit=org.street_b)
    # A reviewer role held everywhere does not widen what the roster shows.
    RoleAssignment.objects.create(user=office_b, role=Role.REVIEWER, unit=None)
    content = login(office_b).get(reverse("orgs:person_list")).content.decode()
    assert "13900005678" in content
    assert "张三" not in content and "138****1234" not in content and "13800001234" not in content


@pytest.mark.django_db
def test_people_list_filters_by_name_unit_subtree_role_and_batch(org, login):
    PersonFactory(unit=org.street_a, name="王五", training_batch=2, is_leading_cadre=True)
    PersonFactory(unit=org.department, name="赵六", training_batch=1, is_party_member=True)
    client = login(org.user("office"))
    url = reverse("orgs:person_list")
    assert names(client.get(url, {"q": "王"})) == ["王五"]
    assert sorted(names(client.get(url, {"unit": "S-A"}))) == ["张三", "王五"]
    assert names(client.get(url, {"unit": "C-B1"})) == ["李四"]
    assert sorted(names(client.get(url, {"role": "leading_cadre"}))) == ["李四", "王五"]
    assert sorted(names(client.get(url, {"role": "party_member"}))) == ["张三", "赵六"]
    assert names(client.get(url, {"batch": 1})) == ["赵六"]
    assert names(client.get(url, {"unit": "D001", "role": "leading_cadre", "batch": 2})) == ["王五"]


@pytest.mark.django_db
def test_people_list_unit_filter_outside_scope_is_an_error_not_a_leak(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:person_list"), {"unit": "C-B1"})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "不在您的查看范围内" in response.context["form"].errors["unit"][0]
    assert "李四" not in response.content.decode()


@pytest.mark.django_db
def test_people_list_bad_batch_is_reported(org, login):
    response = login(org.user("office")).get(reverse("orgs:person_list"), {"batch": "abc"})
    assert response.context["form"].errors["batch"]
    assert response.context["rows"] == []


@pytest.mark.django_db
def test_people_list_answers_htmx_with_the_rows_partial(org, login, settings):
    settings.TAOLUN_PAGE_SIZE = 1
    response = login(org.user("office")).get(reverse("orgs:person_list"), {"page": 2}, **HX_ROWS)
    content = response.content.decode()
    assert "<html" not in content
    assert names(response) == ["李四"]
    assert 'id="person-status"' in content and "共 2 人" in content
    assert 'rel="prev"' in content


# --- detail -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_person_page_masks_for_liaison_shows_all_to_office_and_own_to_cadre(org, login):
    url = reverse("orgs:person_detail", args=[org.person_a.pk])
    liaison = login(org.user("liaison")).get(url).content.decode()
    assert "138****1234" in liaison and "13800001234" not in liaison
    office = login(org.user("office")).get(url).content.decode()
    assert "13800001234" in office and "11010519491231002X" in office
    cadre = login(org.user("cadre")).get(url).content.decode()
    assert "13800001234" in cadre and "11010519491231002X" in cadre
    # The cadre sees their own record but no way into the unit pages or edit forms.
    assert reverse("orgs:person_edit", args=[org.person_a.pk]) not in cadre
    assert reverse("orgs:unit_detail", args=[org.community_a.pk]) not in cadre


@pytest.mark.django_db
def test_person_page_shows_breadcrumbs_and_actions(org, login):
    response = login(org.user("office")).get(reverse("orgs:person_detail", args=[org.person_b.pk]))
    assert [a.code for a, _v in response.context["ancestors"]] == ["D001", "S-B", "C-B1"]
    content = response.content.decode()
    assert reverse("orgs:person_edit", args=[org.person_b.pk]) in content
    assert reverse("orgs:person_account_create", args=[org.person_b.pk]) in content


@pytest.mark.django_db
def test_liaison_sees_no_account_action_because_only_the_office_assigns_roles(org, login):
    content = login(org.user("liaison")).get(reverse("orgs:person_detail", args=[org.person_a.pk])).content.decode()
    assert reverse("orgs:person_account_create", args=[org.person_a.pk]) not in content


# --- create and edit ----------------------------------------------------------------------
@pytest.mark.django_db
def test_liaison_adds_a_person_to_a_unit_in_their_street(org, login):
    client = login(org.user("liaison"))
    response = client.post(
        reverse("orgs:person_create"),
        {
            "name": "王五",
            "unit": "C-A1",
            "position": "主任",
            "is_leading_cadre": "on",
            "phone": "138 0000 5555",
            "id_number": "110105198001010016",
            "training_batch": "3",
        },
    )
    person = Person.objects.get(name="王五")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:person_detail", args=[person.pk])
    assert (person.unit, person.phone, person.training_batch, person.is_leading_cadre) == (
        org.community_a,
        "13800005555",
        3,
        True,
    )


@pytest.mark.django_db
def test_person_form_errors_are_next_to_the_fields_and_nothing_is_saved(org, login):
    client = login(org.user("office"))
    count, audits = Person.objects.count(), AuditEntry.objects.count()
    response = client.post(
        reverse("orgs:person_create"),
        {"name": "王五", "unit": "C-A1", "phone": "12345", "id_number": "110105194912310021"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "11 位手机号" in errors["phone"][0]
    assert "校验位" in errors["id_number"][0]
    content = response.content.decode()
    assert 'id="id_phone_error"' in content and 'id="id_id_number_error"' in content
    assert (Person.objects.count(), AuditEntry.objects.count()) == (count, audits)


@pytest.mark.django_db
def test_person_create_with_a_duplicate_code_is_reported(org, login):
    response = login(org.user("office")).post(
        reverse("orgs:person_create"), {"name": "王五", "unit": "C-A1", "code": org.person_a.code}
    )
    assert response.status_code == 200
    assert "重复" in " ".join(response.context["form"].non_field_errors())
    assert not Person.objects.filter(name="王五").exists()


@pytest.mark.django_db
def test_person_create_in_a_unit_outside_scope_is_refused_at_the_unit_field(org, login):
    response = login(org.user("liaison")).post(reverse("orgs:person_create"), {"name": "王五", "unit": "C-B1"})
    assert "不在您的管理范围内" in response.context["form"].errors["unit"][0]
    assert not Person.objects.filter(name="王五").exists()


@pytest.mark.django_db
def test_liaison_edits_a_person_without_seeing_or_losing_their_numbers(org, login):
    client = login(org.user("liaison"))
    url = reverse("orgs:person_edit", args=[org.person_a.pk])
    form_page = client.get(url).content.decode()
    assert "13800001234" not in form_page and "11010519491231002X" not in form_page
    assert "138****1234" in form_page
    response = client.post(url, {"name": "张三", "unit": "S-A", "position": "副主任", "is_active": "on", "phone": ""})
    assert response.status_code == 302
    person = Person.objects.get(pk=org.person_a.pk)
    assert (person.unit, person.position) == (org.street_a, "副主任")
    assert (person.phone, person.id_number) == ("13800001234", "11010519491231002X")


@pytest.mark.django_db
def test_office_edits_and_clears_a_phone(org, login):
    client = login(org.user("office"))
    url = reverse("orgs:person_edit", args=[org.person_b.pk])
    assert "13900005678" in client.get(url).content.decode()
    response = client.post(url, {"name": "李四", "unit": "C-B1", "phone": "", "is_active": "on"})
    assert response.status_code == 302
    assert Person.objects.get(pk=org.person_b.pk).phone == ""


@pytest.mark.django_db
def test_person_edit_errors_change_nothing(org, login):
    client = login(org.user("office"))
    response = client.post(
        reverse("orgs:person_edit", args=[org.person_b.pk]), {"name": "", "unit": "C-B1", "phone": "abc"}
    )
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "phone"}
    person = Person.objects.get(pk=org.person_b.pk)
    assert (person.name, person.phone) == ("李四", "13900005678")


# --- login account for a person ------------------------------------------------------------
@pytest.mark.django_db
def test_office_opens_an_account_for_a_person_and_sees_the_password_once(org, login):
    client = login(org.user("office"))
    response = client.post(reverse("orgs:person_account_create", args=[org.person_b.pk]), {"username": "lisi"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="lisi")
    assert Person.objects.get(pk=org.person_b.pk).user == user
    assert user.display_name == "李四"
    assert RoleAssignment.objects.filter(user=user, role=Role.CADRE).exists()
    assert authenticate(username="lisi", password=password) == user
    # The password is not shown again anywhere.
    again = client.get(reverse("orgs:person_detail", args=[org.person_b.pk])).content.decode()
    assert password not in again
    assert "lisi" in again


@pytest.mark.django_db
def test_account_username_taken_is_an_error_next_to_the_field_and_nothing_is_created(org, login):
    client = login(org.user("office"))
    users = User.objects.count()
    response = client.post(reverse("orgs:person_account_create", args=[org.person_b.pk]), {"username": "cadre"})
    assert response.status_code == 200
    assert "已被使用" in response.context["form"].errors["username"][0]
    assert User.objects.count() == users
    assert Person.objects.get(pk=org.person_b.pk).user_id is None


@pytest.mark.django_db
def test_account_username_with_spaces_is_refused(org, login):
    response = login(org.user("office")).post(
        reverse("orgs:person_account_create", args=[org.person_b.pk]), {"username": "li si"}
    )
    assert response.context["form"].errors["username"]
    assert not User.objects.filter(username="li si").exists()


@pytest.mark.django_db
def test_a_person_with_an_account_cannot_get_a_second(org, login):
    users = User.objects.count()
    response = login(org.user("office")).post(
        reverse("orgs:person_account_create", args=[org.person_a.pk]), {"username": "zhangsan2"}
    )
    assert response.status_code == 200
    assert "已有登录账号" in " ".join(response.context["form"].non_field_errors())
    assert User.objects.count() == users


@pytest.mark.django_db
def test_liaison_cannot_open_accounts_even_in_their_street(org, login):
    person = PersonFactory(unit=org.community_a)
    response = login(org.user("liaison")).post(
        reverse("orgs:person_account_create", args=[person.pk]), {"username": "newcomer"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newcomer").exists()


# --- counted queries ----------------------------------------------------------------------
def grow(org, size: int) -> None:
    for street in (org.street_a, org.street_b):
        for i in range(size):
            unit = make_unit(f"{street.code}社区{i}", parent=street, kind="community")
            for j in range(size):
                account = User.objects.create(username=f"{unit.code}-{j}") if j % 2 else None
                PersonFactory(unit=unit, phone=f"1380000{i:02d}{j:02d}", user=account, training_batch=1)


# session, user, role scopes, the viewer's roster entry (nav), people count, people page, unread notifications
LIST_QUERIES = 7


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
@pytest.mark.parametrize("role", ["office", "liaison"])
def test_people_list_query_count_does_not_grow_with_the_roster(org, login, django_assert_num_queries, size, role):
    grow(org, size)
    client = login(org.user(role))
    expected = LIST_QUERIES
    with django_assert_num_queries(expected):
        response = client.get(reverse("orgs:person_list"))
    assert len(response.context["rows"]) >= size * size
    with django_assert_num_queries(expected + 1):  # + the unit filter's lookup
        client.get(reverse("orgs:person_list"), {"unit": "S-A", "role": "cadre", "batch": 1, "q": "人员"})
