"""Shared fixtures: a small organisation with one user per role, and service requirements.

Tests that need PostgreSQL, Redis or Chromium call ``require_service``: locally they skip with the
reason; with CI=true a missing service fails the run instead.

Under pytest-xdist (``make test`` runs ``-n auto``) each worker has a test database of its own (pytest-django
adds the ``_gw0`` suffix), and ``isolate_worker`` gives it its own Redis database and folders.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import inspect
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment, User
from taolun.campaigns import services as campaign_services
from taolun.campaigns.models import Campaign
from taolun.celery import app as celery_app
from taolun.orgs.models import Person, Unit
from tests.factories import PersonFactory, UserFactory, make_unit

# Tests run tasks in-process unless a test starts a real worker (see core/tests/test_tasks.py).
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

# "gw0", "gw1" … in a pytest-xdist worker; empty when the suite runs in one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def isolate_worker(worker: str) -> None:
    """Point this xdist worker at its own Redis database and its own upload and index folders.

    Tests flush the cache (``cache.clear()`` empties the whole Redis database), and a test that starts a real
    Celery worker must not take the jobs another xdist worker queued: worker N uses database REDIS_URL − N
    (``…/15`` for gw0, ``…/14`` for gw1). Files written without a test's own folder land under ``gwN/``.
    """
    index = int(worker.removeprefix("gw"))
    if settings.REDIS_URL:
        parts = urlsplit(settings.REDIS_URL)
        base = int(parts.path.strip("/") or 0)
        if index > base:
            pytest.exit(
                f"{worker} needs Redis database {base} − {index}: give REDIS_URL a higher number or fewer workers"
            )
        url = urlunsplit(parts._replace(path=f"/{base - index}"))
        if settings.CELERY_BROKER_URL == settings.REDIS_URL:
            settings.CELERY_BROKER_URL = url
            celery_app.conf.broker_url = url
        for alias, config in settings.CACHES.items():
            if config.get("LOCATION") == settings.REDIS_URL:
                config["LOCATION"] = url  # the dict the cache handler reads: no cache is built before this
                with contextlib.suppress(AttributeError):
                    del caches[alias]
        settings.REDIS_URL = url
    settings.MEDIA_ROOT = Path(settings.MEDIA_ROOT) / worker
    settings.ARTICLES_INDEX_DIR = Path(settings.ARTICLES_INDEX_DIR) / worker


if XDIST_WORKER:
    isolate_worker(XDIST_WORKER)

T = TypeVar("T")

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


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, started once per test process (no browser is downloaded:
    Playwright is pointed at /usr/bin/chromium, CHROMIUM_PATH to override). Each test opens its own context.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and the tests use the Django test
    # database from the same thread: allow it for the browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _outside_a_celery_worker():
    """A Celery worker started in this process by a test (core/tests/test_tasks.py) can leave Celery's
    process-wide "inside a worker" flag set, and every later ``result.get()`` would then be refused: each test
    runs with it cleared, as in a process that never started a worker."""
    with allow_join_result():
        yield


@pytest.fixture(autouse=True)
def _zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PASSWORD_HASHERS = FAST_HASHERS


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
    return make_org()


def make_org() -> Org:
    """The organisation of the ``org`` fixture (for rows shared by a module's tests, see ``module_rows``)."""
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
    return add_mixed_roles(org)


def add_mixed_roles(org: Org) -> Org:
    for key, roles in MIXED_ROLES.items():
        user = UserFactory(username=key, display_name=key)
        for role, unit in roles:
            RoleAssignment.objects.create(user=user, role=role, unit=getattr(org, unit) if unit else None)
        org.users[key] = user
    return org


def start_builtin_campaign(org: Org) -> Campaign:
    """The ``campaign`` of the app tests' conftests, for shared rows: the built-in plan (xihu-2018) over the
    district, started 30 days ago (today in its second stage) and active."""
    plan = campaign_services.plan_load_builtin()
    created = campaign_services.campaign_create(
        plan=plan,
        root_unit=org.district,
        slug="xihu",
        start_date=timezone.localdate() - dt.timedelta(days=30),
        by=None,
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


def add_scoped_user(org: Org, username: str, name: str, role: str, unit: Unit | None) -> User:
    """A user holding ``role`` over ``unit``, added to ``org.users`` (as the apps' conftests add reviewer_a …)."""
    user = UserFactory(username=username, display_name=name)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    org.users[username] = user
    return user


# —— rows shared by the tests of a module ——
#
# A module whose tests start from the same rows may build them once. ``@module_rows`` makes the builder a
# module-scoped fixture: the rows are made inside a transaction that stays open until the module's last test,
# and each test's own transaction is a savepoint inside it, rolled back after the test as always. Each test takes
# a deep copy of the built objects, so that what one test changes, in the database or on the objects, no other
# test sees:
#
#     @module_rows
#     def _world() -> Org:
#         return add_mixed_roles(make_org())
#
#     @pytest.fixture
#     def world(_world, db):
#         return copy.deepcopy(_world)
#
# ``shared_org`` makes these fixtures for the most common start: ``org`` (with the mixed roles) and the running
# campaign.
#
# The module's other database tests run before the shared rows are built (``pytest_collection_modifyitems``),
# so a test that builds its own ``org`` still starts from empty tables. Tests with ``transaction=True`` (they
# empty the tables) or the live server cannot use shared rows.

MODULE_ROWS: set[str] = set()  # the names of the @module_rows fixtures


def module_rows(build: Callable[..., T]) -> Any:
    """A module-scoped fixture, named as ``build``, holding the rows ``build()`` made for the module's tests.

    ``build``'s parameters name the module- or session-scoped fixtures it needs, such as other ``@module_rows``
    fixtures it builds on (their rows stay below its own).
    """
    after = list(inspect.signature(build).parameters)

    def fixture(django_db_setup, django_db_blocker, **below: Any) -> Iterator[T]:
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                # As every test has them (``_zh``): the fast hasher for the users built here.
                with override_settings(LANGUAGE_CODE="zh-hans", PASSWORD_HASHERS=FAST_HASHERS):
                    built = build(**below)
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        try:
            yield built
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    names = ["django_db_setup", "django_db_blocker", *after]
    fixture.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names]
    )
    MODULE_ROWS.add(build.__name__)
    return pytest.fixture(scope="module", name=build.__name__)(fixture)


def shared_org(*, mixed_roles: bool = False, campaign: bool = False) -> dict[str, Any]:
    """Fixtures for a module whose every database test starts from ``org`` (with ``org_mixed_roles`` when
    asked): those rows are built once for the module (``@module_rows``) and each test gets its own copy of
    the objects. With ``campaign``, the running campaign of the apps' conftests too, in a layer of its own
    above: the module's tests without a campaign run before it is built. Other fixtures build on top, per test.

    In the module: ``globals().update(shared_org(mixed_roles=True, campaign=True))``.
    """

    def _org_rows() -> Org:
        org = make_org()
        return add_mixed_roles(org) if mixed_roles else org

    @pytest.fixture(name="_org_copy")
    def org_copy(request, _org_rows, db) -> list[Any]:
        rows: list[Any] = [_org_rows]
        if "_campaign_rows" in request.fixturenames:  # set up already: module-scoped fixtures come first
            rows.append(request.getfixturevalue("_campaign_rows"))
        return copy.deepcopy(rows)  # one copy: the campaign's root unit is the copied org's district

    @pytest.fixture(name="org")
    def org_fixture(_org_copy) -> Org:
        return _org_copy[0]

    fixtures = {"_org_rows": module_rows(_org_rows), "_org_copy": org_copy, "org": org_fixture}
    if mixed_roles:

        @pytest.fixture(name="org_mixed_roles")
        def org_mixed_roles_fixture(org) -> Org:
            return org

        fixtures["org_mixed_roles"] = org_mixed_roles_fixture
    if campaign:

        def _campaign_rows(_org_rows: Org) -> Campaign:
            return start_builtin_campaign(_org_rows)

        @pytest.fixture(name="campaign")
        def campaign_fixture(_campaign_rows, _org_copy) -> Campaign:
            return _org_copy[1]

        fixtures |= {"_campaign_rows": module_rows(_campaign_rows), "campaign": campaign_fixture}
    return fixtures


def _module_rows_used(item: pytest.Item) -> int:
    """How many layers of shared rows the test stands on (they build on each other: more means later)."""
    return len(MODULE_ROWS.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In each module, the tests on shared rows (``@module_rows``) after the others, those on more layers of
    them after those on fewer, each group in its order."""
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and items[end].path == items[start].path:
            end += 1
        group = items[start:end]
        if any(map(_module_rows_used, group)):
            for item in group:
                marker = item.get_closest_marker("django_db")
                transactional = marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
                if _module_rows_used(item) and (transactional or "live_server" in item.fixturenames):
                    raise pytest.UsageError(f"{item.nodeid}: a transaction=True test cannot use shared rows")
            items[start:end] = sorted(group, key=_module_rows_used)
        start = end
