"""paths_q: "under any of these subtrees" as one condition, with "" for everything and [] for nothing."""

from __future__ import annotations

import pytest
from django.db.models import Q

from taolun.core.models import AuditEntry
from taolun.core.paths import paths_q
from taolun.orgs.models import Person, Unit

pytestmark = pytest.mark.django_db

ALL_UNITS = {"D001", "S-A", "S-B", "C-A1", "C-B1", "DEP-FG"}


def codes(cond: Q) -> set[str]:
    return set(Unit.objects.filter(cond).values_list("code", flat=True))


def test_units_under_any_of_the_paths(org):
    assert codes(paths_q("path", [org.street_a.path])) == {"S-A", "C-A1"}
    assert codes(paths_q("path", [org.street_a.path, org.department.path])) == {"S-A", "C-A1", "DEP-FG"}
    assert codes(paths_q("path", [org.community_b.path])) == {"C-B1"}


def test_the_empty_path_is_everything_and_no_paths_nothing(org, django_assert_num_queries):
    assert codes(paths_q("path", [""])) == ALL_UNITS
    assert codes(paths_q("path", [org.street_a.path, ""])) == ALL_UNITS
    with django_assert_num_queries(0):
        assert list(Unit.objects.filter(paths_q("path", []))) == []


def test_everything_and_nothing_keep_their_meaning_when_combined(org):
    streets = Q(kind="street")
    assert codes(paths_q("path", [""]) | streets) == ALL_UNITS
    assert codes(paths_q("path", [""]) & streets) == {"S-A", "S-B"}
    assert codes(paths_q("path", []) | streets) == {"S-A", "S-B"}
    assert codes(paths_q("path", []) & streets) == set()
    assert codes(~paths_q("path", [org.street_a.path])) == ALL_UNITS - {"S-A", "C-A1"}


def test_the_field_may_follow_a_relation_or_be_a_plain_column(org):
    people = Person.objects.filter(paths_q("unit__path", [org.street_b.path]))
    assert {p.name for p in people} == {"李四"}
    AuditEntry.objects.create(action="x.global", object_type="x", object_id="1", unit_path="")
    AuditEntry.objects.create(action="x.street", object_type="x", object_id="2", unit_path=org.community_a.path)
    ours = AuditEntry.objects.filter(object_type="x")
    assert [e.action for e in ours.filter(paths_q("unit_path", [org.street_a.path]))] == ["x.street"]
    assert ours.filter(paths_q("unit_path", [""])).count() == 2
