"""GET /api/campaigns and /api/campaigns/{slug}: the plan as data, with stage states and requirements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services
from tests.factories import UserFactory, make_unit

pytestmark = pytest.mark.django_db


def start_in_second_stage() -> dt.date:
    """The built-in plan's second stage (查摆问题) is running 30 days after the start."""
    return timezone.localdate() - dt.timedelta(days=30)


def slugs(body) -> set[str]:
    return {item["slug"] for item in body["items"]}


@pytest.fixture
def plan(db):
    return services.plan_load_builtin()


@pytest.fixture
def campaign(org, plan):
    created = services.campaign_create(
        plan=plan, root_unit=org.district, slug="xihu", start_date=start_in_second_stage(), by=None
    )
    return services.campaign_activate(campaign=created, by=None)


@pytest.fixture
def draft_in_street_b(org, plan):
    return services.campaign_create(
        plan=plan, root_unit=org.street_b, slug="draft-b", start_date=timezone.localdate(), by=None
    )


def test_the_list_shows_the_current_campaign_to_any_signed_in_role(org, campaign, as_user):
    body = as_user(org.user("citizen")).get("/api/campaigns").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["slug"] == "xihu"
    assert item["status"] == "active"
    assert item["is_current"] is True
    assert item["root_unit"]["code"] == "D001"
    assert item["plan"]["key"] == campaign.plan.key
    assert item["requirement_count"] == campaign.requirements.count() > 0


def test_a_draft_is_listed_only_for_the_office_covering_it(org, campaign, draft_in_street_b, as_user):
    assert slugs(as_user(org.user("office")).get("/api/campaigns").json()) == {"xihu", "draft-b"}
    assert slugs(as_user(org.user("liaison_b")).get("/api/campaigns").json()) == {"xihu"}
    assert slugs(as_user(org.user("citizen")).get("/api/campaigns").json()) == {"xihu"}


def test_the_detail_has_six_themes_three_stages_with_state_and_the_requirements(org, campaign, as_user):
    body = as_user(org.user("cadre")).get("/api/campaigns/xihu").json()
    assert len(body["themes"]) == 6
    assert all(theme["question"] for theme in body["themes"])
    assert len(body["shortcomings"]) == 4
    assert len(body["dimensions"]) == 6
    assert [stage["state"] for stage in body["stages"]] == ["finished", "current", "upcoming"]
    assert body["current_stage"] == body["stages"][1]["key"]
    assert body["stages"][1]["state_label"] == "进行中"
    assert body["day_number"] == 31
    assert len(body["requirements"]) == campaign.requirements.count()
    requirement = body["requirements"][0]
    assert requirement["applies_to_text"]
    assert requirement["evidence_text"]
    assert requirement["stage"] in {stage["key"] for stage in body["stages"]}
    assert {p["title"] for p in body["principles"]}


def test_the_deadlines_are_the_next_ones_due_soonest_first_without_past_ones(org, campaign, as_user):
    today = timezone.localdate()
    past = set(campaign.requirements.filter(due_date__lt=today).values_list("key", flat=True))
    assert past, "a campaign in its second stage has requirements already due"
    upcoming = campaign.requirements.filter(due_date__gte=today).order_by("due_date", "order")
    body = as_user(org.user("cadre")).get("/api/campaigns/xihu").json()
    deadlines = body["deadlines"]
    assert [d["requirement"] for d in deadlines] == [r.key for r in upcoming[:6]]
    assert len(deadlines) == min(6, upcoming.count()) > 0
    assert not past & {d["requirement"] for d in deadlines}
    for deadline in deadlines:
        due = dt.date.fromisoformat(deadline["due_date"])
        assert deadline["days_left"] == (due - today).days >= 0


def test_the_detail_says_what_is_asked_of_the_viewer(org, campaign, as_user):
    cadre = as_user(org.user("cadre")).get("/api/campaigns/xihu").json()
    assert cadre["asked_of_you"]["person_id"] == org.person_a.pk
    assert cadre["asked_of_you"]["person_requirements"]  # a party member is asked for a reflection article
    liaison = as_user(org.user("liaison")).get("/api/campaigns/xihu").json()
    assert [u["unit"]["code"] for u in liaison["asked_of_you"]["units"]] == ["S-A"]
    citizen = as_user(org.user("citizen")).get("/api/campaigns/xihu").json()
    assert citizen["asked_of_you"] is None


def test_a_draft_outside_the_viewers_scope_is_404_like_an_unknown_slug(org, draft_in_street_b, as_user):
    client = as_user(org.user("liaison"))
    unknown = client.get("/api/campaigns/no-such-campaign")
    hidden = client.get("/api/campaigns/draft-b")
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json() == hidden.json()
    assert as_user(org.user("office")).get("/api/campaigns/draft-b").status_code == 200


def test_campaigns_need_authentication(org, campaign, as_user):
    assert as_user(None).get("/api/campaigns").status_code == 401
    assert as_user(None).get("/api/campaigns/xihu").status_code == 401


def test_is_current_follows_the_viewers_district(org, as_user):
    """With one campaign per district, each viewer's current campaign is their own district's."""
    plan = services.plan_load_builtin()
    other = make_unit("另一区", kind="district", code="D002")
    other_street = make_unit("另一街道", parent=other, kind="street", code="S-X")
    ours = services.campaign_activate(
        campaign=services.campaign_create(
            plan=plan, root_unit=org.district, slug="ours", start_date=start_in_second_stage(), by=None
        ),
        by=None,
    )
    theirs = services.campaign_activate(
        campaign=services.campaign_create(
            plan=plan,
            root_unit=other,
            slug="theirs",
            start_date=start_in_second_stage() + dt.timedelta(days=1),
            by=None,
        ),
        by=None,
    )
    liaison_x = UserFactory(username="liaison_x")
    RoleAssignment.objects.create(user=liaison_x, role=Role.LIAISON, unit=other_street)

    def current(user) -> set[str]:
        items = as_user(user).get("/api/campaigns").json()["items"]
        return {item["slug"] for item in items if item["is_current"]}

    assert current(org.user("cadre")) == {ours.slug}  # person_a works in D001
    assert current(org.user("liaison")) == {ours.slug}  # scoped to S-A in D001
    assert current(liaison_x) == {theirs.slug}
    assert current(org.user("citizen")) == {theirs.slug}  # covered by neither: the newest
    assert as_user(org.user("cadre")).get("/api/campaigns/ours").json()["is_current"] is True
    assert as_user(org.user("cadre")).get("/api/campaigns/theirs").json()["is_current"] is False
