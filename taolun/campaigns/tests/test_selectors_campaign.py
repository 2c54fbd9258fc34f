import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import selectors, services
from taolun.campaigns.models import Campaign, StageState
from tests.factories import PersonFactory, UserFactory

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

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


# --- the current campaign for a viewer, with one campaign per district ----------------------------
def test_without_a_viewer_the_newest_running_campaign_is_current(province):
    assert selectors.current_campaign() == province.west_campaign
    assert selectors.current_campaign(viewer=AnonymousUser()) == province.west_campaign


def test_a_person_sees_the_campaign_of_their_own_district(province):
    east_user = UserFactory(username="east")
    PersonFactory(unit=province.east_street, user=east_user)
    west_user = UserFactory(username="west")
    PersonFactory(unit=province.west_street, user=west_user)
    assert selectors.current_campaign(viewer=east_user) == province.east_campaign
    assert selectors.current_campaign(viewer=west_user) == province.west_campaign


def test_a_scoped_role_chooses_the_campaign_covering_its_scope(province):
    east_liaison = UserFactory(username="east-liaison")
    RoleAssignment.objects.create(user=east_liaison, role=Role.LIAISON, unit=province.east_street)
    east_office = UserFactory(username="east-office")
    RoleAssignment.objects.create(user=east_office, role=Role.OFFICE, unit=province.east)
    assert selectors.current_campaign(viewer=east_liaison) == province.east_campaign
    assert selectors.current_campaign(viewer=east_office) == province.east_campaign


def test_viewers_covered_by_no_campaign_fall_back_to_the_newest(province, org):
    # The province-wide office and a person of another tree are inside neither district.
    province_office = UserFactory(username="province-office")
    RoleAssignment.objects.create(user=province_office, role=Role.OFFICE, unit=province.province)
    assert selectors.current_campaign(viewer=province_office) == province.west_campaign
    assert selectors.current_campaign(viewer=org.user("cadre")) == province.west_campaign
    assert selectors.current_campaign(viewer=org.user("office")) == province.west_campaign


def test_a_closed_district_campaign_is_not_current_for_its_people(province):
    east_user = UserFactory(username="east")
    PersonFactory(unit=province.east_street, user=east_user)
    services.campaign_close(campaign=province.east_campaign, by=None)
    assert selectors.current_campaign(viewer=east_user) == province.west_campaign


def test_of_two_campaigns_covering_the_viewer_the_closer_one_is_current(province, make_campaign):
    make_campaign(root=province.province, start=timezone.localdate() - dt.timedelta(days=1), title="全省方案")
    east_user = UserFactory(username="east")
    PersonFactory(unit=province.east_street, user=east_user)
    assert selectors.current_campaign(viewer=east_user) == province.east_campaign


def test_the_current_campaign_is_one_query_for_a_signed_in_viewer(province, django_assert_num_queries):
    east_user = UserFactory(username="east")
    PersonFactory(unit=province.east_street, user=east_user)
    with django_assert_num_queries(1):
        assert selectors.current_campaign(viewer=east_user) == province.east_campaign


# --- one campaign for a viewer -----------------------------------------------------------------
def test_campaign_for_viewer_returns_the_campaign_with_its_plan_items(campaign, org, django_assert_num_queries):
    found = selectors.campaign_for_viewer(campaign.slug, org.user("citizen"))
    assert found == campaign
    with django_assert_num_queries(0):
        assert len(found.themes.all()) == 6


def test_campaign_for_viewer_hides_unknown_slugs_and_drafts_outside_the_scope_alike(org, builtin_plan):
    make(org, builtin_plan, "draft", D(2019, 3, 1), activate=False)
    with pytest.raises(Http404):
        selectors.campaign_for_viewer("no-such-campaign", org.user("office"))
    with pytest.raises(Http404):
        selectors.campaign_for_viewer("draft", org.user("liaison"))
    with pytest.raises(Http404):
        selectors.campaign_for_viewer("draft", AnonymousUser())
    assert selectors.campaign_for_viewer("draft", org.user("office")).slug == "draft"
