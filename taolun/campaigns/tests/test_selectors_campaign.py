import datetime as dt

import pytest
from django.utils import timezone

from taolun.campaigns import selectors, services
from taolun.campaigns.models import Campaign, StageState

D = dt.date


def make(org, plan, slug, start, *, activate=True):
    campaign = services.campaign_create(plan=plan, root_unit=org.district, slug=slug, start_date=start, by=None)
    return services.campaign_activate(campaign=campaign, by=None) if activate else campaign


def test_no_campaign_means_none(db):
    assert selectors.current_campaign() is None


def test_current_campaign_is_the_active_one_running_today(org, builtin_plan):
    today = timezone.localdate()
    make(org, builtin_plan, "newer-but-future", today + dt.timedelta(days=100))
    running = make(org, builtin_plan, "running", today - dt.timedelta(days=5))
    make(org, builtin_plan, "draft-now", today, activate=False)
    assert selectors.current_campaign() == running


def test_without_a_running_campaign_the_newest_active_one_is_current(org, builtin_plan):
    today = timezone.localdate()
    make(org, builtin_plan, "old", today - dt.timedelta(days=400))
    newer = make(org, builtin_plan, "newer", today - dt.timedelta(days=200))
    services.campaign_close(campaign=make(org, builtin_plan, "closed", today - dt.timedelta(days=3)), by=None)
    assert selectors.current_campaign() == newer


def test_drafts_are_never_current(org, builtin_plan):
    make(org, builtin_plan, "draft", timezone.localdate(), activate=False)
    assert selectors.current_campaign() is None


def test_campaign_detail_loads_everything_in_six_queries(campaign, django_assert_num_queries):
    with django_assert_num_queries(6):
        detail = selectors.campaign_detail(campaign.slug)
        assert len(detail.themes.all()) == 6
        assert len(detail.stages.all()) == 3
        assert len(detail.shortcomings.all()) == 4 and len(detail.dimensions.all()) == 6
        assert {r.stage.key for r in detail.requirements.all()} == {"study", "problems", "results"}
        assert detail.root_unit.code == "D001" and detail.plan.key == "xihu-2018"


def test_campaign_detail_of_an_unknown_slug_raises(db):
    with pytest.raises(Campaign.DoesNotExist):
        selectors.campaign_detail("nowhere")


def test_page_marks_the_current_stage_and_lists_upcoming_deadlines(campaign):
    today = timezone.localdate()
    page = selectors.campaign_page(selectors.campaign_detail(campaign.slug), today=today)
    assert [v.state for v in page.stages] == [StageState.FINISHED, StageState.CURRENT, StageState.UPCOMING]
    assert page.current_stage.key == "problems"
    dues = [d.requirement.due_date for d in page.deadlines]
    assert dues == sorted(dues) and all(d >= today for d in dues)
    assert 0 < len(page.deadlines) <= selectors.UPCOMING_DEADLINES
    assert all(d.days_left == (d.requirement.due_date - today).days for d in page.deadlines)


def test_page_after_the_end_has_no_current_stage_and_no_deadlines(campaign):
    page = selectors.campaign_page(selectors.campaign_detail(campaign.slug), today=campaign.end_date + dt.timedelta(1))
    assert page.current_stage is None and page.deadlines == []


def test_asked_of_a_party_member_and_of_a_liaison(campaign, org):
    detail = selectors.campaign_detail(campaign.slug)
    cadre = selectors.asked_of(detail, org.user("cadre"))
    assert cadre.person == org.person_a
    assert [r.key for r in cadre.person_requirements] == ["member-article"]
    liaison = selectors.asked_of(detail, org.user("liaison"))
    assert liaison.person is None
    assert [u.unit for u in liaison.units] == [org.street_a]
    assert "unit-study-session" in [r.key for r in liaison.units[0].requirements]
    assert "community-study-session" not in [r.key for r in liaison.units[0].requirements]


def test_nothing_is_asked_of_anonymous_visitors_or_users_without_a_person(campaign, org):
    detail = selectors.campaign_detail(campaign.slug)
    assert selectors.asked_of(detail, None) is None
    assert selectors.asked_of(detail, org.user("citizen")) is None


def test_drafts_are_listed_only_for_the_office_covering_them(org, builtin_plan, street_office):
    draft = make(org, builtin_plan, "draft", D(2019, 3, 1), activate=False)
    running = make(org, builtin_plan, "running", D(2019, 3, 1))
    assert set(selectors.campaigns_visible_to(org.user("office"))) == {draft, running}
    assert set(selectors.campaigns_visible_to(org.user("admin"))) == {draft, running}
    assert set(selectors.campaigns_visible_to(street_office)) == {running}
    assert set(selectors.campaigns_visible_to(org.user("liaison"))) == {running}
