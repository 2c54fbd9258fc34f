"""/api/activities: plan, invite, check in, mark attendance and leave, keep and confirm the records.

The API uses the real clock, so every activity here is placed around ``timezone.now()``: by default
it began an hour ago and ends in two hours, with check-in open from half an hour before the start.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import shared_org
from taolun.activities import checkin, records, services
from taolun.activities.models import (
    Activity,
    ActivityStatus,
    Attachment,
    Attendance,
    CheckinMethod,
    Invitation,
    InvitationStatus,
    Opinion,
    Speech,
)
from taolun.campaigns import services as campaign_services
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

URL = "/api/activities"


def make_campaign(org):
    """The built-in plan over the whole district, started 30 days ago (so today is inside it)."""
    plan = campaign_services.plan_load_builtin()
    created = campaign_services.campaign_create(
        plan=plan, root_unit=org.district, slug="xihu", start_date=timezone.localdate() - dt.timedelta(days=30), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


def make_activity(campaign, unit, *, title="专题研讨会", start=None, hours=3, invite=(), **fields) -> Activity:
    start = start or timezone.now() - dt.timedelta(hours=1)
    fields.setdefault("kind", "seminar")
    activity = services.activity_create(
        campaign=campaign,
        unit=unit,
        title=title,
        start_at=start,
        end_at=start + dt.timedelta(hours=hours),
        by=None,
        **fields,
    )
    if invite:
        services.invitations_add(
            activity=activity, people=Person.objects.filter(pk__in=[p.pk for p in invite]), by=None
        )
    return activity


def iso(at: dt.datetime) -> str:
    return timezone.localtime(at).isoformat()


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def errors_by_field(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["detail"]}


def unused_code(activity: Activity) -> str:
    """A six-digit code that is not the activity's code for any window of the last day (nor the next)."""
    window = int(timezone.now().timestamp()) // settings.ACTIVITY_CHECKIN_CODE_SECONDS
    used = {checkin.code_for(activity, w) for w in range(window - checkin.EXPIRED_LOOKBACK_WINDOWS - 2, window + 3)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in used)


@pytest.fixture
def campaign(org):
    return make_campaign(org)


@pytest.fixture
def seminar(org, campaign):
    """Street A's seminar held by community A1, with 张三 (the cadre's own roster entry) invited."""
    return make_activity(campaign, org.community_a, invite=[org.person_a])


def create_body(org, **overrides):
    start = timezone.now() + dt.timedelta(days=1)
    return {
        "campaign": "xihu",
        "unit": org.community_a.pk,
        "kind": "seminar",
        "title": "  第一次专题研讨  ",
        "start_at": iso(start),
        "end_at": iso(start + dt.timedelta(hours=2)),
        "place": "社区会议室",
        "host": "王主任",
        "agenda": "学习；研讨",
        "batch": 1,
        "themes": ["confidence", "benchmarking"],
        "dimensions": ["economy"],
        "allow_walk_in": True,
        **overrides,
    }


# --- create, list, detail, patch ----------------------------------------------------------
def test_a_liaison_plans_an_activity_in_their_street(org, campaign, as_user):
    response = post(as_user(org.user("liaison")), URL, create_body(org))
    assert response.status_code == 201, response.content
    body = response.json()
    activity = Activity.objects.get(pk=body["id"])
    assert activity.title == "第一次专题研讨"
    assert activity.unit == org.community_a
    assert activity.created_by == org.user("liaison")
    assert sorted(activity.themes.values_list("key", flat=True)) == ["benchmarking", "confidence"]
    assert list(activity.dimensions.values_list("key", flat=True)) == ["economy"]
    assert activity.checkin_opens_at == activity.start_at - dt.timedelta(minutes=30)
    assert activity.checkin_closes_at == activity.end_at
    assert body["kind_label"] == "专题研讨会"
    assert body["status"] == "planned"
    assert [t["key"] for t in body["themes"]] == ["confidence", "benchmarking"]
    assert body["stats"]["invited"] == 0
    assert body["can_change"] is True
    assert body["can_confirm"] is False
    assert AuditEntry.objects.filter(action="activities.activity.create", object_id=str(activity.pk)).count() == 1


def test_creating_with_the_end_before_the_start_names_end_at_and_writes_nothing(org, campaign, as_user):
    start = timezone.now() + dt.timedelta(days=1)
    body = create_body(org, start_at=iso(start), end_at=iso(start - dt.timedelta(hours=1)))
    response = post(as_user(org.user("office")), URL, body)
    assert response.status_code == 400
    assert errors_by_field(response) == {"end_at": "结束时间必须晚于开始时间。"}
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"campaign": "nope"}, "campaign"),
        ({"kind": "picnic"}, "kind"),
        ({"themes": ["confidence", "no-such-theme"]}, "themes"),
        ({"dimensions": ["nowhere"]}, "dimensions"),
        ({"title": "   "}, "title"),
        ({"start_at": "2030-01-01T09:00:00"}, "start_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_on_create_names_the_field(org, campaign, as_user, overrides, field):
    response = post(as_user(org.user("office")), URL, create_body(org, **overrides))
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert not Activity.objects.exists()


def test_an_activity_outside_the_campaign_period_is_refused_on_start_at(org, campaign, as_user):
    start = timezone.now() + dt.timedelta(days=200)
    body = create_body(org, start_at=iso(start), end_at=iso(start + dt.timedelta(hours=1)))
    response = post(as_user(org.user("office")), URL, body)
    assert response.status_code == 400
    assert "大讨论期间" in errors_by_field(response)["start_at"]


def test_a_liaison_cannot_plan_for_another_streets_unit(org, campaign, as_user):
    response = post(as_user(org.user("liaison")), URL, create_body(org, unit=org.community_b.pk))
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"unit"}
    assert not Activity.objects.exists()


def test_the_list_holds_the_callers_activities_with_their_counts(org, campaign, seminar, as_user):
    checkin.attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    make_activity(campaign, org.community_b, title="乙街道座谈")
    body = as_user(org.user("liaison")).get(URL).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["title"], item["campaign"]) == (seminar.pk, "专题研讨会", "xihu")
    assert item["unit"] == {"id": org.community_a.pk, "name": "甲一社区", "code": "C-A1"}
    assert (item["invited_count"], item["present_count"], item["excused_count"], item["speech_count"]) == (1, 1, 0, 0)
    assert {i["title"] for i in as_user(org.user("office")).get(URL).json()["items"]} == {"专题研讨会", "乙街道座谈"}


def test_the_list_filters(org, campaign, seminar, as_user):
    make_activity(
        campaign, org.street_a, title="视察调研", kind="inspection", start=timezone.now() + dt.timedelta(days=3)
    )
    client = as_user(org.user("office"))

    def titles(query: str) -> set[str]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {item["title"] for item in response.json()["items"]}

    both = {"专题研讨会", "视察调研"}
    assert titles("campaign=xihu") == both
    assert titles(f"campaign={campaign.pk}") == both
    assert titles("campaign=other") == set()
    assert titles(f"unit={org.community_a.pk}") == {"专题研讨会"}
    assert titles("kind=inspection") == {"视察调研"}
    assert titles("q=视察") == {"视察调研"}
    assert titles(f"since={(timezone.localdate() + dt.timedelta(days=2)).isoformat()}") == {"视察调研"}
    assert titles(f"until={timezone.localdate().isoformat()}") == {"专题研讨会"}
    assert titles("status=cancelled") == set()
    assert titles("limit=1&offset=1") | titles("limit=1") == both
    assert as_user(org.user("liaison_b")).get(f"{URL}?unit={org.community_a.pk}").json()["count"] == 0


def test_detail_shows_the_plan_stats_and_records(org, campaign, as_user):
    activity = make_activity(
        campaign,
        org.community_a,
        kind="inspection",
        invite=[org.person_a],
        themes=list(campaign.themes.filter(key="confidence")),
        dimensions=list(campaign.dimensions.filter(key="ecology")),
    )
    body = as_user(org.user("liaison")).get(f"{URL}/{activity.pk}").json()
    assert body["kind"] == "inspection"
    assert body["kind_label"] == "视察活动"
    assert [t["key"] for t in body["themes"]] == ["confidence"]
    assert [d["key"] for d in body["dimensions"]] == ["ecology"]
    assert body["checkin_state"] == "open"
    assert body["is_locked"] is False
    assert body["stats"] == {
        "invited": 1,
        "leave_requested": 0,
        "excused": 0,
        "present": 0,
        "present_invited": 0,
        "walk_ins": 0,
        "speeches": 0,
        "expected": 1,
        "absent": 1,
        "rate": 0.0,
    }
    assert (body["minutes"], body["places_visited"], body["evaluation"], body["proposals"]) == ("", [], "", "")


def test_an_invitee_sees_their_activity_but_may_not_change_it(org, seminar, as_user):
    client = as_user(org.user("cadre"))
    body = client.get(f"{URL}/{seminar.pk}").json()
    assert body["title"] == "专题研讨会"
    assert (body["can_change"], body["can_confirm"]) == (False, False)
    response = client.patch(f"{URL}/{seminar.pk}", {"title": "改"}, content_type="application/json")
    assert response.status_code == 403
    seminar.refresh_from_db()
    assert seminar.title == "专题研讨会"


def test_patch_changes_only_what_is_sent_and_records_it(org, campaign, seminar, as_user):
    new_start = seminar.start_at + dt.timedelta(hours=1)
    response = as_user(org.user("liaison")).patch(
        f"{URL}/{seminar.pk}",
        {"place": "  新会议室 ", "start_at": iso(new_start), "themes": ["work-style"], "batch": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    seminar.refresh_from_db()
    assert seminar.place == "新会议室"
    assert seminar.start_at == new_start
    assert seminar.title == "专题研讨会"
    assert list(seminar.themes.values_list("key", flat=True)) == ["work-style"]
    entry = AuditEntry.objects.get(action="activities.activity.update")
    assert entry.after["place"] == "新会议室"
    assert entry.after["themes"] == ["work-style"]
    assert response.json()["themes"] == [{"key": "work-style", "title": campaign.themes.get(key="work-style").title}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"end_at": "2000-01-01T00:00:00+08:00"}, "end_at"),
        ({"checkin_closes_at": "2000-01-01T00:00:00+08:00"}, "checkin_closes_at"),
        ({"dimensions": ["nope"]}, "dimensions"),
        ({"kind": "picnic"}, "kind"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(org, seminar, as_user, body, field):
    before = Activity.objects.filter(pk=seminar.pk).values().get()
    response = as_user(org.user("office")).patch(f"{URL}/{seminar.pk}", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert Activity.objects.filter(pk=seminar.pk).values().get() == before


# --- invitations and participants ---------------------------------------------------------
@pytest.fixture
def roster(org):
    """More people in community A1 and street A itself: a leading cadre in batch 2, a party member
    without an account, a plain cadre in batch 2, one at the street office, and one who left."""
    return {
        "leader": PersonFactory(unit=org.community_a, name="甲领导", is_leading_cadre=True, training_batch=2),
        "member": PersonFactory(unit=org.community_a, name="甲党员", is_party_member=True, is_cadre=False),
        "cadre": PersonFactory(unit=org.community_a, name="甲干部", training_batch=2),
        "street": PersonFactory(unit=org.street_a, name="街道干部", is_party_member=True),
        "gone": PersonFactory(unit=org.community_a, name="已调离", is_party_member=True, is_active=False),
    }


def invite(client, activity, body):
    return post(client, f"{URL}/{activity.pk}/invitations", body)


def invited_names(activity) -> set[str]:
    return set(Invitation.objects.filter(activity=activity).values_list("person__name", flat=True))


def test_inviting_by_unit_and_role(org, campaign, roster, as_user):
    activity = make_activity(campaign, org.street_a)
    client = as_user(org.user("liaison"))
    response = invite(client, activity, {"units": [org.street_a.pk], "roles": ["party_member"]})
    assert response.status_code == 200, response.content
    assert invited_names(activity) == {"张三", "甲党员", "街道干部"}
    # 张三 has the cadre's account; the others have none.
    assert response.json() == {"invited": 3, "already": 0, "notified": 1, "without_account": 2}
    again = invite(client, activity, {"units": [org.street_a.pk], "roles": ["party_member", "leading_cadre"]})
    assert again.json() == {"invited": 1, "already": 3, "notified": 0, "without_account": 1}
    assert invited_names(activity) == {"张三", "甲党员", "街道干部", "甲领导"}
    entry = AuditEntry.objects.filter(action="activities.invitation.add").latest("id")
    assert entry.after["criteria"]["roles"] == ["party_member", "leading_cadre"]


def test_inviting_a_unit_without_its_subunits_and_by_batch(org, campaign, roster, as_user):
    activity = make_activity(campaign, org.street_a)
    client = as_user(org.user("office"))
    invite(client, activity, {"units": [org.street_a.pk], "include_subunits": False})
    assert invited_names(activity) == {"街道干部"}
    invite(client, activity, {"units": [org.community_a.pk], "batch": 2})
    assert invited_names(activity) == {"街道干部", "甲领导", "甲干部"}
    invite(client, activity, {"people": [org.person_a.pk, roster["gone"].pk]})
    assert invited_names(activity) == {"街道干部", "甲领导", "甲干部", "张三"}


def test_inviting_needs_some_criterion(org, seminar, as_user):
    response = invite(as_user(org.user("office")), seminar, {})
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"body"}
    bad_role = invite(as_user(org.user("office")), seminar, {"roles": ["mayor"]})
    assert bad_role.status_code == 400
    assert "roles.0" in errors_by_field(bad_role)
    assert invited_names(seminar) == {"张三"}


def test_participants_show_status_checkin_and_speech_masked_by_role(org, seminar, roster, as_user):
    services.invitations_add(activity=seminar, people=Person.objects.filter(pk=roster["leader"].pk), by=None)
    checkin.attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    records.speech_save(activity=seminar, person=org.person_a, content="发言", by=None)
    body = as_user(org.user("liaison")).get(f"{URL}/{seminar.pk}/participants").json()
    assert body["count"] == 2
    rows = {row["person"]["name"]: row for row in body["items"]}
    assert rows["张三"]["person"]["phone"] == "138****1234"
    assert rows["张三"]["checked_in_at"] is not None
    assert rows["张三"]["checkin_method"] == "manual"
    assert rows["张三"]["has_speech"] is True
    assert rows["甲领导"]["checked_in_at"] is None
    assert rows["甲领导"]["has_speech"] is False
    assert rows["甲领导"]["status"] == "invited"
    office = as_user(org.user("office")).get(f"{URL}/{seminar.pk}/participants?limit=1").json()
    assert office["count"] == 2
    assert len(office["items"]) == 1
    zhang = as_user(org.user("office")).get(f"{URL}/{seminar.pk}/participants").json()["items"]
    assert {row["person"]["phone"] for row in zhang if row["person"]["name"] == "张三"} == {"13800001234"}


def test_mine_lists_the_callers_invitations(org, campaign, seminar, as_user):
    make_activity(campaign, org.community_a, title="未受邀的活动")
    checkin.attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    body = as_user(org.user("cadre")).get(f"{URL}/mine").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["invitation_status"], item["checked_in"]) == (seminar.pk, "invited", True)
    assert item["invitation_status_label"] == "已邀请"
    assert as_user(org.user("liaison")).get(f"{URL}/mine").json() == {"count": 0, "limit": 50, "offset": 0, "items": []}


# --- check-in -----------------------------------------------------------------------------
def check_in(client, activity, code):
    return post(client, f"{URL}/{activity.pk}/checkin", {"code": code})


def test_checking_in_with_the_current_code(org, seminar, as_user):
    code, _seconds = checkin.current_code(seminar)
    response = check_in(as_user(org.user("cadre")), seminar, f" {code[:3]} {code[3:]} ")
    assert response.status_code == 201, response.content
    assert response.json()["person"] == org.person_a.pk
    attendance = Attendance.objects.get(activity=seminar, person=org.person_a)
    assert attendance.method == CheckinMethod.CODE
    assert attendance.recorded_by == org.user("cadre")


def test_a_second_checkin_is_refused_and_keeps_one_row(org, seminar, as_user):
    client = as_user(org.user("cadre"))
    assert check_in(client, seminar, checkin.current_code(seminar)[0]).status_code == 201
    response = check_in(client, seminar, checkin.current_code(seminar)[0])
    assert response.status_code == 400
    assert response.json()["reason"] == "already_checked_in"
    assert "无需重复签到" in response.json()["detail"]
    assert Attendance.objects.filter(activity=seminar).count() == 1


def test_a_wrong_code_is_refused(org, seminar, as_user):
    response = check_in(as_user(org.user("cadre")), seminar, unused_code(seminar))
    assert response.status_code == 400
    assert response.json() == {"detail": "签到码不正确，请核对屏幕上的签到码。", "reason": "wrong_code"}
    assert not Attendance.objects.exists()


def test_an_expired_code_is_refused_as_expired(org, seminar, as_user):
    window = int(timezone.now().timestamp()) // settings.ACTIVITY_CHECKIN_CODE_SECONDS
    old = checkin.code_for(seminar, window - 5)
    response = check_in(as_user(org.user("cadre")), seminar, old)
    assert response.status_code == 400
    assert response.json()["reason"] == "expired"
    assert not Attendance.objects.exists()


def test_a_malformed_code_is_refused(org, seminar, as_user):
    response = check_in(as_user(org.user("cadre")), seminar, "12ab")
    assert response.json()["reason"] == "malformed"
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("start", "reason"),
    [(dt.timedelta(hours=2), "not_open_yet"), (-dt.timedelta(hours=5), "closed")],
)
def test_checkin_outside_its_window_is_refused(org, campaign, as_user, start, reason):
    activity = make_activity(campaign, org.community_a, start=timezone.now() + start, hours=2, invite=[org.person_a])
    response = check_in(as_user(org.user("cadre")), activity, checkin.current_code(activity)[0])
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert not Attendance.objects.exists()


def test_a_caller_without_a_roster_entry_is_told_so(org, seminar, as_user):
    response = check_in(as_user(org.user("liaison")), seminar, checkin.current_code(seminar)[0])
    assert response.status_code == 400
    assert response.json()["reason"] == "no_person"
    assert "没有关联在册人员" in response.json()["detail"]


def test_walk_ins_from_the_holding_units_subtree_may_check_in(org, campaign, as_user):
    closed = make_activity(campaign, org.street_a, title="不允许")
    open_door = make_activity(campaign, org.street_a, title="允许", allow_walk_in=True)
    client = as_user(org.user("cadre"))
    assert check_in(client, closed, checkin.current_code(closed)[0]).status_code == 404
    response = check_in(client, open_door, checkin.current_code(open_door)[0])
    assert response.status_code == 201, response.content
    assert Attendance.objects.filter(activity=open_door, person=org.person_a).exists()
    elsewhere = make_activity(campaign, org.street_b, allow_walk_in=True)
    assert check_in(client, elsewhere, checkin.current_code(elsewhere)[0]).status_code == 404


def test_the_code_endpoint_shows_the_current_code_to_planners_only(org, seminar, as_user):
    body = as_user(org.user("liaison")).get(f"{URL}/{seminar.pk}/code").json()
    assert checkin.code_matches(seminar, body["code"], timezone.now())
    assert 0 < body["seconds_left"] <= body["period"] == settings.ACTIVITY_CHECKIN_CODE_SECONDS
    assert body["checkin_state"] == "open"
    assert as_user(org.user("cadre")).get(f"{URL}/{seminar.pk}/code").status_code == 403


# --- attendance and leave -----------------------------------------------------------------
def test_marking_attendance_by_hand(org, seminar, roster, as_user):
    services.invitations_add(activity=seminar, people=Person.objects.filter(pk=roster["leader"].pk), by=None)
    client = as_user(org.user("liaison"))
    url = f"{URL}/{seminar.pk}/attendance"
    response = post(client, url, {"present": [org.person_a.pk, roster["leader"].pk]})
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 2
    assert response.json()["stats"]["present"] == 2
    assert set(Attendance.objects.filter(activity=seminar).values_list("method", flat=True)) == {"manual"}
    response = post(client, url, {"absent": [roster["leader"].pk]})
    assert (response.json()["added"], response.json()["removed"]) == (0, 1)
    assert list(Attendance.objects.filter(activity=seminar).values_list("person", flat=True)) == [org.person_a.pk]
    stranger = post(client, url, {"present": [roster["member"].pk]})
    assert stranger.status_code == 400
    assert not Attendance.objects.filter(person=roster["member"]).exists()


def test_leave_is_requested_by_the_invitee_and_decided_by_the_liaison(org, seminar, as_user):
    response = post(as_user(org.user("cadre")), f"{URL}/{seminar.pk}/leave", {"reason": "出差"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "leave_requested"
    invitation = Invitation.objects.get(activity=seminar, person=org.person_a)
    assert (invitation.status, invitation.leave_reason) == (InvitationStatus.LEAVE_REQUESTED, "出差")

    decide = f"{URL}/{seminar.pk}/leave/decide"
    client = as_user(org.user("liaison"))
    response = post(client, decide, {"person": org.person_a.pk, "approve": True, "note": "同意"})
    assert response.status_code == 200, response.content
    invitation.refresh_from_db()
    assert (invitation.status, invitation.leave_note) == (InvitationStatus.LEAVE_APPROVED, "同意")
    assert invitation.leave_decided_by == org.user("liaison")
    assert AuditEntry.objects.filter(action="activities.leave.leave_approved").exists()
    assert client.get(f"{URL}/{seminar.pk}").json()["stats"]["excused"] == 1
    again = post(client, decide, {"person": org.person_a.pk, "approve": False})
    assert again.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.LEAVE_APPROVED


def test_leave_needs_a_reason_an_invitation_and_a_roster_entry(org, campaign, seminar, as_user):
    cadre = as_user(org.user("cadre"))
    response = post(cadre, f"{URL}/{seminar.pk}/leave", {"reason": "  "})
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"reason"}
    assert post(as_user(org.user("office")), f"{URL}/{seminar.pk}/leave", {"reason": "忙"}).status_code == 400
    invitation = Invitation.objects.get(activity=seminar, person=org.person_a)
    assert invitation.status == InvitationStatus.INVITED
    not_invited = make_activity(campaign, org.community_a, allow_walk_in=True)
    cadre = as_user(org.user("cadre"))
    assert post(cadre, f"{URL}/{not_invited.pk}/leave", {"reason": "忙"}).status_code == 404


def test_deciding_leave_for_someone_not_invited_names_the_person(org, seminar, as_user):
    response = post(
        as_user(org.user("liaison")), f"{URL}/{seminar.pk}/leave/decide", {"person": org.person_b.pk, "approve": True}
    )
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"person"}


# --- records ------------------------------------------------------------------------------
def test_minutes_speeches_opinions_and_inspection(org, campaign, as_user):
    activity = make_activity(campaign, org.community_a, kind="inspection", invite=[org.person_a])
    client = as_user(org.user("liaison"))
    base = f"{URL}/{activity.pk}"

    response = client.put(f"{base}/minutes", {"minutes": "会议纪要正文"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["minutes"] == "会议纪要正文"
    activity.refresh_from_db()
    assert activity.minutes == "会议纪要正文"

    response = post(client, f"{base}/speeches", {"person": org.person_a.pk, "content": "我的发言"})
    assert response.status_code == 200, response.content
    assert response.json()["person"]["name"] == "张三"
    post(client, f"{base}/speeches", {"person": org.person_a.pk, "content": "更正后的发言"})
    assert list(Speech.objects.filter(activity=activity).values_list("content", flat=True)) == ["更正后的发言"]
    outsider = post(client, f"{base}/speeches", {"person": org.person_b.pk, "content": "x"})
    assert outsider.status_code == 400
    assert set(errors_by_field(outsider)) == {"person"}
    listed = client.get(f"{base}/speeches").json()
    assert listed["count"] == 1
    assert listed["items"][0]["content"] == "更正后的发言"

    response = post(
        client,
        f"{base}/opinions",
        {"content": "希望增加停车位", "dimension": "livelihood", "source_kind": "public", "source_name": "居民"},
    )
    assert response.status_code == 201, response.content
    opinion = Opinion.objects.get(activity=activity)
    assert (opinion.content, opinion.dimension.key, opinion.source_name) == ("希望增加停车位", "livelihood", "居民")
    unknown = post(client, f"{base}/opinions", {"content": "x", "dimension": "nowhere"})
    assert unknown.status_code == 400
    assert set(errors_by_field(unknown)) == {"dimension"}
    opinions = client.get(f"{base}/opinions").json()
    assert [(o["content"], o["dimension"]["key"]) for o in opinions["items"]] == [("希望增加停车位", "livelihood")]

    body = {"places_visited": ["甲一社区", " ", "农贸市场"], "evaluation": "总体较好", "proposals": "加强管理"}
    response = client.put(f"{base}/inspection", body, content_type="application/json")
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert activity.places_visited == ["甲一社区", "农贸市场"]
    assert (activity.evaluation, activity.proposals) == ("总体较好", "加强管理")

    assert client.delete(f"{base}/speeches/{org.person_a.pk}").status_code == 204
    assert not Speech.objects.filter(activity=activity).exists()
    assert client.delete(f"{base}/speeches/{org.person_a.pk}").status_code == 404


# --- confirm, lock, unlock, cancel --------------------------------------------------------
def test_confirmed_records_change_only_with_a_reason_which_is_audited(org, seminar, as_user):
    assert post(as_user(org.user("liaison")), f"{URL}/{seminar.pk}/confirm").status_code == 403
    response = post(as_user(org.user("office")), f"{URL}/{seminar.pk}/confirm")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["is_locked"]) == ("confirmed", True)
    seminar.refresh_from_db()
    assert (seminar.status, seminar.confirmed_by) == (ActivityStatus.CONFIRMED, org.user("office"))

    client = as_user(org.user("liaison"))
    minutes = f"{URL}/{seminar.pk}/minutes"
    refused = client.put(minutes, {"minutes": "补充纪要"}, content_type="application/json")
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"reason"}
    patch = client.patch(f"{URL}/{seminar.pk}", {"place": "改地点"}, content_type="application/json")
    assert patch.status_code == 400
    seminar.refresh_from_db()
    assert (seminar.minutes, seminar.place) == ("", "")

    accepted = client.put(minutes, {"minutes": "补充纪要", "reason": "漏记一项决定"}, content_type="application/json")
    assert accepted.status_code == 200, accepted.content
    seminar.refresh_from_db()
    assert seminar.minutes == "补充纪要"
    entry = AuditEntry.objects.get(action="activities.minutes.save", object_id=str(seminar.pk))
    assert (entry.note, entry.actor, entry.after) == ("漏记一项决定", org.user("liaison"), {"minutes": "补充纪要"})
    patched = client.patch(
        f"{URL}/{seminar.pk}", {"place": "改地点", "reason": "地点登记错误"}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert AuditEntry.objects.get(action="activities.activity.update").note == "地点登记错误"


def test_unlock_needs_the_office_and_a_reason(org, seminar, as_user):
    services.activity_confirm(activity=seminar, by=None)
    assert post(as_user(org.user("liaison")), f"{URL}/{seminar.pk}/unlock", {"reason": "更正"}).status_code == 403
    office = as_user(org.user("office"))
    assert post(office, f"{URL}/{seminar.pk}/unlock", {"reason": " "}).status_code == 400
    seminar.refresh_from_db()
    assert seminar.status == ActivityStatus.CONFIRMED
    response = post(office, f"{URL}/{seminar.pk}/unlock", {"reason": "更正签到"})
    assert response.status_code == 200
    seminar.refresh_from_db()
    assert (seminar.status, seminar.confirmed_at) == (ActivityStatus.PLANNED, None)
    assert AuditEntry.objects.get(action="activities.activity.unlock").note == "更正签到"


def test_confirming_an_activity_that_has_not_begun_is_refused(org, campaign, as_user):
    later = make_activity(campaign, org.community_a, start=timezone.now() + dt.timedelta(days=1))
    response = post(as_user(org.user("office")), f"{URL}/{later.pk}/confirm")
    assert response.status_code == 400
    later.refresh_from_db()
    assert later.status == ActivityStatus.PLANNED


def test_cancelling_needs_a_reason_and_stops_checkin(org, seminar, as_user):
    client = as_user(org.user("liaison"))
    assert post(client, f"{URL}/{seminar.pk}/cancel", {"reason": ""}).status_code == 400
    response = post(client, f"{URL}/{seminar.pk}/cancel", {"reason": "台风停课"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "台风停课")
    seminar.refresh_from_db()
    assert seminar.status == ActivityStatus.CANCELLED
    refused = check_in(as_user(org.user("cadre")), seminar, checkin.current_code(seminar)[0])
    assert refused.json()["reason"] == "cancelled"
    again = post(as_user(org.user("liaison")), f"{URL}/{seminar.pk}/cancel", {"reason": "再取消"})
    assert again.status_code == 400
    assert "不能" in again.json()["detail"][0]["message"]


# --- photos and attachments ---------------------------------------------------------------
def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 320), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(client, activity, name, content, **fields):
    data = {"kind": "photo", **fields, "file": SimpleUploadedFile(name, content)}
    return client.post(f"{URL}/{activity.pk}/attachments", data)


def test_uploading_a_photo_keeps_it_with_a_thumbnail(org, seminar, as_user):
    client = as_user(org.user("liaison"))
    response = upload(client, seminar, "../现场.jpg", png_bytes(), caption="研讨现场")
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get(activity=seminar)
    assert (body["id"], body["content_type"], body["kind"]) == (attachment.pk, "image/png", "photo")
    assert (attachment.original_name, attachment.caption) == ("现场.jpg", "研讨现场")
    assert attachment.file.name.endswith(".png")
    assert attachment.thumbnail
    assert body["thumbnail_url"]
    listed = client.get(f"{URL}/{seminar.pk}/attachments").json()
    assert [item["id"] for item in listed["items"]] == [attachment.pk]


def test_a_file_that_is_not_what_it_claims_is_refused_on_file(org, seminar, as_user):
    client = as_user(org.user("liaison"))
    response = upload(client, seminar, "photo.jpg", b"<html>not an image</html>")
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"file"}
    document = upload(client, seminar, "report.pdf", b"MZ\x90\x00 an executable", kind="document")
    assert document.status_code == 400
    assert set(errors_by_field(document)) == {"file"}
    assert not Attachment.objects.exists()


def test_an_upload_over_the_limit_is_refused(org, seminar, as_user, settings):
    settings.ACTIVITY_MAX_UPLOAD_BYTES = 100
    response = upload(as_user(org.user("liaison")), seminar, "big.png", png_bytes())
    assert response.status_code == 400
    assert "超过上限" in errors_by_field(response)["file"]
    assert not Attachment.objects.exists()


def test_an_invitee_cannot_upload(org, seminar, as_user):
    response = upload(as_user(org.user("cadre")), seminar, "x.png", png_bytes())
    assert response.status_code == 403
    assert not Attachment.objects.exists()
