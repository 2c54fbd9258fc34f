"""A leading cadre reads the ledger of their own unit (and what they answer for), nothing else."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_leader_sees_their_units_problems_only(org, campaign, leader, make_problem, login):
    make_problem(unit=org.community_a, content="甲一社区的问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    page = login(org.users["leader"]).get(reverse("problems:ledger")).content.decode()
    assert "甲一社区的问题" in page
    assert "乙街道的问题" not in page
