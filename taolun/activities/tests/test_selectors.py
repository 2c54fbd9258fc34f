"""Reads: statistics of one activity, attendance rates of units and people, training coverage,
calendars and the counted list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import shared_org
from taolun.activities import selectors, services
from taolun.activities.checkin import attendance_mark, checkin_by_code, leave_decide, leave_request
from taolun.activities.models import Activity, Invitation
from taolun.activities.records import speech_save

from .conftest import at, code_at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def excuse(activity, person) -> None:
    """Leave asked for the day before and approved."""
    invitation = Invitation.objects.get(activity=activity, person=person)
    leave_request(invitation=invitation, reason="公务", by=None, now=activity.start_at - dt.timedelta(days=1))
    leave_decide(invitation=invitation, approve=True, by=None)


def local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- one activity ---------------------------------------------------------------------------------


def test_activity_stats_counts_invited_excused_present_walk_ins_and_speeches(org, make_activity, make_person, invite):
    activity = make_activity(kind="seminar", allow_walk_in=True)
    p = [make_person() for _i in range(4)]
    invite(activity, *p)
    walk_in = make_person(org.street_a)
    leave_request(invitation=Invitation.objects.get(activity=activity, person=p[2]), reason="病假", by=None)
    excuse(activity, p[1])
    attendance_mark(activity=activity, present=[p[0].pk], by=None)  # p[3] is invited and stays away
    now = timezone.now()
    checkin_by_code(activity=activity, person=walk_in, code=code_at(activity, now), by=None, now=now)
    speech_save(activity=activity, person=p[0], content="发言", by=None)
    stats = selectors.activity_stats(activity)
    assert (stats.invited, stats.leave_requested, stats.excused) == (4, 1, 1)
    assert (stats.present, stats.present_invited, stats.walk_ins, stats.speeches) == (2, 1, 1, 1)
    assert (stats.expected, stats.absent) == (3, 2)
    assert stats.rate == pytest.approx(1 / 3)


def test_nobody_expected_gives_no_rate(make_activity):
    stats = selectors.activity_stats(make_activity())
    assert (stats.invited, stats.expected, stats.rate) == (0, 0, None)


def test_unspoken_lists_those_present_without_a_speech(org, make_activity, make_person, invite):
    activity = make_activity(kind="seminar")
    quiet = make_person(name="沉默者")
    invite(activity, org.person_a, quiet)
    attendance_mark(activity=activity, present=[org.person_a.pk, quiet.pk], by=None)
    speech_save(activity=activity, person=org.person_a, content="发言", by=None)
    assert list(selectors.unspoken(activity)) == [quiet]
    rows = {row.person_id: row for row in selectors.participant_rows(activity)}
    assert rows[org.person_a.pk].has_speech and not rows[quiet.pk].has_speech
    assert rows[quiet.pk].checked_in_at is not None


# --- rates ----------------------------------------------------------------------------------------


@pytest.fixture
def held(org, make_activity, make_person, invite):
    """Activities in both streets: only those begun and not cancelled count for rates."""
    a1, a2, a3 = (make_person(org.community_a) for _i in range(3))
    b1 = make_person(org.community_b)
    street_a = make_activity(unit=org.street_a, start_at=at(days=-2))
    invite(street_a, a1, a2, a3)
    attendance_mark(activity=street_a, present=[a1.pk], by=None)
    excuse(street_a, a3)
    community_a = make_activity(unit=org.community_a, start_at=at(hours=-1))
    invite(community_a, a1, a2)
    attendance_mark(activity=community_a, present=[a1.pk, a2.pk], by=None)
    future = make_activity(unit=org.community_a, start_at=at(days=2))
    invite(future, a1, a2, a3)
    cancelled = make_activity(unit=org.street_a, start_at=at(days=-1))
    invite(cancelled, a1, a2, a3)
    services.activity_cancel(activity=cancelled, reason="改期", by=None)
    street_b = make_activity(unit=org.street_b, start_at=at(days=-1))
    invite(street_b, b1, a2)
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "street_b": street_b, "community_a": community_a}


def test_unit_rate_counts_begun_live_activities_in_the_subtree_without_the_excused(org, held):
    rate = selectors.unit_rate(org.street_a)
    assert (rate.expected, rate.present) == (4, 3)
    assert rate.rate == pytest.approx(0.75)
    community = selectors.unit_rate(org.community_a)
    assert (community.expected, community.present) == (2, 2)
    street_b = selectors.unit_rate(org.street_b)
    assert (street_b.expected, street_b.present, street_b.rate) == (2, 0, 0)


def test_unit_rate_counts_an_activity_once_it_has_begun(org, held):
    later = selectors.unit_rate(org.community_a, held_before=at(days=3))
    assert (later.expected, later.present) == (5, 2)


def test_person_rate_follows_the_person_across_units(held):
    a1 = selectors.person_rate(held["a1"])
    assert (a1.expected, a1.present) == (2, 2)
    a2 = selectors.person_rate(held["a2"])
    assert (a2.expected, a2.present) == (3, 1)
    a3 = selectors.person_rate(held["a3"])
    assert (a3.expected, a3.present, a3.rate) == (0, 0, None)


def test_rates_can_be_limited_to_one_campaign(org, held, make_campaign, make_activity, invite):
    other = make_campaign()
    elsewhere = make_activity(unit=org.street_a, on=other)
    invite(elsewhere, held["a1"])
    assert selectors.unit_rate(org.street_a).expected == 5
    assert selectors.unit_rate(org.street_a, campaign=held["community_a"].campaign).expected == 4
    assert selectors.person_rate(held["a1"], campaign=other).expected == 1


def test_unit_breakdown_gives_each_child_and_the_unit_itself(org, held, make_activity):
    make_activity(unit=org.district)
    rows = {row["unit"].code: row for row in selectors.unit_breakdown(org.district)}
    assert set(rows) == {"D001", "S-A", "S-B", "DEP-FG"}
    assert rows["D001"]["is_self"] and not rows["S-A"]["is_self"]
    assert {code: row["held"] for code, row in rows.items()} == {"D001": 1, "S-A": 3, "S-B": 1, "DEP-FG": 0}
    assert (rows["S-A"]["rate"].expected, rows["S-A"]["rate"].present) == (4, 3)
    assert (rows["S-B"]["rate"].expected, rows["S-B"]["rate"].present) == (2, 0)
    assert rows["DEP-FG"]["rate"].rate is None and rows["D001"]["rate"].expected == 0


# --- training in batches --------------------------------------------------------------------------


def test_training_coverage_counts_leading_cadres_trained_in_any_batch(
    org, campaign, make_activity, make_person, invite
):
    lead_a1 = make_person(org.community_a, is_leading_cadre=True, training_batch=1)
    lead_a2 = make_person(org.street_a, is_leading_cadre=True, training_batch=2)
    make_person(org.community_a)  # not a leading cadre: not counted
    batch1 = make_activity(unit=org.district, kind="training", batch=1, start_at=at(days=-3))
    batch2 = make_activity(unit=org.district, kind="training", batch=2, start_at=at(days=-1))
    invite(batch1, lead_a1, org.person_b)
    invite(batch2, lead_a2)
    attendance_mark(activity=batch1, present=[lead_a1.pk], by=None)
    cancelled = make_activity(unit=org.district, kind="training", batch=3, start_at=at(hours=-5))
    invite(cancelled, org.person_b)
    attendance_mark(activity=cancelled, present=[org.person_b.pk], by=None)
    services.activity_cancel(activity=cancelled, reason="讲师缺席", by=None)

    coverage = selectors.training_coverage(campaign, org.district)
    assert (coverage.total, coverage.covered) == (3, 1)
    assert coverage.rate == pytest.approx(1 / 3)
    assert set(coverage.missing) == {lead_a2, org.person_b}
    assert [(b["batch"], b["activities"], b["attended"]) for b in coverage.by_batch] == [(1, 1, 1), (2, 1, 0)]

    street = selectors.training_coverage(campaign, org.street_a)
    assert (street.total, street.covered) == (2, 1)


# --- calendars ------------------------------------------------------------------------------------


@pytest.fixture
def month_turn(campaign):
    """The first day of the month after the campaign starts (always inside its 78 days)."""
    start = campaign.start_date
    return (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def test_an_activity_from_the_previous_month_into_this_one_is_found(org, make_activity, month_turn):
    across = make_activity(
        start_at=local(month_turn - dt.timedelta(days=1), 9), end_at=local(month_turn + dt.timedelta(days=1), 17)
    )
    before = make_activity(
        start_at=local(month_turn - dt.timedelta(days=1), 9), end_at=local(month_turn - dt.timedelta(days=1), 11)
    )
    inside = make_activity(start_at=local(month_turn + dt.timedelta(days=3), 9))
    first, last = selectors.month_bounds(month_turn.year, month_turn.month)
    found = set(selectors.overlapping(Activity.objects.all(), first, last))
    assert found == {across, inside}
    assert before not in found


def test_an_activity_ending_at_midnight_does_not_reach_the_next_day(org, make_activity, month_turn):
    evening = make_activity(start_at=local(month_turn - dt.timedelta(days=1), 20), end_at=local(month_turn, 0))
    first, last = selectors.month_bounds(month_turn.year, month_turn.month)
    assert evening not in selectors.overlapping(Activity.objects.all(), first, last)
    weeks = selectors.month_grid(month_turn.year, month_turn.month, [evening])
    days = {d.date: d for week in weeks for d in week}
    assert days[month_turn].activities == []


def test_month_grid_shows_a_multi_day_activity_on_each_of_its_days(org, make_activity, month_turn):
    start = month_turn + dt.timedelta(days=9)
    three_days = make_activity(start_at=local(start, 9), end_at=local(start + dt.timedelta(days=2), 17))
    one_day = make_activity(start_at=local(start + dt.timedelta(days=1), 14))
    weeks = selectors.month_grid(month_turn.year, month_turn.month, [three_days, one_day], today=start)
    days = {d.date: d for week in weeks for d in week}
    assert all(len(week) == 7 and week[0].date.weekday() == 0 for week in weeks)
    assert days[start].activities == [three_days] and days[start].is_today
    assert days[start + dt.timedelta(days=1)].activities == [three_days, one_day]
    assert days[start + dt.timedelta(days=2)].activities == [three_days]
    assert days[start + dt.timedelta(days=3)].activities == []
    assert days[month_turn].in_month and not days[start + dt.timedelta(days=1)].is_today


def test_unit_calendar_is_limited_to_the_viewers_scope(org, make_activity, month_turn):
    own = make_activity(unit=org.community_a, start_at=local(month_turn, 9))
    make_activity(unit=org.community_b, start_at=local(month_turn, 9))
    first, last = selectors.month_bounds(month_turn.year, month_turn.month)
    assert selectors.unit_calendar(org.user("liaison"), org.district, first, last) == [own]
    assert len(selectors.unit_calendar(org.user("office"), org.district, first, last)) == 2


def test_person_calendar_shows_their_invitations_with_status(org, make_activity, invite, month_turn):
    mine = make_activity(start_at=local(month_turn, 9))
    make_activity(start_at=local(month_turn, 14))
    invite(mine, org.person_a)
    first, last = selectors.month_bounds(month_turn.year, month_turn.month)
    rows = selectors.person_calendar(org.person_a, first, last)
    assert rows == [mine]
    assert rows[0].invitation_status == "invited" and rows[0].checked_in is False


# --- lists ----------------------------------------------------------------------------------------


def test_page_rows_give_each_row_its_counts_in_two_queries(
    org, make_activity, make_person, invite, django_assert_num_queries
):
    people = [make_person() for _i in range(3)]
    oldest = make_activity(start_at=at(days=-3))
    middle = make_activity(start_at=at(days=-2))
    newest = make_activity(start_at=at(days=-1))
    invite(oldest, *people)
    invite(middle, people[0])
    excuse(oldest, people[2])
    attendance_mark(activity=oldest, present=[people[0].pk, people[1].pk], by=None)
    speech_save(activity=oldest, person=people[0], content="发言", by=None)
    qs = selectors.filter_activities(Activity.objects.all())
    with django_assert_num_queries(2):
        first_page = selectors.page_rows(qs, 0, 2)
    assert first_page == [newest, middle]
    assert [(a.invited_count, a.excused_count, a.present_count, a.speech_count) for a in first_page] == [
        (0, 0, 0, 0),
        (1, 0, 0, 0),
    ]
    (last,) = selectors.page_rows(qs, 2, 2)
    assert last == oldest
    assert (last.invited_count, last.excused_count, last.present_count, last.speech_count) == (3, 1, 2, 1)
    assert selectors.page_rows(qs, 3, 2) == []


def test_with_counts_on_a_queryset(org, make_activity, make_person, invite):
    activity = make_activity()
    invite(activity, make_person(), make_person())
    row = selectors.with_counts(Activity.objects.filter(pk=activity.pk)).get()
    assert (row.invited_count, row.present_count) == (2, 0)


def test_filter_activities_by_unit_kind_status_dates_and_text(org, campaign, make_activity):
    study = make_activity(unit=org.community_a, title="学习会", place="礼堂", start_at=at(days=-2))
    seminar = make_activity(unit=org.street_b, kind="seminar", title="研讨会", start_at=at(days=-1))
    cancelled = services.activity_cancel(activity=make_activity(unit=org.street_a), reason="改期", by=None)
    everything = Activity.objects.all()
    assert list(selectors.filter_activities(everything, unit=org.street_a)) == [cancelled, study]
    assert list(selectors.filter_activities(everything, kind="seminar")) == [seminar]
    assert list(selectors.filter_activities(everything, status="cancelled")) == [cancelled]
    assert list(selectors.filter_activities(everything, q="礼堂")) == [study]
    yesterday = timezone.localtime(seminar.start_at).date()
    assert seminar in selectors.filter_activities(everything, since=yesterday, until=yesterday)
    assert study not in selectors.filter_activities(everything, since=yesterday, until=yesterday)
    assert list(selectors.filter_activities(everything, campaign=campaign)) == [cancelled, seminar, study]


def test_activities_managed_by_follow_the_planning_scope(org, make_activity):
    own = make_activity(unit=org.community_a)
    other = make_activity(unit=org.community_b)
    assert list(selectors.activities_managed_by(org.user("liaison"))) == [own]
    assert set(selectors.activities_managed_by(org.user("office"))) == {own, other}
    assert not selectors.activities_managed_by(org.user("reviewer")).exists()
    assert set(selectors.units_for_planning(org.user("liaison_b"), own.campaign)) == {org.street_b, org.community_b}
