"""The units endpoints: list with filters and pages, detail, children, create, update and move."""

from __future__ import annotations

import pytest

from taolun.core.models import AuditEntry
from taolun.orgs.models import Unit
from tests.factories import PersonFactory, make_unit

pytestmark = pytest.mark.django_db


def codes(body) -> list[str]:
    return [item["code"] for item in body["items"]]


def test_the_office_lists_every_unit_top_down_with_a_total(org, as_user):
    body = as_user(org.user("office")).get("/api/units").json()
    assert body["count"] == 6
    assert codes(body)[0] == "D001"
    assert set(codes(body)) == {"D001", "S-A", "S-B", "C-A1", "C-B1", "DEP-FG"}
    street = next(item for item in body["items"] if item["code"] == "S-A")
    assert street == {
        "id": org.street_a.pk,
        "name": "甲街道",
        "short_name": "",
        "code": "S-A",
        "kind": "street",
        "kind_label": "街道乡镇",
        "parent_id": org.district.pk,
        "depth": 1,
        "tags": ["街道"],
        "sort_order": 0,
        "is_active": True,
        "child_count": 1,
        "people_count": 0,
    }


def test_units_are_paged_with_limit_and_offset(org, as_user):
    client = as_user(org.user("office"))
    first = client.get("/api/units?limit=2").json()
    second = client.get("/api/units?limit=2&offset=2").json()
    assert (first["count"], first["limit"], first["offset"]) == (6, 2, 0)
    assert len(first["items"]) == 2
    assert second["offset"] == 2
    assert not set(codes(first)) & set(codes(second))


def test_a_page_size_over_the_maximum_is_refused_on_its_field(org, as_user):
    response = as_user(org.user("office")).get("/api/units?limit=1000")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "limit"
    assert "200" in response.json()["detail"][0]["message"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=street", {"S-A", "S-B"}),
        ("tag=部门", {"DEP-FG"}),
        ("q=甲", {"S-A", "C-A1"}),
        ("q=dep-fg", {"DEP-FG"}),
    ],
)
def test_units_filter_by_kind_tag_and_text(org, as_user, query, expected):
    assert set(codes(as_user(org.user("office")).get(f"/api/units?{query}").json())) == expected


def test_units_filter_by_parent_and_by_subtree(org, as_user):
    client = as_user(org.user("office"))
    assert set(codes(client.get(f"/api/units?parent={org.district.pk}").json())) == {"S-A", "S-B", "DEP-FG"}
    assert set(codes(client.get(f"/api/units?under={org.street_a.pk}").json())) == {"S-A", "C-A1"}


def test_a_filter_naming_a_unit_outside_the_scope_gives_an_empty_page(org, as_user):
    client = as_user(org.user("liaison"))
    assert client.get(f"/api/units?under={org.street_b.pk}").json() == {
        "count": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
    assert client.get(f"/api/units?parent={org.street_b.pk}").json()["count"] == 0


def test_unit_detail_has_the_subtree_summary(org, as_user):
    PersonFactory(unit=org.community_a, is_leading_cadre=True)
    body = as_user(org.user("office")).get(f"/api/units/{org.street_a.pk}").json()
    assert body["code"] == "S-A"
    assert body["summary"] == {"units": 2, "total": 2, "leaders": 1, "party": 1, "cadres": 2, "with_account": 1}


def test_children_are_the_direct_children_in_display_order(org, as_user):
    make_unit("乙二社区", parent=org.street_b, kind="community", code="C-B2")
    Unit.objects.filter(code="C-B2").update(sort_order=-1)
    body = as_user(org.user("office")).get(f"/api/units/{org.street_b.pk}/children").json()
    assert codes(body) == ["C-B2", "C-B1"]
    assert body["count"] == 2


def test_an_unknown_unit_is_404(org, as_user):
    response = as_user(org.user("admin")).get("/api/units/999999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_liaison_creates_a_unit_in_their_street(org, as_user):
    response = as_user(org.user("liaison")).post(
        "/api/units",
        {"name": "甲二社区", "code": "C-A2", "kind": "community", "parent": org.street_a.pk, "tags": ["试点"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    unit = Unit.objects.get(code="C-A2")
    assert unit.parent == org.street_a
    assert unit.path == f"{org.street_a.path}{unit.pk}/"
    assert response.json()["tags"] == ["试点"]
    entry = AuditEntry.objects.get(action="orgs.unit.create", object_id=str(unit.pk))
    assert entry.actor_id == org.user("liaison").pk
    assert entry.via == "api"


def test_the_global_office_creates_a_top_level_unit(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/units", {"name": "另一区", "code": "D002", "kind": "district"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["parent_id"] is None


def test_a_liaison_cannot_create_a_top_level_unit(org, as_user):
    response = as_user(org.user("liaison")).post(
        "/api/units", {"name": "另一区", "code": "D002"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(code="D002").exists()


def test_a_duplicate_code_is_refused_on_the_code_field(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/units", {"name": "重复", "code": "S-A", "parent": org.district.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "code", "message": "单位代码“S-A”已存在。"}]


def test_an_unknown_kind_is_refused_listing_the_choices(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/units",
        {"name": "x", "code": "X1", "kind": "planet", "parent": org.district.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "kind"
    assert "street" in error["message"]


def test_patch_changes_only_the_fields_sent(org, as_user):
    response = as_user(org.user("liaison")).patch(
        f"/api/units/{org.community_a.pk}",
        {"short_name": "甲一", "tags": ["试点", "老旧小区"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    org.community_a.refresh_from_db()
    assert (org.community_a.name, org.community_a.short_name) == ("甲一社区", "甲一")
    assert response.json()["tags"] == ["老旧小区", "试点"]
    assert AuditEntry.objects.filter(action="orgs.unit.update", object_id=str(org.community_a.pk)).exists()


def test_patch_with_a_new_parent_moves_the_subtree(org, as_user):
    response = as_user(org.user("office")).patch(
        f"/api/units/{org.street_a.pk}", {"parent": org.department.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    org.community_a.refresh_from_db()
    assert org.community_a.path.startswith(org.department.path)
    assert org.community_a.depth == 3


def test_moving_a_unit_under_itself_is_refused_on_the_parent_field(org, as_user):
    response = as_user(org.user("office")).patch(
        f"/api/units/{org.street_a.pk}", {"parent": org.community_a.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "parent"


def test_a_liaison_cannot_move_their_unit_to_the_top_of_the_tree(org, as_user):
    response = as_user(org.user("liaison")).patch(
        f"/api/units/{org.street_a.pk}", {"parent": None}, content_type="application/json"
    )
    assert response.status_code == 403
    org.street_a.refresh_from_db()
    assert org.street_a.parent == org.district


def test_patch_with_null_for_a_required_field_is_refused(org, as_user):
    response = as_user(org.user("office")).patch(
        f"/api/units/{org.street_a.pk}", {"name": None}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "name"
