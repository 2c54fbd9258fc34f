"""What activities prove for the built-in plan's requirements (evidence kind ``activity``).

The campaign is the built-in plan over the district, its period around today; the requirements are
read through the requirement engine (``campaigns.evidence``), as every report does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import shared_org
from taolun.activities import records, services
from taolun.activities.checkin import attendance_mark
from taolun.campaigns.evidence import achieved, check_subject

from .conftest import at, image_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


@pytest.fixture
def requirement(campaign):
    return lambda key: campaign.requirements.get(key=key)


@pytest.fixture
def hold(make_activity, invite):
    """An activity that has taken place, with the records asked for."""

    def _hold(*, unit, kind, present=(), minutes="", speeches=(), **fields):
        fields.setdefault("start_at", at(hours=-3))
        activity = make_activity(unit=unit, kind=kind, **fields)
        if present:
            invite(activity, *present)
            attendance_mark(activity=activity, present=[p.pk for p in present], by=None)
        if minutes:
            records.minutes_save(activity=activity, minutes=minutes, by=None)
        for person in speeches:
            records.speech_save(activity=activity, person=person, content=f"{person.name}的发言", by=None)
        return activity

    return _hold


def done(requirement, subject_id) -> bool:
    (check,) = check_subject([requirement], subject_id)
    return check.is_done


# --- unit-study-session: streets and departments, a study session with minutes and attendance -----


def test_a_study_session_with_minutes_and_attendance_meets_the_units_requirement(org, requirement, hold):
    study = requirement("unit-study-session")
    hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="学习纪要")
    assert achieved(study, [org.street_a.pk, org.street_b.pk, org.department.pk]) == {org.street_a.pk: 1}
    assert done(study, org.street_a.pk)
    assert not done(study, org.street_b.pk)


def test_a_study_session_without_minutes_does_not_count(org, requirement, hold):
    hold(unit=org.street_a, kind="study", present=[org.person_a])
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_a_study_session_without_attendance_does_not_count(org, requirement, hold):
    hold(unit=org.street_a, kind="study", minutes="学习纪要")
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_only_the_unit_itself_holding_it_counts_not_a_unit_below(org, requirement, hold):
    hold(unit=org.community_a, kind="study", present=[org.person_a], minutes="社区学习纪要")
    assert not done(requirement("unit-study-session"), org.street_a.pk)
    assert done(requirement("community-study-session"), org.community_a.pk)


def test_another_kind_does_not_count_for_a_study_session(org, requirement, hold):
    hold(unit=org.street_a, kind="seminar", present=[org.person_a], minutes="研讨纪要", speeches=[org.person_a])
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_every_qualifying_session_is_counted(org, requirement, hold):
    hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="第一次")
    hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="第二次", start_at=at(days=-2))
    assert achieved(requirement("unit-study-session"), [org.street_a.pk]) == {org.street_a.pk: 2}


def test_a_cancelled_session_does_not_count(org, requirement, hold):
    activity = hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="学习纪要")
    services.activity_cancel(activity=activity, reason="取消", by=None)
    assert achieved(requirement("unit-study-session"), [org.street_a.pk]) == {}
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_a_session_not_yet_begun_does_not_count(org, requirement, hold):
    hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="预先写好的纪要", start_at=at(hours=2))
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_a_session_of_another_campaign_does_not_count(org, requirement, hold, make_campaign):
    other = make_campaign()
    hold(unit=org.street_a, kind="study", present=[org.person_a], minutes="学习纪要", on=other)
    assert not done(requirement("unit-study-session"), org.street_a.pk)


def test_the_leading_groups_study_is_the_root_units_own(org, requirement, hold):
    hold(unit=org.district, kind="study", present=[org.person_b], minutes="中心组学习纪要")
    assert done(requirement("leading-group-study"), org.district.pk)
    assert not done(requirement("unit-study-session"), org.street_a.pk)


# --- unit-seminar: every person present has a speech recorded (见人见事见思想) -----------------------


def test_a_seminar_needs_a_speech_from_every_person_present(org, requirement, hold, make_person):
    seminar_req = requirement("unit-seminar")
    second = make_person(org.street_a, name="王五")
    seminar = hold(unit=org.street_a, kind="seminar", present=[org.person_a, second], minutes="研讨纪要")
    records.speech_save(activity=seminar, person=org.person_a, content="联系实际谈体会", by=None)
    assert not done(seminar_req, org.street_a.pk)
    records.speech_save(activity=seminar, person=second, content="查找差距", by=None)
    assert done(seminar_req, org.street_a.pk)


def test_speeches_of_absent_invitees_are_not_needed(org, requirement, hold, make_person, invite):
    absent = make_person(org.street_a)
    seminar = hold(
        unit=org.street_a, kind="seminar", present=[org.person_a], minutes="研讨纪要", speeches=[org.person_a]
    )
    invite(seminar, absent)
    assert done(requirement("unit-seminar"), org.street_a.pk)


def test_a_seminar_without_any_speech_does_not_count(org, requirement, hold):
    hold(unit=org.street_a, kind="seminar", present=[org.person_a], minutes="研讨纪要")
    assert not done(requirement("unit-seminar"), org.street_a.pk)


def test_a_seminar_without_minutes_does_not_count(org, requirement, hold):
    hold(unit=org.street_a, kind="seminar", present=[org.person_a], speeches=[org.person_a])
    assert not done(requirement("unit-seminar"), org.street_a.pk)


# --- leader-training: each leading cadre attends some batch of the training ----------------------


def test_each_leading_cadre_is_trained_by_attending_any_batch(org, requirement, hold, make_person, invite):
    training = requirement("leader-training")
    first_batch = make_person(org.community_a, is_leading_cadre=True, training_batch=1)
    stayed_away = make_person(org.street_a, is_leading_cadre=True, training_batch=1)
    hold(unit=org.district, kind="training", batch=1, present=[first_batch], start_at=at(days=-3))
    second = hold(unit=org.district, kind="training", batch=2, present=[org.person_b], start_at=at(days=-1))
    invite(second, stayed_away)
    ids = [first_batch.pk, stayed_away.pk, org.person_b.pk]
    assert achieved(training, ids) == {first_batch.pk: 1, org.person_b.pk: 1}
    assert done(training, org.person_b.pk) and done(training, first_batch.pk)
    assert not done(training, stayed_away.pk)


def test_attending_a_cancelled_or_future_training_does_not_count(org, requirement, hold):
    cancelled = hold(unit=org.district, kind="training", batch=1, present=[org.person_b])
    services.activity_cancel(activity=cancelled, reason="讲师缺席", by=None)
    hold(unit=org.district, kind="training", batch=2, present=[org.person_b], start_at=at(hours=3))
    assert achieved(requirement("leader-training"), [org.person_b.pk]) == {}


def test_attending_a_study_session_is_not_training(org, requirement, hold):
    hold(unit=org.district, kind="study", present=[org.person_b], minutes="学习纪要")
    assert not done(requirement("leader-training"), org.person_b.pk)


# --- government-inspection: the root unit's visit with opinions and photos -----------------------


def add_photo(activity) -> None:
    photo = SimpleUploadedFile("现场.jpg", image_bytes(), content_type="image/jpeg")
    records.attachment_add(activity=activity, upload=photo, kind="photo", by=None)


def test_an_inspection_with_opinions_and_photos_meets_the_requirement(org, campaign, requirement, hold, media):
    inspection_req = requirement("government-inspection")
    visit = hold(unit=org.district, kind="inspection")
    records.opinion_add(activity=visit, content="建议加快审批", dimension=campaign.dimensions.first(), by=None)
    assert not done(inspection_req, org.district.pk)
    add_photo(visit)
    assert done(inspection_req, org.district.pk)


def test_an_inspection_with_photos_but_no_opinions_does_not_count(org, requirement, hold, media):
    add_photo(hold(unit=org.district, kind="inspection"))
    assert not done(requirement("government-inspection"), org.district.pk)


def test_a_cancelled_inspection_does_not_count(org, requirement, hold, media):
    visit = hold(unit=org.district, kind="inspection")
    records.opinion_add(activity=visit, content="意见", by=None)
    add_photo(visit)
    services.activity_cancel(activity=visit, reason="改期", by=None)
    assert not done(requirement("government-inspection"), org.district.pk)


def test_an_unmet_requirement_is_pending_until_its_due_date_then_overdue(org, requirement):
    study = requirement("unit-study-session")
    (check,) = check_subject([study], org.street_a.pk, today=study.due_date)
    assert (check.achieved, check.needed, check.state) == (0, 1, "pending")
    (check,) = check_subject([study], org.street_a.pk, today=study.due_date + dt.timedelta(days=1))
    assert check.state == "overdue"
