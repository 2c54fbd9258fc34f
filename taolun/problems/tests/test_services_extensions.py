"""Extension requests (延期申请): filed on or before the deadline, for a later date, one waiting at a time
(the database agrees), decided once by the office; the requester hears the verdict."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.models import Notification
from taolun.problems import services
from taolun.problems.models import Extension, ExtensionStatus, ProblemStatus

from .conftest import days
from .helpers import entries, pdf, reload, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


@pytest.fixture
def problem(make_problem):
    """A confirmed problem of street A due in 30 days, its one measure due in 10 days."""
    return make_problem(confirmed=True, deadline=days(30), measure_deadline=days(10))


def request(problem, *, new=None, reason="拆迁协调需要时间", by=None, today=None):
    return services.extension_request(problem=problem, new_deadline=new or days(45), reason=reason, by=by, today=today)


def test_a_request_on_the_deadline_day_is_accepted(org, problem):
    extension = request(problem, today=days(30), by=org.user("owner"))
    assert (extension.status, extension.old_deadline, extension.new_deadline) == (
        ExtensionStatus.PENDING,
        days(30),
        days(45),
    )
    assert extension.requested_by == org.user("owner") and extension.reason == "拆迁协调需要时间"
    entry = entries(problem, "problems.extension.request")[-1]
    assert entry.after == {"extension": extension.pk, "from": days(30).isoformat(), "to": days(45).isoformat()}
    assert entry.note == "拆迁协调需要时间"
    assert Notification.objects.filter(recipient=org.user("office"), title__contains="延期申请待审批").exists()
    assert reload(problem).deadline == days(30)  # nothing moves before the decision


def test_a_request_the_day_after_the_deadline_is_refused(problem):
    with pytest.raises(ValidationError) as caught:
        request(problem, today=days(31))
    assert "已过" in caught.value.messages[0]
    assert Extension.objects.count() == 0


@pytest.mark.parametrize("offset", [30, 29, 0])
def test_only_a_later_deadline_may_be_asked_for(problem, offset):
    with pytest.raises(ValidationError) as caught:
        request(problem, new=days(offset))
    assert "new_deadline" in caught.value.message_dict
    assert Extension.objects.count() == 0


def test_a_reason_is_required(problem):
    with pytest.raises(ValidationError) as caught:
        request(problem, reason="  ")
    assert "reason" in caught.value.message_dict
    assert Extension.objects.count() == 0


def test_one_request_waits_at_a_time(problem):
    request(problem)
    with pytest.raises(ValidationError) as caught:
        request(problem, new=days(60))
    assert "等待审批" in caught.value.messages[0]
    assert Extension.objects.filter(status=ExtensionStatus.PENDING).count() == 1


def test_the_database_refuses_a_second_waiting_request(problem):
    first = request(problem)
    with pytest.raises(IntegrityError), transaction.atomic():
        Extension.objects.create(problem=problem, old_deadline=days(30), new_deadline=days(60), reason="再申请")
    assert list(Extension.objects.values_list("pk", flat=True)) == [first.pk]
    # A decided request no longer waits: the next one may.
    services.extension_decide(extension=first, approve=False, note="理由不充分", by=None)
    Extension.objects.create(problem=problem, old_deadline=days(30), new_deadline=days(60), reason="再申请")


def test_the_database_refuses_an_earlier_new_deadline(problem):
    with pytest.raises(IntegrityError), transaction.atomic():
        Extension.objects.create(problem=problem, old_deadline=days(30), new_deadline=days(30), reason="同一天")


@pytest.mark.parametrize("status", [ProblemStatus.FOUND, ProblemStatus.DONE, ProblemStatus.CLOSED])
def test_only_problems_being_rectified_may_ask(make_problem, status):
    problem = walk(make_problem, status)
    if status == ProblemStatus.FOUND:
        problem = services.problem_update(problem=problem, deadline=days(30), by=None)
    with pytest.raises(ValidationError):
        request(problem)
    assert Extension.objects.count() == 0


def test_a_rectifying_problem_may_ask(make_problem):
    problem = walk(make_problem, ProblemStatus.RECTIFYING)
    assert request(problem).status == ExtensionStatus.PENDING


def test_strangers_cannot_ask(org, problem):
    for role in ("liaison_b", "cadre", "citizen"):
        with pytest.raises(PermissionDenied):
            request(problem, by=org.user(role))
    assert Extension.objects.count() == 0


# —— decisions ——


def test_approval_moves_the_deadline_and_the_due_date(org, problem):
    services.measure_progress(measure=problem.measures.get(), progress=100, note="完成", by=None)
    assert reload(problem).due_on == days(30)  # the measure is finished: the problem's own deadline is due
    extension = request(problem, by=org.user("owner"))
    services.extension_decide(extension=extension, approve=True, note="同意", by=org.user("office"))
    stored = reload(problem)
    assert (stored.deadline, stored.due_on, stored.original_deadline) == (days(45), days(45), days(30))
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED and extension.decided_by == org.user("office")
    assert extension.decided_at is not None and extension.decision_note == "同意"
    entry = entries(problem, "problems.extension.approve")[-1]
    assert entry.before == {"deadline": days(30).isoformat()}
    assert entry.after == {
        "extension": extension.pk,
        "status": "approved",
        "deadline": days(45).isoformat(),
        "measures_moved": [],  # the only measure is finished
    }
    notice = Notification.objects.get(recipient=org.user("owner"), title__contains="延期申请")
    assert "已批准" in notice.title and notice.body == "同意"


def test_unfinished_measures_due_with_the_problem_move_with_it(org, problem):
    same_day = services.measure_add(problem=problem, content="收尾", deadline=days(30), by=None)
    extension = request(problem)
    services.extension_decide(extension=extension, approve=True, by=org.user("office"))
    same_day.refresh_from_db()
    assert same_day.deadline == days(45)
    assert entries(problem, "problems.extension.approve")[-1].after["measures_moved"] == [same_day.pk]


def test_an_extension_of_a_finished_problem_can_only_be_refused(org, problem):
    extension = request(problem)
    for measure in problem.measures.all():
        services.measure_progress(measure=measure, progress=100, note="完成", by=None)
    services.evidence_add(problem=problem, upload=pdf(), by=None)
    services.problem_finish(problem=problem, result="完成", by=None)
    with pytest.raises(ValidationError):
        services.extension_decide(extension=extension, approve=True, by=org.user("office"))
    services.extension_decide(extension=extension, approve=False, note="已完成，无需延期", by=org.user("office"))
    assert reload(problem).deadline == days(30)


def test_an_unfinished_measure_due_earlier_stays_due(problem):
    extension = request(problem)
    services.extension_decide(extension=extension, approve=True, by=None)
    stored = reload(problem)
    assert (stored.deadline, stored.due_on) == (days(45), days(10))


def test_approval_lets_measures_run_to_the_new_deadline(problem):
    measure = problem.measures.get()
    with pytest.raises(ValidationError):
        services.measure_change(measure=measure, deadline=days(40), by=None)
    services.extension_decide(extension=request(problem), approve=True, by=None)
    services.measure_change(measure=measure, deadline=days(40), by=None)
    assert reload(problem).due_on == days(40)


def test_refusal_needs_a_note_and_keeps_the_deadline(org, problem):
    extension = request(problem, by=org.user("owner"))
    with pytest.raises(ValidationError) as caught:
        services.extension_decide(extension=extension, approve=False, note=" ", by=org.user("office"))
    assert "note" in caught.value.message_dict
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING
    services.extension_decide(extension=extension, approve=False, note="理由不充分", by=org.user("office"))
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED and extension.decision_note == "理由不充分"
    assert reload(problem).deadline == days(30)
    entry = entries(problem, "problems.extension.reject")[-1]
    assert entry.after == {"extension": extension.pk, "status": "rejected"} and entry.note == "理由不充分"
    notice = Notification.objects.get(recipient=org.user("owner"), title__contains="延期申请")
    assert "未批准" in notice.title and notice.body == "理由不充分"


@pytest.mark.parametrize("first", [True, False])
def test_a_request_is_decided_once(problem, first):
    extension = request(problem)
    services.extension_decide(extension=extension, approve=first, note="意见", by=None)
    for approve in (True, False):
        with pytest.raises(ValidationError) as caught:
            services.extension_decide(extension=extension, approve=approve, note="再审", by=None)
        assert "已经审批过" in caught.value.messages[0]
    extension.refresh_from_db()
    assert extension.decision_note == "意见"
    assert reload(problem).deadline == (days(45) if first else days(30))


def test_only_the_office_decides(org, problem):
    extension = request(problem)
    for role in ("liaison", "owner", "liaison_b"):
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension=extension, approve=True, by=org.user(role))
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING
    assert reload(problem).deadline == days(30)


def test_a_system_request_notifies_no_one_on_decision(problem):
    extension = request(problem, by=None)
    before = Notification.objects.count()
    services.extension_decide(extension=extension, approve=True, by=None)
    assert Notification.objects.count() == before
