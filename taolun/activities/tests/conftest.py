"""Fixtures for activity tests: a running campaign whose period contains today, and helpers that plan
activities, add people and invite them, all through the services.

Check-in windows are tested with real time: activities are placed around ``timezone.now()`` and the
check-in service is given an explicit ``now=`` where a test needs another moment.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.utils import timezone

from taolun.activities import checkin, services
from taolun.activities.models import Activity
from taolun.campaigns import services as campaign_services
from taolun.campaigns.models import Campaign
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.orgs import services as org_services
from taolun.orgs.models import Person, Unit
from tests.factories import UserFactory


def at(**delta: float) -> dt.datetime:
    """``timezone.now()`` moved by ``delta`` (``at(hours=-1)``: an hour ago)."""
    return timezone.now() + dt.timedelta(**delta)


def code_at(activity: Activity, when: dt.datetime) -> str:
    """The check-in code shown on the screen at ``when``."""
    return checkin.code_for(activity, checkin._window(when))


def campaign_start() -> dt.date:
    """A start date that puts today on day 31 of the built-in plan's 78 days."""
    return timezone.localdate() - dt.timedelta(days=30)


@pytest.fixture
def campaign(org) -> Campaign:
    """The built-in plan (xihu-2018) run over the district, its period around today."""
    plan = campaign_services.plan_load_builtin()
    created = campaign_services.campaign_create(
        plan=plan, root_unit=org.district, slug="xihu", start_date=campaign_start(), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


@pytest.fixture
def make_campaign(org):
    """A campaign from a small plan built in code (``activity_kinds=[…]``, ``dimensions=[…]`` …)."""
    counter = itertools.count(1)

    def _make(**plan_kwargs: Any) -> Campaign:
        n = next(counter)
        plan_kwargs.setdefault("key", f"act-plan-{n}")
        plan = campaign_services.plan_load(source=plan_yaml(plan_data(**plan_kwargs)), by=None)
        created = campaign_services.campaign_create(
            plan=plan, root_unit=org.district, slug=f"act-{n}", start_date=campaign_start(), by=None
        )
        return campaign_services.campaign_activate(campaign=created, by=None)

    return _make


@pytest.fixture
def make_activity(org, campaign):
    """Plan an activity through the service; by default a study session of street A that began an hour
    ago and ends in an hour (check-in open now), planned by the system."""
    counter = itertools.count(1)

    def _make(
        *,
        unit: Unit | None = None,
        kind: str = "study",
        title: str | None = None,
        start_at: dt.datetime | None = None,
        end_at: dt.datetime | None = None,
        on: Campaign | None = None,
        by: Any = None,
        **fields: Any,
    ) -> Activity:
        start_at = start_at or at(hours=-1)
        return services.activity_create(
            campaign=on or campaign,
            unit=unit or org.street_a,
            kind=kind,
            title=title or f"活动{next(counter)}",
            start_at=start_at,
            end_at=end_at or start_at + dt.timedelta(hours=2),
            by=by,
            **fields,
        )

    return _make


@pytest.fixture
def make_person(org):
    """Add someone to the roster through the service; ``account=True`` gives them a login."""
    counter = itertools.count(1)

    def _make(unit: Unit | None = None, *, name: str | None = None, account: bool = False, **fields: Any) -> Person:
        n = next(counter)
        user = UserFactory(username=f"person{n}") if account else None
        return org_services.person_create(
            unit=unit or org.community_a, name=name or f"参加人{n}", by=None, user=user, **fields
        )

    return _make


@pytest.fixture
def invite():
    """Invite the given people to an activity through the service."""

    def _invite(activity: Activity, *people: Person, by: Any = None) -> services.InviteResult:
        return services.invitations_add(
            activity=activity, people=Person.objects.filter(pk__in=[p.pk for p in people]), by=by
        )

    return _invite


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a fresh folder for the test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()
