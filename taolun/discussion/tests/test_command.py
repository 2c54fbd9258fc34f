"""``taolun discussion``: importing offline opinions (all or nothing, with exit codes), sending the
reminders, keeping the word list and rebuilding the search index."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from taolun.core.models import Notification
from taolun.discussion import services
from taolun.discussion.models import SearchEntry, SearchKind, SensitiveWord, Suggestion
from taolun.discussion.selectors import search_entries

from .test_imports import csv_bytes, row

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("discussion", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_prints_the_summary(org, campaign, route_to_department, tmp_path):
    path = tmp_path / "走访意见.csv"
    path.write_bytes(csv_bytes([row(来源编号="ZF-1"), row(来源编号="ZF-2", 来源="走访调研")], encoding="gb18030"))
    out = run("import", "--campaign", campaign.slug, str(path))
    assert "已导入 2 条建言" in out and "已交办 2 条" in out
    assert Suggestion.objects.filter(campaign=campaign).count() == 2


def test_a_bad_file_prints_every_error_writes_nothing_and_exits_non_zero(org, campaign, tmp_path):
    path = tmp_path / "意见.csv"
    path.write_bytes(csv_bytes([row(), row(来源="网上留言"), row(联系电话="110")]))
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("discussion", "import", "--campaign", campaign.slug, str(path), stdout=out)
    assert raised.value.returncode == 1
    assert "2 处错误" in str(raised.value)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("第 3 行［来源］") and lines[1].startswith("第 4 行［联系电话］")
    assert not Suggestion.objects.exists()


def test_import_names_a_missing_campaign_or_file(org, campaign, tmp_path):
    with pytest.raises(CommandError, match="没有标识为"):
        run("import", "--campaign", "nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="找不到文件"):
        run("import", "--campaign", campaign.slug, str(tmp_path / "x.csv"))


def test_send_reminders_prints_the_counts(org, campaign, dept_liaison, route_to_department, make_suggestion):
    suggestion = make_suggestion()
    Suggestion.objects.filter(pk=suggestion.pk).update(due_at=timezone.now() + dt.timedelta(hours=12))
    out = run("send-reminders")
    assert "到期提醒 1 条" in out and "催办 0 条" in out
    assert Notification.objects.filter(recipient=dept_liaison, title__startswith="答复提醒").count() == 1
    assert "到期提醒 0 条" in run("send-reminders")


def test_words_add_from_arguments_and_a_file_list_and_remove(org, tmp_path):
    path = tmp_path / "词表.txt"
    path.write_bytes("赌博\n\n枪支\n代开发票\n".encode("gb18030"))
    assert "新增 3 个" in run("words", "add", "--file", str(path), "--category", "违法", "赌博")
    assert "新增 1 个敏感词，1 个已在词表中" in run("words", "add", "法轮功", "赌博")
    assert SensitiveWord.objects.get(word="枪支").category == "违法"
    listing = run("words", "list")
    assert "代开发票\t违法" in listing and "共 4 个敏感词" in listing
    assert "删除 1 个敏感词，1 个不在词表中" in run("words", "remove", "枪支", "没有的词")
    assert set(SensitiveWord.objects.values_list("word", flat=True)) == {"赌博", "代开发票", "法轮功"}
    with pytest.raises(CommandError, match="请给出敏感词"):
        run("words", "add")


def test_reindex_rebuilds_entries_keeps_visibility_and_drops_stale_ones(
    org, campaign, citizen, citizen2, dept_liaison, route_to_department, make_suggestion, words
):
    words("赌博")
    public = make_suggestion(body="建议在溪湖公园增设健身步道，方便居民晨练散步。")
    held = make_suggestion(body="小区地下室有人聚众赌博，请派出所来查一查。")
    services.comment_create(suggestion=public, body="同意，健身步道要加装路灯。", by=citizen2)
    services.reply_create(suggestion=public, body="已列入明年公园提升改造计划，感谢您的建议。", by=dept_liaison)
    before = set(SearchEntry.objects.values_list("kind", "object_id", "is_public", "tokens"))
    assert len(before) == 4
    # Lose the entries, leave a stale one: reindex puts back exactly what the services wrote.
    SearchEntry.objects.all().delete()
    SearchEntry.objects.create(
        kind=SearchKind.COMMENT, object_id=999999, suggestion=public, campaign=campaign, tokens="x"
    )
    out = run("reindex", "--campaign", campaign.slug)
    assert "建言 2 条、评论 1 条、答复 1 条" in out and "删除失效条目 1 条" in out
    assert set(SearchEntry.objects.values_list("kind", "object_id", "is_public", "tokens")) == before
    assert [e.object_id for e in search_entries(campaign, "健身步道")] != []
    assert not search_entries(campaign, "聚众赌博").exists()
    assert SearchEntry.objects.get(kind=SearchKind.SUGGESTION, object_id=held.pk).is_public is False
    # Run again (entries exist): rewritten in place, nothing doubled.
    run("reindex")
    assert SearchEntry.objects.count() == 4
    assert search_entries(campaign, "路灯").count() == 1
