"""Check-in with the rotating code: which codes are accepted, and every refusal with its reason.

The activity below opens for check-in 30 minutes before it starts; it starts in 10 minutes, so
check-in opened 20 minutes ago and closes when it ends, two hours from now.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from conftest import shared_org
from taolun.activities import checkin
from taolun.activities.checkin import CheckinRefused, checkin_by_code
from taolun.activities.models import Attendance, CheckinMethod
from taolun.core.models import AuditEntry

from .conftest import at, code_at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

STEP = dt.timedelta(seconds=settings.ACTIVITY_CHECKIN_CODE_SECONDS)


@pytest.fixture
def activity(make_activity, invite, org):
    activity = make_activity(start_at=at(minutes=10), end_at=at(hours=2))
    invite(activity, org.person_a)
    return activity


def refused(activity, person, code, *, now, by=None) -> str:
    """Try a check-in that must be refused; return the reason after checking nothing was written."""
    rows = list(Attendance.objects.values_list("pk", "activity_id", "person_id"))
    with pytest.raises(CheckinRefused) as caught:
        checkin_by_code(activity=activity, person=person, code=code, by=by, now=now)
    assert list(Attendance.objects.values_list("pk", "activity_id", "person_id")) == rows
    assert caught.value.reason == caught.value.code
    assert caught.value.messages[0]
    return caught.value.reason


def wrong_code(activity, now) -> str:
    """Six digits that were never this activity's code since check-in opened."""
    windows = range(checkin._window(activity.checkin_opens_at) - 1, checkin._window(now) + 1)
    used = {checkin.code_for(activity, w) for w in windows}
    return next(c for c in ("000000", "123456", "999999", "314159", "271828") if c not in used)


def test_the_current_code_checks_the_person_in_and_is_audited(org, activity):
    now = timezone.now()
    attendance = checkin_by_code(
        activity=activity, person=org.person_a, code=code_at(activity, now), by=org.user("cadre"), now=now
    )
    row = Attendance.objects.get()
    assert row == attendance
    assert (row.activity, row.person, row.method) == (activity, org.person_a, CheckinMethod.CODE)
    assert row.checked_in_at == now and row.recorded_by == org.user("cadre")
    entry = AuditEntry.objects.get(action="activities.attendance.check_in")
    assert entry.after == {"person": org.person_a.pk, "method": "code"}


def test_the_code_as_typed_with_spaces_is_accepted(org, activity):
    now = timezone.now()
    code = code_at(activity, now)
    checkin_by_code(activity=activity, person=org.person_a, code=f" {code[:3]} {code[3:]} ", by=None, now=now)
    assert Attendance.objects.filter(activity=activity, person=org.person_a).exists()


def test_the_code_shown_just_before_is_still_accepted(org, activity):
    now = timezone.now()
    previous = code_at(activity, now - STEP)
    checkin_by_code(activity=activity, person=org.person_a, code=previous, by=None, now=now)
    assert Attendance.objects.filter(activity=activity, person=org.person_a).count() == 1


def test_current_code_matches_what_the_screen_shows(activity):
    now = timezone.now()
    code, seconds_left = checkin.current_code(activity, now)
    assert code == code_at(activity, now) and len(code) == checkin.CODE_DIGITS
    assert 0 < seconds_left <= settings.ACTIVITY_CHECKIN_CODE_SECONDS
    assert len({code_at(activity, now + STEP * k) for k in range(5)}) > 1


def test_an_older_code_is_refused_as_expired(org, activity):
    now = timezone.now()
    assert refused(activity, org.person_a, code_at(activity, now - 3 * STEP), now=now) == "expired"


def test_the_code_of_another_open_activity_is_refused_as_other_activity(org, activity, make_activity, invite):
    other = make_activity(title="另一场研讨", start_at=at(minutes=5), end_at=at(hours=1))
    invite(other, org.person_a)
    now = timezone.now()
    reason = refused(activity, org.person_a, code_at(other, now), now=now)
    assert reason == "other_activity"


def test_the_code_of_an_activity_the_person_is_not_invited_to_is_simply_wrong(org, activity, make_activity):
    other = make_activity(title="别人的研讨", start_at=at(minutes=5), end_at=at(hours=1))
    now = timezone.now()
    assert refused(activity, org.person_a, code_at(other, now), now=now) == "wrong_code"


def test_a_wrong_code_is_refused(org, activity):
    now = timezone.now()
    assert refused(activity, org.person_a, wrong_code(activity, now), now=now) == "wrong_code"


def test_a_code_of_the_wrong_length_is_refused_as_malformed(org, activity):
    assert refused(activity, org.person_a, "12345", now=timezone.now()) == "malformed"


def test_before_the_window_opens_check_in_is_refused(org, activity):
    now = activity.checkin_opens_at - dt.timedelta(minutes=1)
    assert refused(activity, org.person_a, code_at(activity, now), now=now) == "not_open_yet"


def test_after_the_window_closes_check_in_is_refused(org, activity):
    now = activity.checkin_closes_at + dt.timedelta(minutes=1)
    assert refused(activity, org.person_a, code_at(activity, now), now=now) == "closed"


def test_the_window_edges_are_inside(org, activity, make_person, invite):
    late = make_person()
    invite(activity, late)
    opens, closes = activity.checkin_opens_at, activity.checkin_closes_at
    checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, opens), by=None, now=opens)
    checkin_by_code(activity=activity, person=late, code=code_at(activity, closes), by=None, now=closes)
    assert Attendance.objects.filter(activity=activity).count() == 2


def test_a_second_check_in_is_refused_as_already_checked_in(org, activity):
    now = timezone.now()
    checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, now), by=None, now=now)
    later = now + STEP
    assert refused(activity, org.person_a, code_at(activity, later), now=later) == "already_checked_in"
    assert Attendance.objects.filter(activity=activity, person=org.person_a).count() == 1


def test_someone_not_invited_is_refused(org, activity):
    now = timezone.now()
    assert refused(activity, org.person_b, code_at(activity, now), now=now) == "not_invited"


def test_a_walk_in_from_the_holding_units_subtree_is_accepted_when_allowed(org, make_activity):
    activity = make_activity(unit=org.street_a, allow_walk_in=True)
    now = timezone.now()
    checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, now), by=None, now=now)
    assert Attendance.objects.filter(activity=activity, person=org.person_a).exists()


def test_a_walk_in_from_outside_the_subtree_is_refused_even_when_allowed(org, make_activity):
    activity = make_activity(unit=org.street_a, allow_walk_in=True)
    now = timezone.now()
    assert refused(activity, org.person_b, code_at(activity, now), now=now) == "not_invited"


def test_walk_ins_are_refused_when_not_allowed(org, make_activity):
    activity = make_activity(unit=org.street_a, allow_walk_in=False)
    now = timezone.now()
    assert refused(activity, org.person_a, code_at(activity, now), now=now) == "not_invited"


def test_a_cancelled_activity_refuses_check_in(org, activity):
    from taolun.activities.services import activity_cancel

    activity = activity_cancel(activity=activity, reason="改期", by=None)
    now = timezone.now()
    assert refused(activity, org.person_a, code_at(activity, now), now=now) == "cancelled"


def test_someone_off_the_roster_is_refused(org, activity):
    from taolun.orgs.services import person_update

    person = person_update(person=org.person_a, is_active=False, by=None)
    now = timezone.now()
    assert refused(activity, person, code_at(activity, now), now=now) == "not_on_roster"


def test_too_many_attempts_by_one_user_are_refused(org, activity):
    now = timezone.now()
    user = org.user("cadre")
    for _attempt in range(checkin.CHECKIN_ATTEMPT_LIMIT):
        with pytest.raises(CheckinRefused):
            checkin_by_code(activity=activity, person=org.person_a, code=wrong_code(activity, now), by=user, now=now)
    reason = refused(activity, org.person_a, code_at(activity, now), now=now, by=user)
    assert reason == "too_many_attempts"
