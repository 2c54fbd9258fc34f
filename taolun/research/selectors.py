"""Reads for research topics: who sees which, filtered lists, a topic's page, and coverage of leaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths
from taolun.campaigns.models import Campaign, Theme
from taolun.core.history import Version, entries_of, referenced_names, versions
from taolun.core.paths import paths_q
from taolun.core.text import join_list
from taolun.orgs.models import Person, Unit
from taolun.problems.rules import own_person

from .models import ResearchTopic, TopicStatus, TopicUpdate

MANAGER_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]


def manager_paths(user: Any) -> list[str]:
    return scope_paths(user, MANAGER_ROLES)


def topics_visible_to(user: Any) -> QuerySet[ResearchTopic]:
    """Topics in ``user``'s roles' subtrees, the topic ``user`` leads and those whose team they are on."""
    cond = paths_q("unit__path", manager_paths(user))
    person = own_person(user)
    if person is not None:
        cond |= Q(leader_id=person.pk) | Q(
            pk__in=ResearchTopic.members.through.objects.filter(person_id=person.pk).values("researchtopic_id")
        )
    return ResearchTopic.objects.filter(cond)


def filter_topics(
    qs: QuerySet[ResearchTopic],
    *,
    campaign: Campaign | None = None,
    unit: Unit | None = None,
    status: str = "",
    theme: int | None = None,
    q: str = "",
) -> QuerySet[ResearchTopic]:
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if status:
        qs = qs.filter(status=status)
    if theme:
        qs = qs.filter(theme_id=theme)
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(leader__name__icontains=text))
    return (
        qs.select_related("leader", "unit", "theme", "contact_unit")
        .annotate(update_count=Count("updates"), last_update=Max("updates__happened_on"))
        .order_by("unit__path", "leader__name", "id")
    )


def topic_for_page(pk: int) -> ResearchTopic:
    return ResearchTopic.objects.select_related(
        "campaign__root_unit", "leader__unit", "unit", "theme", "contact_unit", "decided_by"
    ).get(pk=pk)


def timeline(topic: ResearchTopic) -> QuerySet[TopicUpdate]:
    return topic.updates.select_related("created_by").order_by("-happened_on", "-id")


def topic_of(campaign: Campaign, person: Person) -> ResearchTopic | None:
    return ResearchTopic.objects.filter(campaign=campaign, leader=person).select_related("theme").first()


def leaders_for_topics(user: Any, campaign: Campaign) -> QuerySet[Person]:
    """Leading cadres ``user`` may register a topic for: themself, or those in their roles' subtrees."""
    cond = paths_q("unit__path", manager_paths(user))
    person = own_person(user)
    if person is not None:
        cond |= Q(pk=person.pk)
    return Person.objects.filter(
        cond, is_leading_cadre=True, is_active=True, unit__path__startswith=campaign.root_unit.path
    )


@dataclass
class Coverage:
    """How many leading cadres under a unit have a topic, and at which stage."""

    leaders: int
    with_topic: int
    by_status: dict[str, int]
    missing: QuerySet[Person]


def coverage(campaign: Campaign, unit: Unit) -> Coverage:
    """Leading cadres under ``unit`` and their topics in ``campaign`` (three queries)."""
    leaders = Person.objects.filter(unit__path__startswith=unit.path, is_leading_cadre=True, is_active=True)
    has_topic = ResearchTopic.objects.filter(campaign=campaign, leader=OuterRef("pk"))
    annotated = leaders.annotate(has_topic=Exists(has_topic))
    counts = annotated.aggregate(leaders=Count("pk"), with_topic=Count("pk", filter=Q(has_topic=True)))
    by_status = dict(
        ResearchTopic.objects.filter(campaign=campaign, leader__in=leaders.values("pk"))
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return Coverage(
        leaders=counts["leaders"],
        with_topic=counts["with_topic"],
        by_status={s: by_status.get(s, 0) for s in TopicStatus.values},
        missing=annotated.filter(has_topic=False).select_related("unit").order_by("unit__path", "name"),
    )


# —— history ——

HISTORY_LABELS: dict[str, Any] = {
    **{f.name: f.verbose_name for f in ResearchTopic._meta.get_fields() if hasattr(f, "verbose_name")},
    "update": _("进展记录"),
    "on": _("进展日期"),
    "content": _("进展情况"),
    "file": _("附件"),
}
NAMED: dict[str, tuple[Any, str]] = {
    "theme": (Theme, "title"),
    "contact_unit": (Unit, "name"),
    "members": (Person, "name"),
}


def topic_versions(topic: ResearchTopic) -> list[Version]:
    """The topic's versions, oldest first, with theme, contact point and team shown by name (one query per kind)."""
    entries = list(entries_of(topic))
    names = referenced_names(entries, NAMED)
    statuses = dict(TopicStatus.choices)

    def show(name: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if name == "members" and isinstance(value, list):
            return join_list(names["members"].get(v, v) for v in value) or "—"
        if name in NAMED:
            return names[name].get(value, value)
        if name == "status":
            return statuses.get(value, value)
        return value

    shown = versions(entries, HISTORY_LABELS, show)
    for version in shown:
        # A field left empty when the topic was created is no change worth a row.
        version.changes = [c for c in version.changes if c.before != c.after]
    return shown
