"""Fixtures for campaign tests: the built-in plan, a running campaign, and small plans built in code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services
from taolun.campaigns.models import Campaign
from tests.factories import UserFactory, make_unit

PERIOD = {"start": "2018-10-15", "end": "2018-12-31"}
STAGES = [
    {"key": "study", "title": "深入学习研讨", "start": "2018-10-15", "end": "2018-11-04"},
    {"key": "problems", "title": "认真查摆问题", "start": "2018-11-05", "end": "2018-12-09"},
    {"key": "results", "title": "注重成果转化", "start": "2018-12-10", "end": "2018-12-31"},
]


def plan_data(
    *, key: str = "test-plan", version: int = 1, themes: int = 2, requirements: list[dict] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "key": key,
        "version": version,
        "title": "测试方案",
        "period": dict(PERIOD),
        "themes": [
            {"key": f"theme-{i}", "title": f"紧紧围绕第{i}个问题进行深入讨论", "question": f"第{i}个讨论题目"}
            for i in range(1, themes + 1)
        ],
        "stages": [dict(s) for s in STAGES],
        "requirements": requirements or [],
        **extra,
    }


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a dict used twice out twice: plan files may not contain anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def plan_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)


def requirement(key: str, applies_to: dict, *, evidence: dict | None = None, due: str = "2018-11-30") -> dict:
    return {
        "key": key,
        "title": f"要求 {key}",
        "stage": "problems",
        "applies_to": applies_to,
        "evidence": evidence or {"kind": "problem"},
        "due": due,
    }


def start_for_problems_stage() -> dt.date:
    """A start date that puts today in the plan's second stage (day 31 of 78)."""
    return timezone.localdate() - dt.timedelta(days=30)


@pytest.fixture
def builtin_plan(db):
    return services.plan_load_builtin()


@pytest.fixture
def campaign(org, builtin_plan) -> Campaign:
    created = services.campaign_create(
        plan=builtin_plan, root_unit=org.district, slug="xihu", start_date=start_for_problems_stage(), by=None
    )
    return services.campaign_activate(campaign=created, by=None)


@pytest.fixture
def make_campaign(org):
    """A campaign from a plan built in code; active unless told otherwise."""
    counter = iter(range(1, 1000))

    def _make(*, root=None, activate: bool = True, start: dt.date | None = None, **plan_kwargs: Any) -> Campaign:
        n = next(counter)
        plan_kwargs.setdefault("key", f"test-plan-{n}")
        plan = services.plan_load(source=plan_yaml(plan_data(**plan_kwargs)), by=None)
        created = services.campaign_create(
            plan=plan,
            root_unit=root or org.district,
            slug=f"test-{n}",
            start_date=start or start_for_problems_stage(),
            by=None,
        )
        return services.campaign_activate(campaign=created, by=None) if activate else created

    return _make


@pytest.fixture
def street_office(org):
    """An office user whose scope is street A only."""
    user = UserFactory(username="office_a", display_name="office_a")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=org.street_a)
    return user


@dataclass
class Province:
    """A province with two districts, each running its own campaign (the west one started later)."""

    province: Any
    east: Any
    west: Any
    east_street: Any
    west_street: Any
    east_campaign: Campaign
    west_campaign: Campaign


@pytest.fixture
def province(org, make_campaign) -> Province:
    province = make_unit("某省", kind="province", code="P")
    east = make_unit("东区", parent=province, kind="district", code="D-E")
    west = make_unit("西区", parent=province, kind="district", code="D-W")
    east_street = make_unit("东一街道", parent=east, kind="street", code="S-E1")
    west_street = make_unit("西一街道", parent=west, kind="street", code="S-W1")
    today = timezone.localdate()
    east_campaign = make_campaign(root=east, start=today - dt.timedelta(days=10), title="东区方案")
    west_campaign = make_campaign(root=west, start=today - dt.timedelta(days=5), title="西区方案")
    return Province(province, east, west, east_street, west_street, east_campaign, west_campaign)


@pytest.fixture
def en_catalogue():
    """``en_catalogue({msgid: text, "context\\x04msgid": text})``: English active, with these entries in
    its catalogue for the test (the committed catalogue may not hold them yet)."""
    from django.utils import translation
    from django.utils.translation import trans_real

    saved: dict[str, Any] = {}
    missing = object()
    catalogue = trans_real.translation("en")._catalog

    def _install(entries: dict[str, str]) -> None:
        for msgid, text in entries.items():
            saved.setdefault(msgid, catalogue.get(msgid, missing))
            catalogue[msgid] = text

    with translation.override("en"):
        yield _install
    for msgid, old in saved.items():
        if old is missing:
            del catalogue._catalogs[0][msgid]
        else:
            catalogue[msgid] = old
