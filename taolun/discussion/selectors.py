"""Reads for the online discussion, shared by the pages, the feeds and the API.

Public lists read one index range each (see ``Suggestion.Meta.indexes``) and never count rows one by
one: counts are kept on the suggestion by the services. What a viewer may see beyond the published
is decided in SQL here, by the same rules as ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths
from taolun.campaigns.models import Campaign, CampaignStatus, Theme
from taolun.campaigns.selectors import current_campaign, published_campaigns
from taolun.core.paths import paths_q

from . import search
from .models import (
    ANSWERED,
    AWAITING,
    Comment,
    Follow,
    Forum,
    Participant,
    Reply,
    Report,
    SearchEntry,
    SearchKind,
    Suggestion,
    Visibility,
    Vote,
)
from .rules import MODERATORS, OFFICE

V = Visibility

# The public sorts of a theme's suggestions: (label key, extra filter, ordering).
SORTS: dict[str, tuple[Q, tuple[str, ...]]] = {
    "new": (Q(), ("-published_at", "-id")),
    "top": (Q(), ("-supports_count", "-id")),
    "talk": (Q(), ("-comments_count", "-id")),
    "answered": (Q(answer_state__in=ANSWERED), ("-replied_at", "-id")),
    "awaiting": (Q(answer_state__in=AWAITING), ("-published_at", "-id")),
}
DEFAULT_SORT = "new"
LIST_FIELDS = (
    "id",
    "campaign_id",
    "theme_id",
    "kind",
    "title",
    "body",
    "status",
    "source",
    "answer_state",
    "published_at",
    "created_at",
    "due_at",
    "replied_at",
    "supports_count",
    "opposes_count",
    "comments_count",
    "follows_count",
    "author__nickname",
    "theme__title",
    "department__name",
)


# --- campaigns and themes -------------------------------------------------------------------------


def discussion_campaign(slug: str | None, viewer: Any = None) -> Campaign:
    """The campaign a public page shows: the one named, else the viewer's current one (404 if none)."""
    campaign = published_campaigns().filter(slug=slug).first() if slug else current_campaign(viewer=viewer)
    if campaign is None:
        raise Http404("no campaign")
    return campaign


def forum_settings(campaign: Campaign | None) -> Forum:
    """The campaign's discussion settings as saved, or the defaults (also without a campaign): reading
    them writes nothing (``services.forum_of`` makes the row on the first change)."""
    forum = Forum.objects.filter(campaign=campaign).first() if campaign is not None else None
    return forum or Forum(campaign=campaign)


def is_open_for_posts(campaign: Campaign, forum: Forum | None = None) -> bool:
    if campaign.status != CampaignStatus.ACTIVE:
        return False
    return (forum or forum_settings(campaign)).is_open


def themes_with_counts(campaign: Campaign) -> list[Theme]:
    """The campaign's themes in order, each with ``suggestion_count`` and ``answered_count`` (published ones)."""
    published = Q(suggestions__status=V.PUBLISHED)
    return list(
        Theme.objects.filter(campaign=campaign)
        .annotate(
            suggestion_count=Count("suggestions", filter=published),
            answered_count=Count("suggestions", filter=published & Q(suggestions__answer_state__in=ANSWERED)),
        )
        .order_by("order", "id")
    )


def public_theme(pk: int, campaign_slug: str = "") -> Theme | None:
    """A theme of a started or finished campaign (of the one named, when given), with its campaign."""
    themes = Theme.objects.filter(campaign__in=published_campaigns()).select_related("campaign__root_unit")
    if campaign_slug:
        themes = themes.filter(campaign__slug=campaign_slug)
    return themes.filter(pk=pk).first()


def theme_of(campaign: Campaign, theme_id: int) -> Theme:
    theme = Theme.objects.filter(campaign=campaign, pk=theme_id).first()
    if theme is None:
        raise Http404("no theme")
    return theme


def campaign_figures(campaign: Campaign) -> dict[str, int]:
    """Headline figures of the public site, from one aggregate query."""
    row = Suggestion.objects.filter(campaign=campaign, status=V.PUBLISHED).aggregate(
        suggestions=Count("id"),
        answered=Count("id", filter=Q(answer_state__in=ANSWERED)),
        participants=Count("author", distinct=True),
    )
    return {key: int(value or 0) for key, value in row.items()}


# --- suggestions ----------------------------------------------------------------------------------


def public_suggestions(
    campaign: Campaign, *, theme: Theme | None = None, sort: str = DEFAULT_SORT, kind: str = ""
) -> QuerySet[Suggestion]:
    """Published suggestions of a campaign (or one theme) in the asked order."""
    condition, ordering = SORTS.get(sort, SORTS[DEFAULT_SORT])
    # A theme belongs to one campaign: filtering on both would make PostgreSQL multiply their
    # selectivities, misjudge the rows and sort them all instead of reading the theme's index.
    scope = {"theme": theme} if theme is not None else {"campaign": campaign}
    qs = Suggestion.objects.filter(status=V.PUBLISHED, **scope).filter(condition)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("author", "theme", "department").only(*LIST_FIELDS).order_by(*ordering)


def _participant_id(user: Any) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Participant.objects.filter(user=user).values_list("pk", flat=True).first()


def visible_suggestions(user: Any) -> QuerySet[Suggestion]:
    """Every suggestion ``user`` may open: the published, their own, and what they moderate or answer."""
    condition = Q(status=V.PUBLISHED)
    if getattr(user, "is_authenticated", False):
        condition |= Q(author__user=user)
        condition |= paths_q("campaign__root_unit__path", scope_paths(user, MODERATORS))
        condition |= paths_q("department__path", scope_paths(user, [Role.LIAISON]))
    return Suggestion.objects.filter(condition)


def suggestion_for(pk: int, user: Any) -> Suggestion:
    """The suggestion if ``user`` may open it, with what its page shows (404 otherwise)."""
    suggestion = (
        visible_suggestions(user)
        .select_related("campaign__root_unit", "theme", "author", "department")
        .filter(pk=pk)
        .first()
    )
    if suggestion is None:
        raise Http404("no suggestion")
    return suggestion


def replies_of(suggestion: Suggestion) -> list[Reply]:
    return list(suggestion.replies.select_related("department").order_by("created_at", "pk"))


@dataclass
class ThreadNode:
    comment: Comment
    children: list[ThreadNode] = field(default_factory=list)


def comment_thread(suggestion: Suggestion, user: Any) -> list[ThreadNode]:
    """The suggestion's comments as a tree (oldest first): the published, and the viewer's own held ones.

    One query; a reply whose parent is not shown is shown at the top level.
    """
    shown = Q(status=V.PUBLISHED)
    participant_id = _participant_id(user)
    if participant_id is not None:
        shown |= Q(author_id=participant_id, status=V.PENDING)
    comments = list(
        Comment.objects.filter(shown, suggestion=suggestion)
        .select_related("author")
        .only("id", "parent_id", "depth", "body", "status", "created_at", "author__nickname", "author__user_id")
        .order_by("created_at", "id")
    )
    nodes = {comment.pk: ThreadNode(comment) for comment in comments}
    roots: list[ThreadNode] = []
    for comment in comments:
        node = nodes[comment.pk]
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


@dataclass(frozen=True)
class Standing:
    """The viewer's own relation to a suggestion."""

    vote: int = 0
    following: bool = False
    reported: bool = False


def standing(suggestion: Suggestion, user: Any) -> Standing:
    if not getattr(user, "is_authenticated", False):
        return Standing()
    row: Any = (
        Suggestion.objects.filter(pk=suggestion.pk)
        .annotate(
            following=Exists(Follow.objects.filter(suggestion=OuterRef("pk"), user=user)),
            reported=Exists(suggestion.reports.model.objects.filter(suggestion=OuterRef("pk"), reporter__user=user)),
        )
        .values("following", "reported")
        .first()
    ) or {}
    vote = Vote.objects.filter(suggestion=suggestion, participant__user=user).values_list("value", flat=True).first()
    return Standing(vote=int(vote or 0), following=bool(row.get("following")), reported=bool(row.get("reported")))


def votes_of(user: Any, suggestion_ids: Iterable[int]) -> dict[int, int]:
    """The viewer's votes on a page of suggestions, from one query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return dict(
        Vote.objects.filter(participant__user=user, suggestion_id__in=list(suggestion_ids)).values_list(
            "suggestion_id", "value"
        )
    )


def my_suggestions(user: Any) -> QuerySet[Suggestion]:
    return (
        Suggestion.objects.filter(author__user=user)
        .select_related("theme", "department", "campaign")
        .order_by("-created_at", "-id")
    )


def followed_suggestions(user: Any) -> QuerySet[Suggestion]:
    return (
        Suggestion.objects.filter(follows__user=user, status=V.PUBLISHED)
        .select_related("theme", "department")
        .order_by("-last_activity_at", "-id")
    )


# --- the office, the departments and the moderators -----------------------------------------------


def moderated_campaigns(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.filter(paths_q("root_unit__path", scope_paths(user, MODERATORS))).select_related(
        "root_unit"
    )


QUEUES = ("pending", "reported", "hidden", "rejected")


def _queue_conditions(model: Any) -> dict[str, Q]:
    open_reports = Report.objects.filter(
        **{"suggestion" if model is Suggestion else "comment": OuterRef("pk")}, resolved_at__isnull=True
    )
    return {
        "pending": Q(status=V.PENDING),
        "reported": Q(Exists(open_reports), status=V.PUBLISHED),
        "hidden": Q(status=V.HIDDEN),
        "rejected": Q(status=V.REJECTED),
    }


def _moderates(user: Any, campaign: Campaign) -> bool:
    return moderated_campaigns(user).filter(pk=campaign.pk).exists()


def moderation_queue(
    user: Any, campaign: Campaign, queue: str = "pending"
) -> tuple[QuerySet[Suggestion], QuerySet[Comment]]:
    """Suggestions and comments waiting for a moderator of ``campaign``: held, reported, hidden or rejected."""
    if not _moderates(user, campaign):
        return Suggestion.objects.none(), Comment.objects.none()
    queue = queue if queue in QUEUES else "pending"
    suggestions = (
        Suggestion.objects.filter(_queue_conditions(Suggestion)[queue], campaign=campaign)
        .select_related("author", "theme")
        .order_by("created_at", "id")
    )
    comments = (
        Comment.objects.filter(_queue_conditions(Comment)[queue], suggestion__campaign=campaign)
        .select_related("author", "suggestion")
        .order_by("created_at", "id")
    )
    return suggestions, comments


def moderatable(
    user: Any, *, suggestion_ids: Iterable[int], comment_ids: Iterable[int], campaign: Campaign | None = None
) -> tuple[dict[int, Suggestion], dict[int, Comment]]:
    """The named suggestions and comments among those ``user`` moderates (of ``campaign`` alone when
    given), by id, ready for ``services.moderate_many``; ids left out are the caller's to refuse."""
    campaigns = moderated_campaigns(user)
    if campaign is not None:
        campaigns = campaigns.filter(pk=campaign.pk)
    suggestions = Suggestion.objects.filter(
        pk__in=list(suggestion_ids), campaign__in=campaigns.values("pk")
    ).select_related("campaign__root_unit", "author__user")
    comments = Comment.objects.filter(
        pk__in=list(comment_ids), suggestion__campaign__in=campaigns.values("pk")
    ).select_related("suggestion__campaign__root_unit", "author__user")
    return {s.pk: s for s in suggestions}, {c.pk: c for c in comments}


def participant_in(campaign: Campaign, pk: int) -> Participant | None:
    """The participant if they posted, commented or reported in ``campaign`` (a moderator's business), else None."""
    took_part = (
        Exists(Suggestion.objects.filter(author=OuterRef("pk"), campaign=campaign))
        | Exists(Comment.objects.filter(author=OuterRef("pk"), suggestion__campaign=campaign))
        | Exists(
            Report.objects.filter(reporter=OuterRef("pk")).filter(
                Q(suggestion__campaign=campaign) | Q(comment__suggestion__campaign=campaign)
            )
        )
    )
    return Participant.objects.filter(took_part, pk=pk).select_related("user", "blocked_by").first()


def queue_counts(user: Any, campaign: Campaign) -> dict[str, int]:
    """How many items each queue holds: one conditional count per kind of item."""
    counts = dict.fromkeys(QUEUES, 0)
    if not _moderates(user, campaign):
        return counts
    for model, scope in ((Suggestion, {"campaign": campaign}), (Comment, {"suggestion__campaign": campaign})):
        conditions = _queue_conditions(model)
        row = model.objects.filter(**scope).aggregate(
            **{queue: Count("id", filter=conditions[queue]) for queue in QUEUES}
        )
        for queue in QUEUES:
            counts[queue] += int(row[queue] or 0)
    return counts


def inbox(user: Any, campaign: Campaign | None = None, *, state: str = "awaiting") -> QuerySet[Suggestion]:
    """Suggestions routed to the departments ``user`` answers for (all of the campaign's, for the office)."""
    scope = paths_q("department__path", scope_paths(user, [Role.LIAISON])) | paths_q(
        "campaign__root_unit__path", scope_paths(user, OFFICE)
    )
    qs = Suggestion.objects.filter(scope, status=V.PUBLISHED, department__isnull=False)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if state == "awaiting":
        qs = qs.filter(answer_state__in=AWAITING).order_by("due_at", "id")
    elif state == "overdue":
        qs = qs.filter(answer_state__in=AWAITING, due_at__lt=timezone.now()).order_by("due_at", "id")
    elif state == "answered":
        qs = qs.filter(answer_state__in=ANSWERED).order_by("-replied_at", "-id")
    else:
        qs = qs.order_by("-published_at", "-id")
    return qs.select_related("theme", "department", "author")


def office_suggestions(
    user: Any, campaign: Campaign, *, state: str = "", theme_id: int | None = None, department_id: int | None = None
) -> QuerySet[Suggestion]:
    """The office's view of every published suggestion of a campaign it runs, filtered."""
    if not Campaign.objects.filter(paths_q("root_unit__path", scope_paths(user, OFFICE)), pk=campaign.pk).exists():
        return Suggestion.objects.none()
    qs = Suggestion.objects.filter(campaign=campaign, status=V.PUBLISHED)
    if state == "overdue":
        qs = qs.filter(answer_state__in=AWAITING, due_at__lt=timezone.now())
    elif state:
        qs = qs.filter(answer_state=state)
    if theme_id:
        qs = qs.filter(theme_id=theme_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    return qs.select_related("theme", "department", "author").order_by("-published_at", "-id")


def answer_figures(campaign: Campaign) -> dict[str, int]:
    """How the answer loop stands, from one aggregate query."""
    now = timezone.now()
    row = Suggestion.objects.filter(campaign=campaign, status=V.PUBLISHED).aggregate(
        total=Count("id"),
        unrouted=Count("id", filter=Q(answer_state="unrouted")),
        awaiting=Count("id", filter=Q(answer_state__in=AWAITING)),
        overdue=Count("id", filter=Q(answer_state__in=AWAITING, due_at__lt=now)),
        answered=Count("id", filter=Q(answer_state__in=ANSWERED)),
        reopened=Count("id", filter=Q(answer_state="reopened")),
    )
    return {key: int(value or 0) for key, value in row.items()}


# --- search ---------------------------------------------------------------------------------------


def search_entries(campaign: Campaign, query: str) -> QuerySet[SearchEntry]:
    """Public entries of ``campaign`` matching ``query``, newest first; page this, then ``search_hits``."""
    return search.matching(query, SearchEntry.objects.filter(campaign=campaign, is_public=True)).only(
        "id", "kind", "object_id", "suggestion_id"
    )


def search_hits(entries: Iterable[SearchEntry], query: str) -> list[search.Hit]:
    """A page of entries with their texts and the spans to mark; one query per kind of text."""
    entries = list(entries)
    ids: dict[str, list[int]] = {kind: [] for kind in SearchKind.values}
    for entry in entries:
        ids[entry.kind].append(entry.object_id)
    suggestion_ids = {entry.suggestion_id for entry in entries}
    suggestions = Suggestion.objects.select_related("theme").in_bulk(list(suggestion_ids))
    comments = Comment.objects.in_bulk(ids[SearchKind.COMMENT])
    replies = Reply.objects.select_related("department").in_bulk(ids[SearchKind.REPLY])
    hits = []
    for entry in entries:
        suggestion = suggestions.get(entry.suggestion_id)
        if suggestion is None:
            continue
        obj: Any
        if entry.kind == SearchKind.SUGGESTION:
            obj, text = suggestion, suggestion.body
        elif entry.kind == SearchKind.COMMENT:
            obj = comments.get(entry.object_id)
            text = obj.body if obj else ""
        else:
            obj = replies.get(entry.object_id)
            text = obj.body if obj else ""
        if obj is None:
            continue
        hits.append(search.Hit(entry.kind, suggestion, obj, text, search.highlight(text, query)))
    return hits


def feed_suggestions(campaign: Campaign, limit: int = 50) -> list[Suggestion]:
    return list(public_suggestions(campaign)[:limit])


def feed_replies(campaign: Campaign, limit: int = 50) -> list[Reply]:
    return list(
        Reply.objects.filter(suggestion__campaign=campaign, suggestion__status=V.PUBLISHED)
        .select_related("suggestion", "department")
        .order_by("-created_at", "-pk")[:limit]
    )
