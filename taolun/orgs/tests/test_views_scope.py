"""The rule matrix again, through the URLs: status codes for every role × own/other subtree × action,
including guessed ids of another street's units and people, and ids that do not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment
from taolun.orgs.models import Person, Unit

from .test_rules import ACTIONS, ROLES, TARGETS, expected, targets

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

MISSING = 999_999
ASSIGNERS = {"admin", "office", "office_a"}
ROSTER_BROWSERS = {"admin", "office", "office_a", "liaison", "liaison_b", "liaison_reviewer", "liaison_publicity"}


def denied_status(role: str) -> int:
    return 302 if role == "anonymous" else 403


def request_action(client, org, target: str, action: str):
    unit, person = targets(org, target)
    if action == "view_unit":
        return client.get(reverse("orgs:unit_detail", args=[unit.pk]))
    if action == "change_unit":
        return client.get(reverse("orgs:unit_edit", args=[unit.pk]))
    if action in ("view_person", "view_person_pii"):
        return client.get(reverse("orgs:person_detail", args=[person.pk]))
    if action == "change_person":
        return client.get(reverse("orgs:person_edit", args=[person.pk]))
    if action == "assign_roles":
        return client.post(
            reverse("accounts:role_assign"), {"username": "citizen", "role": Role.LIAISON, "unit": unit.code}
        )
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_url_matrix(org_mixed_roles, login, role, target, action):
    org = org_mixed_roles
    client = login(org.user(role))
    response = request_action(client, org, target, action)
    allowed = expected(action, role, target)
    unit, person = targets(org, target)

    if action == "view_person_pii":
        # The page opens for whoever may view the person; the numbers are in clear only for PII readers.
        if not expected("view_person", role, target):
            assert response.status_code == denied_status(role)
            return
        assert response.status_code == 200
        content = response.content.decode()
        assert (person.phone in content) is allowed
        return

    if action == "assign_roles":
        made = RoleAssignment.objects.filter(user=org.user("citizen"), role=Role.LIAISON, unit=unit).exists()
        if allowed:
            assert response.status_code == 302
            assert made
        elif role in ASSIGNERS:
            # The page is open to them; a unit outside their scope is refused beside the unit picker.
            assert response.status_code == 200
            assert response.context["form"].errors["unit"]
            assert not made
        else:
            assert response.status_code == denied_status(role)
            assert not made
        return

    assert response.status_code == (200 if allowed else denied_status(role))
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["orgs:unit_detail", "orgs:unit_children", "orgs:unit_edit", "orgs:person_detail", "orgs:person_edit"],
)
def test_liaison_guessing_another_streets_ids_gets_403(org, login, name):
    client = login(org.user("liaison"))
    pk = org.person_b.pk if name.startswith("orgs:person") else org.community_b.pk
    assert client.get(reverse(name, args=[pk]), HTTP_HX_REQUEST="true").status_code == 403


@pytest.mark.django_db
def test_liaison_cannot_post_edits_to_another_streets_objects(org, login):
    client = login(org.user("liaison"))
    response = client.post(
        reverse("orgs:unit_edit", args=[org.community_b.pk]),
        {"name": "改名", "code": org.community_b.code, "kind": "community"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("orgs:person_edit", args=[org.person_b.pk]), {"name": "改名", "unit": org.community_b.code}
    )
    assert response.status_code == 403
    response = client.post(reverse("orgs:person_account_create", args=[org.person_b.pk]), {"username": "lisi"})
    assert response.status_code == 403
    assert Unit.objects.get(pk=org.community_b.pk).name == "乙一社区"
    assert Person.objects.get(pk=org.person_b.pk).name == "李四"


@pytest.mark.django_db
def test_liaison_cannot_open_create_forms_under_another_street(org, login):
    client = login(org.user("liaison"))
    assert client.get(reverse("orgs:unit_create"), {"parent": org.street_b.pk}).status_code == 403
    assert client.get(reverse("orgs:person_create"), {"unit": org.community_b.pk}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["orgs:unit_detail", "orgs:unit_children", "orgs:unit_edit", "orgs:person_detail", "orgs:person_edit"]
)
@pytest.mark.parametrize("role", ["admin", "liaison", "cadre"])
def test_ids_that_do_not_exist_are_404(org, login, name, role):
    client = login(org.user(role))
    assert client.get(reverse(name, args=[MISSING])).status_code == 404


@pytest.mark.django_db
def test_create_forms_with_unknown_parent_are_404(org, login):
    client = login(org.user("office"))
    assert client.get(reverse("orgs:unit_create"), {"parent": MISSING}).status_code == 404
    assert client.get(reverse("orgs:person_create"), {"unit": MISSING}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("orgs:unit_tree", ROSTER_BROWSERS),
        ("orgs:person_list", ROSTER_BROWSERS),
        ("orgs:unit_create", ROSTER_BROWSERS),
        ("orgs:person_create", ROSTER_BROWSERS),
        ("accounts:role_list", ASSIGNERS),
        ("accounts:role_assign", ASSIGNERS),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_list_and_create_pages_open_to_the_roles_that_manage_them(org_mixed_roles, login, name, allowed, role):
    response = login(org_mixed_roles.user(role)).get(reverse(name))
    if role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == denied_status(role)


@pytest.mark.django_db
def test_get_requests_change_nothing(org, login):
    from taolun.core.models import AuditEntry

    before = AuditEntry.objects.count()
    client = login(org.user("office"))
    for url in [
        reverse("orgs:unit_tree"),
        reverse("orgs:unit_detail", args=[org.street_a.pk]),
        reverse("orgs:unit_edit", args=[org.street_a.pk]),
        reverse("orgs:person_detail", args=[org.person_b.pk]),
        reverse("orgs:person_edit", args=[org.person_b.pk]),
        reverse("orgs:person_account_create", args=[org.person_b.pk]),
        reverse("accounts:role_assign"),
        reverse("accounts:role_revoke", args=[RoleAssignment.objects.get(user=org.user("liaison")).pk]),
        reverse("accounts:token_list"),
    ]:
        assert client.get(url).status_code == 200, url
    assert AuditEntry.objects.count() == before
    assert Person.objects.get(pk=org.person_b.pk).user_id is None
    assert RoleAssignment.objects.filter(user=org.user("liaison")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["liaison_reviewer", "liaison_publicity", "office_a"])
def test_lists_hold_only_street_a_for_combined_and_street_scoped_roles(org_mixed_roles, login, role):
    org = org_mixed_roles
    client = login(org.user(role))
    people = client.get(reverse("orgs:person_list")).content.decode()
    assert "张三" in people and "李四" not in people
    tree = client.get(reverse("orgs:unit_tree"))
    assert [u.code for u in tree.context["roots"]] == ["S-A"]
    found = client.get(reverse("orgs:unit_tree"), {"q": "社区"})
    assert {u.code for u in found.context["results"]} == {"C-A1"}


@pytest.mark.django_db
def test_street_scoped_office_sees_numbers_in_clear_inside_its_street_only(org_mixed_roles, login):
    org = org_mixed_roles
    client = login(org.user("office_a"))
    own = client.get(reverse("orgs:person_detail", args=[org.person_a.pk]))
    assert own.status_code == 200 and "13800001234" in own.content.decode()
    assert client.get(reverse("orgs:person_detail", args=[org.person_b.pk])).status_code == 403
