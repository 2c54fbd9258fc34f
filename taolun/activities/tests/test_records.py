"""An activity's records: minutes, speeches, inspection records and opinions; locked once confirmed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import shared_org
from taolun.activities import records, services
from taolun.activities.checkin import attendance_mark, checkin_by_code
from taolun.activities.models import Activity, Opinion, OpinionSource, Speech
from taolun.core.models import AuditEntry

from .conftest import code_at

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def stored(activity) -> Activity:
    return Activity.objects.get(pk=activity.pk)


@pytest.fixture
def seminar(org, make_activity, invite):
    activity = make_activity(kind="seminar")
    invite(activity, org.person_a)
    return activity


# --- minutes --------------------------------------------------------------------------------------


def test_liaison_writes_the_minutes_and_it_is_audited(org, seminar):
    records.minutes_save(activity=seminar, minutes="  会议传达了讲话精神。 ", by=org.user("liaison"))
    assert stored(seminar).minutes == "会议传达了讲话精神。"
    entry = AuditEntry.objects.get(action="activities.minutes.save")
    assert entry.before == {"minutes": ""} and entry.after == {"minutes": "会议传达了讲话精神。"}


def test_saving_the_same_minutes_again_writes_no_audit_entry(org, seminar):
    records.minutes_save(activity=seminar, minutes="纪要", by=None)
    records.minutes_save(activity=seminar, minutes="纪要", by=None)
    assert AuditEntry.objects.filter(action="activities.minutes.save").count() == 1


def test_liaison_of_another_street_cannot_write_the_minutes(org, seminar):
    with pytest.raises(PermissionDenied):
        records.minutes_save(activity=seminar, minutes="纪要", by=org.user("liaison_b"))
    assert stored(seminar).minutes == ""


def test_the_invited_cadre_cannot_write_the_minutes(org, seminar):
    with pytest.raises(PermissionDenied):
        records.minutes_save(activity=seminar, minutes="纪要", by=org.user("cadre"))
    assert stored(seminar).minutes == ""


def test_overlong_minutes_are_refused(seminar):
    with pytest.raises(ValidationError) as caught:
        records.minutes_save(activity=seminar, minutes="字" * (records.MAX_TEXT + 1), by=None)
    assert "minutes" in caught.value.message_dict
    assert stored(seminar).minutes == ""


# --- speeches -------------------------------------------------------------------------------------


def test_one_speech_per_person_a_second_save_corrects_it(org, seminar):
    first = records.speech_save(activity=seminar, person=org.person_a, content="我先谈三点。", by=None)
    again = records.speech_save(activity=seminar, person=org.person_a, content="我谈四点。", by=None)
    assert first.pk == again.pk
    assert list(Speech.objects.filter(activity=seminar).values_list("person_id", "content")) == [
        (org.person_a.pk, "我谈四点。")
    ]
    actions = list(AuditEntry.objects.filter(action__startswith="activities.speech").values_list("action", flat=True))
    assert sorted(actions) == ["activities.speech.create", "activities.speech.update"]


def test_speeches_are_numbered_in_the_order_recorded(org, seminar, make_person, invite):
    second = make_person()
    invite(seminar, second)
    records.speech_save(activity=seminar, person=second, content="先发言", by=None)
    records.speech_save(activity=seminar, person=org.person_a, content="后发言", by=None)
    assert list(Speech.objects.filter(activity=seminar).values_list("person_id", "order")) == [
        (second.pk, 1),
        (org.person_a.pk, 2),
    ]


def test_a_speech_of_someone_not_taking_part_is_refused(org, seminar):
    with pytest.raises(ValidationError) as caught:
        records.speech_save(activity=seminar, person=org.person_b, content="路过发言", by=None)
    assert "person" in caught.value.message_dict
    assert not Speech.objects.exists()


def test_a_walk_in_who_attended_may_have_a_speech(org, make_activity):
    activity = make_activity(kind="seminar", allow_walk_in=True)
    now = timezone.now()
    checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, now), by=None, now=now)
    records.speech_save(activity=activity, person=org.person_a, content="补充一点", by=None)
    assert Speech.objects.filter(activity=activity, person=org.person_a).exists()


def test_an_empty_speech_is_refused(org, seminar):
    with pytest.raises(ValidationError) as caught:
        records.speech_save(activity=seminar, person=org.person_a, content="  ", by=None)
    assert "content" in caught.value.message_dict
    assert not Speech.objects.exists()


def test_deleting_a_speech_is_audited(org, seminar):
    speech = records.speech_save(activity=seminar, person=org.person_a, content="发言", by=None)
    records.speech_delete(speech=speech, by=org.user("liaison"))
    assert not Speech.objects.exists()
    assert AuditEntry.objects.get(action="activities.speech.delete").before["content"] == "发言"


# --- inspection visits ----------------------------------------------------------------------------


@pytest.fixture
def inspection(make_activity):
    return make_activity(kind="inspection")


def test_the_inspection_record_keeps_places_evaluation_and_proposals(org, inspection):
    records.inspection_save(
        activity=inspection,
        places_visited=[" 工业园区 ", "", "  ", "老旧小区"],
        evaluation="营商环境有改善",
        proposals="建议简化审批",
        by=org.user("liaison"),
    )
    row = stored(inspection)
    assert row.places_visited == ["工业园区", "老旧小区"]
    assert (row.evaluation, row.proposals) == ("营商环境有改善", "建议简化审批")
    assert AuditEntry.objects.get(action="activities.inspection.save").after["places_visited"] == [
        "工业园区",
        "老旧小区",
    ]


def test_too_many_places_are_refused(inspection):
    with pytest.raises(ValidationError) as caught:
        records.inspection_save(
            activity=inspection,
            places_visited=[f"地点{i}" for i in range(records.MAX_PLACES + 1)],
            evaluation="",
            proposals="",
            by=None,
        )
    assert "places_visited" in caught.value.message_dict
    assert stored(inspection).places_visited == []


def test_an_opinion_is_kept_with_its_source_and_a_dimension_of_the_campaign(org, campaign, inspection):
    economy = campaign.dimensions.get(key="economy")
    opinion = records.opinion_add(
        activity=inspection,
        content="希望延长夜市营业时间",
        dimension=economy,
        source_kind=OpinionSource.ENTERPRISE,
        source_name=" 某商户 ",
        place="夜市",
        by=org.user("liaison"),
    )
    row = Opinion.objects.get()
    assert row == opinion
    assert (row.activity, row.dimension, row.source_kind, row.source_name, row.place) == (
        inspection,
        economy,
        "enterprise",
        "某商户",
        "夜市",
    )
    assert AuditEntry.objects.get(action="activities.opinion.add").after["dimension"] == "economy"


def test_a_dimension_of_another_campaign_is_refused(org, inspection, make_campaign):
    other = make_campaign(dimensions=[{"key": "economy", "title": "经济发展高质量"}])
    with pytest.raises(ValidationError) as caught:
        records.opinion_add(activity=inspection, content="意见", dimension=other.dimensions.get(key="economy"), by=None)
    assert "dimension" in caught.value.message_dict
    assert not Opinion.objects.exists()


def test_an_unknown_source_and_an_empty_opinion_are_refused(inspection):
    with pytest.raises(ValidationError) as caught:
        records.opinion_add(activity=inspection, content="意见", source_kind="rumour", by=None)
    assert "source_kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        records.opinion_add(activity=inspection, content=" ", by=None)
    assert "content" in caught.value.message_dict
    assert not Opinion.objects.exists()


def test_an_opinion_already_passed_on_cannot_be_deleted(inspection):
    opinion = records.opinion_add(activity=inspection, content="意见", by=None)
    spare = records.opinion_add(activity=inspection, content="另一条", by=None)
    Opinion.objects.filter(pk=opinion.pk).update(link_type="problems.problem", link_id=1)
    opinion.refresh_from_db()
    with pytest.raises(ValidationError):
        records.opinion_delete(opinion=opinion, by=None)
    records.opinion_delete(opinion=spare, by=None)
    assert list(Opinion.objects.values_list("pk", flat=True)) == [opinion.pk]


# --- confirmation locks, cancellation ends --------------------------------------------------------


def test_confirmed_records_change_only_with_a_reason(org, seminar):
    records.minutes_save(activity=seminar, minutes="初稿", by=None)
    records.speech_save(activity=seminar, person=org.person_a, content="发言", by=None)
    locked = services.activity_confirm(activity=seminar, by=org.user("office"))
    attempts = [
        lambda reason: records.minutes_save(activity=locked, minutes="改稿", by=org.user("liaison"), reason=reason),
        lambda reason: records.speech_save(
            activity=locked, person=org.person_a, content="改过的发言", by=org.user("liaison"), reason=reason
        ),
        lambda reason: records.opinion_add(activity=locked, content="补一条", by=org.user("liaison"), reason=reason),
        lambda reason: records.inspection_save(
            activity=locked, places_visited=["园区"], evaluation="", proposals="", by=None, reason=reason
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt("")
        assert "reason" in caught.value.message_dict
    row = stored(seminar)
    assert (row.minutes, row.places_visited) == ("初稿", [])
    assert Speech.objects.get().content == "发言" and not Opinion.objects.exists()
    records.minutes_save(activity=locked, minutes="改稿", by=org.user("liaison"), reason="更正错字")
    assert stored(seminar).minutes == "改稿"
    entry = AuditEntry.objects.filter(action="activities.minutes.save").first()
    assert entry.note == "更正错字" and entry.before == {"minutes": "初稿"}


def test_a_cancelled_activitys_records_cannot_be_changed(org, seminar):
    attendance_mark(activity=seminar, present=[org.person_a.pk], by=None)
    cancelled = services.activity_cancel(activity=seminar, reason="改期", by=org.user("liaison"))
    with pytest.raises(ValidationError):
        records.minutes_save(activity=cancelled, minutes="纪要", by=None, reason="补记")
    with pytest.raises(ValidationError):
        records.speech_save(activity=cancelled, person=org.person_a, content="发言", by=None, reason="补记")
    with pytest.raises(ValidationError):
        records.opinion_add(activity=cancelled, content="意见", by=None)
    with pytest.raises(ValidationError):
        attendance_mark(activity=cancelled, present=[], absent=[org.person_a.pk], by=None, reason="补记")
    assert stored(seminar).minutes == ""
    assert not Speech.objects.exists() and not Opinion.objects.exists()
    assert seminar.attendances.count() == 1
