"""Small readers the article tests share: an article's audit trail, notices, and a picture of everything a
refused write must leave as it was."""

from __future__ import annotations

from typing import Any

from taolun.articles.models import Article, ArticleReview, ArticleRevision, CheckResult
from taolun.core.models import AuditEntry, Notification


def audit_of(article: Article) -> list[AuditEntry]:
    """The article's audit entries, oldest first."""
    return list(
        AuditEntry.objects.filter(object_type="articles.Article", object_id=str(article.pk)).order_by("at", "id")
    )


def actions_of(article: Article) -> list[str]:
    return [entry.action for entry in audit_of(article)]


def notices(user: Any) -> list[str]:
    """Titles of the notices ``user`` received, oldest first."""
    return list(
        Notification.objects.filter(recipient=user).order_by("created_at", "id").values_list("title", flat=True)
    )


ARTICLE_FIELDS = [
    "status",
    "title",
    "body",
    "chars",
    "reviewer_id",
    "saved_at",
    "submitted_at",
    "decided_at",
    "thought_score",
    "practice_score",
    "suggestions_score",
    "score",
    "consent_public",
    "published_at",
    "ratio",
    "flagged",
    "updated_at",
]


def state(article: Article) -> dict[str, Any]:
    """Everything a refused write must leave unchanged: the row, its themes, revisions, reviews, checks,
    audit entries and every notice sent."""
    row = Article.objects.values(*ARTICLE_FIELDS).get(pk=article.pk)
    return {
        **row,
        "themes": sorted(Article.objects.get(pk=article.pk).themes.values_list("pk", flat=True)),
        "revisions": list(
            ArticleRevision.objects.filter(article=article).order_by("number").values_list("number", "kind", "body")
        ),
        "reviews": ArticleReview.objects.filter(article=article).count(),
        "checks": CheckResult.objects.filter(article=article).count(),
        "audit": AuditEntry.objects.count(),
        "notices": Notification.objects.count(),
    }


def messages(error: Exception) -> str:
    """Every message of a ValidationError in one string (to look for words in)."""
    from django.core.exceptions import ValidationError

    assert isinstance(error, ValidationError)
    return " ".join(error.messages)
