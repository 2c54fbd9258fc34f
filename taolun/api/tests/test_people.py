"""The people endpoints: scoped lists with filters, masking by role, create and update through the services."""

from __future__ import annotations

import pytest

from taolun.core.models import AuditEntry
from taolun.orgs.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
OTHER_VALID_ID = "440524188001010014"


def names(body) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_the_office_sees_phone_and_id_number_in_full(org, as_user):
    body = as_user(org.user("office")).get("/api/people").json()
    row = next(item for item in body["items"] if item["id"] == org.person_a.pk)
    assert row["phone"] == "13800001234"
    assert row["id_number"] == VALID_ID


def test_a_liaison_sees_phone_and_id_number_masked(org, as_user):
    body = as_user(org.user("liaison")).get("/api/people").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["phone"] == "138****1234"
    assert row["id_number"] == "1101**********002X"
    detail = as_user(org.user("liaison")).get(f"/api/people/{org.person_a.pk}").json()
    assert (detail["phone"], detail["id_number"]) == ("138****1234", "1101**********002X")


def test_a_person_row_has_the_list_shape(org, as_user):
    row = as_user(org.user("office")).get(f"/api/people/{org.person_b.pk}").json()
    assert row == {
        "id": org.person_b.pk,
        "name": "李四",
        "code": org.person_b.code,
        "unit_id": org.community_b.pk,
        "unit_code": "C-B1",
        "unit_name": "乙一社区",
        "position": "科员",
        "roles": ["leading_cadre", "cadre"],
        "is_leading_cadre": True,
        "is_party_member": False,
        "is_cadre": True,
        "phone": "13900005678",
        "id_number": "",
        "training_batch": None,
        "has_account": False,
        "is_active": True,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=张", {"张三"}),
        ("role=leading_cadre", {"李四"}),
        ("role=party_member", {"张三"}),
        ("batch=2", {"王五"}),
    ],
)
def test_people_filter_by_text_role_and_batch(org, as_user, query, expected):
    PersonFactory(unit=org.department, name="王五", training_batch=2)
    assert set(names(as_user(org.user("office")).get(f"/api/people?{query}").json())) == expected


def test_people_filter_by_unit_covers_its_subtree(org, as_user):
    body = as_user(org.user("office")).get(f"/api/people?unit={org.street_a.pk}").json()
    assert names(body) == ["张三"]


def test_a_unit_filter_outside_the_scope_gives_an_empty_page(org, as_user):
    body = as_user(org.user("liaison")).get(f"/api/people?unit={org.street_b.pk}").json()
    assert (body["count"], body["items"]) == (0, [])


def test_people_are_paged(org, as_user):
    for i in range(5):
        PersonFactory(unit=org.community_a, name=f"甲{i}")
    body = as_user(org.user("liaison")).get("/api/people?limit=4&offset=4").json()
    assert body["count"] == 6
    assert len(body["items"]) == 2


def test_an_unknown_role_filter_is_refused_listing_the_choices(org, as_user):
    response = as_user(org.user("office")).get("/api/people?role=boss")
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "role"
    assert "leading_cadre" in error["message"]


def test_a_liaison_adds_a_person_and_the_numbers_are_normalised(org, as_user):
    response = as_user(org.user("liaison")).post(
        "/api/people",
        {
            "unit": org.community_a.pk,
            "name": "赵六",
            "phone": "+86 138-0000-5678",
            "id_number": OTHER_VALID_ID,
            "is_party_member": True,
            "training_batch": 1,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    person = Person.objects.get(name="赵六")
    assert person.phone == "13800005678"
    assert person.unit == org.community_a
    assert response.json()["phone"] == "138****5678"  # the liaison still sees it masked
    entry = AuditEntry.objects.get(action="orgs.person.create", object_id=str(person.pk))
    assert "13800005678" not in str(entry.after)


def test_a_bad_phone_is_refused_with_a_message_on_the_phone_field(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/people", {"unit": org.community_a.pk, "name": "赵六", "phone": "12345"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "phone"
    assert "11 位手机号" in error["message"]
    assert not Person.objects.filter(name="赵六").exists()


def test_a_bad_id_number_check_digit_is_refused_on_its_field(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/people",
        {"unit": org.community_a.pk, "name": "赵六", "id_number": "110105194912310021"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "id_number"


def test_a_duplicate_id_number_is_refused_and_nothing_is_written(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/people",
        {"unit": org.community_b.pk, "name": "重号", "id_number": VALID_ID},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "__all__"
    assert not Person.objects.filter(name="重号").exists()


def test_patch_updates_only_the_fields_sent(org, as_user):
    response = as_user(org.user("office")).patch(
        f"/api/people/{org.person_a.pk}", {"position": "主任", "training_batch": 3}, content_type="application/json"
    )
    assert response.status_code == 200
    org.person_a.refresh_from_db()
    assert (org.person_a.name, org.person_a.position, org.person_a.training_batch) == ("张三", "主任", 3)
    assert response.json()["phone"] == "13800001234"


def test_patch_can_clear_a_nullable_field(org, as_user):
    response = as_user(org.user("office")).patch(
        f"/api/people/{org.person_a.pk}", {"id_number": None}, content_type="application/json"
    )
    assert response.status_code == 200
    org.person_a.refresh_from_db()
    assert org.person_a.id_number is None


def test_patch_moves_a_person_to_another_unit_in_scope(org, as_user):
    response = as_user(org.user("liaison")).patch(
        f"/api/people/{org.person_a.pk}", {"unit": org.street_a.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["unit_code"] == "S-A"


def test_a_liaison_cannot_move_a_person_out_of_their_scope(org, as_user):
    response = as_user(org.user("liaison")).patch(
        f"/api/people/{org.person_a.pk}", {"unit": org.community_b.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "unit"
    org.person_a.refresh_from_db()
    assert org.person_a.unit == org.community_a
