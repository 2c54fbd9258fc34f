"""Writes racing each other on PostgreSQL, from threads with their own database connections:

- one participant casting a vote from eight requests at once (a replay or a double tap): one vote;
- eight participants voting at once: eight votes, counted exactly;
- reports arriving together past the hiding threshold: hidden once;
- one user's first requests arriving together: one participant;
- comments and follows arriving together: counted exactly;
- the reminder job started twice at once: each notice sent once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone

from conftest import require_postgres
from taolun.accounts.models import Role, RoleAssignment
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import services
from taolun.discussion.models import Comment, Follow, Participant, Report, Suggestion, Visibility, Vote
from tests.concurrency import race
from tests.factories import PersonFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def citizens(n: int, prefix: str = "racer") -> list:
    people = []
    for i in range(n):
        user = UserFactory(username=f"{prefix}{i}", display_name=f"居民{i}")
        RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
        services.participant_ensure(user=user, nickname=f"居民{i}")
        people.append(user)
    return people


def fresh(suggestion: Suggestion) -> Suggestion:
    return Suggestion.objects.select_related("campaign").get(pk=suggestion.pk)


def test_one_participant_voting_from_eight_requests_leaves_one_vote(make_suggestion, citizen2):
    require_postgres()
    suggestion = make_suggestion()

    def vote() -> int:
        return services.vote_cast(suggestion=fresh(suggestion), value=1, by=citizen2, ip="203.0.113.1")

    assert race([vote for _ in range(8)]) == [1] * 8
    suggestion.refresh_from_db()
    assert Vote.objects.filter(suggestion=suggestion).count() == 1
    assert (suggestion.supports_count, suggestion.opposes_count) == (1, 0)
    assert AuditEntry.objects.filter(action="discussion.vote", object_id=str(suggestion.pk)).count() == 1


def test_one_participant_supporting_and_opposing_at_once_keeps_counts_true(make_suggestion, citizen2):
    require_postgres()
    suggestion = make_suggestion()

    def vote(value: int) -> Callable[[], int]:
        return lambda: services.vote_cast(suggestion=fresh(suggestion), value=value, by=citizen2)

    for _round in range(3):
        race([vote(1 if n % 2 else -1) for n in range(8)])
        suggestion.refresh_from_db()
        (value,) = Vote.objects.filter(suggestion=suggestion).values_list("value", flat=True)
        assert (suggestion.supports_count, suggestion.opposes_count) == ((1, 0) if value == 1 else (0, 1))


def test_eight_participants_voting_at_once_are_all_counted(make_suggestion):
    require_postgres()
    suggestion = make_suggestion()
    voters = citizens(8)

    def vote(user, value: int) -> Callable[[], int]:
        return lambda: services.vote_cast(suggestion=fresh(suggestion), value=value, by=user)

    race([vote(user, 1 if n < 6 else -1) for n, user in enumerate(voters)])
    suggestion.refresh_from_db()
    assert Vote.objects.filter(suggestion=suggestion).count() == 8
    assert (suggestion.supports_count, suggestion.opposes_count) == (6, 2)
    race([(lambda u=user: services.vote_withdraw(suggestion=fresh(suggestion), by=u)) for user in voters])
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.opposes_count) == (0, 0)
    assert not Vote.objects.exists()


def test_reports_arriving_together_hide_once(campaign, make_suggestion, citizen2):
    require_postgres()
    services.forum_update(forum=services.forum_of(campaign), by=None, hide_after_reports=3)
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="这条评论会被一起举报", by=citizen2)
    reporters = citizens(8)

    def report(user, **target) -> Callable[[], str]:
        def job() -> str:
            services.report_create(reason="abuse", by=user, **target)
            return "reported"

        return job

    race([report(user, suggestion=fresh(suggestion)) for user in reporters])
    suggestion.refresh_from_db()
    assert suggestion.status == Visibility.HIDDEN
    assert suggestion.report_count == Report.objects.filter(suggestion=suggestion).count() == 8
    hides = AuditEntry.objects.filter(action="discussion.hide", object_id=str(suggestion.pk))
    assert hides.count() == 1 and hides.get().actor is None

    services.moderate(item=suggestion, action="restore", by=None)
    race([report(user, comment=Comment.objects.get(pk=comment.pk)) for user in reporters[:6]])
    comment.refresh_from_db()
    suggestion.refresh_from_db()
    assert comment.status == Visibility.HIDDEN and comment.report_count == 6
    assert AuditEntry.objects.filter(action="discussion.hide", object_id=str(comment.pk)).count() == 1
    assert suggestion.comments_count == 0


def test_one_users_first_requests_make_one_participant(org):
    require_postgres()
    user = UserFactory(username="newcomer", display_name="新来的")

    def ensure() -> int:
        return services.participant_ensure(user=user, nickname="新来的").pk

    ids = race([ensure for _ in range(8)])
    assert len(set(ids)) == 1
    assert Participant.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action="discussion.participant_create", object_id=str(ids[0])).count() == 1


def test_comments_and_follows_arriving_together_are_counted_exactly(make_suggestion):
    require_postgres()
    suggestion = make_suggestion()
    people = citizens(8)

    def comment(user, n: int) -> Callable[[], int]:
        return lambda: services.comment_create(suggestion=fresh(suggestion), body=f"第{n}条并发评论", by=user).pk

    race([comment(user, n) for n, user in enumerate(people)])
    race([(lambda u=user: services.follow_set(suggestion=fresh(suggestion), by=u, on=True)) for user in people])
    race([(lambda: services.follow_set(suggestion=fresh(suggestion), by=people[0], on=True)) for _ in range(6)])
    suggestion.refresh_from_db()
    assert suggestion.comments_count == Comment.objects.filter(suggestion=suggestion).count() == 8
    assert suggestion.follows_count == Follow.objects.filter(suggestion=suggestion).count() == 9  # and the author


def test_the_reminder_job_started_twice_sends_each_notice_once(org, make_suggestion, route_to_department, dept_liaison):
    require_postgres()
    head = UserFactory(username="dept_head")
    PersonFactory(unit=org.department, name="局长", is_leading_cadre=True, user=head)
    late = [make_suggestion() for _ in range(5)]
    Suggestion.objects.filter(pk__in=[s.pk for s in late]).update(due_at=timezone.now() - dt.timedelta(days=10))
    now = timezone.now()
    race([lambda: services.reminders_send(now=now) for _ in range(4)])
    # Each suggestion is chased and escalated once: the digests (however the runs shared the rows)
    # name each of the five once.
    for action in ("discussion.urge", "discussion.escalate"):
        assert sorted(AuditEntry.objects.filter(action=action).values_list("object_id", flat=True)) == sorted(
            str(s.pk) for s in late
        )
    for user, kind in ((head, "催办"), (dept_liaison, "催办"), (org.user("office"), "督办")):
        titles = Notification.objects.filter(recipient=user, title__startswith=kind).values_list("title", flat=True)
        assert sum(int(re.search(r"有 (\d+) 条", title).group(1)) for title in titles) == 5, user
    assert services.reminders_send(now=now) == {"remind": 0, "urge": 0, "escalate": 0}
