"""Who may do what where: role × own/other subtree × method, as a matrix.

"Own" is street S-A's side of the tree (community C-A1 and its person), "other" is street S-B's.
Objects outside a viewer's scope answer 404, exactly like ids that do not exist, and never data.
Combined roles do not widen the roster: liaison_reviewer and liaison_publicity are liaisons of S-A
who also review or do publicity everywhere; office_a is the office scoped to S-A (``org_mixed_roles``).
"""

from __future__ import annotations

import itertools
import json

import pytest

from conftest import MATRIX_ROLES, shared_org
from taolun.orgs.models import Person, Unit

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

ROLES = MATRIX_ROLES
SIDES = ["own", "other"]
ACTIONS = [
    "get_unit",
    "get_children",
    "patch_unit",
    "create_unit",
    "get_person",
    "patch_person",
    "create_person",
]
OK = {"create_unit": 201, "create_person": 201}
# A body that names a unit out of scope is an input error on that field, not a lookup of the URL.
OUT_OF_SCOPE = {"create_unit": 400, "create_person": 400}
NO_ACCESS_ROLES = {"reviewer", "publicity", "cadre", "citizen"}
SCOPE_OF = {
    "liaison": "own",
    "liaison_b": "other",
    "liaison_reviewer": "own",
    "liaison_publicity": "own",
    "office_a": "own",
}
STREET_A_ONLY = ["liaison", "liaison_reviewer", "liaison_publicity", "office_a"]


def expected_status(role: str, side: str, action: str) -> int:
    if role == "anonymous":
        return 401
    if role in NO_ACCESS_ROLES:
        return 403
    if role in {"admin", "office"} or SCOPE_OF[role] == side:
        return OK.get(action, 200)
    return OUT_OF_SCOPE.get(action, 404)


def perform(client, org, side: str, action: str):
    community = org.community_a if side == "own" else org.community_b
    person = org.person_a if side == "own" else org.person_b
    body = {
        "patch_unit": {"short_name": "改"},
        "create_unit": {"name": "新社区", "code": f"NEW-{side}", "kind": "community", "parent": community.parent_id},
        "patch_person": {"position": "改"},
        "create_person": {"unit": community.pk, "name": "新人"},
    }.get(action)
    method, url = {
        "get_unit": ("get", f"/api/units/{community.pk}"),
        "get_children": ("get", f"/api/units/{community.parent_id}/children"),
        "patch_unit": ("patch", f"/api/units/{community.pk}"),
        "create_unit": ("post", "/api/units"),
        "get_person": ("get", f"/api/people/{person.pk}"),
        "patch_person": ("patch", f"/api/people/{person.pk}"),
        "create_person": ("post", "/api/people"),
    }[action]
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("role", "side", "action"), list(itertools.product(ROLES, SIDES, ACTIONS)))
def test_scope_matrix(org_mixed_roles, as_user, role, side, action):
    org = org_mixed_roles
    units_before = set(Unit.objects.values_list("code", "short_name"))
    people_before = set(Person.objects.values_list("name", "position"))
    response = perform(as_user(org.user(role)), org, side, action)
    expected = expected_status(role, side, action)
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert set(body) == {"detail"}
        assert "乙一社区" not in response.content.decode()
        assert "甲一社区" not in response.content.decode()
        assert set(Unit.objects.values_list("code", "short_name")) == units_before
        assert set(Person.objects.values_list("name", "position")) == people_before


@pytest.mark.parametrize("role", [*STREET_A_ONLY, "liaison_b", "office", "admin"])
def test_lists_hold_only_the_viewers_subtree(org_mixed_roles, as_user, role):
    client = as_user(org_mixed_roles.user(role))
    unit_codes = {item["code"] for item in client.get("/api/units?limit=200").json()["items"]}
    person_names = {item["name"] for item in client.get("/api/people?limit=200").json()["items"]}
    if role in STREET_A_ONLY:
        expected_units, expected_people = {"S-A", "C-A1"}, {"张三"}
    elif role == "liaison_b":
        expected_units, expected_people = {"S-B", "C-B1"}, {"李四"}
    else:
        expected_units, expected_people = {"D001", "S-A", "S-B", "C-A1", "C-B1", "DEP-FG"}, {"张三", "李四"}
    assert unit_codes == expected_units
    assert person_names == expected_people


@pytest.mark.parametrize("role", ["liaison_reviewer", "liaison_publicity"])
def test_a_liaison_with_a_role_held_everywhere_still_sees_only_their_street(org_mixed_roles, as_user, role):
    org = org_mixed_roles
    client = as_user(org.user(role))
    names = {item["name"] for item in client.get("/api/people?limit=200").json()["items"]}
    assert names == {"张三"}
    assert client.get(f"/api/people/{org.person_b.pk}").status_code == 404
    assert client.get(f"/api/units/{org.community_b.pk}").status_code == 404
    assert client.get(f"/api/people/{org.person_a.pk}").json()["phone"] == "138****1234"


def test_an_office_scoped_to_a_street_sees_and_unmasks_that_street_only(org_mixed_roles, as_user):
    org = org_mixed_roles
    client = as_user(org.user("office_a"))
    person = client.get(f"/api/people/{org.person_a.pk}").json()
    assert (person["phone"], person["id_number"]) == ("13800001234", "11010519491231002X")
    assert [p["phone"] for p in client.get("/api/people").json()["items"]] == ["13800001234"]
    assert client.get(f"/api/people/{org.person_b.pk}").status_code == 404
    assert client.get(f"/api/units/{org.street_b.pk}").status_code == 404
    assert client.get(f"/api/units/{org.district.pk}").status_code == 404


def test_guessing_another_streets_ids_gives_404_and_never_data(org, as_user):
    """A liaison of S-A walks every id of S-B's side and beyond: each is indistinguishable from a missing one."""
    client = as_user(org.user("liaison"))
    missing = client.get("/api/units/999999").json()
    foreign_units = Unit.objects.exclude(path__startswith=org.street_a.path).values_list("pk", flat=True)
    for pk in [*foreign_units, 999999]:
        for url in (f"/api/units/{pk}", f"/api/units/{pk}/children"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.json() == missing
        patch = client.patch(f"/api/units/{pk}", {"name": "x"}, content_type="application/json")
        assert patch.status_code == 404
    for pk in [org.person_b.pk, 999999]:
        assert client.get(f"/api/people/{pk}").json() == missing
        assert client.patch(f"/api/people/{pk}", {"name": "x"}, content_type="application/json").status_code == 404
    org.person_b.refresh_from_db()
    assert org.person_b.name == "李四"
    assert not Unit.objects.filter(name="x").exists()


@pytest.mark.parametrize("role", ["reviewer", "publicity"])
def test_roles_without_access_cannot_probe_ids_either(org, as_user, role):
    client = as_user(org.user(role))
    for url in (f"/api/units/{org.street_b.pk}", f"/api/people/{org.person_b.pk}", "/api/people"):
        existing = client.get(url)
        missing = client.get("/api/units/999999")
        assert existing.status_code == missing.status_code == 403
        assert existing.json() == missing.json()


@pytest.mark.parametrize("role", ["admin", "office", "liaison", "reviewer", "publicity", "cadre", "citizen"])
def test_every_signed_in_role_has_me_and_tokens(org, as_user, role):
    client = as_user(org.user(role))
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/tokens").status_code == 200


def test_a_token_carries_exactly_the_scope_of_its_user(org, token_client):
    client = token_client(org.user("liaison"))
    assert {item["code"] for item in client.get("/api/units").json()["items"]} == {"S-A", "C-A1"}
    assert client.get(f"/api/units/{org.community_b.pk}").status_code == 404
    assert client.get(f"/api/people/{org.person_b.pk}").status_code == 404
    assert client.get(f"/api/people/{org.person_a.pk}").json()["phone"] == "138****1234"
    response = client.patch(f"/api/people/{org.person_a.pk}", {"position": "主任"}, content_type="application/json")
    assert response.status_code == 200
    assert token_client(org.user("office")).get(f"/api/people/{org.person_a.pk}").json()["phone"] == "13800001234"
    assert token_client(org.user("citizen")).get("/api/units").status_code == 403
