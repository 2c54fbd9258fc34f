"""Fixtures for campaign tests: the built-in plan, a running campaign, and small plans built in code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services
from taolun.campaigns.models import Campaign
from tests.factories import UserFactory

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


def plan_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


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
