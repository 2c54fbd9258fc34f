"""The counts stored on an activity stay equal to a fresh count after every kind of change."""

from __future__ import annotations

import pytest

from taolun.activities import checkin, selectors, services
from taolun.activities.counts import counts_of, counts_rebuild
from taolun.activities.models import Activity, Invitation

from .conftest import at, code_at

pytestmark = pytest.mark.django_db


def stored(activity: Activity) -> dict[str, int]:
    return dict(
        Activity.objects.filter(pk=activity.pk)
        .values("invited_count", "excused_count", "present_count", "attendance_count")
        .get()
    )


def test_counts_follow_invitations_check_ins_leave_and_marking(org, make_activity, make_person, invite):
    activity = make_activity(start_at=at(minutes=-10), allow_walk_in=True)
    late = make_activity(start_at=at(days=1))
    people = [make_person(account=True) for _ in range(4)]
    invite(activity, *people)
    invite(late, people[0])
    assert (
        stored(activity)
        == counts_of(activity.pk)
        == {
            "invited_count": 4,
            "excused_count": 0,
            "present_count": 0,
            "attendance_count": 0,
        }
    )
    now = at()
    checkin.checkin_by_code(
        activity=activity, person=people[0], code=code_at(activity, now), by=people[0].user, now=now
    )
    walk_in = make_person(org.community_a, account=True)
    checkin.checkin_by_code(activity=activity, person=walk_in, code=code_at(activity, now), by=walk_in.user, now=now)
    checkin.attendance_mark(activity=activity, present=[people[1].pk], by=None)
    leave = Invitation.objects.get(activity=activity, person=people[2])
    checkin.leave_request(invitation=leave, reason="出差", by=people[2].user)
    checkin.leave_decide(invitation=leave, approve=True, by=org.user("liaison"))
    services.invitation_remove(invitation=Invitation.objects.get(activity=activity, person=people[3]), by=None)
    assert (
        stored(activity)
        == counts_of(activity.pk)
        == {
            "invited_count": 3,
            "excused_count": 1,
            "present_count": 2,
            "attendance_count": 3,
        }
    )
    checkin.attendance_mark(activity=activity, present=[], absent=[people[1].pk], by=None)
    assert stored(activity)["present_count"] == 1
    stats = selectors.activity_stats(activity)
    assert (stats.invited, stats.excused, stats.present_invited, stats.present) == (3, 1, 1, 2)


def test_rebuilding_counts_gives_the_same_numbers(org, make_activity, invite, make_person):
    activity = make_activity()
    people = [make_person() for _ in range(3)]
    invite(activity, *people)
    checkin.attendance_mark(activity=activity, present=[people[0].pk, people[1].pk], by=None)
    before = stored(activity)
    Activity.objects.filter(pk=activity.pk).update(invited_count=0, present_count=0, attendance_count=0)
    assert counts_rebuild(Activity.objects.filter(pk=activity.pk)) == 1
    assert (
        stored(activity)
        == before
        == {"invited_count": 3, "excused_count": 0, "present_count": 2, "attendance_count": 2}
    )


def test_unit_rates_add_up_the_stored_counts(org, make_activity, invite, make_person):
    held = make_activity(start_at=at(hours=-3))
    coming = make_activity(start_at=at(days=2))
    elsewhere = make_activity(unit=org.street_b, start_at=at(hours=-3))
    people = [make_person() for _ in range(4)]
    for activity in (held, coming, elsewhere):
        invite(activity, *people)
    for activity in (held, elsewhere):
        checkin.attendance_mark(activity=activity, present=[people[0].pk], by=None)
    rate = selectors.unit_rate(org.street_a)
    assert (rate.expected, rate.present) == (4, 1)  # the coming activity has not begun
    district = {row["unit"].pk: row for row in selectors.unit_breakdown(org.district)}
    assert district[org.street_a.pk]["held"] == 2 and district[org.street_a.pk]["rate"].present == 1
    assert district[org.street_b.pk]["rate"].expected == 4
