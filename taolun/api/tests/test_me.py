"""GET /api/me: the user, their roles with scope units, and the linked person."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_me_shows_a_liaisons_role_with_its_scope_unit(org, as_user):
    body = as_user(org.user("liaison")).get("/api/me").json()
    assert body["username"] == "liaison"
    assert body["roles"] == [
        {
            "role": "liaison",
            "label": "单位联络员",
            "unit": {"id": org.street_a.pk, "name": "甲街道", "code": "S-A"},
        }
    ]
    assert body["person"] is None


def test_me_shows_a_global_role_without_a_unit(org, as_user):
    body = as_user(org.user("office")).get("/api/me").json()
    assert body["roles"] == [{"role": "office", "label": "大讨论办公室/督查室", "unit": None}]


def test_me_shows_the_linked_person_unmasked_to_themself(org, as_user):
    body = as_user(org.user("cadre")).get("/api/me").json()
    assert body["person"]["id"] == org.person_a.pk
    assert body["person"]["phone"] == "13800001234"
    assert body["person"]["id_number"] == "11010519491231002X"
    assert body["person"]["unit_name"] == "甲一社区"


def test_me_needs_authentication(org, as_user):
    assert as_user(None).get("/api/me").status_code == 401
