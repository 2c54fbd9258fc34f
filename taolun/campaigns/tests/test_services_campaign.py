import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.campaigns import services
from taolun.campaigns.models import Campaign, CampaignStatus, Plan
from taolun.core.models import AuditEntry

from .conftest import plan_data, plan_yaml, requirement

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

D = dt.date


def create(plan, org, **kwargs):
    kwargs.setdefault("slug", "xihu-2019")
    kwargs.setdefault("start_date", D(2019, 3, 1))
    kwargs.setdefault("root_unit", org.district)
    kwargs.setdefault("by", None)
    return services.campaign_create(plan=plan, **kwargs)


def test_campaign_copies_the_whole_plan(org, builtin_plan):
    campaign = create(builtin_plan, org)
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.issuer == "溪湖区人民政府党组" and campaign.preamble.startswith("全面贯彻党的十九大")
    assert campaign.principles[0] == {"title": "坚持正确导向", "text": campaign.principles[0]["text"]}
    assert len(campaign.safeguards) == 4
    themes = list(campaign.themes.all())
    assert len(themes) == 6 and all(t.question for t in themes)
    assert campaign.shortcomings.count() == 4 and campaign.dimensions.count() == 6
    assert [s.title for s in campaign.stages.all()] == ["深入学习研讨", "认真查摆问题", "注重成果转化"]
    topic = campaign.requirements.get(key="leader-research-topic")
    assert topic.subject == "person" and topic.stage.key == "problems"
    assert topic.applies_to == {"people": {"roles": ["leading_cadre"]}}
    assert topic.evidence_spec.status == ["reported", "accepted"]
    assert campaign.requirements.get(key="unit-study-session").subject == "unit"


def test_start_date_alone_shifts_every_plan_date(org, builtin_plan):
    campaign = create(builtin_plan, org, start_date=D(2019, 3, 1))
    delta = D(2019, 3, 1) - D(2018, 10, 15)
    assert campaign.end_date == D(2018, 12, 31) + delta
    study = campaign.stages.get(key="study")
    assert (study.start_date, study.end_date) == (D(2019, 3, 1), D(2018, 11, 4) + delta)
    assert campaign.requirements.get(key="member-article").due_date == D(2018, 12, 20) + delta


def test_start_and_end_map_plan_dates_linearly(org, builtin_plan):
    campaign = create(builtin_plan, org, start_date=D(2019, 3, 1), end_date=D(2019, 5, 31))
    stages = list(campaign.stages.all())
    assert (campaign.start_date, campaign.end_date) == (D(2019, 3, 1), D(2019, 5, 31))
    assert stages[0].start_date == D(2019, 3, 1) and stages[-1].end_date == D(2019, 5, 31)
    assert stages[0].end_date == D(2019, 3, 25)
    dues = list(campaign.requirements.values_list("due_date", flat=True))
    assert all(D(2019, 3, 1) <= d <= D(2019, 5, 31) for d in dues)


def test_creating_a_campaign_is_audited(org, builtin_plan):
    campaign = create(builtin_plan, org, by=org.user("office"))
    entry = AuditEntry.objects.get(action="campaigns.campaign.create")
    assert entry.object_id == str(campaign.pk) and entry.actor == org.user("office")
    assert entry.after["requirements"] == 15 and entry.unit_path == org.district.path
    assert campaign.created_by == org.user("office")


def test_end_must_be_after_start(org, builtin_plan):
    with pytest.raises(ValidationError) as caught:
        create(builtin_plan, org, start_date=D(2019, 3, 1), end_date=D(2019, 3, 1))
    assert "end_date" in caught.value.message_dict
    assert not Campaign.objects.exists()


def test_slug_must_be_unique(org, builtin_plan):
    create(builtin_plan, org, slug="xihu")
    with pytest.raises(ValidationError) as caught:
        create(builtin_plan, org, slug="xihu")
    assert "已被其他活动使用" in caught.value.message_dict["slug"][0]
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("slug", ["", "有中文", "a b", "new"])
def test_slug_must_be_a_usable_url_part(org, builtin_plan, slug):
    with pytest.raises(ValidationError) as caught:
        create(builtin_plan, org, slug=slug)
    assert "slug" in caught.value.message_dict


def test_subtree_codes_in_the_plan_must_exist_under_the_root(org):
    reqs = [
        requirement("a", {"units": {"subtrees": ["S-A", "NOPE"]}}),
        requirement("b", {"people": {"roles": ["cadre"], "units": {"subtrees": ["S-B"]}}}),
    ]
    plan = services.plan_load(source=plan_yaml(plan_data(requirements=reqs)), by=None)
    with pytest.raises(ValidationError) as caught:
        create(plan, org, root_unit=org.street_a)
    messages = " ".join(caught.value.message_dict["root_unit"])
    assert "NOPE" in messages and "S-B" in messages and "S-A" not in messages
    assert not Campaign.objects.exists()


def test_subtree_codes_under_the_root_are_accepted(org):
    reqs = [requirement("a", {"units": {"subtrees": ["S-A"]}})]
    plan = services.plan_load(source=plan_yaml(plan_data(requirements=reqs)), by=None)
    assert create(plan, org, root_unit=org.district).requirements.count() == 1


@pytest.mark.parametrize("role", ["liaison", "reviewer", "publicity", "cadre", "citizen"])
def test_only_office_or_admin_may_create(org, builtin_plan, role):
    with pytest.raises(PermissionDenied):
        create(builtin_plan, org, by=org.user(role))
    assert not Campaign.objects.exists()


def test_office_may_create_only_within_its_scope(org, builtin_plan, street_office):
    with pytest.raises(PermissionDenied):
        create(builtin_plan, org, root_unit=org.district, by=street_office)
    assert create(builtin_plan, org, root_unit=org.street_a, by=street_office).root_unit == org.street_a
    assert create(builtin_plan, org, slug="by-admin", by=org.user("admin")).pk


# --- status transitions -------------------------------------------------------------------------


def test_draft_is_activated_then_closed_then_reopened(org, builtin_plan):
    campaign = create(builtin_plan, org)
    office = org.user("office")
    assert services.campaign_activate(campaign=campaign, by=office).status == CampaignStatus.ACTIVE
    assert services.campaign_close(campaign=campaign, by=office).status == CampaignStatus.CLOSED
    assert services.campaign_activate(campaign=campaign, by=office).status == CampaignStatus.ACTIVE
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    moves = list(
        AuditEntry.objects.filter(object_id=str(campaign.pk), action__startswith="campaigns.campaign.")
        .exclude(action="campaigns.campaign.create")
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert moves == [
        ("campaigns.campaign.activate", {"status": "draft"}, {"status": "active"}),
        ("campaigns.campaign.close", {"status": "active"}, {"status": "closed"}),
        ("campaigns.campaign.reopen", {"status": "closed"}, {"status": "active"}),
    ]


def test_a_draft_cannot_be_closed(org, builtin_plan):
    campaign = create(builtin_plan, org)
    with pytest.raises(ValidationError, match=r"筹备中.*已结束.*可改为：进行中"):
        services.campaign_close(campaign=campaign, by=None)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_an_active_campaign_cannot_be_activated_again(org, builtin_plan):
    campaign = services.campaign_activate(campaign=create(builtin_plan, org), by=None)
    with pytest.raises(ValidationError):
        services.campaign_activate(campaign=campaign, by=None)
    assert AuditEntry.objects.filter(action="campaigns.campaign.activate").count() == 1


@pytest.mark.parametrize("role", ["liaison", "cadre", "reviewer"])
def test_only_the_office_may_move_a_campaign(org, builtin_plan, role):
    campaign = create(builtin_plan, org)
    with pytest.raises(PermissionDenied):
        services.campaign_activate(campaign=campaign, by=org.user(role))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_office_of_another_subtree_cannot_move_the_district_campaign(org, builtin_plan, street_office):
    campaign = create(builtin_plan, org)
    with pytest.raises(PermissionDenied):
        services.campaign_activate(campaign=campaign, by=street_office)


def test_setup_with_a_bad_date_leaves_no_plan_behind(org):
    with pytest.raises(ValidationError):
        services.campaign_setup(
            plan_source=plan_yaml(plan_data(key="fresh")),
            root_unit=org.district,
            slug="x",
            start_date=D(2019, 3, 1),
            end_date=D(2019, 1, 1),
            by=None,
        )
    assert not Plan.objects.exists() and not Campaign.objects.exists()


def test_setup_can_activate_at_once(org):
    campaign = services.campaign_setup(
        plan_key="xihu-2018", root_unit=org.district, slug="x", start_date=D(2019, 3, 1), activate=True, by=None
    )
    assert campaign.status == CampaignStatus.ACTIVE


@pytest.mark.parametrize("source", ["upload", "builtin"])
def test_setup_reads_the_plan_text_once(org, monkeypatch, source):
    from taolun.campaigns import plan as plan_module

    parsed: list[str] = []

    def counting_parse(text: str):
        parsed.append(text)
        return plan_module.parse_plan(text)

    monkeypatch.setattr(services, "parse_plan", counting_parse)
    plan_args = {"plan_source": plan_yaml(plan_data(key="once"))} if source == "upload" else {"plan_key": "xihu-2018"}
    campaign = services.campaign_setup(**plan_args, root_unit=org.district, slug="x", start_date=D(2019, 3, 1), by=None)
    assert campaign.themes.exists()
    assert len(parsed) == 1
