"""Full-text search over suggestions, comments and replies.

Each searchable text has one ``SearchEntry`` holding its tokens (``taolun.text.tokens``: Han bigrams
and Latin words of the normalised text, so no dictionary is needed and 「垃圾分類」 finds 「垃圾分类」).
The services keep the entries in step with the texts and their visibility (``index``/``set_public``).
A query's tokens must all be present (AND). PostgreSQL answers from the GIN index over the generated
``tsvector`` column, SQLite from its FTS5 table (both made by migration 0002); the newest hits come first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from taolun.campaigns.models import Campaign
from taolun.text.tokens import highlight, index_text, query_tokens

from .models import Comment, Reply, SearchEntry, SearchKind, Suggestion, Visibility

__all__ = ["Hit", "highlight", "index", "matching", "reindex", "set_public", "unindex"]

REINDEX_BATCH = 1000  # texts tokenised and written at a time by ``reindex``


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
    """Write (or rewrite) the entry of one text, public as the text is: one INSERT … ON CONFLICT."""
    suggestion = obj if isinstance(obj, Suggestion) else obj.suggestion
    entry = SearchEntry(
        kind=_kind_of(obj),
        object_id=obj.pk,
        suggestion=suggestion,
        campaign_id=suggestion.campaign_id,
        is_public=_public(obj),
        tokens=index_text(_text_of(obj)),
    )
    _upsert([entry])


def _upsert(entries: list[SearchEntry]) -> None:
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=["suggestion", "campaign", "is_public", "tokens"],
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


def _batches(qs: QuerySet[Any], fields: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``qs`` as value tuples (the key first), a batch at a time, in key order (keyset paging)."""
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:REINDEX_BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reindex(
    *, campaign: Campaign | None = None, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Rewrite the entry of every suggestion, comment and reply (of one campaign, or all), a batch at a
    time, in place, so search keeps working meanwhile; entries whose text is gone are removed.
    ``progress(kind, total, done_now)`` follows along. Returns the count of each kind and ``stale``."""
    published = Visibility.PUBLISHED
    own = Q(campaign=campaign) if campaign else Q()
    through = Q(suggestion__campaign=campaign) if campaign else Q()
    sources: list[tuple[str, QuerySet[Any], list[str], Callable[..., SearchEntry]]] = [
        (
            SearchKind.SUGGESTION,
            Suggestion.objects.filter(own),
            ["campaign_id", "status", "title", "body"],
            lambda pk, campaign_id, status, title, body: SearchEntry(
                kind=SearchKind.SUGGESTION,
                object_id=pk,
                suggestion_id=pk,
                campaign_id=campaign_id,
                is_public=status == published,
                tokens=index_text(f"{title}\n{body}"),
            ),
        ),
        (
            SearchKind.COMMENT,
            Comment.objects.filter(through),
            ["suggestion_id", "suggestion__campaign_id", "status", "suggestion__status", "body"],
            lambda pk, suggestion_id, campaign_id, status, owner_status, body: SearchEntry(
                kind=SearchKind.COMMENT,
                object_id=pk,
                suggestion_id=suggestion_id,
                campaign_id=campaign_id,
                is_public=status == published and owner_status == published,
                tokens=index_text(body),
            ),
        ),
        (
            SearchKind.REPLY,
            Reply.objects.filter(through),
            ["suggestion_id", "suggestion__campaign_id", "suggestion__status", "body"],
            lambda pk, suggestion_id, campaign_id, owner_status, body: SearchEntry(
                kind=SearchKind.REPLY,
                object_id=pk,
                suggestion_id=suggestion_id,
                campaign_id=campaign_id,
                is_public=owner_status == published,
                tokens=index_text(body),
            ),
        ),
    ]
    counts: dict[str, int] = {}
    for kind, qs, fields, entry in sources:
        total = qs.count()
        counts[kind] = 0
        for rows in _batches(qs, fields):
            _upsert([entry(*row) for row in rows])
            counts[kind] += len(rows)
            if progress is not None:
                progress(kind, total, len(rows))
    # Entries whose text is gone (a suggestion's go with it; a comment or reply may be deleted alone).
    entries = SearchEntry.objects.filter(campaign=campaign) if campaign else SearchEntry.objects.all()
    texts: dict[str, Any] = {
        SearchKind.SUGGESTION: Suggestion.objects.values("pk"),
        SearchKind.COMMENT: Comment.objects.values("pk"),
        SearchKind.REPLY: Reply.objects.values("pk"),
    }
    counts["stale"] = 0
    for kind, existing in texts.items():
        counts["stale"] += entries.filter(kind=kind).exclude(object_id__in=existing).delete()[0]
    return counts


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
