"""Reads for reflection articles: the call, who sees which, filtered lists, a check laid out for reading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from taolun.accounts.models import Role
from taolun.accounts.selectors import has_role, scope_paths
from taolun.campaigns.models import Campaign, Requirement
from taolun.core.paths import paths_q
from taolun.orgs.models import Person, Unit
from taolun.problems.rules import own_person

from .models import (
    Article,
    ArticleCall,
    ArticleReview,
    ArticleRevision,
    ArticleStatus,
    CheckResult,
    RecheckRun,
    ReferenceCollection,
    ReferenceText,
)

MANAGER_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]
SORTS: dict[str, list[Any]] = {
    "ratio": [F("ratio").desc(nulls_last=True), "-submitted_at", "-id"],  # highest first, unchecked last
    "-ratio": [F("ratio").asc(nulls_last=True), "-submitted_at", "-id"],
    "submitted": [F("submitted_at").desc(nulls_last=True), "-id"],
    "score": [F("score").desc(nulls_last=True), "-id"],
    "unit": ["unit__path", "author__name", "id"],
}


def default_deadline(campaign: Campaign) -> dt.datetime:
    """The end of the day the plan's article requirement is due (or the campaign's last day)."""
    due = (
        Requirement.objects.filter(campaign=campaign, evidence__kind="article")
        .order_by("-due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    day = due or campaign.end_date
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def call_of(campaign: Campaign) -> ArticleCall:
    """The campaign's call for articles; until the office sets one, the defaults (unsaved)."""
    call = ArticleCall.objects.filter(campaign=campaign).first()
    if call is None:
        call = ArticleCall(campaign=campaign, deadline=default_deadline(campaign))
    return call


def article_of(campaign: Campaign, person: Person | None) -> Article | None:
    if person is None:
        return None
    return Article.objects.filter(campaign=campaign, author=person).select_related("unit", "reviewer").first()


def articles_visible_to(user: Any) -> QuerySet[Article]:
    """Articles in ``user``'s office or liaison subtrees, those assigned to them to review, their own, and
    excellent or published articles in their publicity subtree."""
    cond = paths_q("unit__path", scope_paths(user, MANAGER_ROLES))
    if getattr(user, "is_authenticated", False):
        cond |= Q(reviewer_id=user.pk)
        publicity = scope_paths(user, [Role.PUBLICITY])
        if publicity:
            cond |= paths_q("unit__path", publicity) & Q(status__in=[ArticleStatus.EXCELLENT, ArticleStatus.PUBLISHED])
    person = own_person(user)
    if person is not None:
        cond |= Q(author_id=person.pk)
    return Article.objects.filter(cond)


def checks_visible_q(user: Any) -> Q:
    """Articles whose copy check ``user`` may see, as the rule ``articles.view_check`` says, in SQL: the
    office's subtree and, for a reviewer, the articles assigned to them."""
    cond = paths_q("unit__path", scope_paths(user, [Role.ADMIN, Role.OFFICE]))
    if has_role(user, Role.REVIEWER):
        cond |= Q(reviewer_id=user.pk)
    return cond


def filter_articles(
    qs: QuerySet[Article],
    *,
    campaign: Campaign | None = None,
    unit: Unit | None = None,
    status: str = "",
    flagged: bool | None = None,
    min_ratio: float | None = None,
    reviewer: int | None = None,
    theme: int | None = None,
    q: str = "",
    sort: str = "ratio",
) -> QuerySet[Article]:
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    if min_ratio is not None:
        qs = qs.filter(ratio__gte=min_ratio)
    if reviewer:
        qs = qs.filter(reviewer_id=reviewer)
    if theme:
        qs = qs.filter(themes__id=theme)
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(author__name__icontains=text))
    return qs.select_related("author", "unit", "reviewer").defer("body").order_by(*SORTS.get(sort, SORTS["ratio"]))


def review_queue(user: Any, campaign: Campaign | None = None, status: str = "") -> QuerySet[Article]:
    """Articles assigned to ``user`` to review: waiting first, then the rest they reviewed."""
    qs = Article.objects.filter(reviewer_id=user.pk).exclude(status=ArticleStatus.DRAFT)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("author", "unit").defer("body").order_by("-status", "submitted_at", "id")


def publish_queue(user: Any, campaign: Campaign | None = None) -> QuerySet[Article]:
    """Excellent and published articles in ``user``'s publicity subtree (admins: all)."""
    qs = Article.objects.filter(status__in=[ArticleStatus.EXCELLENT, ArticleStatus.PUBLISHED]).filter(
        paths_q("unit__path", scope_paths(user, [Role.ADMIN, Role.PUBLICITY]))
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("author", "unit").defer("body").order_by("status", "-score", "-id")


def published_articles(campaign: Campaign | None = None) -> QuerySet[Article]:
    """What the public site shows: published articles of started campaigns, newest first."""
    from taolun.campaigns.selectors import published_campaigns

    qs = Article.objects.filter(status=ArticleStatus.PUBLISHED, campaign__in=published_campaigns())
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("author", "unit", "campaign").order_by("-published_at", "-id")


def revisions_of(article: Article) -> QuerySet[ArticleRevision]:
    return article.revisions.select_related("created_by").defer("body").order_by("-number")


def reviews_of(article: Article) -> QuerySet[ArticleReview]:
    return article.reviews.select_related("reviewer", "revision").order_by("-created_at", "-id")


def latest_check(article: Article) -> CheckResult | None:
    return article.checks.select_related("revision").order_by("-checked_at", "-id").first()


def latest_recheck(campaign: Campaign) -> RecheckRun | None:
    return RecheckRun.objects.filter(campaign=campaign).order_by("-created_at", "-id").first()


def collections_with_counts() -> QuerySet[ReferenceCollection]:
    from django.db.models import Count, Sum

    return ReferenceCollection.objects.annotate(text_count=Count("texts"), char_count=Sum("texts__chars")).order_by(
        "name"
    )


def reference_texts(collection: ReferenceCollection, q: str = "") -> QuerySet[ReferenceText]:
    qs = collection.texts.defer("body").select_related("imported_by")
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(title__icontains=text)
    return qs.order_by("title", "id")


# -- a check, laid out for reading --------------------------------------------------------------


@dataclass
class Piece:
    """A run of text, copied (with the index of the match it belongs to) or not."""

    text: str
    copied: bool = False
    passage: int | None = None


@dataclass
class SourceView:
    """One source beside the article: its label, ratio, and both texts cut into highlighted pieces."""

    index: int
    key: str
    kind: str
    label: str
    title: str
    ratio: float
    passages: int
    article_pieces: list[Piece] = field(default_factory=list)
    source_pieces: list[Piece] = field(default_factory=list)
    missing: bool = False


def _pieces(text: str, spans: list[tuple[int, int, int]]) -> list[Piece]:
    """``text`` cut at ``spans`` ([start, end, passage number], sorted, may overlap) into pieces."""
    pieces: list[Piece] = []
    at = 0
    for start, end, number in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            pieces.append(Piece(text[at:start]))
        pieces.append(Piece(text[start:end], copied=True, passage=number))
        at = end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces


# -- sources of the copy check, by key ---------------------------------------------------------------
# A source in the detection library is an article's submitted revision (``article:<article>:<revision>``)
# or a reference text (``ref:<id>``); its text is read from the database by that key.


def article_key(article_id: int, revision_id: int) -> str:
    return f"article:{article_id}:{revision_id}"


def reference_key(reference_id: int) -> str:
    return f"ref:{reference_id}"


def parse_key(key: str) -> tuple[str, int, int]:
    """``(kind, id, revision id)`` of a source key (the revision id is 0 for a reference text)."""
    kind, _, rest = key.partition(":")
    if kind == "article":
        article_id, _, revision_id = rest.partition(":")
        return kind, int(article_id), int(revision_id)
    return kind, int(rest), 0


def texts_by_key(keys: list[str]) -> dict[str, str]:
    """The texts of sources by key (an article's revision, a reference text); deleted ones are missing."""
    revisions: dict[int, str] = {}
    references: dict[int, str] = {}
    for key in keys:
        kind, first, second = parse_key(key)
        if kind == "article":
            revisions[second] = key
        elif kind == "ref":
            references[first] = key
    texts: dict[str, str] = {}
    for pk, body in ArticleRevision.objects.filter(pk__in=list(revisions)).values_list("pk", "body"):
        texts[revisions[pk]] = body
    for pk, body in ReferenceText.objects.filter(pk__in=list(references)).values_list("pk", "body"):
        texts[references[pk]] = body
    return texts


def source_texts(matches: list[dict[str, Any]]) -> dict[str, str]:
    """The texts of a check's sources (article revisions and reference texts), by source key."""
    return texts_by_key([match["source"] for match in matches])


def check_view(check: CheckResult, *, limit: int = 10) -> list[SourceView]:
    """The check's strongest sources, each with the article and the source cut into highlighted pieces."""
    body = check.revision.body
    matches = list(check.matches)[:limit]
    texts = source_texts(matches)
    views: list[SourceView] = []
    for index, match in enumerate(matches):
        spans = match.get("spans") or []
        text = texts.get(match["source"])
        view = SourceView(
            index=index,
            key=match["source"],
            kind=match.get("kind", ""),
            label=match.get("label", ""),
            title=match.get("title", ""),
            ratio=float(match.get("ratio", 0)),
            passages=len(spans),
            article_pieces=_pieces(body, [(s[0], s[1], n) for n, s in enumerate(spans)]),
            missing=text is None,
        )
        if text is not None:
            view.source_pieces = _pieces(text, [(s[2], s[3], n) for n, s in enumerate(spans)])
        views.append(view)
    return views


def all_copied_pieces(check: CheckResult) -> list[Piece]:
    """The article cut into pieces copied from any source (for the overview) and its own text."""
    spans = [(s[0], s[1], i) for i, m in enumerate(check.matches) for s in (m.get("spans") or [])]
    return _pieces(check.revision.body, spans)
