"""A problem's life through its one door: filing, the five clarities, every allowed and refused status move,
closing on time or late, rejecting and reopening, and the deadline that moves only while the problem is found."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.forms.models import model_to_dict

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.models import AuditEntry, Notification
from taolun.problems import services
from taolun.problems.models import Measure, Problem, ProblemStatus
from taolun.problems.services import TRANSITIONS
from tests.factories import PersonFactory, make_unit

from .conftest import days
from .helpers import entries, pdf, reload, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ProblemStatus


def state(problem: Problem) -> dict[str, Any]:
    """Everything stored about the problem and its measures, to show that a refused move changed nothing."""
    row = Problem.objects.get(pk=problem.pk)
    return {
        "problem": model_to_dict(row),
        "updated_at": row.updated_at,
        "measures": list(Measure.objects.filter(problem=row).values()),
        "audit": AuditEntry.objects.count(),
    }


def label(status: str) -> str:
    return str(S(status).label)


# —— filing ——


def test_filed_problems_are_numbered_in_turn_and_audited(org, campaign, make_problem):
    first = make_problem()
    second = make_problem(unit=org.street_b)
    assert (first.number, second.number) == (1, 2)
    assert first.status == S.FOUND and first.due_on is None
    (created,) = entries(first, "problems.create")
    assert created.before is None
    assert created.after["content"] == first.content and created.after["status"] == "found"
    assert created.unit_path == org.street_a.path


def test_a_problem_of_a_unit_outside_the_campaign_is_refused(org, campaign):
    elsewhere = make_unit("外区", kind="district", code="D-X")
    with pytest.raises(ValidationError) as caught:
        services.problem_create(campaign=campaign, unit=elsewhere, content="问题", source="self_examination", by=None)
    assert "unit" in caught.value.message_dict
    assert Problem.objects.count() == 0


def test_an_unknown_source_and_an_empty_content_are_refused(org, campaign):
    with pytest.raises(ValidationError) as caught:
        services.problem_create(campaign=campaign, unit=org.street_a, content="问题", source="rumour", by=None)
    assert "source" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.problem_create(campaign=campaign, unit=org.street_a, content="   ", source="spot_check", by=None)
    assert "content" in caught.value.message_dict
    assert Problem.objects.count() == 0


def test_the_owner_must_be_on_the_units_roster(org, campaign):
    with pytest.raises(ValidationError) as caught:
        services.problem_create(
            campaign=campaign,
            unit=org.street_a,
            content="问题",
            source="spot_check",
            owner=org.person_b,  # of community B1, under street B
            by=None,
        )
    assert "owner" in caught.value.message_dict


def test_the_owner_hears_of_the_problem(org, campaign, owner):
    services.problem_create(
        campaign=campaign, unit=org.street_a, content="路灯不亮", source="spot_check", owner=owner, by=None
    )
    assert Notification.objects.filter(recipient=org.user("owner"), title__contains="责任人").exists()


def test_a_liaison_files_for_their_street_only(org, campaign):
    services.problem_create(
        campaign=campaign, unit=org.community_a, content="问题", source="spot_check", by=org.user("liaison")
    )
    with pytest.raises(PermissionDenied):
        services.problem_create(
            campaign=campaign, unit=org.street_b, content="问题", source="spot_check", by=org.user("liaison")
        )
    assert Problem.objects.count() == 1


# —— the five clarities ——

CLARITIES = ["问题内容", "责任主体（责任人）", "整改标准", "整改措施", "办结时限"]


@pytest.fixture
def complete(make_problem, owner):
    """A found problem with all five clarities, not yet confirmed."""
    problem = make_problem()
    problem = services.problem_update(
        problem=problem, owner=owner, standard="群众满意度达到90%", deadline=days(30), by=None
    )
    services.measure_add(problem=problem, content="上门走访", deadline=days(20), owner=owner, by=None)
    return reload(problem)


def test_a_complete_problem_lacks_nothing(complete):
    assert services.missing_clarities(complete) == []


@pytest.mark.parametrize("missing", CLARITIES)
def test_confirm_names_each_missing_clarity(complete, missing):
    problem = complete
    if missing == "问题内容":
        problem.content = "  "  # the service refuses an empty content, so only an in-memory problem lacks it
        assert services.missing_clarities(problem) == [missing]
        return
    if missing == "责任主体（责任人）":
        services.problem_update(problem=problem, owner=None, by=None)
    elif missing == "整改标准":
        services.problem_update(problem=problem, standard="", by=None)
    elif missing == "整改措施":
        services.measure_delete(measure=problem.measures.get(), by=None)
    else:
        services.problem_update(problem=problem, deadline=None, by=None)
    problem = reload(problem)
    assert services.missing_clarities(problem) == [missing]
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_confirm(problem=problem, by=None)
    assert missing in caught.value.messages[0]
    assert state(problem) == before


def test_confirm_names_all_that_is_missing(make_problem):
    problem = make_problem()
    assert services.missing_clarities(problem) == CLARITIES[1:]
    with pytest.raises(ValidationError) as caught:
        services.problem_confirm(problem=problem, by=None)
    assert all(name in caught.value.messages[0] for name in CLARITIES[1:])
    assert reload(problem).status == S.FOUND


def test_confirm_keeps_the_original_deadline_and_tells_the_owners(org, complete):
    problem = services.problem_confirm(problem=complete, by=org.user("liaison"))
    stored = reload(problem)
    assert stored.status == S.CONFIRMED and stored.confirmed_at is not None
    assert stored.original_deadline == stored.deadline == days(30)
    assert Notification.objects.filter(recipient=org.user("owner"), title__contains="问题已确认").exists()


# —— every allowed move ——

SERVICE_MOVES = {
    "confirm": lambda p, by: services.problem_confirm(problem=p, by=by),
    "dismiss": lambda p, by: services.problem_dismiss(problem=p, reason="不属于本单位职责", by=by),
    "restore": lambda p, by: services.problem_restore(problem=p, by=by),
    "finish": lambda p, by: services.problem_finish(problem=p, result="已整改到位", by=by),
    "close": lambda p, by: services.problem_close(problem=p, by=by),
    "reject": lambda p, by: services.problem_reject(problem=p, reason="佐证材料不足", by=by),
    "reopen": lambda p, by: services.problem_reopen(problem=p, reason="问题反弹", by=by),
}
# Who does each move (the rules are tested in test_rules; here the move itself).
MOVER = {"close": "office", "reject": "office", "reopen": "office"}
ALLOWED = {(frm, action) for frm, moves in TRANSITIONS.items() for action in moves.values()}
STATUSES = list(S.values)


def test_every_transition_has_a_service_or_is_the_first_progress():
    assert {action for _frm, action in ALLOWED} == {*SERVICE_MOVES, "start"}
    for frm, moves in TRANSITIONS.items():
        for to, action in moves.items():
            assert frm in STATUSES and to in STATUSES, (frm, to, action)


def ready(make_problem, owner, status: str, action: str) -> Problem:
    """A problem in ``status`` that meets every other condition of ``action``."""
    if status == S.FOUND and action == "confirm":
        problem = services.problem_update(
            problem=make_problem(), owner=owner, standard="群众满意度达到90%", deadline=days(30), by=None
        )
        services.measure_add(problem=problem, content="上门走访", deadline=days(20), by=None)
        return reload(problem)
    problem = walk(make_problem, status)
    if status == S.CONFIRMED and action == "finish":
        # Confirmed with every measure finished: only an imported ledger could hold this; it may finish directly.
        Measure.objects.filter(problem=problem).update(progress=100, behind_from=None)
        services.problem_refresh(problem)
        services.evidence_add(problem=problem, upload=pdf(), by=None)
    if status == S.RECTIFYING and action == "finish":
        services.measure_progress(measure=problem.measures.get(), progress=100, note="完成", by=None, files=[pdf()])
    return reload(problem)


@pytest.mark.parametrize(("frm", "action"), sorted((f, a) for f, a in ALLOWED if a != "start"), ids=lambda v: str(v))
def test_each_allowed_move_works_and_is_audited(org, make_problem, owner, frm, action):
    problem = ready(make_problem, owner, frm, action)
    to = next(to for to, a in TRANSITIONS[frm].items() if a == action)
    by = org.user(MOVER.get(action, "liaison"))
    SERVICE_MOVES[action](problem, by)
    stored = reload(problem)
    assert stored.status == to
    entry = entries(problem, f"problems.{action}")[-1]
    assert entry.before == {"status": frm}
    assert entry.after["status"] == to
    assert entry.actor == by


def test_the_first_progress_starts_the_rectification(org, make_problem):
    problem = make_problem(confirmed=True)
    services.measure_progress(measure=problem.measures.get(), progress=10, note="开始整改", by=org.user("owner"))
    assert reload(problem).status == S.RECTIFYING
    (entry,) = entries(problem, "problems.start")
    assert (entry.before, entry.after) == ({"status": "confirmed"}, {"status": "rectifying"})


def refusal(status: str, action: str) -> str:
    if action == "reopen":
        return "只有已销号的问题才能重新整改"
    if action == "reject" and status in (S.CONFIRMED, S.CLOSED):
        return "只有待核验的问题才能退回"
    return f"问题当前状态为“{label(status)}”"


@pytest.mark.parametrize(
    ("frm", "action"),
    [(s, a) for s in STATUSES for a in SERVICE_MOVES if (s, a) not in ALLOWED],
    ids=lambda v: str(v),
)
def test_each_refused_move_says_why_and_changes_nothing(make_problem, frm, action):
    problem = walk(make_problem, frm)
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        SERVICE_MOVES[action](problem, None)
    assert refusal(frm, action) in " ".join(caught.value.messages)
    assert state(problem) == before


# —— finishing ——


@pytest.fixture
def rectifying(make_problem):
    return walk(make_problem, S.RECTIFYING)


def test_finish_needs_every_measure_finished(rectifying):
    before = state(rectifying)
    services.evidence_add(problem=rectifying, upload=pdf(), by=None)
    before = state(rectifying)
    with pytest.raises(ValidationError) as caught:
        services.problem_finish(problem=rectifying, result="已整改", by=None)
    assert "还有 1 项整改措施没有完成" in caught.value.messages[0]
    assert state(rectifying) == before


def test_finish_needs_evidence(rectifying):
    services.measure_progress(measure=rectifying.measures.get(), progress=100, note="完成", by=None)
    before = state(rectifying)
    with pytest.raises(ValidationError) as caught:
        services.problem_finish(problem=rectifying, result="已整改", by=None)
    assert "佐证材料" in caught.value.messages[0]
    assert state(rectifying) == before


def test_finish_needs_a_result(rectifying):
    services.measure_progress(measure=rectifying.measures.get(), progress=100, note="完成", by=None, files=[pdf()])
    before = state(rectifying)
    with pytest.raises(ValidationError) as caught:
        services.problem_finish(problem=rectifying, result="  ", by=None)
    assert "result" in caught.value.message_dict
    assert state(rectifying) == before


def test_finish_records_the_result_and_tells_the_office(org, rectifying):
    services.measure_progress(measure=rectifying.measures.get(), progress=100, note="完成", by=None, files=[pdf()])
    services.problem_finish(problem=rectifying, result="办理时限压缩到8天", by=org.user("liaison"))
    stored = reload(rectifying)
    assert stored.status == S.DONE and stored.result == "办理时限压缩到8天" and stored.done_at is not None
    assert entries(stored, "problems.finish")[-1].after == {"status": "done", "result": "办理时限压缩到8天"}
    assert Notification.objects.filter(recipient=org.user("office"), title__contains="请核验销号").exists()
    # The liaison is not an office: the request to verify does not go to them.
    assert not Notification.objects.filter(recipient=org.user("liaison"), title__contains="请核验销号").exists()


# —— closing ——


def test_done_before_the_deadline_closes_on_time(org, make_problem):
    problem = walk(make_problem, S.DONE)
    services.problem_close(problem=problem, by=org.user("office"), note="核验通过", publish=True)
    stored = reload(problem)
    assert stored.status == S.CLOSED
    assert stored.closed_on_time is True
    assert stored.closed_by == org.user("office") and stored.closed_at is not None
    assert stored.verification_note == "核验通过" and stored.is_public is True
    entry = entries(problem, "problems.close")[-1]
    assert entry.after == {"status": "closed", "on_time": True, "is_public": True}


def test_done_on_the_deadline_day_is_on_time(make_problem):
    problem = walk(make_problem, S.DONE, deadline=days(0), starts_on=days(-5))
    services.problem_close(problem=problem, by=None)
    assert reload(problem).closed_on_time is True


def test_done_the_day_after_the_deadline_closes_late(make_problem):
    problem = walk(make_problem, S.DONE, deadline=days(0), starts_on=days(-5))
    # The work was declared done a day later than it was (time cannot be frozen here: the dates are moved).
    Problem.objects.filter(pk=problem.pk).update(done_at=F("done_at") + dt.timedelta(days=1))
    services.problem_close(problem=reload(problem), by=None)
    stored = reload(problem)
    assert stored.status == S.CLOSED and stored.closed_on_time is False
    assert entries(problem, "problems.close")[-1].after["on_time"] is False


def test_only_the_office_closes(org, make_problem):
    problem = walk(make_problem, S.DONE)
    before = state(problem)
    for role in ("liaison", "owner", "cadre", "liaison_b"):
        with pytest.raises(PermissionDenied):
            services.problem_close(problem=problem, by=org.user(role))
    assert state(problem) == before
    services.problem_close(problem=problem, by=org.user("admin"))
    assert reload(problem).status == S.CLOSED


# —— rejecting and reopening ——


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_a_reason(org, make_problem, reason):
    problem = walk(make_problem, S.DONE)
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_reject(problem=problem, reason=reason, by=org.user("office"))
    assert "reason" in caught.value.message_dict
    assert state(problem) == before


def test_reject_sends_the_problem_back_to_rectification(org, make_problem):
    problem = walk(make_problem, S.DONE)
    services.problem_reject(problem=problem, reason="佐证材料不足", by=org.user("office"))
    stored = reload(problem)
    assert stored.status == S.RECTIFYING and stored.done_at is None
    assert stored.verification_note == "佐证材料不足"
    assert entries(problem, "problems.reject")[-1].note == "佐证材料不足"
    assert Notification.objects.filter(recipient=org.user("owner"), title__contains="核验未通过").exists()


@pytest.mark.parametrize("reason", ["", " \n "])
def test_reopen_needs_a_reason(org, make_problem, reason):
    problem = walk(make_problem, S.CLOSED)
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_reopen(problem=problem, reason=reason, by=org.user("office"))
    assert "reason" in caught.value.message_dict
    assert state(problem) == before


def test_reopen_clears_the_closing_and_counts(org, make_problem):
    problem = walk(make_problem, S.CLOSED)
    services.problem_set_public(problem=problem, public=True, by=org.user("office"))
    services.problem_reopen(problem=problem, reason="问题反弹", by=org.user("office"))
    stored = reload(problem)
    assert stored.status == S.RECTIFYING
    assert (stored.closed_at, stored.closed_by, stored.closed_on_time, stored.done_at) == (None, None, None, None)
    assert stored.is_public is False
    assert stored.reopen_count == 1
    assert stored.verification_note == "问题反弹"
    # Done and closed again, then reopened once more: the count goes on.
    services.problem_finish(problem=stored, result="再次整改到位", by=None)
    services.problem_close(problem=stored, by=None)
    services.problem_reopen(problem=stored, reason="再次反弹", by=None)
    assert reload(problem).reopen_count == 2


@pytest.mark.parametrize("reason", ["", "  "])
def test_dismiss_needs_a_reason(make_problem, reason):
    problem = make_problem()
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_dismiss(problem=problem, reason=reason, by=None)
    assert "reason" in caught.value.message_dict
    assert state(problem) == before


def test_restore_forgets_the_dismissal(make_problem):
    problem = walk(make_problem, S.DISMISSED)
    assert problem.verification_note == "不属于本单位职责"
    services.problem_restore(problem=problem, by=None)
    stored = reload(problem)
    assert stored.status == S.FOUND and stored.verification_note == ""


# —— editing ——


def test_the_deadline_moves_freely_while_found(make_problem):
    problem = services.problem_update(problem=make_problem(), deadline=days(10), by=None)
    services.problem_update(problem=problem, deadline=days(20), by=None)
    stored = reload(problem)
    assert stored.deadline == days(20) and stored.due_on == days(20)
    entry = entries(problem, "problems.update")[-1]
    assert entry.before == {"deadline": days(10).isoformat()} and entry.after == {"deadline": days(20).isoformat()}


@pytest.mark.parametrize("status", [S.CONFIRMED, S.RECTIFYING])
def test_once_confirmed_the_deadline_moves_only_by_extension(make_problem, status):
    problem = walk(make_problem, status)
    before = state(problem)
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=problem, deadline=days(60), by=None)
    assert "延期申请" in caught.value.message_dict["deadline"][0]
    assert state(problem) == before
    # Giving the same deadline again is no change at all.
    services.problem_update(problem=problem, deadline=problem.deadline, by=None)
    assert state(problem) == before


def test_a_deadline_before_the_problem_was_found_or_years_away_is_refused(make_problem, campaign):
    problem = make_problem()
    for deadline in (days(-1), campaign.end_date + dt.timedelta(days=366 * 3 + 1)):
        with pytest.raises(ValidationError) as caught:
            services.problem_update(problem=problem, deadline=deadline, by=None)
        assert "deadline" in caught.value.message_dict
    assert reload(problem).deadline is None


def test_the_deadline_cannot_move_before_a_measures_deadline(make_problem, owner):
    problem = make_problem()
    problem = services.problem_update(problem=problem, deadline=days(30), by=None)
    services.measure_add(problem=problem, content="上门走访", deadline=days(20), by=None)
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=problem, deadline=days(10), by=None)
    assert "deadline" in caught.value.message_dict
    assert reload(problem).deadline == days(30)
    services.problem_update(problem=problem, deadline=days(20), by=None)
    assert reload(problem).deadline == days(20)


def test_an_update_records_only_what_changed(make_problem):
    problem = make_problem()
    services.problem_update(problem=problem, standard="满意度90%", content=problem.content, by=None, note="补充")
    entry = entries(problem, "problems.update")[-1]
    assert (entry.before, entry.after, entry.note) == ({"standard": ""}, {"standard": "满意度90%"}, "补充")
    count = AuditEntry.objects.count()
    services.problem_update(problem=problem, standard="满意度90%", by=None)
    assert AuditEntry.objects.count() == count


def test_status_and_progress_are_not_edited_here(make_problem):
    problem = make_problem()
    with pytest.raises(ValidationError):
        services.problem_update(problem=problem, status=S.CLOSED, progress=100, by=None)
    assert reload(problem).status == S.FOUND


def test_the_unit_changes_only_while_found(org, make_problem):
    problem = make_problem()
    services.problem_update(problem=problem, unit=org.community_a, by=org.user("liaison"))
    assert reload(problem).unit == org.community_a
    with pytest.raises(PermissionDenied):
        services.problem_update(problem=reload(problem), unit=org.street_b, by=org.user("liaison"))
    confirmed = make_problem(confirmed=True)
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=confirmed, unit=org.community_a, by=None)
    assert "unit" in caught.value.message_dict


def test_moving_to_another_unit_keeps_the_owner_only_if_on_its_roster(org, make_problem, owner):
    problem = make_problem(owner=owner)  # 赵科长 of community A1
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=problem, unit=org.street_b, by=None)
    assert "owner" in caught.value.message_dict
    assert reload(problem).unit == org.street_a
    someone_b = PersonFactory(unit=org.community_b, name="钱干事")
    services.problem_update(problem=problem, unit=org.street_b, owner=someone_b, by=None)
    stored = reload(problem)
    assert (stored.unit, stored.owner) == (org.street_b, someone_b)


@pytest.mark.parametrize("status", [S.CLOSED, S.DISMISSED])
def test_closed_and_dismissed_problems_are_not_edited(make_problem, status):
    problem = walk(make_problem, status)
    before = state(problem)
    with pytest.raises(ValidationError):
        services.problem_update(problem=problem, standard="新的标准", by=None)
    assert state(problem) == before


def test_a_category_of_another_campaign_is_refused(org, campaign, make_problem):
    from taolun.campaigns import services as campaign_services
    from taolun.campaigns.tests.conftest import plan_data, plan_yaml

    plan = campaign_services.plan_load(
        source=plan_yaml(plan_data(key="other", shortcomings=[{"key": "s", "title": "短板"}])), by=None
    )
    other = campaign_services.campaign_create(
        plan=plan, root_unit=org.district, slug="other", start_date=campaign.start_date, by=None
    )
    problem = make_problem()
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=problem, category=other.shortcomings.get(), by=None)
    assert "category" in caught.value.message_dict
    own = campaign.shortcomings.first()
    services.problem_update(problem=problem, category=own, by=None)
    assert reload(problem).category == own


def test_a_liaison_of_another_street_cannot_edit(org, make_problem):
    problem = make_problem()
    before = state(problem)
    with pytest.raises(PermissionDenied):
        services.problem_update(problem=problem, standard="标准", by=org.user("liaison_b"))
    assert state(problem) == before


# —— publishing ——


def test_only_closed_problems_are_published(org, make_problem):
    problem = walk(make_problem, S.DONE)
    with pytest.raises(ValidationError):
        services.problem_set_public(problem=problem, public=True, by=org.user("office"))
    assert reload(problem).is_public is False
    services.problem_close(problem=problem, by=None)
    services.problem_set_public(problem=problem, public=True, by=org.user("office"))
    assert reload(problem).is_public is True
    entry = entries(problem, "problems.publish")[-1]
    assert (entry.before, entry.after) == ({"is_public": False}, {"is_public": True})
    with pytest.raises(PermissionDenied):
        services.problem_set_public(problem=problem, public=False, by=org.user("liaison"))


def test_a_problem_keeps_to_its_campaigns_topic_and_opinion(org, campaign, leader, make_topic, make_problem):
    from taolun.campaigns import services as campaign_services

    other = campaign_services.campaign_create(
        plan=campaign.plan, root_unit=org.district, slug="other-xihu", start_date=campaign.start_date, by=None
    )
    topic = make_topic(leader)
    with pytest.raises(ValidationError) as caught:
        services.problem_create(
            campaign=other, unit=org.street_a, content="问题", source="research_topic", research_topic=topic, by=None
        )
    assert "research_topic" in caught.value.message_dict


def test_moving_a_problem_keeps_its_measures_owners_on_the_roster(org, campaign, owner, make_problem):
    problem = make_problem(unit=org.street_a)
    services.measure_add(problem=problem, content="措施", deadline=days(10), owner=owner, by=None)
    with pytest.raises(ValidationError) as caught:
        services.problem_update(problem=problem, unit=org.street_b, by=None)
    assert owner.name in " ".join(caught.value.message_dict["unit"])
    problem.refresh_from_db()
    assert problem.unit == org.street_a
