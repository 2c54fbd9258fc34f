"""Writes for units and people: moves rewrite the subtree, bad input changes nothing, accounts for people."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment, User
from taolun.core.models import AuditEntry
from taolun.orgs import services
from taolun.orgs.models import Person, Unit
from tests.factories import PersonFactory, make_unit

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())


def paths(*units: Unit) -> list[tuple[str, int]]:
    return [(u.path, u.depth) for u in Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("depth", "id")]


# --- units --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_moving_a_unit_rewrites_every_descendants_path_and_depth(org):
    grid = make_unit("网格", parent=org.community_a, code="G-1")
    cell = make_unit("楼栋", parent=grid, code="G-1-1")
    services.unit_update(unit=org.community_a, parent=org.department, by=org.user("office"))
    community = Unit.objects.get(pk=org.community_a.pk)
    base = f"{org.department.path}{community.pk}/"
    assert paths(community, grid, cell) == [(base, 2), (f"{base}{grid.pk}/", 3), (f"{base}{grid.pk}/{cell.pk}/", 4)]
    # The old street's subtree no longer holds them; the new parent's does.
    assert set(Unit.objects.subtree(org.street_a).values_list("code", flat=True)) == {"S-A"}
    assert set(Unit.objects.subtree(org.department).values_list("code", flat=True)) == {
        "DEP-FG",
        "C-A1",
        "G-1",
        "G-1-1",
    }
    assert Person.objects.in_subtree(org.department).get() == org.person_a


@pytest.mark.django_db
def test_moving_a_unit_up_a_level_shortens_depths(org):
    grid = make_unit("网格", parent=org.community_a, code="G-1")
    services.unit_update(unit=grid, parent=org.district, by=None)
    assert paths(grid) == [(f"{org.district.path}{grid.pk}/", 1)]


@pytest.mark.django_db
def test_moving_a_unit_is_audited_with_the_old_and_new_parent(org):
    services.unit_update(unit=org.community_a, parent=org.street_b, by=org.user("office"))
    entry = AuditEntry.objects.filter(action="orgs.unit.update", object_id=str(org.community_a.pk)).get()
    assert entry.before == {"parent": org.street_a.pk}
    assert entry.after == {"parent": org.street_b.pk}


@pytest.mark.django_db
def test_a_unit_cannot_move_under_its_own_descendant(org):
    before = paths(org.street_a, org.community_a)
    with pytest.raises(ValidationError) as exc:
        services.unit_update(unit=org.street_a, parent=org.community_a, by=None)
    assert "parent" in exc.value.error_dict
    assert paths(org.street_a, org.community_a) == before


@pytest.mark.django_db
def test_liaison_cannot_move_a_unit_out_of_their_street(org):
    with pytest.raises(PermissionDenied):
        services.unit_update(unit=org.community_a, parent=org.street_b, by=org.user("liaison"))
    assert Unit.objects.get(pk=org.community_a.pk).parent == org.street_a


@pytest.mark.django_db
def test_liaison_cannot_make_a_unit_top_level(org):
    with pytest.raises(PermissionDenied):
        services.unit_update(unit=org.community_a, parent=None, by=org.user("liaison"))
    assert Unit.objects.get(pk=org.community_a.pk).parent == org.street_a


@pytest.mark.django_db
def test_global_office_can_make_a_unit_top_level(org):
    services.unit_update(unit=org.street_a, parent=None, by=org.user("office"))
    street = Unit.objects.get(pk=org.street_a.pk)
    assert (street.parent, street.path, street.depth) == (None, f"{street.pk}/", 0)
    assert Unit.objects.get(pk=org.community_a.pk).path == f"{street.pk}/{org.community_a.pk}/"


@pytest.mark.django_db
def test_bad_unit_codes_are_errors_on_the_code_field(org):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(name="新", code="有 空格", parent=org.street_a, by=None)
    assert "只能使用字母" in exc.value.error_dict["code"][0].messages[0]
    with pytest.raises(ValidationError) as exc:
        services.unit_update(unit=org.street_a, code="S-B", by=None)
    assert "已存在" in exc.value.error_dict["code"][0].messages[0]
    assert Unit.objects.get(pk=org.street_a.pk).code == "S-A"


@pytest.mark.django_db
def test_unit_tags_are_replaced_and_shared(org):
    services.unit_update(unit=org.street_a, tags=["试点", "街道"], by=None)
    services.unit_update(unit=org.street_b, tags=["试点"], by=None)
    assert sorted(org.street_a.tags.values_list("name", flat=True)) == ["街道", "试点"]
    assert list(org.street_b.tags.values_list("name", flat=True)) == ["试点"]


# --- people -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "  "}, "name", "请填写姓名"),
        ({"phone": "1380000123"}, "phone", "11 位手机号"),
        ({"phone": "23800001234"}, "phone", "11 位手机号"),
        ({"id_number": "11010519491231002"}, "id_number", "18 位"),
        ({"id_number": "110105194912310021"}, "id_number", "校验位"),
        ({"code": "P 1"}, "code", "只能使用字母"),
    ],
)
def test_person_create_refuses_bad_fields_with_a_message_naming_the_fix(org, fields, field, words):
    count, audits = Person.objects.count(), AuditEntry.objects.count()
    kwargs = {"name": "王五", **fields}
    with pytest.raises(ValidationError) as exc:
        services.person_create(unit=org.community_a, by=org.user("office"), **kwargs)
    assert words in " ".join(exc.value.message_dict[field])
    assert (Person.objects.count(), AuditEntry.objects.count()) == (count, audits)


@pytest.mark.django_db
def test_person_update_with_a_bad_phone_changes_nothing(org):
    with pytest.raises(ValidationError):
        services.person_update(person=org.person_b, phone="12", position="主任", by=None)
    person = Person.objects.get(pk=org.person_b.pk)
    assert (person.phone, person.position) == ("13900005678", "科员")


@pytest.mark.django_db
def test_person_numbers_are_normalised(org):
    person = services.person_create(
        unit=org.community_a, name="王五", phone="+86 138-0000-9999", id_number=" 11010519800101018x ", by=None
    )
    assert (person.phone, person.id_number) == ("13800009999", "11010519800101018X")


@pytest.mark.django_db
def test_person_audit_entries_hold_masked_numbers(org):
    person = services.person_create(unit=org.community_a, name="王五", phone="13800009999", by=org.user("office"))
    entry = AuditEntry.objects.get(action="orgs.person.create", object_id=str(person.pk))
    assert entry.after["phone"] == "138****9999"


@pytest.mark.django_db
def test_liaison_cannot_move_a_person_to_another_street(org):
    with pytest.raises(PermissionDenied):
        services.person_update(person=org.person_a, unit=org.community_b, by=org.user("liaison"))
    assert Person.objects.get(pk=org.person_a.pk).unit == org.community_a


# --- login accounts for people ---------------------------------------------------------------
@pytest.mark.django_db
def test_person_account_create_links_a_cadre_account_and_returns_a_working_password(org):
    user, password = services.person_account_create(person=org.person_b, username="lisi", by=org.user("office"))
    assert org.person_b.user == user
    assert Person.objects.get(pk=org.person_b.pk).user == user
    assert authenticate(username="lisi", password=password) == user
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.unit) == (Role.CADRE, org.community_b)
    actions = set(AuditEntry.objects.filter(actor=org.user("office")).values_list("action", flat=True))
    assert {"accounts.user.create", "orgs.person.update", "accounts.role.assign"} <= actions


@pytest.mark.django_db
def test_person_account_create_is_all_or_nothing(org):
    """A liaison may edit the person but not assign roles: nothing at all is created."""
    person = PersonFactory(unit=org.community_a)
    users, audits = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.person_account_create(person=person, username="newcomer", by=org.user("liaison"))
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, audits)
    assert Person.objects.get(pk=person.pk).user_id is None
    assert person.user_id is None


@pytest.mark.django_db
def test_office_scoped_to_a_street_can_open_accounts_there(org):
    office_a = User.objects.create(username="office_a")
    RoleAssignment.objects.create(user=office_a, role=Role.OFFICE, unit=org.street_a)
    person = PersonFactory(unit=org.community_a)
    user, _password = services.person_account_create(person=person, username="newcomer", by=office_a)
    assert user.role_assignments.get().unit == org.community_a
    with pytest.raises(PermissionDenied):
        services.person_account_create(person=org.person_b, username="lisi", by=office_a)


@pytest.mark.django_db
def test_person_account_create_refuses_a_second_account_and_a_taken_username(org):
    with pytest.raises(ValidationError) as exc:
        services.person_account_create(person=org.person_a, username="zhangsan", by=org.user("office"))
    assert "已有登录账号" in exc.value.message_dict["username"][0]
    with pytest.raises(ValidationError) as exc:
        services.person_account_create(person=org.person_b, username="CADRE", by=org.user("office"))
    assert "已被使用" in exc.value.message_dict["username"][0]
    assert Person.objects.get(pk=org.person_b.pk).user_id is None


def test_generated_passwords_are_long_mixed_and_unambiguous():
    seen = {services.password_generate() for _ in range(50)}
    assert len(seen) == 50
    for value in seen:
        assert len(value) == 12
        assert any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
        assert not set(value) & set("0O1lI")
