"""The whole answer loop through the services: post, hold, approve, route, reply, rate, reopen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from taolun.core.models import AuditEntry
from taolun.discussion import services
from taolun.discussion.models import AnswerState, Rating, Visibility

pytestmark = pytest.mark.django_db


def test_screened_suggestion_is_held_then_approved_routed_answered_and_reopened(
    org, campaign, theme, citizen, dept_liaison, route_to_department, make_suggestion, words
):
    words("法轮")
    held = make_suggestion(body="这里有人宣传法 轮功，请有关部门关注并依法处理，谢谢。")
    assert held.status == Visibility.PENDING
    assert held.screen_hits == ["法轮"]
    assert held.answer_state == AnswerState.UNROUTED

    approved = services.moderate(item=held, action="approve", by=org.user("office"))
    assert approved.status == Visibility.PUBLISHED
    approved.refresh_from_db()
    assert approved.department == org.department
    assert approved.answer_state == AnswerState.ASSIGNED
    assert approved.due_at is not None

    reply = services.reply_create(suggestion=approved, body="已转有关部门核查处理，感谢您的反映。", by=dept_liaison)
    approved.refresh_from_db()
    assert approved.answer_state == AnswerState.REPLIED

    services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="没有说明处理结果", by=citizen)
    approved.refresh_from_db()
    assert approved.answer_state == AnswerState.REOPENED
    assert approved.reopen_count == 1
    with pytest.raises(ValidationError):
        services.reply_rate(reply=reply, rating=Rating.SATISFIED, by=citizen)

    second = services.reply_create(suggestion=approved, body="经核查已依法处置，相关人员已被教育。", by=dept_liaison)
    services.reply_rate(reply=second, rating=Rating.SATISFIED, by=citizen)
    approved.refresh_from_db()
    assert approved.answer_state == AnswerState.CLOSED
    actions = set(AuditEntry.objects.filter(object_id=str(approved.pk)).values_list("action", flat=True))
    assert {"discussion.suggestion_create", "discussion.approve", "discussion.route", "discussion.reply"} <= actions


def test_votes_are_one_per_participant(campaign, citizen, citizen2, make_suggestion):
    suggestion = make_suggestion()
    services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.opposes_count) == (1, 0)
    services.vote_cast(suggestion=suggestion, value=-1, by=citizen2)
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.opposes_count) == (0, 1)
    services.vote_withdraw(suggestion=suggestion, by=citizen2)
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.opposes_count) == (0, 0)


def test_dismissed_reports_close_and_no_longer_count_towards_hiding(org, campaign, citizen, citizen2, make_suggestion):
    from taolun.discussion import selectors
    from tests.factories import UserFactory

    suggestion = make_suggestion()
    reporters = [citizen2] + [UserFactory(username=f"r{n}") for n in range(3)]
    for user in reporters[:2]:
        services.report_create(suggestion=suggestion, reason="spam", by=user)
    office = org.user("office")
    assert selectors.queue_counts(office, campaign)["reported"] == 1
    assert services.moderation_actions(suggestion, open_reports=True) == ["hide", "dismiss"]
    services.moderate(item=suggestion, action="dismiss", note="内容属实，不是广告", by=office)
    assert selectors.queue_counts(office, campaign)["reported"] == 0
    assert AuditEntry.objects.filter(action="discussion.dismiss_reports", object_id=str(suggestion.pk)).exists()
    # Two more reports stay below the threshold of three open ones: the suggestion stays public.
    for user in reporters[2:]:
        services.report_create(suggestion=suggestion, reason="spam", by=user)
    suggestion.refresh_from_db()
    assert suggestion.status == Visibility.PUBLISHED and suggestion.report_count == 4
    with pytest.raises(ValidationError):
        services.moderate(item=suggestion, action="approve", by=office)
