"""Measures and the roll-up: weighted progress, the earliest due date, the straight-line schedule, dated
progress reports with their evidence files, and the measures a confirmed problem must keep."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.models import AuditEntry, Notification
from taolun.problems import services
from taolun.problems.models import EvidenceFile, Measure, MeasureUpdate, ProblemStatus

from .conftest import days
from .helpers import PDF_BYTES, disguised, entries, pdf, png, reload, stored_files, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


@pytest.fixture
def problem(make_problem):
    """A found problem of street A with a deadline in 60 days and no measures yet."""
    return services.problem_update(problem=make_problem(), deadline=days(60), by=None)


def add(problem, *, deadline=None, weight: int = 1, starts_on=None, **fields) -> Measure:
    return services.measure_add(
        problem=problem,
        content=fields.pop("content", "整改措施"),
        deadline=deadline or days(30),
        weight=weight,
        starts_on=starts_on,
        by=None,
        **fields,
    )


def confirm(problem, owner):
    services.problem_update(problem=problem, owner=owner, standard="满意度90%", by=None)
    return services.problem_confirm(problem=problem, by=None)


def report(measure: Measure, progress: int, **kwargs) -> MeasureUpdate:
    kwargs.setdefault("note", f"进度{progress}%")
    kwargs.setdefault("by", None)
    return services.measure_progress(measure=measure, progress=progress, **kwargs)


# —— roll-up ——


def test_progress_is_weighted_by_the_measures_weights(problem, owner):
    light = add(problem, weight=1, content="轻")
    heavy = add(problem, weight=3, content="重")
    confirm(problem, owner)
    report(light, 100)
    stored = reload(problem)
    assert (stored.progress, stored.measure_count) == (25, 2)
    report(heavy, 50)
    assert reload(problem).progress == (1 * 100 + 3 * 50) // 4  # 62
    report(heavy, 100)
    assert reload(problem).progress == 100


def test_progress_rounds_down_so_100_means_every_measure_finished(problem, owner):
    measures = [add(problem, content=f"措施{i}") for i in range(3)]
    confirm(problem, owner)
    report(measures[0], 100)
    report(measures[1], 100)
    report(measures[2], 99)
    assert reload(problem).progress == 99


def test_due_on_is_the_earliest_unfinished_measure_or_the_deadline(problem, owner):
    assert reload(problem).due_on == days(60)
    soon = add(problem, deadline=days(10))
    later = add(problem, deadline=days(20))
    assert reload(problem).due_on == days(10)
    confirm(problem, owner)
    report(soon, 100)
    assert reload(problem).due_on == days(20)
    report(later, 100)
    assert reload(problem).due_on == days(60)
    services.measure_change(measure=soon, deadline=days(5), by=None)  # a finished measure is not due any more
    assert reload(problem).due_on == days(60)


def test_behind_from_is_the_straight_line_date(problem, owner):
    # Twenty days from ten days ago: half-way today.
    measure = add(problem, starts_on=days(-10), deadline=days(10))
    assert Measure.objects.get(pk=measure.pk).behind_from == days(-10)
    assert reload(problem).behind_from == days(-10)
    confirm(problem, owner)
    report(measure, 50, happened_on=days(0))
    assert Measure.objects.get(pk=measure.pk).behind_from == days(0)
    report(measure, 75)
    assert Measure.objects.get(pk=measure.pk).behind_from == days(5)
    assert reload(problem).behind_from == days(5)
    report(measure, 100)
    assert Measure.objects.get(pk=measure.pk).behind_from is None
    assert reload(problem).behind_from is None


def test_the_problem_keeps_the_earliest_schedule_date_of_its_unfinished_measures(problem, owner):
    ahead = add(problem, starts_on=days(-10), deadline=days(10))
    behind = add(problem, starts_on=days(-4), deadline=days(16))
    confirm(problem, owner)
    report(ahead, 90)  # behind from day 18 of 20: days(8)
    report(behind, 10)  # behind from day 2 of 20: days(-2)
    assert reload(problem).behind_from == days(-2)
    report(behind, 100)
    assert reload(problem).behind_from == days(8)


def test_changing_a_measure_recomputes_its_schedule_and_is_audited(problem):
    measure = add(problem, starts_on=days(0), deadline=days(10), weight=1)
    services.measure_change(measure=measure, deadline=days(20), weight=4, content="新措施", by=None)
    stored = Measure.objects.get(pk=measure.pk)
    assert (stored.deadline, stored.weight, stored.content, stored.behind_from) == (days(20), 4, "新措施", days(0))
    entry = entries(problem, "problems.measure.change")[-1]
    assert entry.before == {"measure": measure.pk, "deadline": days(10).isoformat(), "weight": 1, "content": "整改措施"}
    assert entry.after == {"measure": measure.pk, "deadline": days(20).isoformat(), "weight": 4, "content": "新措施"}
    assert reload(problem).due_on == days(20)


# —— dates and weights ——


def test_a_measure_due_after_the_problems_deadline_is_refused(problem):
    with pytest.raises(ValidationError) as caught:
        add(problem, deadline=days(61))
    assert "deadline" in caught.value.message_dict
    assert Measure.objects.count() == 0
    measure = add(problem, deadline=days(60))
    with pytest.raises(ValidationError) as caught:
        services.measure_change(measure=measure, deadline=days(61), by=None)
    assert "deadline" in caught.value.message_dict
    assert Measure.objects.get(pk=measure.pk).deadline == days(60)


def test_a_measure_ending_before_it_starts_is_refused(problem):
    with pytest.raises(ValidationError) as caught:
        add(problem, starts_on=days(5), deadline=days(4))
    assert "deadline" in caught.value.message_dict
    measure = add(problem, starts_on=days(5), deadline=days(10))
    with pytest.raises(ValidationError):
        services.measure_change(measure=measure, starts_on=days(11), by=None)
    assert Measure.objects.get(pk=measure.pk).starts_on == days(5)


@pytest.mark.parametrize("weight", [0, 101])
def test_weights_run_from_1_to_100(problem, weight):
    with pytest.raises(ValidationError) as caught:
        add(problem, weight=weight)
    assert "weight" in caught.value.message_dict
    measure = add(problem, weight=100)
    with pytest.raises(ValidationError):
        services.measure_change(measure=measure, weight=weight, by=None)
    assert Measure.objects.get(pk=measure.pk).weight == 100


def test_the_measure_owner_must_be_on_the_units_roster_and_hears_of_it(org, problem, owner):
    with pytest.raises(ValidationError) as caught:
        add(problem, owner=org.person_b)
    assert "owner" in caught.value.message_dict
    measure = add(problem, owner=owner, owner_name="ignored")
    assert measure.owner == owner and measure.owner_name == ""
    assert Notification.objects.filter(recipient=org.user("owner"), title__contains="整改措施的责任人").exists()
    named = add(problem, owner_name="外聘专家老刘")
    assert named.owner_label == "外聘专家老刘"


# —— deleting ——


def test_a_found_problem_may_lose_its_last_measure(problem):
    measure = add(problem)
    pk = measure.pk
    services.measure_delete(measure=measure, by=None)
    stored = reload(problem)
    assert (stored.measure_count, stored.due_on) == (0, days(60))
    (entry,) = entries(problem, "problems.measure.delete")
    assert entry.before["measure"] == pk and entry.before["content"] == "整改措施"


@pytest.mark.parametrize("status", [ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING])
def test_a_confirmed_problem_keeps_at_least_one_measure(make_problem, status):
    problem = walk(make_problem, status)
    measure = problem.measures.get()
    with pytest.raises(ValidationError):
        services.measure_delete(measure=measure, by=None)
    assert Measure.objects.filter(pk=measure.pk).exists()
    second = services.measure_add(problem=problem, content="第二项", deadline=problem.deadline, weight=3, by=None)
    assert reload(problem).measure_count == 2
    services.measure_delete(measure=measure, by=None)
    stored = reload(problem)
    assert stored.measure_count == 1 and stored.progress == 0  # the remaining measure has no progress yet
    with pytest.raises(ValidationError):
        services.measure_delete(measure=second, by=None)


def test_deleting_a_measure_removes_its_evidence_files_after_commit(make_problem, django_capture_on_commit_callbacks):
    problem = walk(make_problem, ProblemStatus.RECTIFYING)
    first = problem.measures.get()
    second = services.measure_add(problem=problem, content="第二项", deadline=problem.deadline, by=None)
    report(second, 30, files=[pdf()])
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.measure_delete(measure=second, by=None)
    assert EvidenceFile.objects.count() == 0
    assert stored_files() == []
    assert Measure.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize("status", [ProblemStatus.DONE, ProblemStatus.CLOSED, ProblemStatus.DISMISSED])
def test_measures_of_finished_problems_are_kept(make_problem, status):
    problem = walk(make_problem, status)
    with pytest.raises(ValidationError):
        services.measure_add(problem=problem, content="补充措施", deadline=days(10), by=None)
    measure = problem.measures.first()
    if measure is not None:
        with pytest.raises(ValidationError):
            services.measure_change(measure=measure, content="改", by=None)
        with pytest.raises(ValidationError):
            services.measure_delete(measure=measure, by=None)
        assert Measure.objects.get(pk=measure.pk).content != "改"


# —— progress reports ——


@pytest.mark.parametrize("progress", [-1, 101, 250])
def test_progress_runs_from_0_to_100(make_problem, progress):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    with pytest.raises(ValidationError) as caught:
        report(measure, progress)
    assert "progress" in caught.value.message_dict
    assert MeasureUpdate.objects.count() == 0
    assert reload(problem).status == ProblemStatus.CONFIRMED


def test_progress_is_not_dated_in_the_future_nor_before_the_measure_starts(make_problem):
    problem = make_problem(confirmed=True, starts_on=days(-3))
    measure = problem.measures.get()
    with pytest.raises(ValidationError) as caught:
        report(measure, 10, happened_on=days(1))
    assert "happened_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        report(measure, 10, happened_on=days(-4))
    assert "happened_on" in caught.value.message_dict
    assert MeasureUpdate.objects.count() == 0
    update = report(measure, 10, happened_on=days(-3))
    assert update.happened_on == days(-3)


def test_a_progress_report_needs_a_note(make_problem):
    problem = make_problem(confirmed=True)
    with pytest.raises(ValidationError) as caught:
        report(problem.measures.get(), 10, note="  ")
    assert "note" in caught.value.message_dict
    assert MeasureUpdate.objects.count() == 0


def test_the_first_progress_moves_a_confirmed_problem_to_rectifying(org, make_problem):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    update = report(measure, 40, note="完成排查", by=org.user("owner"))
    assert (update.progress, update.note, update.created_by) == (40, "完成排查", org.user("owner"))
    stored = reload(problem)
    assert (stored.status, stored.progress) == (ProblemStatus.RECTIFYING, 40)
    entry = entries(problem, "problems.measure.progress")[-1]
    assert entry.before == {"measure": measure.pk, "progress": 0}
    assert entry.after == {"measure": measure.pk, "progress": 40, "note": "完成排查", "on": days(0).isoformat()}
    report(measure, 60)
    assert len(entries(problem, "problems.start")) == 1  # the move happens once
    assert Measure.objects.get(pk=measure.pk).done_at is None
    report(measure, 100)
    assert Measure.objects.get(pk=measure.pk).done_at is not None


@pytest.mark.parametrize("status", [ProblemStatus.FOUND, ProblemStatus.DONE, ProblemStatus.CLOSED])
def test_progress_is_reported_only_between_confirmation_and_done(make_problem, owner, status):
    if status == ProblemStatus.FOUND:
        problem = make_problem()
        measure = services.measure_add(problem=problem, content="措施", deadline=days(10), by=None)
    else:
        problem = walk(make_problem, status)
        measure = problem.measures.get()
    count = MeasureUpdate.objects.count()
    with pytest.raises(ValidationError):
        report(measure, 50)
    assert MeasureUpdate.objects.count() == count
    assert reload(problem).status == status


def test_owners_report_progress_on_their_own_measures_only(org, make_problem):
    problem = make_problem(confirmed=True)  # its measure belongs to 赵科长 (user owner)
    other = make_problem(confirmed=True, unit=org.street_b, owner=org.person_b)
    report(problem.measures.get(), 20, by=org.user("owner"))
    with pytest.raises(PermissionDenied):
        report(other.measures.get(), 20, by=org.user("owner"))
    with pytest.raises(PermissionDenied):
        report(problem.measures.get(), 20, by=org.user("cadre"))
    assert MeasureUpdate.objects.count() == 1


# —— evidence files with a progress report ——


def test_files_are_checked_and_stored_under_a_random_name(org, make_problem):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    report(measure, 100, files=[pdf("../../结项证明.pdf"), png()], by=org.user("owner"))
    items = list(EvidenceFile.objects.order_by("id"))
    assert [(i.original_name, i.content_type, i.measure_id) for i in items] == [
        ("结项证明.pdf", "application/pdf", measure.pk),
        ("现场.png", "image/png", measure.pk),
    ]
    assert items[0].file.name.startswith(f"problems/{problem.pk}/") and items[0].file.name.endswith(".pdf")
    assert "结项" not in items[0].file.name
    with items[0].file.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    assert items[1].thumbnail.name and not items[0].thumbnail.name
    assert len(stored_files()) == 3  # the PDF, the image and its thumbnail
    assert len(entries(problem, "problems.evidence.add")) == 2


def test_a_disguised_file_is_refused_and_nothing_is_stored(make_problem):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        report(measure, 100, files=[pdf(), disguised()])
    assert "file" in caught.value.message_dict
    assert stored_files() == []
    assert (MeasureUpdate.objects.count(), EvidenceFile.objects.count(), AuditEntry.objects.count()) == (0, 0, audit)
    stored = reload(problem)
    assert (stored.status, stored.progress) == (ProblemStatus.CONFIRMED, 0)


def test_files_written_before_the_transaction_failed_are_removed(make_problem, monkeypatch):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    real_audit = services.problem_audit

    def audit_fails_on_the_second_file(problem, action, by, **kwargs):
        if action == "evidence.add" and EvidenceFile.objects.filter(problem=problem).exists():
            raise RuntimeError("the database went away")
        return real_audit(problem, action, by, **kwargs)

    monkeypatch.setattr(services, "problem_audit", audit_fails_on_the_second_file)
    with pytest.raises(RuntimeError):
        report(measure, 100, files=[pdf(), png()])
    assert stored_files() == []
    assert (MeasureUpdate.objects.count(), EvidenceFile.objects.count()) == (0, 0)
    stored = reload(problem)
    assert (stored.status, stored.progress) == (ProblemStatus.CONFIRMED, 0)
    assert Measure.objects.get(pk=measure.pk).progress == 0


def test_a_measure_owner_reports_on_their_own_measure_only(org, campaign, owner, make_problem):
    problem = make_problem(confirmed=True)  # its one measure and the problem itself are owner's
    services.problem_update(problem=problem, owner=None, by=None)
    others = services.measure_add(problem=problem, content="别人的措施", deadline=days(20), by=None)
    with pytest.raises(PermissionDenied):
        services.measure_progress(measure=others, progress=50, note="越权", by=org.users["owner"])
    mine = problem.measures.get(owner=owner)
    services.measure_progress(measure=mine, progress=50, note="推进", by=org.users["owner"])
