"""Reads about units and people: scoped, counted in SQL, a fixed number of queries."""

from __future__ import annotations

import pytest

from taolun.orgs import selectors
from taolun.orgs.models import Unit
from tests.factories import PersonFactory, make_unit


@pytest.mark.django_db
def test_scope_roots_are_the_top_of_each_viewers_scope(org):
    assert [u.code for u in selectors.scope_roots(org.user("office"))] == ["D001"]
    assert [u.code for u in selectors.scope_roots(org.user("liaison"))] == ["S-A"]
    assert list(selectors.scope_roots(org.user("cadre"))) == []


@pytest.mark.django_db
def test_tree_nodes_count_direct_children_and_active_people(org):
    PersonFactory(unit=org.street_a)
    PersonFactory(unit=org.street_a, is_active=False)
    PersonFactory(unit=org.community_a)  # below: not counted on the street
    nodes = {u.code: u for u in selectors.tree_nodes(Unit.objects.filter(parent=org.district))}
    assert (nodes["S-A"].child_count, nodes["S-A"].people_count) == (1, 1)
    assert (nodes["S-B"].child_count, nodes["S-B"].people_count) == (1, 0)
    assert (nodes["DEP-FG"].child_count, nodes["DEP-FG"].people_count) == (0, 0)


@pytest.mark.django_db
def test_tree_nodes_take_two_queries_however_many_units(org, django_assert_num_queries):
    for i in range(5):
        unit = make_unit(f"社区{i}", parent=org.street_a, tags=["社区", f"t{i}"])
        PersonFactory.create_batch(2, unit=unit)
    with django_assert_num_queries(2):
        nodes = list(selectors.tree_nodes(Unit.objects.filter(parent=org.street_a)))
        tags = [[t.name for t in n.tags.all()] for n in nodes]
    assert len(nodes) == 6
    assert ["t0", "社区"] in tags


@pytest.mark.django_db
def test_unit_ancestors_come_from_the_path_in_one_query(org, django_assert_num_queries):
    grid = make_unit("网格", parent=org.community_a)
    grid = Unit.objects.get(pk=grid.pk)
    with django_assert_num_queries(1):
        ancestors = selectors.unit_ancestors(grid)
    assert [a.code for a in ancestors] == ["D001", "S-A", "C-A1"]
    with django_assert_num_queries(0):
        assert selectors.unit_ancestors(org.district) == []


@pytest.mark.django_db
def test_search_units_matches_name_short_name_or_code_prefix(org):
    qs = Unit.objects.all()
    assert {u.code for u in selectors.search_units(qs, "社区")} == {"C-A1", "C-B1"}
    assert {u.code for u in selectors.search_units(qs, "s-")} == {"S-A", "S-B"}
    assert list(selectors.search_units(qs, "   ")) == []
    scoped = selectors.units_visible_to(org.user("liaison"))
    assert {u.code for u in selectors.search_units(scoped, "社区")} == {"C-A1"}


@pytest.mark.django_db
def test_ancestor_names_for_many_units_in_one_query(org, django_assert_num_queries):
    units = list(Unit.objects.filter(code__in=["C-A1", "C-B1"]))
    with django_assert_num_queries(1):
        names = selectors.ancestor_names(units)
    assert names == {
        org.district.pk: "示例区",
        org.street_a.pk: "甲街道",
        org.street_b.pk: "乙街道",
    }


@pytest.mark.django_db
def test_units_editable_by_follows_office_and_liaison_scopes(org):
    assert {u.code for u in selectors.units_editable_by(org.user("liaison"))} == {"S-A", "C-A1"}
    assert selectors.units_editable_by(org.user("office")).count() == Unit.objects.count()
    assert not selectors.units_editable_by(org.user("reviewer")).exists()
    assert not selectors.units_editable_by(org.user("cadre")).exists()


@pytest.mark.django_db
def test_people_visible_to_each_role(org):
    def visible(role):
        return {p.name for p in selectors.people_visible_to(org.user(role))}

    assert visible("office") == {"张三", "李四"}
    assert visible("liaison") == {"张三"}
    assert visible("liaison_b") == {"李四"}
    # Reviewers, publicity staff and cadres do not browse the roster (a cadre reaches their own
    # record through person_of and the orgs.view_person rule).
    assert visible("reviewer") == set()
    assert visible("publicity") == set()
    assert visible("cadre") == set()
    assert selectors.person_of(org.user("cadre")).name == "张三"
    assert visible("citizen") == set()
    assert visible("anonymous") == set()


@pytest.mark.django_db
def test_pii_checker_decides_per_row_without_queries(org, django_assert_num_queries):
    people = list(selectors.search_people(selectors.people_visible_to(org.user("office"))))
    for role, expected in [
        ("office", {"张三": True, "李四": True}),
        ("liaison", {"张三": False, "李四": False}),
        ("cadre", {"张三": True, "李四": False}),
    ]:
        user = org.user(role)
        selectors.scope_paths(user, [])  # load the user's roles once
        with django_assert_num_queries(0):
            check = selectors.pii_checker(user)
            assert {p.name: check(p) for p in people} == expected


@pytest.mark.django_db
def test_person_row_masks_unless_told_otherwise(org):
    row = selectors.person_row(org.person_a, unmasked=False)
    assert (row["phone"], row["id_number"]) == ("138****1234", "1101**********002X")
    row = selectors.person_row(org.person_a, unmasked=True)
    assert (row["phone"], row["id_number"]) == ("13800001234", "11010519491231002X")


@pytest.mark.django_db
def test_people_of_unit_lists_only_that_unit_active_leaders_first(org):
    PersonFactory(unit=org.community_a, name="甲", is_active=False)
    PersonFactory(unit=org.community_a, name="乙", is_leading_cadre=True)
    PersonFactory(unit=org.street_a, name="丙")
    assert [p.name for p in selectors.people_of_unit(org.community_a)] == ["乙", "张三", "甲"]


@pytest.mark.django_db
def test_unit_search_results_carry_their_place_and_say_when_capped(org, django_assert_num_queries):
    for i in range(3):
        make_unit(f"网格{i}", parent=org.community_a, code=f"G{i}")
    user = org.user("liaison")
    selectors.scope_paths(user, [])
    with django_assert_num_queries(3):
        results, more = selectors.unit_search_results(user, "网格", limit=2)
    assert more is True
    assert [r.trail for r in results] == [["示例区", "甲街道", "甲一社区"]] * 2
    results, more = selectors.unit_search_results(org.user("liaison_b"), "网格", limit=2)
    assert (results, more) == ([], False)
