"""Full-text search over suggestions, comments and replies.

Each searchable text has one ``SearchEntry`` holding its tokens (``taolun.text.tokens``: Han bigrams
and Latin words of the normalised text, so no dictionary is needed and 「垃圾分類」 finds 「垃圾分类」).
The services keep the entries in step with the texts and their visibility (``index``/``set_public``).
A query's tokens must all be present (AND). PostgreSQL answers from the GIN index over the generated
``tsvector`` column, SQLite from its FTS5 table (both made by migration 0002); the newest hits come first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from taolun.text.tokens import highlight, index_text, query_tokens

from .models import Comment, Reply, SearchEntry, SearchKind, Suggestion, Visibility

__all__ = ["Hit", "highlight", "index", "matching", "set_public", "unindex"]


def _text_of(obj: Suggestion | Comment | Reply) -> str:
    if isinstance(obj, Suggestion):
        return f"{obj.title}\n{obj.body}"
    return obj.body


def _kind_of(obj: Suggestion | Comment | Reply) -> str:
    if isinstance(obj, Suggestion):
        return SearchKind.SUGGESTION
    if isinstance(obj, Comment):
        return SearchKind.COMMENT
    return SearchKind.REPLY


def _public(obj: Suggestion | Comment | Reply) -> bool:
    if isinstance(obj, Suggestion):
        return obj.status == Visibility.PUBLISHED
    if isinstance(obj, Comment):
        return obj.status == Visibility.PUBLISHED and obj.suggestion.status == Visibility.PUBLISHED
    return obj.suggestion.status == Visibility.PUBLISHED


def index(obj: Suggestion | Comment | Reply) -> None:
    """Write (or rewrite) the entry of one text, public as the text is."""
    suggestion = obj if isinstance(obj, Suggestion) else obj.suggestion
    SearchEntry.objects.update_or_create(
        kind=_kind_of(obj),
        object_id=obj.pk,
        defaults={
            "suggestion": suggestion,
            "campaign_id": suggestion.campaign_id,
            "is_public": _public(obj),
            "tokens": index_text(_text_of(obj)),
        },
    )


def set_public(obj: Suggestion | Comment) -> None:
    """Follow a moderation decision: a suggestion's visibility carries to its comments and replies."""
    if isinstance(obj, Comment):
        SearchEntry.objects.filter(kind=SearchKind.COMMENT, object_id=obj.pk).update(is_public=_public(obj))
        return
    visible = obj.status == Visibility.PUBLISHED
    SearchEntry.objects.filter(suggestion=obj).exclude(kind=SearchKind.COMMENT).update(is_public=visible)
    published_comments = Comment.objects.filter(suggestion=obj, status=Visibility.PUBLISHED).values("pk")
    SearchEntry.objects.filter(suggestion=obj, kind=SearchKind.COMMENT).update(is_public=False)
    if visible:
        SearchEntry.objects.filter(kind=SearchKind.COMMENT, object_id__in=published_comments).update(is_public=True)


def unindex(objs: Iterable[Suggestion | Comment | Reply]) -> None:
    for obj in objs:
        SearchEntry.objects.filter(kind=_kind_of(obj), object_id=obj.pk).delete()


def fts5_query(tokens: list[str]) -> str:
    """An FTS5 MATCH expression asking for every token, each quoted as a literal string."""
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def _match_condition(tokens: list[str]) -> Q | RawSQL:
    vendor = connection.vendor
    if vendor == "postgresql":
        # plainto_tsquery ANDs the words and treats every character literally: nothing to escape.
        return RawSQL("discussion_searchentry.tsv @@ plainto_tsquery('simple', %s)", [" ".join(tokens)], BooleanField())
    if vendor == "sqlite":
        phrase = fts5_query(tokens)
        return Q(
            pk__in=RawSQL(
                "SELECT rowid FROM discussion_searchentry_fts WHERE discussion_searchentry_fts MATCH %s", [phrase]
            )
        )
    condition = Q()
    for token in tokens:
        condition &= Q(tokens__contains=token)
    return condition


def matching(query: str, entries: QuerySet[SearchEntry] | None = None) -> QuerySet[SearchEntry]:
    """The entries whose text holds every token of ``query``, newest first (none for an empty query)."""
    entries = SearchEntry.objects.all() if entries is None else entries
    tokens = query_tokens(query)
    if not tokens:
        return entries.none()
    return entries.filter(_match_condition(tokens)).order_by("-id")


@dataclass(frozen=True)
class Hit:
    """A search result: the suggestion it belongs to, what matched and its text with the spans to mark."""

    kind: str
    suggestion: Suggestion
    obj: Any
    text: str
    marks: list[tuple[int, int]]
