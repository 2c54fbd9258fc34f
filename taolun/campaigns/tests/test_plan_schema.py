"""A plan that breaks the schema is refused with the bad key and the reason, one problem per line."""

from __future__ import annotations

import pytest

from taolun.campaigns.plan import PlanError, parse_plan

from .conftest import plan_data, plan_yaml, requirement


def problems_of(text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(text)
    return caught.value.problems


def test_a_valid_plan_parses():
    spec = parse_plan(plan_yaml(plan_data(requirements=[requirement("r", {"units": {"kinds": ["street"]}})])))
    assert spec.requirements[0].subject == "unit"


def test_unknown_key_is_named_with_its_path():
    data = plan_data()
    data["themes"][1]["questoin"] = data["themes"][1].pop("question")
    problems = problems_of(plan_yaml(data))
    assert "themes[1] (theme-2).questoin: unknown key (check its spelling against docs/plan-format.md)" in problems
    assert "themes[1] (theme-2).question: required key is missing" in problems


def test_unknown_top_level_key_is_named():
    assert problems_of(plan_yaml(plan_data(preface="…"))) == [
        "preface: unknown key (check its spelling against docs/plan-format.md)"
    ]


def test_missing_key_is_named():
    data = plan_data()
    del data["period"]
    assert problems_of(plan_yaml(data)) == ["period: required key is missing"]


def test_bad_date_is_named():
    data = plan_data()
    data["stages"][2]["end"] = "2018-12-32"
    problems = problems_of(plan_yaml(data))
    assert len(problems) == 1 and problems[0].startswith("stages[2] (results).end: ")
    assert "day value is outside expected range" in problems[0]


def test_a_number_is_not_taken_for_a_date():
    data = plan_data()
    data["period"]["end"] = 20181231
    assert problems_of(plan_yaml(data)) == ["period.end: write the date as YYYY-MM-DD, e.g. 2018-10-15 (got 20181231)"]


def test_bad_role_is_named():
    data = plan_data(requirements=[requirement("topic", {"people": {"roles": ["leader"]}})])
    assert problems_of(plan_yaml(data)) == [
        "requirements[0] (topic).applies_to.people.roles[0]: Input should be 'leading_cadre', 'party_member' or 'cadre'"
    ]


def test_undefined_stage_is_named():
    req = requirement("topic", {"people": {"roles": ["leading_cadre"]}})
    req["stage"] = "studdy"
    assert problems_of(plan_yaml(plan_data(requirements=[req]))) == [
        "requirements[0] (topic).stage: 'studdy' is not defined (stages: study, problems, results)"
    ]


def test_duplicate_item_key_is_named():
    data = plan_data(themes=3)
    data["themes"][2]["key"] = "theme-1"
    assert problems_of(plan_yaml(data)) == ["themes[2] (theme-1).key: 'theme-1' is used twice (also at [0])"]


def test_key_written_twice_in_one_mapping_is_refused():
    text = plan_yaml(plan_data()) + "title: 另一个标题\n"
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].endswith("key 'title' is written twice in the same mapping")
    assert problems[0].startswith("line ")


def test_broken_yaml_reports_line_and_column():
    problems = problems_of("key: x\nthemes: [a, b\nstages: 1\n")
    assert len(problems) == 1 and problems[0].startswith("line ") and "not valid YAML" in problems[0]


def test_a_plan_must_be_a_mapping():
    assert problems_of("- just\n- a list\n") == [
        "(top level): a plan is a mapping of keys (key, title, period, themes, stages, …)"
    ]


def test_unknown_evidence_kind_lists_the_known_ones():
    data = plan_data(requirements=[requirement("r", {"units": {}}, evidence={"kind": "essay"})])
    (problem,) = problems_of(plan_yaml(data))
    assert problem.startswith("requirements[0] (r).evidence: ") and "'article'" in problem


def test_unknown_key_inside_evidence_is_named_without_the_union_tag():
    data = plan_data(requirements=[requirement("r", {"units": {}}, evidence={"kind": "article", "cnt": 2})])
    assert problems_of(plan_yaml(data)) == [
        "requirements[0] (r).evidence.cnt: unknown key (check its spelling against docs/plan-format.md)"
    ]


def test_applies_to_needs_exactly_one_of_units_or_people():
    data = plan_data(requirements=[requirement("r", {"units": {}, "people": {"roles": ["cadre"]}})])
    assert problems_of(plan_yaml(data)) == ["requirements[0] (r).applies_to: give exactly one of 'units' or 'people'"]


def test_root_selector_cannot_be_combined():
    data = plan_data(requirements=[requirement("r", {"units": {"root": True, "kinds": ["street"]}})])
    assert problems_of(plan_yaml(data)) == [
        "requirements[0] (r).applies_to.units: 'root: true' selects the campaign's root unit alone; "
        "remove kinds/tags/subtrees"
    ]


def test_dates_outside_the_period_are_each_named():
    data = plan_data(requirements=[requirement("late", {"units": {}}, due="2019-01-05")])
    data["stages"][0]["start"] = "2018-10-01"
    assert problems_of(plan_yaml(data)) == [
        "stages[0] (study): window 2018-10-01 – 2018-11-04 lies outside the period 2018-10-15 – 2018-12-31",
        "requirements[0] (late).due: 2019-01-05 lies outside the period 2018-10-15 – 2018-12-31",
    ]


def test_stage_ending_before_it_starts_is_named():
    data = plan_data()
    data["stages"][1]["end"] = "2018-11-01"
    assert problems_of(plan_yaml(data)) == ["stages[1] (problems): end 2018-11-01 is before start 2018-11-05"]
