"""Fixtures for the discussion tests: a running campaign, participants and helpers that post through
the services.

- ``campaign``: the built-in plan over the district (``org``), today on day 31; its themes are
  ``campaign.themes`` (six);
- ``theme``: the first theme;
- ``citizen``: user ``citizen`` (the citizen role), ``citizen2``: a second citizen; both take part with
  a nickname;
- ``dept_liaison``: a liaison of the district's 发展和改革局 (``org.department``), who answers for it;
- ``make_suggestion(by=…, theme=…, title=…, body=…)``: posted through ``services.suggestion_create``;
- ``route_to_department``: a routing rule sending every theme to ``org.department``;
- ``words(*w)``: sensitive words added through the service.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from taolun.accounts.models import Role, RoleAssignment
from taolun.activities.tests.conftest import campaign, campaign_start, make_campaign
from taolun.discussion import services
from taolun.discussion.models import Suggestion
from tests.factories import UserFactory

__all__ = ["campaign", "campaign_start", "make_campaign"]


@pytest.fixture
def theme(campaign):
    return campaign.themes.order_by("order", "id").first()


@pytest.fixture
def citizen(org):
    user = org.user("citizen")
    services.participant_ensure(user=user, nickname="热心市民")
    return user


@pytest.fixture
def citizen2(org):
    user = UserFactory(username="citizen2", display_name="市民乙")
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
    services.participant_ensure(user=user, nickname="市民乙")
    org.users["citizen2"] = user
    return user


@pytest.fixture
def dept_liaison(org):
    user = UserFactory(username="dept_liaison", display_name="发改局联络员")
    RoleAssignment.objects.create(user=user, role=Role.LIAISON, unit=org.department)
    org.users["dept_liaison"] = user
    return user


@pytest.fixture
def route_to_department(org, campaign):
    services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=None)
    return org.department


@pytest.fixture
def make_suggestion(campaign, theme, citizen):
    counter = itertools.count(1)

    def _make(
        *, by: Any = None, theme: Any = theme, title: str | None = None, body: str | None = None, **kw: Any
    ) -> Suggestion:
        n = next(counter)
        return services.suggestion_create(
            campaign=campaign,
            theme=theme,
            title=title or f"关于改进社区服务的建议{n}",
            body=body or f"建议社区在周末延长服务大厅的开放时间，方便上班族办理事务。第{n}条。",
            by=by or citizen,
            **kw,
        )

    return _make


@pytest.fixture
def words():
    def _add(*items: str) -> int:
        return services.words_add(words=items, by=None)

    return _add
