"""filter_units and person_of: the unit filters and the linked person the API reads through."""

from __future__ import annotations

import pytest

from taolun.orgs.models import Unit
from taolun.orgs.selectors import filter_units, person_of, units_visible_to

pytestmark = pytest.mark.django_db


def codes(qs) -> list[str]:
    return list(qs.values_list("code", flat=True))


def test_filter_units_without_filters_lists_top_down(org):
    assert codes(filter_units(Unit.objects.all()))[:1] == ["D001"]
    depths = list(filter_units(Unit.objects.all()).values_list("depth", flat=True))
    assert depths == sorted(depths)


def test_filter_units_by_subtree_parent_kind_tag_and_text(org):
    everything = Unit.objects.all()
    assert set(codes(filter_units(everything, under=org.street_a))) == {"S-A", "C-A1"}
    assert set(codes(filter_units(everything, parent=org.district))) == {"S-A", "S-B", "DEP-FG"}
    assert set(codes(filter_units(everything, kind="community"))) == {"C-A1", "C-B1"}
    assert codes(filter_units(everything, tag="部门")) == ["DEP-FG"]
    assert set(codes(filter_units(everything, q="乙"))) == {"S-B", "C-B1"}
    assert codes(filter_units(everything, q="   ")) == codes(filter_units(everything))


def test_filter_units_never_widens_the_scope_it_is_given(org):
    liaison_units = units_visible_to(org.user("liaison"))
    assert codes(filter_units(liaison_units, under=org.street_b)) == []
    assert codes(filter_units(liaison_units, kind="street")) == ["S-A"]


def test_person_of_is_the_person_linked_to_the_account(org):
    assert person_of(org.user("cadre")) == org.person_a
    assert person_of(org.user("office")) is None
    assert person_of(None) is None
