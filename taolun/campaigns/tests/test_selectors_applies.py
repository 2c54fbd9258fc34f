"""Who a requirement applies to: by kind, tag, excluded tag, subtree, root and role; always inside the
campaign's root subtree and only active units and people. The set (SQL) and single (per viewer)
readings must agree."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import shared_org
from taolun.campaigns import selectors
from taolun.orgs import services as org_services
from tests.factories import PersonFactory, make_unit

from .conftest import requirement

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

SELECTORS = {
    "streets": {"units": {"kinds": ["street"]}},
    "streets-and-departments": {"units": {"kinds": ["street", "department"]}},
    "tagged-street": {"units": {"tags": ["街道"]}},
    "not-street-tagged": {"units": {"kinds": ["street", "department"], "exclude_tags": ["街道"]}},
    "subtree-a": {"units": {"subtrees": ["S-A"]}},
    "communities-in-a": {"units": {"kinds": ["community"], "subtrees": ["S-A"]}},
    "root": {"units": {"root": True}},
    "all-units": {"units": {}},
    "leaders": {"people": {"roles": ["leading_cadre"]}},
    "party": {"people": {"roles": ["party_member"]}},
    "leaders-or-party": {"people": {"roles": ["leading_cadre", "party_member"]}},
    "cadres-in-b": {"people": {"roles": ["cadre"], "units": {"subtrees": ["S-B"]}}},
    "cadres-in-tagged": {"people": {"roles": ["cadre"], "units": {"tags": ["部门"]}}},
    "cadres-in-communities": {"people": {"roles": ["cadre"], "units": {"kinds": ["community"]}}},
    "cadres-at-root": {"people": {"roles": ["cadre"], "units": {"root": True}}},
}


@pytest.fixture
def world(org):
    """The org fixture plus a few people, an inactive unit and person, and a second district."""
    people = {
        "leader_dep": PersonFactory(unit=org.department, name="部门领导", is_leading_cadre=True, is_cadre=True),
        "cadre_a": PersonFactory(unit=org.street_a, name="甲街道干部", is_cadre=True),
        "cadre_b1": PersonFactory(unit=org.community_b, name="乙社区干部", is_cadre=True),
        "cadre_root": PersonFactory(unit=org.district, name="区干部", is_cadre=True),
        "gone": PersonFactory(unit=org.street_a, name="已调离", is_cadre=True, is_leading_cadre=True, is_active=False),
    }
    closed = make_unit("已撤销社区", parent=org.street_a, kind="community", code="C-A9")
    PersonFactory(unit=closed, name="撤销社区干部", is_cadre=True, is_party_member=True)
    org_services.unit_update(unit=closed, is_active=False, by=None)
    other = make_unit("别的区", kind="district", code="D002")
    other_street = make_unit("别的街道", parent=other, kind="street", code="S-X", tags=["街道"])
    PersonFactory(unit=other_street, name="别区领导", is_leading_cadre=True, is_party_member=True, is_cadre=True)
    return people


@pytest.fixture
def selection(world, make_campaign):
    reqs = [requirement(key, applies) for key, applies in SELECTORS.items()]
    campaign = make_campaign(requirements=reqs)
    return {r.key: r for r in campaign.requirements.select_related("campaign__root_unit")}


def codes(requirement) -> set[str]:
    return set(selectors.requirement_units(requirement).values_list("code", flat=True))


def names(requirement) -> set[str]:
    return set(selectors.requirement_people(requirement).values_list("name", flat=True))


def test_units_by_kind(selection):
    assert codes(selection["streets"]) == {"S-A", "S-B"}
    assert codes(selection["streets-and-departments"]) == {"S-A", "S-B", "DEP-FG"}


def test_units_by_tag_stay_inside_the_campaign(selection):
    # The other district's street carries the tag too, but lies outside the campaign.
    assert codes(selection["tagged-street"]) == {"S-A", "S-B"}


def test_units_by_excluded_tag(selection):
    assert codes(selection["not-street-tagged"]) == {"DEP-FG"}


def test_units_by_subtree_include_the_named_unit_and_skip_inactive_ones(selection):
    assert codes(selection["subtree-a"]) == {"S-A", "C-A1"}
    assert codes(selection["communities-in-a"]) == {"C-A1"}


def test_root_selects_the_campaign_root_alone(selection):
    assert codes(selection["root"]) == {"D001"}


def test_empty_unit_selector_selects_every_active_unit_of_the_campaign(selection):
    assert codes(selection["all-units"]) == {"D001", "S-A", "S-B", "C-A1", "C-B1", "DEP-FG"}


def test_people_by_role(selection):
    assert names(selection["leaders"]) == {"李四", "部门领导"}
    assert names(selection["party"]) == {"张三"}
    assert names(selection["leaders-or-party"]) == {"李四", "部门领导", "张三"}


def test_people_by_role_and_unit(selection):
    # 张三 and 李四 (the org fixture's people) are cadres too; the inactive unit's cadre is never chosen.
    assert names(selection["cadres-in-b"]) == {"乙社区干部", "李四"}
    assert names(selection["cadres-in-tagged"]) == {"部门领导"}
    assert names(selection["cadres-in-communities"]) == {"乙社区干部", "张三", "李四"}
    assert names(selection["cadres-at-root"]) == {"区干部"}


def test_unit_requirements_select_no_people_and_person_requirements_no_units(selection):
    assert not selectors.requirement_people(selection["streets"]).exists()
    assert not selectors.requirement_units(selection["leaders"]).exists()


def test_a_campaign_over_a_street_sees_only_that_street(world, make_campaign, org):
    campaign = make_campaign(root=org.street_a, requirements=[requirement("all", {"units": {}})])
    req = campaign.requirements.get()
    assert codes(req) == {"S-A", "C-A1"}


def test_counts_match_the_selections_for_every_requirement(selection):
    campaign = next(iter(selection.values())).campaign
    counts = selectors.requirement_counts(campaign)
    for key, req in selection.items():
        expected = len(codes(req)) if req.subject == "unit" else len(names(req))
        assert counts[req.pk] == expected, key


def test_per_unit_and_per_person_answers_agree_with_the_sets(selection, world, org):
    campaign = next(iter(selection.values())).campaign
    units = [org.district, org.street_a, org.street_b, org.community_a, org.community_b, org.department]
    for unit in units:
        expected = {r.key for r in selection.values() if r.subject == "unit" and unit.code in codes(r)}
        assert {r.key for r in selectors.requirements_for_unit(campaign, unit)} == expected, unit.code
    for person in [org.person_a, org.person_b, *world.values()]:
        expected = {r.key for r in selection.values() if r.subject == "person" and person.name in names(r)}
        got = {r.key for r in selectors.requirements_for_person(campaign, person)}
        assert got == expected, person.name


def test_requirements_of_a_person_are_in_plan_order(selection, org):
    campaign = next(iter(selection.values())).campaign
    keys = [r.key for r in selectors.requirements_for_person(campaign, org.person_b)]
    assert keys == ["leaders", "leaders-or-party", "cadres-in-b", "cadres-in-communities"]


def test_a_subtree_code_that_disappeared_selects_nothing(world, make_campaign, org):
    campaign = make_campaign(requirements=[requirement("a", {"units": {"subtrees": ["S-A"]}})])
    org_services.unit_update(unit=org.street_a, code="S-A-NEW", by=None)
    req = campaign.requirements.get()
    assert codes(req) == set()
    assert selectors.requirements_for_unit(campaign, org.street_a) == []


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_per_viewer_answers_take_the_same_queries_for_3_or_40_requirements(world, make_campaign, org):
    small = make_campaign(requirements=[requirement(k, SELECTORS[k]) for k in ("streets", "leaders", "cadres-in-b")])
    many = {f"r{i}": list(SELECTORS.values())[i % len(SELECTORS)] for i in range(40)}
    large = make_campaign(requirements=[requirement(k, v) for k, v in many.items()])
    person = type(org.person_b).objects.select_related("unit").get(pk=org.person_b.pk)
    for campaign in (small, large):
        campaign.root_unit  # noqa: B018 (loaded, as on every page)
    counts = [
        (
            _queries(lambda c=c: selectors.requirements_for_person(c, person)),
            _queries(lambda c=c: selectors.requirements_for_unit(c, org.street_b)),
        )
        for c in (small, large)
    ]
    assert counts[0] == counts[1]
    assert counts[0][0] <= 3 and counts[0][1] <= 3


def test_counts_take_the_same_queries_for_3_or_40_requirements(world, make_campaign):
    small = make_campaign(requirements=[requirement(k, SELECTORS[k]) for k in ("streets", "leaders", "cadres-in-b")])
    many = {f"r{i}": list(SELECTORS.values())[i % len(SELECTORS)] for i in range(40)}
    large = make_campaign(requirements=[requirement(k, v) for k, v in many.items()])
    small_n = _queries(lambda: selectors.requirement_counts(selectors.campaign_detail(small.slug)))
    large_n = _queries(lambda: selectors.requirement_counts(selectors.campaign_detail(large.slug)))
    assert small_n == large_n <= 9
