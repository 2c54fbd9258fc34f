"""The demo district's online discussion: real messages imported under every theme with their sources,
votes, comment threads, the departments' real replies with ratings (one reopened), a post held by the
screen, one hidden after reports, and overdue messages chased. Building again changes nothing."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.db.models import Count

from taolun.accounts.models import User
from taolun.campaigns.models import Campaign
from taolun.core.models import AuditEntry, Notification
from taolun.demo import CAMPAIGN_SLUG, DEMO_PASSWORD
from taolun.discussion import demo as discussion_demo
from taolun.discussion import selectors
from taolun.discussion.imports import import_offline
from taolun.discussion.models import (
    AnswerState,
    Comment,
    Rating,
    Reply,
    SensitiveWord,
    Source,
    Suggestion,
    Visibility,
    Vote,
)
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", people=300)
    return capsys.readouterr().out


def test_the_demo_discussion_is_under_way(demo):
    campaign = Campaign.objects.get(slug=CAMPAIGN_SLUG)
    suggestions = Suggestion.objects.filter(campaign=campaign)
    imported = suggestions.filter(author__isnull=True)
    # Real messages, imported through the offline import under every theme, from every offline source.
    assert imported.count() >= 200 if discussion_demo.WITH_VOTES.is_file() else imported.count() >= 8
    assert AuditEntry.objects.filter(action="discussion.import").count() == 1
    assert set(imported.values_list("source", flat=True)) == {s for s in Source.values if s != Source.ONLINE}
    per_theme = dict(suggestions.values_list("theme__key").annotate(n=Count("id")))
    assert set(per_theme) == set(campaign.themes.values_list("key", flat=True))
    assert not imported.filter(body__contains="A市").exists()
    # Residents and the demo citizen take part.
    assert suggestions.filter(author__user__username="citizen").count() == 2
    assert Vote.objects.filter(suggestion__campaign=campaign, value=Vote.SUPPORT).count() >= 50
    assert Vote.objects.filter(suggestion__campaign=campaign, value=Vote.OPPOSE).exists()
    top = suggestions.order_by("-supports_count").first()
    assert top.supports_count == Vote.objects.filter(suggestion=top, value=Vote.SUPPORT).count() >= 3
    assert Comment.objects.filter(suggestion__campaign=campaign, depth=2).exists()
    # The departments' liaisons answer; ratings close one and reopen another.
    replies = Reply.objects.filter(suggestion__campaign=campaign)
    assert replies.count() >= 10
    assert set(replies.values_list("author__username", flat=True)) == {"liaison", "liaison-zj", "liaison-fg"}
    assert set(replies.exclude(rating="").values_list("rating", flat=True)) == set(Rating.values)
    reopened = suggestions.get(answer_state=AnswerState.REOPENED)
    assert reopened.author.user.username == "citizen" and reopened.reopen_count == 1
    assert suggestions.filter(answer_state=AnswerState.CLOSED).exists()
    # Moderation: a post held by a listed word, an advertisement hidden by reports.
    assert SensitiveWord.objects.filter(word="代开发票").exists()
    held = suggestions.filter(status=Visibility.PENDING, author__isnull=False).get()
    assert "代开发票" in held.screen_hits
    hidden = suggestions.get(status=Visibility.HIDDEN)
    assert hidden.report_count == 3
    # Overdue messages, chased and escalated.
    late = suggestions.filter(answer_state=AnswerState.ASSIGNED, urged_at__isnull=False)
    assert late.count() == 2 and late.filter(escalated_at__isnull=False).count() == 1
    assert all(s.is_overdue for s in late)
    overdue = selectors.inbox(User.objects.get(username="office"), campaign, state="overdue")
    assert set(overdue) == set(late)
    assert Notification.objects.filter(title__startswith="催办").exists()
    # Search finds the imported messages.
    word = imported.filter(status=Visibility.PUBLISHED).first().title[:4]
    assert selectors.search_entries(campaign, word).exists()
    # The department liaisons are printed with the other logins.
    assert "liaison-zj" in demo and DEMO_PASSWORD in demo


def test_building_again_changes_nothing(demo):
    counts = (Suggestion.objects.count(), Vote.objects.count(), Reply.objects.count(), Comment.objects.count())
    call_command("demo", people=300)
    campaign = Campaign.objects.get(slug=CAMPAIGN_SLUG)
    said: list[str] = []
    discussion_demo.build_demo_discussion(
        campaign=campaign, district=campaign.root_unit, password=DEMO_PASSWORD, echo=said.append
    )
    assert said == ["网上大讨论的演示数据已存在。"]
    assert (Suggestion.objects.count(), Vote.objects.count(), Reply.objects.count(), Comment.objects.count()) == counts


def test_without_the_corpus_the_stand_ins_cover_every_theme_and_import_as_they_are(
    org, campaign, monkeypatch, tmp_path
):
    monkeypatch.setattr(discussion_demo, "WITH_VOTES", tmp_path / "none.csv")
    voted, answered = discussion_demo.corpus_messages(random.Random(1))
    assert {m.theme for m in voted + answered} == set(campaign.themes.values_list("key", flat=True))
    assert len(answered) >= 4 and all(m.reply for m in answered)
    themes = {t.key: t for t in campaign.themes.all()}
    known = {org.department.name: org.department}  # 区发展和改革局
    units = {
        name: known.get(name) or make_unit(name, parent=org.district, code=f"T-{n}")
        for n, name in enumerate(discussion_demo.ANSWERING)
    }
    data, by_ref = discussion_demo._import_file(voted, answered, themes, units, campaign, random.Random(1))
    result = import_offline(campaign=campaign, data=data, filename="demo.csv", by=None)
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == len(by_ref) == len(voted) + len(answered)
    assert Suggestion.objects.filter(department=units["河东街道"]).exists()
