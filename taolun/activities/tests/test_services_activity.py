"""Planning, changing, cancelling and confirming an activity; inviting people to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.activities import services
from taolun.activities.checkin import checkin_by_code
from taolun.activities.models import Activity, ActivityStatus, Invitation
from taolun.core.models import AuditEntry, Notification
from taolun.orgs.models import Person

from .conftest import at, code_at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def create(campaign, unit, **kwargs):
    start = kwargs.pop("start_at", at(hours=1))
    kwargs.setdefault("kind", "study")
    kwargs.setdefault("title", "集中学习研讨")
    kwargs.setdefault("end_at", start + dt.timedelta(hours=2))
    kwargs.setdefault("by", None)
    return services.activity_create(campaign=campaign, unit=unit, start_at=start, **kwargs)


# --- create ---------------------------------------------------------------------------------------


def test_liaison_plans_an_activity_for_their_street_with_default_checkin_window(org, campaign):
    start = at(days=1)
    activity = create(campaign, org.community_a, start_at=start, place=" 三楼会议室 ", by=org.user("liaison"))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    assert activity.unit == org.community_a and activity.campaign == campaign
    assert activity.place == "三楼会议室"
    assert activity.checkin_opens_at == start - services.CHECKIN_LEAD
    assert activity.checkin_closes_at == activity.end_at
    assert activity.created_by == org.user("liaison")


def test_creating_an_activity_is_audited(org, campaign):
    activity = create(campaign, org.street_a, by=org.user("office"))
    entry = AuditEntry.objects.get(action="activities.activity.create")
    assert entry.object_id == str(activity.pk)
    assert entry.actor == org.user("office")
    assert entry.unit_path == org.street_a.path
    assert entry.after["title"] == "集中学习研讨" and entry.after["kind"] == "study"


def test_end_before_start_is_refused_on_end_at_and_nothing_is_created(org, campaign):
    start = at(days=1)
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, start_at=start, end_at=start - dt.timedelta(minutes=1))
    assert "end_at" in caught.value.message_dict
    assert not Activity.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="activities.").exists()


def test_end_equal_to_start_is_refused(org, campaign):
    start = at(days=1)
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, start_at=start, end_at=start)
    assert "end_at" in caught.value.message_dict
    assert not Activity.objects.exists()


def test_an_activity_longer_than_31_days_is_refused(org, campaign):
    start = at(days=1)
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, start_at=start, end_at=start + dt.timedelta(days=32))
    assert "end_at" in caught.value.message_dict
    assert not Activity.objects.exists()


@pytest.mark.parametrize("days", [-31, 48])
def test_a_date_outside_the_campaign_period_is_refused(org, campaign, days):
    # The campaign runs from 30 days ago to 47 days ahead.
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, start_at=at(days=days))
    assert "start_at" in caught.value.message_dict
    assert not Activity.objects.exists()


def test_an_unknown_kind_is_refused(org, campaign):
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, kind="lecture")
    assert "kind" in caught.value.message_dict
    assert not Activity.objects.exists()


def test_a_kind_the_plan_adds_is_accepted(org, make_campaign):
    lectures = make_campaign(activity_kinds=[{"key": "lecture", "title": "宣讲报告会"}])
    activity = create(lectures, org.street_a, kind="lecture")
    assert Activity.objects.get(pk=activity.pk).kind == "lecture"


def test_a_kind_of_another_campaigns_plan_is_refused(org, campaign, make_campaign):
    make_campaign(activity_kinds=[{"key": "lecture", "title": "宣讲报告会"}])
    with pytest.raises(ValidationError):
        create(campaign, org.street_a, kind="lecture")
    assert not Activity.objects.exists()


def test_liaison_cannot_create_for_another_streets_unit_and_nothing_is_written(org, campaign):
    with pytest.raises(PermissionDenied):
        create(campaign, org.community_b, by=org.user("liaison"))
    assert not Activity.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="activities.").exists()


@pytest.mark.parametrize("role", ["reviewer", "publicity", "cadre", "citizen"])
def test_roles_without_planning_rights_cannot_create(org, campaign, role):
    with pytest.raises(PermissionDenied):
        create(campaign, org.community_a, by=org.user(role))
    assert not Activity.objects.exists()


def test_a_unit_outside_the_campaign_is_refused(org, campaign):
    from tests.factories import make_unit

    elsewhere = make_unit("外区", kind="district", code="D-X")
    with pytest.raises(ValidationError) as caught:
        create(campaign, elsewhere)
    assert "unit" in caught.value.message_dict
    assert not Activity.objects.exists()


def test_a_blank_title_is_refused(org, campaign):
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, title="   ")
    assert "title" in caught.value.message_dict


def test_themes_and_dimensions_must_belong_to_the_campaign(org, campaign, make_campaign):
    other = make_campaign(dimensions=[{"key": "economy", "title": "经济发展高质量"}])
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, kind="inspection", dimensions=list(other.dimensions.all()))
    assert "dimensions" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        create(campaign, org.street_a, themes=list(other.themes.all()))
    assert "themes" in caught.value.message_dict
    assert not Activity.objects.exists()
    activity = create(campaign, org.street_a, kind="inspection", dimensions=campaign.dimensions.all()[:2])
    assert activity.dimensions.count() == 2


# --- update, cancel, confirm ----------------------------------------------------------------------


def test_moving_an_activity_notifies_invitees_and_audits_only_what_changed(org, campaign, make_activity, invite):
    activity = make_activity(start_at=at(days=1))
    invite(activity, org.person_a)
    Notification.objects.all().delete()
    new_start = at(days=2)
    services.activity_update(
        activity=activity, start_at=new_start, end_at=new_start + dt.timedelta(hours=1), by=org.user("liaison")
    )
    activity.refresh_from_db()
    assert activity.start_at == new_start
    entry = AuditEntry.objects.get(action="activities.activity.update")
    assert set(entry.after) == {"start_at", "end_at", "checkin_opens_at", "checkin_closes_at"}
    assert Notification.objects.filter(recipient=org.user("cadre"), title__contains=activity.title).count() == 1


def test_moving_an_activity_moves_its_checkin_window_along(org, make_activity, invite):
    start = at(hours=1)
    activity = make_activity(
        start_at=start, end_at=start + dt.timedelta(hours=2), checkin_opens_at=start - dt.timedelta(minutes=10)
    )
    invite(activity, org.person_a)
    new_start = start + dt.timedelta(days=1)
    services.activity_update(activity=activity, start_at=new_start, end_at=new_start + dt.timedelta(hours=3), by=None)
    activity.refresh_from_db()
    assert activity.checkin_opens_at == new_start - dt.timedelta(minutes=10)
    assert activity.checkin_closes_at == new_start + dt.timedelta(hours=3)
    arrive = new_start + dt.timedelta(minutes=5)
    checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, arrive), by=None, now=arrive)
    assert activity.attendances.count() == 1


def test_a_checkin_window_given_with_the_move_is_kept(org, make_activity):
    activity = make_activity(start_at=at(hours=1))
    new_start = at(days=1)
    services.activity_update(
        activity=activity,
        start_at=new_start,
        end_at=new_start + dt.timedelta(hours=1),
        checkin_opens_at=new_start - dt.timedelta(hours=2),
        by=None,
    )
    activity.refresh_from_db()
    assert activity.checkin_opens_at == new_start - dt.timedelta(hours=2)
    assert activity.checkin_closes_at == new_start + dt.timedelta(hours=1)


def test_liaison_cannot_change_another_streets_activity(org, make_activity):
    activity = make_activity(unit=org.street_b)
    with pytest.raises(PermissionDenied):
        services.activity_update(activity=activity, title="改名", by=org.user("liaison"))
    activity.refresh_from_db()
    assert activity.title != "改名"


def test_cancel_needs_a_reason(org, make_activity):
    activity = make_activity()
    with pytest.raises(ValidationError) as caught:
        services.activity_cancel(activity=activity, reason="  ", by=org.user("liaison"))
    assert "reason" in caught.value.message_dict
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


def test_cancelling_keeps_the_reason_and_tells_invitees(org, make_activity, invite):
    activity = make_activity(start_at=at(days=1))
    invite(activity, org.person_a)
    services.activity_cancel(activity=activity, reason="台风停课", by=org.user("liaison"))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.cancel_reason == "台风停课"
    assert AuditEntry.objects.get(action="activities.activity.cancel").note == "台风停课"
    assert Notification.objects.filter(recipient=org.user("cadre"), body="台风停课").exists()


def test_a_cancelled_activity_cannot_be_changed_confirmed_or_cancelled_again(org, make_activity, invite):
    activity = services.activity_cancel(activity=make_activity(), reason="改期", by=None)
    with pytest.raises(ValidationError):
        services.activity_update(activity=activity, title="新名称", by=None)
    with pytest.raises(ValidationError):
        services.activity_confirm(activity=activity, by=None)
    with pytest.raises(ValidationError):
        services.activity_cancel(activity=activity, reason="再取消", by=None)
    with pytest.raises(ValidationError):
        invite(activity, org.person_a)
    activity.refresh_from_db()
    assert activity.title != "新名称" and activity.status == ActivityStatus.CANCELLED
    assert not Invitation.objects.filter(activity=activity).exists()


def test_only_the_office_confirms_and_not_before_the_activity_began(org, make_activity):
    held = make_activity()
    with pytest.raises(PermissionDenied):
        services.activity_confirm(activity=held, by=org.user("liaison"))
    future = make_activity(start_at=at(days=1))
    with pytest.raises(ValidationError):
        services.activity_confirm(activity=future, by=org.user("office"))
    confirmed = services.activity_confirm(activity=held, by=org.user("office"))
    held.refresh_from_db()
    future.refresh_from_db()
    assert held.status == ActivityStatus.CONFIRMED and held.confirmed_by == org.user("office")
    assert confirmed.is_locked
    assert future.status == ActivityStatus.PLANNED


def test_a_confirmed_activity_changes_only_with_a_reason(org, make_activity):
    activity = services.activity_confirm(activity=make_activity(), by=None)
    with pytest.raises(ValidationError) as caught:
        services.activity_update(activity=activity, place="二楼", by=org.user("office"))
    assert "reason" in caught.value.message_dict
    services.activity_update(activity=activity, place="二楼", reason="地点笔误", by=org.user("office"))
    activity.refresh_from_db()
    assert activity.place == "二楼"
    assert AuditEntry.objects.get(action="activities.activity.update").note == "地点笔误"


def test_unlocking_needs_a_reason_and_returns_to_planned(org, make_activity):
    activity = services.activity_confirm(activity=make_activity(), by=None)
    with pytest.raises(ValidationError):
        services.activity_unlock(activity=activity, reason="", by=org.user("office"))
    services.activity_unlock(activity=activity, reason="补录发言", by=org.user("office"))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED and activity.confirmed_at is None


# --- invitations ----------------------------------------------------------------------------------


@pytest.fixture
def roster(org, make_person):
    """Leading cadres and others in street A's and B's subtrees, in training batches 1 and 2."""
    return {
        "a_lead_1": make_person(org.community_a, is_leading_cadre=True, training_batch=1),
        "a_lead_2": make_person(org.community_a, is_leading_cadre=True, training_batch=2),
        "a_street_lead_2": make_person(org.street_a, is_leading_cadre=True, training_batch=2, account=True),
        "a_member_2": make_person(org.community_a, is_party_member=True, training_batch=2),
        "a_lead_2_gone": make_person(org.community_a, is_leading_cadre=True, training_batch=2, is_active=False),
        "b_lead_2": make_person(org.community_b, is_leading_cadre=True, training_batch=2),
        "dept_lead_2": make_person(org.department, is_leading_cadre=True, training_batch=2),
    }


def test_leading_cadres_of_these_units_batch_2_are_exactly_the_right_people(org, roster):
    chosen = services.invitee_queryset(
        base=Person.objects.all(), units=[org.street_a, org.department], roles=["leading_cadre"], batch=2
    )
    assert set(chosen) == {roster["a_lead_2"], roster["a_street_lead_2"], roster["dept_lead_2"]}


def test_without_subunits_only_the_units_own_people_are_chosen(org, roster):
    chosen = services.invitee_queryset(
        base=Person.objects.all(), units=[org.street_a], roles=["leading_cadre"], include_subunits=False
    )
    assert set(chosen) == {roster["a_street_lead_2"]}


def test_people_named_one_by_one_join_the_group_but_stay_inside_the_inviters_scope(org, roster):
    from taolun.activities.selectors import people_for_inviting

    chosen = services.invitee_queryset(
        base=people_for_inviting(org.user("liaison")),
        roles=["party_member"],
        people=[roster["a_lead_1"].pk, roster["b_lead_2"].pk],
    )
    assert set(chosen) == {roster["a_member_2"], roster["a_lead_1"], org.person_a}


def test_inviting_a_group_creates_one_invitation_each_and_notifies_those_with_accounts(org, roster, make_activity):
    activity = make_activity(start_at=at(days=1))
    people = services.invitee_queryset(base=Person.objects.all(), units=[org.street_a], batch=2)
    result = services.invitations_add(activity=activity, people=people, by=org.user("liaison"), criteria={"batch": 2})
    invited = {roster["a_lead_2"], roster["a_street_lead_2"], roster["a_member_2"]}
    assert {i.person for i in Invitation.objects.filter(activity=activity)} == invited
    assert (result.invited, result.already, result.notified, result.without_account) == (3, 0, 1, 2)
    notice = Notification.objects.get()
    assert notice.recipient == roster["a_street_lead_2"].user
    assert activity.title in notice.title and notice.url == f"/activities/{activity.pk}/"
    entry = AuditEntry.objects.get(action="activities.invitation.add")
    assert entry.after["invited"] == 3 and entry.after["criteria"] == {"batch": 2}


def test_reinviting_does_not_duplicate_invitations_or_notifications(org, roster, make_activity, invite):
    activity = make_activity(start_at=at(days=1))
    invite(activity, roster["a_street_lead_2"], roster["a_lead_1"])
    result = invite(activity, roster["a_street_lead_2"], roster["a_lead_1"], roster["a_lead_2"])
    assert (result.invited, result.already) == (1, 2)
    assert Invitation.objects.filter(activity=activity).count() == 3
    assert Notification.objects.filter(recipient=roster["a_street_lead_2"].user).count() == 1


def test_liaison_cannot_invite_to_another_streets_activity(org, make_activity, invite):
    activity = make_activity(unit=org.street_b)
    with pytest.raises(PermissionDenied):
        invite(activity, org.person_b, by=org.user("liaison"))
    assert not Invitation.objects.exists()


def test_removing_an_invitation_is_refused_once_confirmed(org, make_activity, invite):
    activity = make_activity()
    invite(activity, org.person_a, org.person_b)
    services.invitation_remove(invitation=Invitation.objects.get(person=org.person_b), by=org.user("office"))
    assert list(Invitation.objects.values_list("person", flat=True)) == [org.person_a.pk]
    activity = services.activity_confirm(activity=activity, by=None)
    with pytest.raises(ValidationError):
        services.invitation_remove(invitation=Invitation.objects.get(person=org.person_a), by=org.user("office"))
    assert Invitation.objects.count() == 1
