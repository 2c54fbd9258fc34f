"""The built-in plan is complete and faithful to the 2018 implementation plan."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from taolun.campaigns.plan import (
    ActivityEvidence,
    ArticleEvidence,
    DiscussionEvidence,
    NewsEvidence,
    PersonSelector,
    PlanSpec,
    ProblemEvidence,
    ResearchTopicEvidence,
    SelfExaminationEvidence,
    StageSpec,
    ThemeSpec,
    UnitSelector,
    builtin_plans,
    parse_plan,
)

# The plan as published, kept beside the tests to check the built-in plan against it.
SEED = Path(__file__).resolve().parent / "data" / "implementation-plan.zh.txt"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "plan-format.md"


@pytest.fixture(scope="module")
def spec() -> PlanSpec:
    return parse_plan(builtin_plans()["xihu-2018"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8").replace("\n", "")


def by_key(spec: PlanSpec) -> dict:
    return {r.key: r for r in spec.requirements}


def test_builtin_plan_file_name_is_its_key(spec):
    assert "xihu-2018" in builtin_plans()
    assert spec.key == "xihu-2018"
    assert spec.version >= 1


def test_seed_plan_header_names_issuer_basis_and_period(spec):
    assert spec.title == "关于在全区开展“解放思想推动高质量发展大讨论”的实施方案"
    assert spec.issuer == "溪湖区人民政府党组"
    assert spec.basis.startswith("根据省委办公厅印发的") and spec.basis.endswith("现制定实施方案如下。")
    assert (spec.period.start, spec.period.end) == (dt.date(2018, 10, 15), dt.date(2018, 12, 31))


def test_seed_plan_texts_are_quoted_verbatim(spec, seed_text):
    texts = [spec.basis, spec.preamble, spec.themes_intro]
    texts += [p.text for p in spec.principles] + [s.text for s in spec.safeguards]
    texts += [s.description for s in spec.stages] + [t.title for t in spec.themes]
    for text in texts:
        assert text and text in seed_text, text[:30]


def test_seed_plan_has_the_four_principles(spec):
    assert [p.title for p in spec.principles] == ["坚持正确导向", "坚持领导带头", "坚持联系实际", "坚持融入结合"]
    assert all(len(p.text) > 50 for p in spec.principles)


def test_seed_plan_has_six_themes_each_with_its_quoted_question(spec, seed_text):
    assert len(spec.themes) == 6
    for theme in spec.themes:
        assert theme.title.startswith("紧紧围绕") and theme.title.endswith("进行深入讨论")
        # The guiding question is exactly the text inside “” of that item.
        assert f"就“{theme.question}”进行深入讨论" in seed_text or f"围绕“{theme.question}”进行深入讨论" in seed_text
        assert theme.question not in theme.description


def test_seed_plan_has_the_four_shortcomings(spec):
    assert [s.title for s in spec.shortcomings] == ["体制机制短板", "经济结构短板", "开放合作短板", "思想观念短板"]


def test_seed_plan_has_the_six_high_quality_dimensions(spec):
    assert [d.title for d in spec.dimensions] == [
        "经济发展高质量",
        "改革开放高质量",
        "城乡建设高质量",
        "文化建设高质量",
        "生态环境高质量",
        "人民生活高质量",
    ]


def test_seed_plan_has_three_consecutive_stages_filling_the_period(spec):
    assert [s.title for s in spec.stages] == ["深入学习研讨", "认真查摆问题", "注重成果转化"]
    assert spec.stages[0].start == spec.period.start and spec.stages[-1].end == spec.period.end
    for earlier, later in zip(spec.stages, spec.stages[1:], strict=False):
        assert later.start == earlier.end + dt.timedelta(days=1)


def test_seed_plan_has_the_four_safeguards(spec):
    assert [s.title for s in spec.safeguards] == ["加强党的领导", "搞好分类指导", "营造浓厚氛围", "强化督促检查"]


def test_every_requirement_falls_due_inside_its_stage(spec):
    stages = {s.key: s for s in spec.stages}
    for req in spec.requirements:
        assert stages[req.stage].start <= req.due <= stages[req.stage].end, req.key
        assert req.weight > 0


def test_streets_and_departments_hold_a_study_session_and_a_seminar_with_speeches(spec):
    reqs = by_key(spec)
    study, seminar = reqs["unit-study-session"], reqs["unit-seminar"]
    for req, kind in ((study, "study"), (seminar, "seminar")):
        assert req.applies_to.units == UnitSelector(kinds=["street", "department"])
        assert isinstance(req.evidence, ActivityEvidence) and req.evidence.activity_kind == kind
    assert "minutes" in study.evidence.records
    assert "speeches" in seminar.evidence.records


def test_the_leading_group_studies_and_the_government_team_inspects_gathering_opinions(spec):
    reqs = by_key(spec)
    assert reqs["leading-group-study"].applies_to.units == UnitSelector(root=True)
    inspection = reqs["government-inspection"]
    assert inspection.applies_to.units == UnitSelector(root=True)
    assert inspection.evidence.activity_kind == "inspection" and "opinions" in inspection.evidence.records


def test_every_leading_cadre_attends_training_in_batches_leads_a_topic_and_examines_themself(spec):
    reqs = by_key(spec)
    leaders = PersonSelector(roles=["leading_cadre"])
    training = reqs["leader-training"]
    assert training.applies_to.people == leaders
    assert training.evidence == ActivityEvidence(
        kind="activity", activity_kind="training", role="attendee", records=["attendance"], in_batches=True
    )
    topic = reqs["leader-research-topic"]
    assert topic.applies_to.people == leaders
    assert isinstance(topic.evidence, ResearchTopicEvidence) and topic.evidence.count == 1
    assert "reported" in topic.evidence.status and "registered" not in topic.evidence.status
    exam = reqs["leader-self-examination"]
    assert exam.applies_to.people == leaders
    assert isinstance(exam.evidence, SelfExaminationEvidence)
    assert exam.evidence.aspects == ["政治定力", "工作思路", "能力素质"]


def test_units_find_problems_then_measures(spec):
    reqs = by_key(spec)
    found, measures = reqs["unit-problems"], reqs["unit-measures"]
    assert isinstance(found.evidence, ProblemEvidence) and not found.evidence.with_measures
    assert isinstance(measures.evidence, ProblemEvidence) and measures.evidence.with_measures
    assert found.due < measures.due


def test_every_party_member_has_one_approved_reflection_article(spec):
    article = by_key(spec)["member-article"]
    assert article.applies_to.people == PersonSelector(roles=["party_member"])
    assert isinstance(article.evidence, ArticleEvidence) and article.evidence.count == 1
    assert "submitted" not in article.evidence.status and "approved" in article.evidence.status


def test_the_information_centre_publishes_news_and_units_answer_the_online_discussion(spec):
    news = [r for r in spec.requirements if isinstance(r.evidence, NewsEvidence)]
    assert news and all(r.applies_to.units == UnitSelector(tags=["信息中心"]) for r in news)
    replies = by_key(spec)["online-discussion-replies"]
    assert isinstance(replies.evidence, DiscussionEvidence) and replies.evidence.replied_ratio == 1.0


def test_communities_are_asked_less_than_streets_and_departments(spec):
    def asked_of(kind: str) -> list:
        return [r for r in spec.requirements if r.applies_to.units and kind in r.applies_to.units.kinds]

    communities, streets = asked_of("community"), asked_of("street")
    assert communities and len(communities) < len(streets)
    assert sum(r.weight for r in communities) < sum(r.weight for r in streets)
    assert {r.evidence.kind for r in communities} < {r.evidence.kind for r in streets}


def test_docs_describe_every_key_of_the_format():
    text = DOCS.read_text(encoding="utf-8")
    models = [PlanSpec, ThemeSpec, StageSpec, UnitSelector, PersonSelector]
    names = {name for model in models for name in model.model_fields}
    names |= {"applies_to", "evidence", "due", "weight", "stage", "records", "in_batches", "aspects", "with_measures"}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing
    kinds = ["activity", "research_topic", "self_examination", "problem", "article", "news_post", "discussion"]
    assert all(re.search(rf"`{k}`", text) for k in kinds)
