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


# --- anchors and aliases ------------------------------------------------------------------------
LAUGHS = """\
key: laughs
title: 笑
lol1: &lol1 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]
lol2: &lol2 [*lol1, *lol1, *lol1, *lol1, *lol1, *lol1, *lol1, *lol1, *lol1]
lol3: &lol3 [*lol2, *lol2, *lol2, *lol2, *lol2, *lol2, *lol2, *lol2, *lol2]
lol4: &lol4 [*lol3, *lol3, *lol3, *lol3, *lol3, *lol3, *lol3, *lol3, *lol3]
period: {start: 2018-10-15, end: 2018-12-31}
preamble: *lol4
"""


def test_an_alias_bomb_is_refused_before_anything_is_built():
    with pytest.raises(PlanError) as caught:
        parse_plan(LAUGHS)
    assert caught.value.problems == [
        "line 3, column 7: YAML anchors and aliases (&name, *name) are not allowed in a plan; "
        "write the content out in full"
    ]
    assert caught.value.messages() == [
        "第 3 行第 7 列：方案中不能使用 YAML 锚点和别名（&名称、*名称），请把内容直接写出来。"
    ]


def test_a_merge_key_is_refused_too_since_it_needs_an_alias():
    text = plan_yaml(plan_data()) + "defaults: &defaults {weight: 1}\nextra: {<<: *defaults}\n"
    (problem,) = problems_of(text)
    assert "anchors and aliases" in problem


# --- the sentences shown on pages ----------------------------------------------------------------
def messages_of(text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(text)
    return caught.value.messages()


def test_each_problem_reads_as_a_chinese_sentence_naming_the_item_and_the_key():
    req = requirement("topic", {"people": {"roles": ["leader"]}})
    req["stage"] = "studdy"
    data = plan_data(requirements=[req])
    data["period"]["end"] = 20181231
    assert messages_of(plan_yaml(data)) == [
        "period.end：日期请写成 YYYY-MM-DD，例如 2018-10-15（现在写的是 20181231）。",
        "第 1 项工作要求（topic）的 applies_to.people.roles[0]：取值应为以下之一：leading_cadre、party_member、cadre。",
    ]
    data = plan_data(requirements=[requirement("topic", {"people": {"roles": ["cadre"]}})])
    data["requirements"][0]["stage"] = "studdy"
    assert messages_of(plan_yaml(data)) == [
        "第 1 项工作要求（topic）的 stage：阶段“studdy”没有定义（已定义的阶段：study、problems、results）。"
    ]


def test_problems_without_a_key_path_read_as_sentences_too():
    assert messages_of("- just\n- a list\n") == ["方案的最外层应是一组键值（key、title、period、themes、stages 等）。"]
    assert messages_of(plan_yaml(plan_data()) + "title: 另一个标题\n")[0].endswith(
        "同一层里键“title”写了两次，请删去其中一个。"
    )


def test_the_sentences_translate_and_keep_the_key_path_verbatim(en_catalogue):
    en_catalogue(
        {
            "%(where)s：%(what)s": "%(where)s: %(what)s",
            "第 %(n)s 项%(list)s（%(key)s）": "%(list)s %(n)s (%(key)s)",
            "%(item)s的 %(path)s": "%(path)s of %(item)s",
            "工作要求": "requirement",
            "阶段“%(stage)s”没有定义（已定义的阶段：%(stages)s）。": (
                "stage '%(stage)s' is not defined (stages: %(stages)s)."
            ),
            "separator between items of a list\x04、": ", ",
        }
    )
    req = requirement("topic", {"people": {"roles": ["cadre"]}})
    req["stage"] = "studdy"
    assert messages_of(plan_yaml(plan_data(requirements=[req]))) == [
        "stage of requirement 1 (topic): stage 'studdy' is not defined (stages: study, problems, results)."
    ]
