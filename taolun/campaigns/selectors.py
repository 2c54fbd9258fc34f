"""Reads about campaigns: the current one, a campaign with its plan items, and who each requirement
applies to (set-based SQL; see :mod:`taolun.campaigns.applies` for the selection rules)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from taolun.accounts.models import Role, RoleAssignment
from taolun.accounts.selectors import scope_paths
from taolun.core.paths import paths_q
from taolun.orgs.models import Person, Unit

from .applies import (
    Scope,
    UnitTag,
    people_in_scope,
    person_matches,
    person_q,
    scope_for,
    unit_matches,
    unit_q,
    units_in_scope,
)
from .describe import describe_applies_to, describe_evidence
from .evidence import Check, check_subject
from .models import Campaign, CampaignStatus, Requirement, Stage, StageState
from .plan import BUILTIN_ACTIVITY_KINDS

UPCOMING_DEADLINES = 6


# --- campaigns ----------------------------------------------------------------------------------


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """Started and finished campaigns for everyone; drafts for the office covering their root unit."""
    drafts = paths_q("root_unit__path", scope_paths(user, [Role.ADMIN, Role.OFFICE]))
    return Campaign.objects.select_related("root_unit", "plan").filter(~Q(status=CampaignStatus.DRAFT) | drafts)


def published_campaigns() -> QuerySet[Campaign]:
    """Started and finished campaigns: what public pages (no viewer) may show."""
    return Campaign.objects.select_related("root_unit").exclude(status=CampaignStatus.DRAFT)


def campaign_list(user: Any) -> QuerySet[Campaign]:
    return campaigns_visible_to(user).annotate(requirement_count=Count("requirements")).order_by("-start_date", "-id")


def campaign_for_viewer(slug: str, user: Any) -> Campaign:
    """The campaign with its plan items (as :func:`campaign_detail` loads them), if ``user`` may view it.

    Raises Http404 both when there is no such campaign and when it is hidden from the viewer (a draft
    outside their scope), so that slugs cannot be probed.
    """
    try:
        campaign = campaign_detail(slug)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc
    if not user.has_perm("campaigns.view_campaign", campaign):
        raise Http404
    return campaign


def _covers_viewer(viewer: Any) -> Q | None:
    """Campaigns whose root unit's subtree holds the viewer's own unit or one of their role scopes."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    root = OuterRef("root_unit__path")
    own_unit = Person.objects.filter(user=viewer, unit__path__startswith=root)
    role_scope = RoleAssignment.objects.filter(user=viewer, unit__path__startswith=root)
    return Q(Exists(own_unit)) | Q(Exists(role_scope))


def current_campaign(*, viewer: Any = None, today: dt.date | None = None) -> Campaign | None:
    """The campaign the home page shows ``viewer``: among active campaigns, first those covering the
    viewer (their person's unit, or a unit their roles are scoped to, lies under the campaign's root
    unit: in a province with one campaign per district, each district's people see their own), the
    one whose period contains today, the one closest to the viewer, the newest; else None.

    One query, whatever the number of campaigns: the viewer's units are looked up in the same SQL.
    """
    today = today or timezone.localdate()
    qs = (
        Campaign.objects.filter(status=CampaignStatus.ACTIVE)
        .select_related("root_unit", "plan")
        .annotate(
            in_period=Case(
                When(start_date__lte=today, end_date__gte=today, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    covers = _covers_viewer(viewer)
    if covers is None:
        return qs.order_by("-in_period", "-start_date", "-id").first()
    qs = qs.annotate(
        covers_viewer=Case(When(covers, then=Value(1)), default=Value(0), output_field=IntegerField()),
        # Among campaigns covering the viewer, the deepest root is the closest (a district's before its city's).
        closeness=Case(When(covers, then=F("root_unit__depth")), default=Value(0), output_field=IntegerField()),
    )
    return qs.order_by("-covers_viewer", "-in_period", "-closeness", "-start_date", "-id").first()


DETAIL_PREFETCH = (
    "themes",
    "shortcomings",
    "dimensions",
    "stages",
    Prefetch("requirements", queryset=Requirement.objects.select_related("stage")),
)


def campaign_detail(slug: str) -> Campaign:
    """The campaign with its themes, categories, dimensions, stages and requirements loaded in a
    fixed number of queries. Raises Campaign.DoesNotExist."""
    return Campaign.objects.select_related("root_unit", "plan").prefetch_related(*DETAIL_PREFETCH).get(slug=slug)


def with_detail(campaign: Campaign) -> Campaign:
    """Load the same related items onto a campaign already in hand."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([campaign], *DETAIL_PREFETCH)
    return campaign


def _requirements(campaign: Campaign) -> list[Requirement]:
    # Uses the prefetched list when the campaign came from campaign_detail.
    return list(campaign.requirements.all())


# --- who a requirement applies to ---------------------------------------------------------------


def requirement_units(requirement: Requirement) -> QuerySet[Unit]:
    """The active units in the campaign's subtree that a unit requirement applies to."""
    spec = requirement.applies_spec
    if spec.units is None:
        return Unit.objects.none()
    scope = scope_for(requirement.campaign.root_unit, [spec])
    return units_in_scope(scope).filter(unit_q(spec.units, scope))


def requirement_people(requirement: Requirement) -> QuerySet[Person]:
    """The active people in the campaign's subtree that a person requirement applies to."""
    spec = requirement.applies_spec
    if spec.people is None:
        return Person.objects.none()
    scope = scope_for(requirement.campaign.root_unit, [spec])
    return people_in_scope(scope).filter(person_q(spec.people, scope))


def requirement_counts(campaign: Campaign) -> dict[int, int]:
    """``{requirement id: units or people it applies to}`` for every requirement, in at most three
    queries (one aggregate over units, one over people, one for subtree codes) whatever their number."""
    reqs = _requirements(campaign)
    specs = {r.pk: r.applies_spec for r in reqs}
    scope = scope_for(campaign.root_unit, specs.values())
    unit_aggs: dict[str, Any] = {}
    person_aggs: dict[str, Any] = {}
    for req in reqs:
        spec = specs[req.pk]
        if spec.units is not None:
            q = unit_q(spec.units, scope)
            unit_aggs[f"r{req.pk}"] = Count("pk", filter=q) if q else Count("pk")
        elif spec.people is not None:
            person_aggs[f"r{req.pk}"] = Count("pk", filter=person_q(spec.people, scope))
    counts: dict[str, int] = {}
    if unit_aggs:
        counts.update(units_in_scope(scope).aggregate(**unit_aggs))
    if person_aggs:
        counts.update(people_in_scope(scope).aggregate(**person_aggs))
    return {int(name[1:]): value for name, value in counts.items()}


COUNTS_CACHE_SECONDS = 300


def requirement_counts_cached(campaign: Campaign) -> dict[int, int]:
    """:func:`requirement_counts`, kept for a few minutes: at a province's size (a million people)
    the people count is a full scan of the subtree, which a page should not repeat on every view."""
    key = f"campaigns:requirement-counts:{campaign.pk}:{campaign.updated_at.timestamp()}"
    counts = cache.get(key)
    if counts is None:
        counts = requirement_counts(campaign)
        cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts


def _unit_tags(unit_ids: Iterable[int]) -> dict[int, set[str]]:
    tags: dict[int, set[str]] = defaultdict(set)
    for unit_id, name in UnitTag.objects.filter(unit_id__in=list(unit_ids)).values_list("unit_id", "tag__name"):
        tags[unit_id].add(name)
    return tags


def _match(
    campaign: Campaign, units: Sequence[Unit], people: Sequence[Person]
) -> tuple[dict[int, list[Requirement]], dict[int, list[Requirement]]]:
    """Requirements for each unit and each person given, in a bounded number of queries: the
    requirements (unless prefetched), the tags of the units involved, and subtree codes if any."""
    reqs = _requirements(campaign)
    specs = {r.pk: r.applies_spec for r in reqs}
    scope: Scope = scope_for(campaign.root_unit, specs.values())
    tags = _unit_tags({u.pk for u in units} | {p.unit_id for p in people}) if (units or people) else {}
    by_unit = {
        u.pk: [
            r
            for r in reqs
            if (sel := specs[r.pk].units) is not None and unit_matches(sel, u, tags.get(u.pk, set()), scope)
        ]
        for u in units
    }
    by_person = {
        p.pk: [
            r
            for r in reqs
            if (who := specs[r.pk].people) is not None and person_matches(who, p, tags.get(p.unit_id, set()), scope)
        ]
        for p in people
    }
    return by_unit, by_person


def requirements_for_unit(campaign: Campaign, unit: Unit) -> list[Requirement]:
    """What the campaign asks of ``unit`` (its unit requirements), ordered as in the plan."""
    return _match(campaign, [unit], [])[0][unit.pk]


def requirements_for_person(campaign: Campaign, person: Person) -> list[Requirement]:
    """What the campaign asks of ``person`` themself (person requirements), ordered as in the plan."""
    return _match(campaign, [], [person])[1][person.pk]


# --- the campaign page --------------------------------------------------------------------------


@dataclass
class StageView:
    stage: Stage
    state: StageState

    @property
    def is_current(self) -> bool:
        return self.state == StageState.CURRENT


@dataclass
class Deadline:
    requirement: Requirement
    days_left: int


@dataclass
class UnitAsk:
    unit: Unit
    requirements: list[Requirement]
    checks: list[Check] = field(default_factory=list)


@dataclass
class AskedOfYou:
    person: Person | None
    person_requirements: list[Requirement] = field(default_factory=list)
    units: list[UnitAsk] = field(default_factory=list)
    person_checks: list[Check] = field(default_factory=list)


@dataclass
class RequirementRow:
    requirement: Requirement
    applies_to: str
    evidence: str
    matched: int | None


@dataclass
class CampaignPage:
    campaign: Campaign
    stages: list[StageView]
    current_stage: Stage | None
    deadlines: list[Deadline]
    today: dt.date
    asked: AskedOfYou | None = None
    rows: list[RequirementRow] = field(default_factory=list)


def campaign_page(
    campaign: Campaign, *, user: Any = None, today: dt.date | None = None, with_rows: bool = False
) -> CampaignPage:
    """Everything the campaign page shows. ``campaign`` should come from :func:`campaign_detail` (or
    :func:`with_detail`): then the query count does not depend on how many themes or requirements
    the plan has."""
    today = today or timezone.localdate()
    stages = [StageView(stage=s, state=s.state(today)) for s in campaign.stages.all()]
    current = next((v.stage for v in stages if v.is_current), None)
    reqs = _requirements(campaign)
    upcoming = sorted((r for r in reqs if r.due_date >= today), key=lambda r: (r.due_date, r.order))
    deadlines = [Deadline(r, (r.due_date - today).days) for r in upcoming[:UPCOMING_DEADLINES]]
    page = CampaignPage(campaign=campaign, stages=stages, current_stage=current, deadlines=deadlines, today=today)
    page.asked = asked_of(campaign, user)
    if with_rows:
        counts = requirement_counts_cached(campaign)
        # A plan's own activity kinds are named by their titles (one query, only when the plan has some).
        own_kinds = {r.evidence.get("activity_kind") for r in reqs} - {None, *BUILTIN_ACTIVITY_KINDS}
        kind_titles = (
            dict(campaign.activity_kinds.filter(key__in=own_kinds).values_list("key", "title")) if own_kinds else {}
        )
        page.rows = [
            RequirementRow(
                requirement=r,
                applies_to=describe_applies_to(r.applies_to),
                evidence=describe_evidence(r.evidence, activity_kinds=kind_titles),
                matched=counts.get(r.pk),
            )
            for r in reqs
        ]
    return page


def asked_of(campaign: Campaign, user: Any) -> AskedOfYou | None:
    """For a signed-in user: their own person requirements (when linked to a person) and, for a
    liaison, the requirements on the units they look after inside the campaign."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    person = Person.objects.select_related("unit").filter(user=user, is_active=True).first()
    units = list(
        Unit.objects.filter(
            role_assignments__user=user,
            role_assignments__role=Role.LIAISON,
            path__startswith=campaign.root_unit.path,
            is_active=True,
        ).order_by("path")
    )
    if person is None and not units:
        return None
    by_unit, by_person = _match(campaign, units, [person] if person else [])
    own = by_person.get(person.pk, []) if person else []
    return AskedOfYou(
        person=person,
        person_requirements=own,
        person_checks=check_subject(own, person.pk) if person else [],
        units=[UnitAsk(unit=u, requirements=by_unit[u.pk], checks=check_subject(by_unit[u.pk], u.pk)) for u in units],
    )
