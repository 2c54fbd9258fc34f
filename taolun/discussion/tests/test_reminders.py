"""Reminders, 催办 and 督办 (``services.reminders_send``), with time moved through ``now=``.

A routed suggestion's deadline is set to 10:00 on a fixed day X; then:

- within ``remind_days`` before it: one reminder digest to the department's liaisons;
- on day X+1: a 催办 digest to the department's leading cadres (people of the department marked
  ``is_leading_cadre`` who have an account) and its liaisons;
- on day X+1+``escalate_days``: a 督办 digest to the office covering the department;
- each once per deadline however often the job runs; a reopened suggestion starts afresh.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services as campaign_services
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import services, tasks
from taolun.discussion.models import Rating, Suggestion
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTHING = {"remind": 0, "urge": 0, "escalate": 0}
ANSWER = "经核查，已安排工作人员周末轮班，服务大厅周六上午开放。"


def day(offset: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """Local time on day X + ``offset`` (X is ten days from today)."""
    base = timezone.localdate() + dt.timedelta(days=10 + offset)
    return timezone.make_aware(dt.datetime.combine(base, dt.time(hour, minute)))


DUE = 0  # the deadline is day(0) at 10:00


def due_on_x(*suggestions: Suggestion) -> None:
    Suggestion.objects.filter(pk__in=[s.pk for s in suggestions]).update(due_at=day(DUE))


def notices(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


@pytest.fixture
def people(org, dept_liaison):
    """Who hears what: the department's head and liaison, a clerk (not a leader), another unit's head,
    the office over everything and an office over street A only."""

    def account(username: str, role: str | None = None, unit=None):
        user = UserFactory(username=username, display_name=username)
        if role:
            RoleAssignment.objects.create(user=user, role=role, unit=unit)
        return user

    head = account("dept_head", Role.CADRE)
    PersonFactory(unit=org.department, name="局长", is_leading_cadre=True, user=head)
    clerk = account("dept_clerk", Role.CADRE)
    PersonFactory(unit=org.department, name="科员", is_leading_cadre=False, user=clerk)
    retired_head = account("retired_head", Role.CADRE)
    PersonFactory(unit=org.department, name="原局长", is_leading_cadre=True, is_active=False, user=retired_head)
    street_head = account("street_head", Role.CADRE)
    PersonFactory(unit=org.street_a, name="街道书记", is_leading_cadre=True, user=street_head)
    office_a = account("office_a", Role.OFFICE, org.street_a)
    return {
        "liaison": dept_liaison,
        "head": head,
        "clerk": clerk,
        "retired_head": retired_head,
        "street_head": street_head,
        "street_liaison": org.user("liaison"),
        "office": org.user("office"),
        "office_a": office_a,
        "citizen": org.user("citizen"),
    }


@pytest.fixture
def routed(make_suggestion, route_to_department):
    suggestion = make_suggestion()
    due_on_x(suggestion)
    return suggestion


def test_nothing_is_sent_long_before_the_deadline(routed, people):
    assert services.reminders_send(now=timezone.now()) == NOTHING
    assert services.reminders_send(now=day(-3)) == NOTHING  # remind_days is 2
    assert not Notification.objects.exists()


def test_remind_urge_and_escalate_each_once_on_their_day(org, routed, people):
    # Within two days of the deadline: a reminder to the department's liaisons.
    assert services.reminders_send(now=day(-2, 10, 1)) == {"remind": 1, "urge": 0, "escalate": 0}
    assert services.reminders_send(now=day(-1)) == NOTHING
    (reminder,) = notices(people["liaison"])
    assert reminder.startswith("答复提醒") and org.department.name in reminder and "1 条" in reminder

    # The deadline passes during day X: nothing until the next day.
    assert services.reminders_send(now=day(0, 23, 59)) == NOTHING
    # Day X+1: 催办 to the department's leading cadres and liaisons, once.
    assert services.reminders_send(now=day(1, 0, 5)) == {"remind": 0, "urge": 2, "escalate": 0}
    assert services.reminders_send(now=day(1, 18)) == NOTHING
    assert notices(people["head"]) == [notices(people["liaison"])[1]]
    assert notices(people["head"])[0].startswith("催办")
    for nobody in ("clerk", "retired_head", "street_head", "street_liaison", "office", "office_a", "citizen"):
        assert notices(people[nobody]) == [], nobody

    # escalate_days (3) more days: on X+4 the office covering the department hears of it, once.
    assert services.reminders_send(now=day(3, 23, 59)) == NOTHING
    assert services.reminders_send(now=day(4, 0, 5)) == {"remind": 0, "urge": 0, "escalate": 1}
    assert services.reminders_send(now=day(9)) == NOTHING
    (escalation,) = notices(people["office"])
    assert escalation.startswith("督办") and "3 天" in escalation
    assert notices(people["office_a"]) == []
    assert len(notices(people["liaison"])) == 2 and len(notices(people["head"])) == 1

    routed.refresh_from_db()
    assert routed.reminded_at == day(-2, 10, 1)
    assert routed.urged_at == day(1, 0, 5)
    assert routed.escalated_at == day(4, 0, 5)
    for action in ("discussion.remind", "discussion.urge", "discussion.escalate"):
        (entry,) = AuditEntry.objects.filter(action=action, object_id=str(routed.pk))
        assert entry.actor is None and entry.actor_label == "system" and entry.unit_path == org.department.path


def test_a_job_that_missed_days_catches_up_in_one_run(routed, people):
    assert services.reminders_send(now=day(6)) == {"remind": 0, "urge": 2, "escalate": 1}
    assert services.reminders_send(now=day(7)) == NOTHING


def test_the_escalation_waits_for_the_configured_days(campaign, routed, people):
    services.forum_update(forum=services.forum_of(campaign), by=None, escalate_days=1, remind_days=5)
    assert services.reminders_send(now=day(-5, 10, 1)) == {"remind": 1, "urge": 0, "escalate": 0}
    assert services.reminders_send(now=day(1, 12)) == {"remind": 0, "urge": 2, "escalate": 0}
    assert services.reminders_send(now=day(2, 0, 5)) == {"remind": 0, "urge": 0, "escalate": 1}


def test_one_digest_per_department_and_kind(org, campaign, make_suggestion, people, office_rule_for_theme):
    first, second = make_suggestion(), make_suggestion()
    street = make_suggestion(theme=office_rule_for_theme)
    assert street.department == org.street_a
    due_on_x(first, second, street)
    assert services.reminders_send(now=day(-1)) == {"remind": 2, "urge": 0, "escalate": 0}
    (department_digest,) = notices(people["liaison"])
    (street_digest,) = notices(people["street_liaison"])
    assert "2 条" in department_digest and org.department.name in department_digest
    assert "1 条" in street_digest and org.street_a.name in street_digest

    assert services.reminders_send(now=day(1)) == {"remind": 0, "urge": 4, "escalate": 0}
    (urge,) = notices(people["head"])
    assert "2 条" in urge
    (street_urge,) = notices(people["street_head"])
    assert "1 条" in street_urge and org.street_a.name in street_urge
    assert services.reminders_send(now=day(5)) == {"remind": 0, "urge": 0, "escalate": 3}
    assert len(notices(people["office"])) == 2  # one per department
    assert len(notices(people["office_a"])) == 1  # street A's only
    assert AuditEntry.objects.filter(action="discussion.urge").count() == 3


@pytest.fixture
def office_rule_for_theme(org, campaign, route_to_department):
    theme = campaign.themes.order_by("order", "id")[1]
    services.routing_rule_set(campaign=campaign, theme=theme, department=org.street_a, by=None)
    return theme


def test_nothing_for_what_is_not_owed(org, campaign, make_suggestion, route_to_department, people):
    hidden = make_suggestion()
    services.moderate(item=hidden, action="hide", note="涉及隐私", by=None)
    services.routing_rule_set(campaign=campaign, theme=None, department=None, by=None)
    unrouted = make_suggestion()
    due_on_x(hidden, unrouted)
    for offset in (-1, 1, 5):
        assert services.reminders_send(now=day(offset)) == NOTHING
    for key in ("liaison", "head", "office"):
        assert notices(people[key]) == []


def test_nothing_for_a_closed_campaign(campaign, routed, people):
    campaign_services.campaign_close(campaign=campaign, by=None)
    assert services.reminders_send(now=day(5)) == NOTHING


def test_an_answered_suggestion_is_not_chased(routed, people, dept_liaison):
    services.reply_create(suggestion=routed, body=ANSWER, by=dept_liaison)
    for offset in (-1, 1, 5):
        assert services.reminders_send(now=day(offset)) == NOTHING


def test_a_reopened_suggestion_is_reminded_chased_and_escalated_again(routed, people, dept_liaison, citizen):
    assert services.reminders_send(now=day(5)) == {"remind": 0, "urge": 2, "escalate": 1}
    reply = services.reply_create(suggestion=routed, body=ANSWER, by=dept_liaison)
    services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="没有解决", by=citizen)
    routed.refresh_from_db()
    assert (routed.reminded_at, routed.urged_at, routed.escalated_at) == (None, None, None)
    due_on_x(routed)  # the new deadline, moved onto day X again
    assert services.reminders_send(now=day(-1)) == {"remind": 1, "urge": 0, "escalate": 0}
    assert services.reminders_send(now=day(5)) == {"remind": 0, "urge": 2, "escalate": 1}
    assert services.reminders_send(now=day(6)) == NOTHING


def test_rerouting_starts_the_reminders_afresh(org, routed, people):
    assert services.reminders_send(now=day(5)) == {"remind": 0, "urge": 2, "escalate": 1}
    rerouted = services.suggestion_route(suggestion=routed, department=org.street_a, by=None)
    assert (rerouted.reminded_at, rerouted.urged_at, rerouted.escalated_at) == (None, None, None)
    due_on_x(routed)
    assert services.reminders_send(now=day(-1)) == {"remind": 1, "urge": 0, "escalate": 0}
    assert notices(people["street_liaison"])[-1].startswith("答复提醒")


def test_the_periodic_task_runs_the_reminders(routed, people):
    assert tasks.send_reminders.delay().get() == NOTHING
    Suggestion.objects.filter(pk=routed.pk).update(due_at=timezone.now() - dt.timedelta(days=10))
    result = tasks.send_reminders.delay().get()
    assert result == {"remind": 0, "urge": 2, "escalate": 1}
    assert AuditEntry.objects.filter(action="discussion.urge").get().via == "task"
