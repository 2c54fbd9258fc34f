"""require_perm: the check every service makes before a write."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from taolun.core.permissions import require_perm

pytestmark = pytest.mark.django_db


def test_the_system_is_always_allowed(org):
    require_perm(None, "orgs.change_unit", org.community_b)


def test_a_user_holding_the_rule_on_the_object_passes(org):
    require_perm(org.user("liaison"), "orgs.change_unit", org.community_a)
    require_perm(org.user("office"), "campaigns.load_plan")


def test_a_user_without_the_rule_on_the_object_is_refused_with_a_message(org):
    with pytest.raises(PermissionDenied, match="没有权限"):
        require_perm(org.user("liaison"), "orgs.change_unit", org.community_b)
    with pytest.raises(PermissionDenied):
        require_perm(org.user("cadre"), "campaigns.load_plan")
