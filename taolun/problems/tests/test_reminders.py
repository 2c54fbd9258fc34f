"""Deadline reminders and escalation: the right people, one digest a day, nothing twice."""

from __future__ import annotations

import pytest

from taolun.core.models import Notification
from taolun.problems.reminders import reminders_send
from taolun.problems.tasks import send_reminders

from .conftest import days

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind="problem").values_list("dedupe_key", flat=True))


def test_owner_of_a_measure_due_soon_gets_one_reminder_a_day(org, campaign, make_problem, owner, settings):
    settings.PROBLEMS_YELLOW_DAYS = 5
    make_problem(confirmed=True, deadline=days(20), measure_deadline=days(3))
    Notification.objects.all().delete()
    first = reminders_send()
    second = reminders_send()
    assert first["due_soon"] == 1
    assert second["due_soon"] == 0
    assert [k.split(":")[0] for k in titles(org.users["owner"])] == ["problems.due_soon"]
    # Not due within the window: nothing.
    assert reminders_send(today=days(-10))["due_soon"] == 0


def test_overdue_work_reaches_the_owner_then_the_liaison_then_the_office(org, campaign, make_problem, owner, settings):
    settings.PROBLEMS_ESCALATE_DAYS = 3
    make_problem(confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20))
    Notification.objects.all().delete()
    sent = reminders_send()
    assert sent["overdue"] == 1
    assert sent["escalated_liaison"] == 0  # one day late: the owner is told, no one else yet
    later = reminders_send(today=days(3))  # the measure is 4 days past its deadline
    assert later["escalated_liaison"] == 1
    assert set(
        Notification.objects.filter(dedupe_key__startswith="problems.escalate_liaison").values_list(
            "recipient__username", flat=True
        )
    ) == {"liaison"}  # street A's liaison, not street B's
    assert later["escalated_office"] == 0
    much_later = reminders_send(today=days(6))  # 7 days past
    assert much_later["escalated_office"] == 1
    assert {"office"} == set(
        Notification.objects.filter(dedupe_key__startswith="problems.escalate_office").values_list(
            "recipient__username", flat=True
        )
    )


def test_the_periodic_task_runs_the_service(org, campaign, make_problem, owner):
    make_problem(confirmed=True, deadline=days(20), measure_deadline=days(2))
    Notification.objects.all().delete()
    assert send_reminders.apply().get()["due_soon"] == 1
    assert send_reminders.apply().get()["due_soon"] == 0
