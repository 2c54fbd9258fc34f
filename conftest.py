"""Shared fixtures: a small organisation with one user per role, and service requirements.

Tests that need PostgreSQL, Redis or Chromium call ``require_service``: locally they skip with the
reason; with CI=true a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache

from taolun.accounts.models import Role, RoleAssignment, User
from taolun.celery import app as celery_app
from taolun.orgs.models import Person, Unit
from tests.factories import PersonFactory, UserFactory, make_unit

# Tests run tasks in-process unless a test starts a real worker (see core/tests/test_tasks.py).
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_service(name: str, available: bool, how: str) -> None:
    if available:
        return
    message = f"{name} is not available: {how}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: nothing may skip)")
    pytest.skip(message)  # only outside CI: with CI=true the line above fails instead


def require_postgres() -> None:
    require_service("PostgreSQL", settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "set DATABASE_URL")


def require_redis() -> None:
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL")


def require_chromium() -> None:
    require_service("Chromium", CHROMIUM is not None, "apt-get install chromium fonts-noto-cjk")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Org:
    district: Unit
    street_a: Unit
    street_b: Unit
    community_a: Unit
    community_b: Unit
    department: Unit
    users: dict[str, User]
    person_a: Person
    person_b: Person

    def user(self, role: str) -> User:
        return self.users[role]


PASSWORD = "pass-Word-123"


@pytest.fixture
def org(db) -> Org:
    district = make_unit("示例区", kind="district", code="D001")
    street_a = make_unit("甲街道", parent=district, kind="street", code="S-A", tags=["街道"])
    street_b = make_unit("乙街道", parent=district, kind="street", code="S-B", tags=["街道"])
    community_a = make_unit("甲一社区", parent=street_a, kind="community", code="C-A1")
    community_b = make_unit("乙一社区", parent=street_b, kind="community", code="C-B1")
    department = make_unit("区发展和改革局", parent=district, kind="department", code="DEP-FG", tags=["部门"])
    users = {}
    scopes = {
        "admin": (Role.ADMIN, None),
        "office": (Role.OFFICE, None),
        "liaison": (Role.LIAISON, street_a),
        "liaison_b": (Role.LIAISON, street_b),
        "reviewer": (Role.REVIEWER, None),
        "publicity": (Role.PUBLICITY, None),
        "cadre": (Role.CADRE, None),
        "citizen": (Role.CITIZEN, None),
    }
    for key, (role, unit) in scopes.items():
        user = UserFactory(username=key, display_name=key)
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
        users[key] = user
    users["anonymous"] = None  # type: ignore[assignment]
    person_a = PersonFactory(
        unit=community_a,
        name="张三",
        phone="13800001234",
        id_number="11010519491231002X",
        is_party_member=True,
        user=users["cadre"],
    )
    person_b = PersonFactory(unit=community_b, name="李四", phone="13900005678", is_leading_cadre=True)
    return Org(district, street_a, street_b, community_a, community_b, department, users, person_a, person_b)


@pytest.fixture
def login(client):
    def _login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


# Users whose roles combine or narrow, for the scope matrices: a liaison of S-A who also reviews
# everywhere, one who also does publicity everywhere, and an office scoped to S-A alone.
MIXED_ROLES = {
    "liaison_reviewer": [(Role.LIAISON, "street_a"), (Role.REVIEWER, None)],
    "liaison_publicity": [(Role.LIAISON, "street_a"), (Role.PUBLICITY, None)],
    "office_a": [(Role.OFFICE, "street_a")],
}


# Every viewer the permission matrices ask about (the users of ``org_mixed_roles``, and no one).
MATRIX_ROLES = [
    "admin",
    "office",
    "office_a",
    "liaison",
    "liaison_b",
    "liaison_reviewer",
    "liaison_publicity",
    "reviewer",
    "publicity",
    "cadre",
    "citizen",
    "anonymous",
]


@pytest.fixture
def org_mixed_roles(org) -> Org:
    """``org`` with the users of MIXED_ROLES added (``org.user("office_a")`` …)."""
    for key, roles in MIXED_ROLES.items():
        user = UserFactory(username=key, display_name=key)
        for role, unit in roles:
            RoleAssignment.objects.create(user=user, role=role, unit=getattr(org, unit) if unit else None)
        org.users[key] = user
    return org
