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
