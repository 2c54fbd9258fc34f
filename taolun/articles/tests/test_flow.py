"""The article's path end to end through the services, with the copy check run on submission."""

from __future__ import annotations

import pytest

from taolun.articles import services
from taolun.articles.models import ArticleStatus, CheckResult

pytestmark = pytest.mark.django_db


def test_copied_article_is_flagged_with_its_source(org, campaign, make_article, make_author, texts, reviewer_a):
    first = make_article(make_author(), body=texts[0][:3000], status=ArticleStatus.SUBMITTED)
    first.refresh_from_db()
    assert first.ratio is not None and first.ratio < 0.1
    assert first.reviewer_id == reviewer_a.pk
    copied = (
        "我认真学习后体会很深。"
        + texts[0][500:2000]
        + "今后要结合本职工作抓好落实，把学习成果转化为推动发展的实际行动。" * 3
    )
    second = make_article(make_author(), body=copied, status=ArticleStatus.SUBMITTED)
    second.refresh_from_db()
    assert second.flagged and second.ratio > 0.6
    check = CheckResult.objects.filter(article=second).latest("checked_at")
    assert check.matches[0]["source"].startswith(f"article:{first.pk}:")
    assert check.matches[0]["kind"] == "article"
    start, end, _s0, _s1 = check.matches[0]["spans"][0]
    assert second.body[start:end][:50] in texts[0]


def test_walk_to_published(org, campaign, make_article, author):
    article = make_article(author, status=ArticleStatus.PUBLISHED)
    assert article.status == ArticleStatus.PUBLISHED
    assert article.score == 85
    assert services.TRANSITIONS[ArticleStatus.PUBLISHED] == {ArticleStatus.EXCELLENT: "unpublish"}
