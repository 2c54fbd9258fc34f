"""Attendance marked by the liaison, and leave (请假): requested by the invitee, decided by the liaison."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.activities import selectors, services
from taolun.activities.checkin import attendance_mark, leave_decide, leave_request, leave_withdraw
from taolun.activities.models import Attendance, CheckinMethod, Invitation, InvitationStatus
from taolun.core.models import AuditEntry, Notification

from .conftest import at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def present_ids(activity) -> set[int]:
    return set(Attendance.objects.filter(activity=activity).values_list("person_id", flat=True))


@pytest.fixture
def people(org, make_person):
    return [org.person_a, make_person(), make_person()]


@pytest.fixture
def activity(make_activity, invite, people):
    activity = make_activity()
    invite(activity, *people)
    return activity


# --- attendance marked by hand --------------------------------------------------------------------


def test_liaison_marks_people_present_and_absent(org, activity, people):
    liaison = org.user("liaison")
    result = attendance_mark(activity=activity, present=[p.pk for p in people[:2]], by=liaison)
    assert (result.added, result.removed) == (2, 0)
    assert present_ids(activity) == {people[0].pk, people[1].pk}
    row = Attendance.objects.get(activity=activity, person=people[0])
    assert row.method == CheckinMethod.MANUAL and row.recorded_by == liaison
    result = attendance_mark(activity=activity, present=[people[2].pk], absent=[people[0].pk], by=liaison)
    assert (result.added, result.removed) == (1, 1)
    assert present_ids(activity) == {people[1].pk, people[2].pk}
    assert AuditEntry.objects.filter(action="activities.attendance.mark").count() == 2


def test_marking_someone_present_twice_keeps_one_row(activity, people):
    attendance_mark(activity=activity, present=[people[0].pk], by=None)
    result = attendance_mark(activity=activity, present=[people[0].pk], by=None)
    assert result.added == 0
    assert Attendance.objects.filter(activity=activity, person=people[0]).count() == 1


def test_someone_not_invited_cannot_be_marked(org, activity, people):
    with pytest.raises(ValidationError):
        attendance_mark(activity=activity, present=[people[0].pk, org.person_b.pk], by=org.user("liaison"))
    with pytest.raises(ValidationError):
        attendance_mark(activity=activity, present=[], absent=[org.person_b.pk], by=org.user("liaison"))
    assert present_ids(activity) == set()


def test_liaison_of_another_street_cannot_mark(org, activity, people):
    with pytest.raises(PermissionDenied):
        attendance_mark(activity=activity, present=[people[0].pk], by=org.user("liaison_b"))
    assert present_ids(activity) == set()


def test_attendance_cannot_be_marked_for_an_activity_days_ahead(make_activity, invite, people):
    activity = make_activity(start_at=at(days=3))
    invite(activity, *people)
    with pytest.raises(ValidationError):
        attendance_mark(activity=activity, present=[people[0].pk], by=None)
    assert present_ids(activity) == set()


def test_after_confirmation_marking_needs_a_reason_which_is_kept_in_the_audit_entry(org, activity, people):
    attendance_mark(activity=activity, present=[people[0].pk], by=None)
    activity = services.activity_confirm(activity=activity, by=org.user("office"))
    with pytest.raises(ValidationError) as caught:
        attendance_mark(activity=activity, present=[people[1].pk], by=org.user("office"))
    assert "reason" in caught.value.message_dict
    assert present_ids(activity) == {people[0].pk}
    attendance_mark(activity=activity, present=[people[1].pk], by=org.user("office"), reason=" 纸质签到表补登 ")
    assert present_ids(activity) == {people[0].pk, people[1].pk}
    entry = AuditEntry.objects.filter(action="activities.attendance.mark").first()
    assert entry.note == "纸质签到表补登" and entry.after["present"] == [people[1].pk]


# --- leave ----------------------------------------------------------------------------------------


@pytest.fixture
def own_invitation(org, make_activity, invite):
    """The cadre user's own invitation (person_a) to an activity tomorrow."""
    activity = make_activity(start_at=at(days=1))
    invite(activity, org.person_a, org.person_b)
    return Invitation.objects.get(activity=activity, person=org.person_a)


def status_of(invitation) -> str:
    return Invitation.objects.values_list("status", flat=True).get(pk=invitation.pk)


def test_the_invitee_requests_leave_with_a_reason(org, own_invitation):
    invitation = leave_request(invitation=own_invitation, reason=" 出差 ", by=org.user("cadre"))
    stored = Invitation.objects.get(pk=own_invitation.pk)
    assert stored.status == InvitationStatus.LEAVE_REQUESTED
    assert stored.leave_reason == "出差" and stored.leave_requested_at is not None
    assert invitation.status == InvitationStatus.LEAVE_REQUESTED
    entry = AuditEntry.objects.get(action="activities.leave.leave_requested")
    assert entry.note == "出差" and entry.actor == org.user("cadre")


def test_leave_needs_a_reason(org, own_invitation):
    with pytest.raises(ValidationError) as caught:
        leave_request(invitation=own_invitation, reason="  ", by=org.user("cadre"))
    assert "reason" in caught.value.message_dict
    assert status_of(own_invitation) == InvitationStatus.INVITED


@pytest.mark.parametrize("role", ["liaison", "office", "citizen"])
def test_only_the_invitee_may_request_leave(org, own_invitation, role):
    with pytest.raises(PermissionDenied):
        leave_request(invitation=own_invitation, reason="代请假", by=org.user(role))
    assert status_of(own_invitation) == InvitationStatus.INVITED


def test_liaison_approves_leave_and_the_invitee_is_told(org, own_invitation):
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    Notification.objects.all().delete()
    leave_decide(invitation=own_invitation, approve=True, note="同意", by=org.user("liaison"))
    stored = Invitation.objects.get(pk=own_invitation.pk)
    assert stored.status == InvitationStatus.LEAVE_APPROVED
    assert stored.leave_decided_by == org.user("liaison") and stored.leave_note == "同意"
    notice = Notification.objects.get(recipient=org.user("cadre"))
    assert own_invitation.activity.title in notice.title


def test_liaison_rejects_leave_and_the_invitee_may_ask_again(org, own_invitation):
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    leave_decide(invitation=own_invitation, approve=False, note="会议重要", by=org.user("liaison"))
    assert status_of(own_invitation) == InvitationStatus.LEAVE_REJECTED
    leave_request(invitation=own_invitation, reason="确需出差", by=org.user("cadre"))
    stored = Invitation.objects.get(pk=own_invitation.pk)
    assert stored.status == InvitationStatus.LEAVE_REQUESTED
    assert stored.leave_reason == "确需出差" and stored.leave_decided_by is None and stored.leave_note == ""


def test_liaison_of_another_street_cannot_decide(org, own_invitation):
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    with pytest.raises(PermissionDenied):
        leave_decide(invitation=own_invitation, approve=True, by=org.user("liaison_b"))
    assert status_of(own_invitation) == InvitationStatus.LEAVE_REQUESTED


def test_deciding_without_a_pending_request_is_refused(org, own_invitation):
    with pytest.raises(ValidationError):
        leave_decide(invitation=own_invitation, approve=True, by=org.user("liaison"))
    assert status_of(own_invitation) == InvitationStatus.INVITED
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    leave_decide(invitation=own_invitation, approve=True, by=org.user("liaison"))
    with pytest.raises(ValidationError):
        leave_decide(invitation=own_invitation, approve=False, by=org.user("liaison"))
    assert status_of(own_invitation) == InvitationStatus.LEAVE_APPROVED


def test_requesting_twice_or_after_approval_is_refused(org, own_invitation):
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    with pytest.raises(ValidationError):
        leave_request(invitation=own_invitation, reason="再请一次", by=org.user("cadre"))
    assert Invitation.objects.get(pk=own_invitation.pk).leave_reason == "出差"
    leave_decide(invitation=own_invitation, approve=True, by=org.user("liaison"))
    with pytest.raises(ValidationError):
        leave_request(invitation=own_invitation, reason="又请一次", by=org.user("cadre"))
    assert status_of(own_invitation) == InvitationStatus.LEAVE_APPROVED


def test_only_a_pending_request_can_be_withdrawn(org, own_invitation):
    with pytest.raises(ValidationError):
        leave_withdraw(invitation=own_invitation, by=org.user("cadre"))
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    with pytest.raises(PermissionDenied):
        leave_withdraw(invitation=own_invitation, by=org.user("liaison"))
    leave_withdraw(invitation=own_invitation, by=org.user("cadre"))
    assert status_of(own_invitation) == InvitationStatus.INVITED


def test_leave_cannot_be_requested_after_checking_in_or_after_the_end(org, make_activity, invite):
    activity = make_activity(start_at=at(hours=-3), end_at=at(hours=-1))
    invite(activity, org.person_a)
    invitation = Invitation.objects.get(activity=activity)
    with pytest.raises(ValidationError):
        leave_request(invitation=invitation, reason="出差", by=org.user("cadre"))
    running = make_activity()
    invite(running, org.person_a)
    attendance_mark(activity=running, present=[org.person_a.pk], by=None)
    with pytest.raises(ValidationError):
        leave_request(invitation=Invitation.objects.get(activity=running), reason="出差", by=org.user("cadre"))
    assert not Invitation.objects.exclude(status=InvitationStatus.INVITED).exists()


def test_excused_people_leave_the_expected_count(org, make_activity, invite, make_person):
    activity = make_activity()
    extra = [make_person(account=True) for _i in range(3)]
    invite(activity, org.person_a, *extra)
    attendance_mark(activity=activity, present=[org.person_a.pk, extra[0].pk], by=None)
    stats = selectors.activity_stats(activity)
    assert (stats.invited, stats.expected, stats.present_invited) == (4, 4, 2)
    assert stats.rate == pytest.approx(0.5)
    excused = Invitation.objects.get(activity=activity, person=extra[1])
    leave_request(invitation=excused, reason="病假", by=extra[1].user)
    stats = selectors.activity_stats(activity)
    assert (stats.leave_requested, stats.excused, stats.expected) == (1, 0, 4)
    leave_decide(invitation=excused, approve=True, by=org.user("liaison"))
    stats = selectors.activity_stats(activity)
    assert (stats.invited, stats.excused, stats.expected, stats.absent) == (4, 1, 3, 1)
    assert stats.rate == pytest.approx(2 / 3)


def test_a_pending_leave_on_confirmed_records_is_decided_only_with_a_reason(org, own_invitation):
    leave_request(invitation=own_invitation, reason="出差", by=org.user("cadre"))
    activity = own_invitation.activity
    activity.start_at = at(hours=-1)  # held already: the office may confirm it
    activity.save(update_fields=["start_at"])
    services.activity_confirm(activity=activity, by=org.user("office"))
    own_invitation.activity.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        leave_decide(invitation=own_invitation, approve=True, by=org.user("liaison"))
    assert "reason" in caught.value.message_dict
    assert status_of(own_invitation) == InvitationStatus.LEAVE_REQUESTED
    leave_decide(invitation=own_invitation, approve=True, reason="补批", by=org.user("liaison"))
    assert status_of(own_invitation) == InvitationStatus.LEAVE_APPROVED
    assert AuditEntry.objects.get(action="activities.leave.leave_approved").note == "补批"


def test_confirming_twice_says_what_cannot_be_done(org, make_activity):
    activity = make_activity()
    services.activity_confirm(activity=activity, by=org.user("office"))
    with pytest.raises(ValidationError) as caught:
        services.activity_confirm(activity=activity, by=org.user("office"))
    assert caught.value.messages == ["活动当前状态为“记录已确认”，不能确认记录。"]
