"""Abuse limits: posts, comments, votes and reports counted per participant and per address
(``DISCUSSION_RATE_LIMITS``: per participant, per address, window in seconds), refused in words.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from taolun.accounts.models import Role, RoleAssignment
from taolun.discussion import services
from taolun.discussion.models import Comment, Report, Suggestion, Vote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "203.0.113.10"
CAFE = "198.51.100.20"


@pytest.fixture
def small_limits(settings):
    settings.DISCUSSION_RATE_LIMITS = {
        "suggestion": (2, 3, 3600),
        "comment": (3, 4, 600),
        "vote": (3, 5, 60),
        "report": (2, 3, 3600),
    }
    return settings.DISCUSSION_RATE_LIMITS


@pytest.fixture
def citizens(org):
    def _make(n: int):
        people = []
        for i in range(n):
            user = UserFactory(username=f"limited{i}", display_name=f"居民{i}")
            RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
            services.participant_ensure(user=user, nickname=f"居民{i}")
            people.append(user)
        return people

    return _make


_titles = itertools.count(1)


def post(campaign, theme, by, ip=None):
    n = next(_titles)
    return services.suggestion_create(
        campaign=campaign,
        theme=theme,
        title=f"关于社区服务的第{n}条建议",
        body=f"建议社区在周末延长服务大厅的开放时间，第{n}条。",
        by=by,
        ip=ip,
    )


def test_posts_are_limited_per_participant(small_limits, campaign, theme, citizen):
    post(campaign, theme, citizen, ip=HOME)
    post(campaign, theme, citizen, ip=CAFE)
    with pytest.raises(ValidationError) as refused:
        post(campaign, theme, citizen, ip="192.0.2.99")
    assert refused.value.messages == ["操作过于频繁：每 60 分钟内最多发表建言 2 次，请稍后再试。"]
    with pytest.raises(ValidationError):
        post(campaign, theme, citizen)  # without an address too
    assert Suggestion.objects.count() == 2


def test_posts_are_limited_per_address(small_limits, campaign, theme, citizens):
    first, second, third = citizens(3)
    post(campaign, theme, first, ip=HOME)
    post(campaign, theme, first, ip=HOME)
    post(campaign, theme, second, ip=HOME)
    with pytest.raises(ValidationError, match="操作过于频繁"):
        post(campaign, theme, third, ip=HOME)
    post(campaign, theme, third, ip=CAFE)  # another address is not held back
    assert Suggestion.objects.count() == 4


def test_refused_input_is_not_counted_against_the_limit(small_limits, campaign, theme, citizen):
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            services.suggestion_create(campaign=campaign, theme=theme, title="短", body="太短", by=citizen, ip=HOME)
    post(campaign, theme, citizen, ip=HOME)
    post(campaign, theme, citizen, ip=HOME)


def test_the_window_ends(small_limits, campaign, theme, citizen):
    post(campaign, theme, citizen, ip=HOME)
    post(campaign, theme, citizen, ip=HOME)
    with pytest.raises(ValidationError):
        post(campaign, theme, citizen, ip=HOME)
    cache.clear()  # the fixed window has passed
    post(campaign, theme, citizen, ip=HOME)


def test_comments_are_limited_per_participant_and_address(small_limits, campaign, theme, make_suggestion, citizens):
    suggestion = make_suggestion()
    first, second = citizens(2)
    for n in range(3):
        services.comment_create(suggestion=suggestion, body=f"第{n}条评论内容", by=first, ip=HOME)
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=suggestion, body="第四条评论内容", by=first, ip=CAFE)
    assert refused.value.messages == ["操作过于频繁：每 10 分钟内最多发表评论 3 次，请稍后再试。"]
    services.comment_create(suggestion=suggestion, body="另一个人的评论", by=second, ip=HOME)  # the 4th from HOME
    with pytest.raises(ValidationError, match="操作过于频繁"):
        services.comment_create(suggestion=suggestion, body="另一个人的第二条评论", by=second, ip=HOME)
    assert Comment.objects.count() == 4


def test_votes_are_limited_and_replays_count(small_limits, campaign, theme, make_suggestion, citizens):
    first, second = citizens(2)
    small_limits["suggestion"] = (10, 10, 3600)
    suggestions = [make_suggestion() for _ in range(4)]
    services.vote_cast(suggestion=suggestions[0], value=1, by=first, ip=HOME)
    services.vote_cast(suggestion=suggestions[0], value=1, by=first, ip=HOME)  # a replay still costs
    services.vote_withdraw(suggestion=suggestions[0], by=first, ip=HOME)
    with pytest.raises(ValidationError) as refused:
        services.vote_cast(suggestion=suggestions[1], value=1, by=first, ip=HOME)
    assert refused.value.messages == ["操作过于频繁：每 1 分钟内最多投票 3 次，请稍后再试。"]
    services.vote_cast(suggestion=suggestions[1], value=1, by=second, ip=HOME)  # 5th from HOME
    with pytest.raises(ValidationError, match="投票"):
        services.vote_cast(suggestion=suggestions[2], value=1, by=second, ip=HOME)
    assert list(Vote.objects.values_list("participant__user", flat=True)) == [second.pk]


def test_reports_are_limited(small_limits, campaign, theme, make_suggestion, citizens):
    (reporter,) = citizens(1)
    small_limits["suggestion"] = (10, 10, 3600)
    suggestions = [make_suggestion() for _ in range(3)]
    services.report_create(suggestion=suggestions[0], reason="spam", by=reporter, ip=HOME)
    services.report_create(suggestion=suggestions[1], reason="spam", by=reporter, ip=HOME)
    with pytest.raises(ValidationError) as refused:
        services.report_create(suggestion=suggestions[2], reason="spam", by=reporter, ip=HOME)
    assert "最多举报 2 次" in refused.value.messages[0]
    assert Report.objects.count() == 2


def test_an_action_without_a_limit_is_not_limited(settings, campaign, theme, citizen):
    settings.DISCUSSION_RATE_LIMITS = {}
    for _n in range(12):
        post(campaign, theme, citizen, ip=HOME)
    assert Suggestion.objects.count() == 12


def test_a_zero_address_limit_only_counts_participants(settings, campaign, theme, citizens):
    settings.DISCUSSION_RATE_LIMITS = {"suggestion": (1, 0, 3600)}
    people = citizens(3)
    for person in people:
        post(campaign, theme, person, ip=HOME)
    with pytest.raises(ValidationError):
        post(campaign, theme, people[0], ip=HOME)


def test_limits_are_kept_apart_by_action(small_limits, campaign, theme, make_suggestion, citizen, citizen2):
    suggestion = make_suggestion(by=citizen2)
    post(campaign, theme, citizen, ip=HOME)
    post(campaign, theme, citizen, ip=HOME)
    assert services.comment_create(suggestion=suggestion, body="发帖满了也能评论", by=citizen, ip=HOME).pk
    assert services.vote_cast(suggestion=suggestion, value=1, by=citizen, ip=HOME) == 1


def test_an_address_refusal_says_it_is_the_address(small_limits, campaign, theme, citizens):
    first, second, newcomer = citizens(3)
    post(campaign, theme, first, ip=HOME)
    post(campaign, theme, first, ip=HOME)
    post(campaign, theme, second, ip=HOME)
    with pytest.raises(ValidationError) as refused:
        post(campaign, theme, newcomer, ip=HOME)
    (message,) = refused.value.messages
    assert "3 次" in message and "地址" in message
