"""``taolun research …``: topics and the leaders' coverage from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taolun.research.models import TopicStatus

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_list_shows_topics_with_leader_and_status(org, campaign, leader, make_topic):
    make_topic(leader, status=TopicStatus.IN_PROGRESS, title="优化营商环境调研")
    out = run("research", "list", "--campaign", campaign.slug, "--unit", "S-A")
    assert "优化营商环境调研" in out and "王局长" in out and "调研中" in out
    assert "共 1 个调研课题" in out
    assert "共 0 个调研课题" in run("research", "list", "--unit", "S-B")
    assert "共 0 个调研课题" in run("research", "list", "--status", "accepted")


def test_coverage_names_the_leaders_without_a_topic(org, campaign, leader, make_topic):
    out = run("research", "coverage", "--campaign", campaign.slug, "--unit", "D001")
    assert "领导干部 2 人，已有调研课题 0 人，尚无课题 2 人" in out
    assert "✗ 王局长 · 甲街道" in out and "✗ 李四 · 乙一社区" in out
    make_topic(leader, status=TopicStatus.REGISTERED)
    out = run("research", "coverage", "--campaign", campaign.slug, "--unit", "S-A")
    assert "领导干部 1 人，已有调研课题 1 人，尚无课题 0 人" in out and "已登记 1" in out and "✗" not in out


def test_bad_arguments_say_what_is_wrong(org, campaign):
    with pytest.raises(CommandError, match="没有标识为“nope”的大讨论活动"):
        run("research", "coverage", "--campaign", "nope", "--unit", "D001")
    with pytest.raises(CommandError, match="没有单位代码为“NOPE”的单位"):
        run("research", "list", "--unit", "NOPE")
    with pytest.raises(CommandError):
        run("research", "coverage", "--campaign", campaign.slug)
