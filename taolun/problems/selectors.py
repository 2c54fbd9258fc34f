"""Reads for the problem ledger: who sees which problems, filtered ledgers, summaries, a problem's page.

Every list starts from ``problems_visible_to`` (scoped by role and ownership), filters in SQL, and reads
a page of rows with their relations in a fixed number of queries. Lights come from the stored dates
(``lights.light_case``), so filtering a province's ledger by light is an indexed date comparison.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from taolun.accounts.selectors import scope_paths
from taolun.campaigns.models import Campaign
from taolun.core.paths import paths_q
from taolun.orgs.models import Person, Unit

from .lights import light_case, light_q
from .models import (
    OPEN_STATUSES,
    EvidenceFile,
    Extension,
    ExtensionStatus,
    Measure,
    MeasureUpdate,
    Problem,
    ProblemStatus,
    SelfExamination,
)
from .rules import LEDGER_ROLES, own_person

SORTS = {
    "number": ("number",),
    "due": ("due_on", "number"),
    "progress": ("progress", "number"),
    "-progress": ("-progress", "number"),
    "updated": ("-updated_at", "-id"),
}
# What a ledger row shows (``ledger_rows`` reads only these).
ROW_FIELDS = (
    "campaign_id",
    "number",
    "content",
    "source",
    "status",
    "deadline",
    "progress",
    "due_on",
    "unit__name",
    "unit__code",
    "unit__path",
    "owner__name",
)
# The fields a problem shows on the public ledger unless the operator chooses others.
DEFAULT_PUBLIC_FIELDS = ("number", "content", "unit", "category", "theme", "measures", "result", "closed_at")


def ledger_paths(user: Any) -> list[str]:
    return scope_paths(user, LEDGER_ROLES)


def problems_visible_to(user: Any) -> QuerySet[Problem]:
    """The problems ``user`` may see: their roles' subtrees, their own unit if they lead it, and what they own."""
    cond = paths_q("unit__path", ledger_paths(user))
    person = own_person(user)
    if person is not None:
        cond |= Q(owner_id=person.pk) | Q(pk__in=Measure.objects.filter(owner_id=person.pk).values("problem_id"))
        if person.is_leading_cadre and person.is_active:
            cond |= Q(unit__path__startswith=person.unit.path)
    return Problem.objects.filter(cond)


def ledger_problems(user: Any, campaign: Campaign) -> QuerySet[Problem]:
    """The campaign's problems ``user`` may see (``problems_visible_to``), asking the units table only when the
    viewer's scope does not cover the campaign's whole organisation (every problem lies under its root unit)."""
    root = campaign.root_unit.path
    if any(root.startswith(p) for p in ledger_paths(user)):
        return Problem.objects.filter(campaign=campaign)
    return problems_visible_to(user).filter(campaign=campaign)


def owned_by(person: Person) -> QuerySet[Problem]:
    """The problems ``person`` answers for, as the problem's owner or a measure's."""
    return Problem.objects.filter(
        Q(owner_id=person.pk) | Q(pk__in=Measure.objects.filter(owner_id=person.pk).values("problem_id"))
    )


def units_for_filing(user: Any, campaign: Campaign) -> QuerySet[Unit]:
    """Units ``user`` may file problems for within the campaign."""
    cond = paths_q("path", ledger_paths(user))
    person = own_person(user)
    if person is not None and person.is_leading_cadre and person.is_active:
        cond |= Q(path__startswith=person.unit.path)
    return Unit.objects.filter(cond, is_active=True, path__startswith=campaign.root_unit.path)


@dataclass
class LedgerFilter:
    """The ledger's filters as given (by a form, the API or the command line)."""

    campaign: Campaign | None = None
    unit: Unit | None = None
    status: str = ""
    source: str = ""
    category: int | None = None
    theme: int | None = None
    dimension: int | None = None
    owner: int | None = None
    light: str = ""
    q: str = ""
    sort: str = "number"
    statuses: list[str] = field(default_factory=list)


def filter_problems(qs: QuerySet[Problem], f: LedgerFilter, *, today: dt.date | None = None) -> QuerySet[Problem]:
    if f.campaign is not None:
        qs = qs.filter(campaign=f.campaign)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.source:
        qs = qs.filter(source=f.source)
    for name in ("category", "theme", "dimension"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    if f.owner:
        qs = qs.filter(Q(owner_id=f.owner) | Q(pk__in=Measure.objects.filter(owner_id=f.owner).values("problem_id")))
    if f.light:
        qs = qs.filter(light_q(f.light, today=today))
    text = (f.q or "").strip()[:100]
    if text:
        if text.lstrip("#").isdigit():
            qs = qs.filter(Q(number=int(text.lstrip("#"))) | Q(content__icontains=text))
        else:
            qs = qs.filter(content__icontains=text)
    return qs.order_by(*SORTS.get(f.sort, SORTS["number"]))


def with_rows(qs: QuerySet[Problem], *, today: dt.date | None = None) -> QuerySet[Problem]:
    """What a ledger row shows: the relations it names and its light."""
    return qs.select_related("unit", "owner", "category", "theme", "campaign").annotate(light=light_case(today=today))


def page_rows(qs: QuerySet[Problem], offset: int, limit: int, *, today: dt.date | None = None) -> list[Problem]:
    """One page of a ledger (ids first, then the rows with their relations)."""
    ids = list(qs.values_list("pk", flat=True)[offset : offset + limit])
    rows = {p.pk: p for p in with_rows(Problem.objects.filter(pk__in=ids), today=today)}
    return [rows[i] for i in ids if i in rows]


def ledger_rows(ids: list[int], *, today: dt.date | None = None) -> list[Problem]:
    """The ledger rows of the problems ``ids`` (a page's ids, read first), in that order (one query): the
    fields a row shows (``ROW_FIELDS``; others would be read one row at a time), with the unit, owner and light."""
    qs = (
        Problem.objects.filter(pk__in=ids)
        .select_related("unit", "owner")
        .only(*ROW_FIELDS)
        .annotate(light=light_case(today=today))
    )
    rows = {p.pk: p for p in qs}
    return [rows[i] for i in ids if i in rows]


def totals_upto(qs: QuerySet[Problem], limit: int, *, today: dt.date | None = None) -> Tally | None:
    """``totals(qs)`` when ``qs`` holds at most ``limit`` problems, else None — at the cost of reading no more
    than ``limit + 1`` of them (one query), so a district's ledger is never counted in full on the way."""
    tally = Tally()
    tally.add(qs.order_by()[: limit + 1].aggregate(**_tallies(today or timezone.localdate())))
    return tally if tally.total <= limit else None


def with_measures(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """Problems with their measures (and the measures' owners) prefetched, for exports and the public ledger."""
    return qs.prefetch_related(
        Prefetch("measures", queryset=Measure.objects.select_related("owner").order_by("order", "id"))
    )


# —— summaries ——

GROUPS = {
    "unit": ("unit_id", "unit__name"),
    "owner": ("owner_id", "owner__name"),
    "category": ("category_id", "category__title"),
    "theme": ("theme_id", "theme__title"),
    "source": ("source", "source"),
    "status": ("status", "status"),
}


def _tallies(today: dt.date) -> dict[str, Any]:
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "done": Count("pk", filter=Q(status=ProblemStatus.DONE)),
        "closed": Count("pk", filter=Q(status=ProblemStatus.CLOSED)),
        "on_time": Count("pk", filter=Q(status=ProblemStatus.CLOSED, closed_on_time=True)),
        "red": Count("pk", filter=light_q("red", today=today)),
        "yellow": Count("pk", filter=light_q("yellow", today=today)),
        "progress_sum": Sum("progress", filter=~Q(status=ProblemStatus.DISMISSED)),
        "counted": Count("pk", filter=~Q(status=ProblemStatus.DISMISSED)),
    }


@dataclass
class Tally:
    """Counts of a group of problems and the figures derived from them."""

    key: Any = None
    label: str = ""
    total: int = 0
    open: int = 0
    done: int = 0
    closed: int = 0
    on_time: int = 0
    red: int = 0
    yellow: int = 0
    progress_sum: int = 0
    counted: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: dict[str, Any]) -> None:
        for name in ("total", "open", "done", "closed", "on_time", "red", "yellow", "progress_sum", "counted"):
            setattr(self, name, getattr(self, name) + (row.get(name) or 0))

    @property
    def progress(self) -> int:
        """A group's progress: the mean of its problems' progress (dismissed problems left out)."""
        return self.progress_sum // self.counted if self.counted else 0

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    @property
    def closed_share(self) -> float | None:
        return self.closed / self.counted if self.counted else None


def summary(qs: QuerySet[Problem], by: str, *, today: dt.date | None = None, limit: int | None = None) -> list[Tally]:
    """The ledger grouped ``by`` unit, owner, category, theme, source or status (one query; the largest
    ``limit`` groups when given)."""
    today = today or timezone.localdate()
    key, label = GROUPS[by]
    names = [key] if key == label else [key, label]
    rows = qs.order_by().values(*names).annotate(**_tallies(today)).order_by("-total", key)
    if limit is not None:
        rows = rows[:limit]
    tallies = []
    for row in rows:
        tally = Tally(key=row[key], label=row[label] or "")
        tally.add(row)
        tallies.append(tally)
    return tallies


def totals(qs: QuerySet[Problem], *, today: dt.date | None = None) -> Tally:
    tally = Tally()
    tally.add(qs.order_by().aggregate(**_tallies(today or timezone.localdate())))
    return tally


def unit_rollup(unit: Unit, qs: QuerySet[Problem], *, today: dt.date | None = None) -> list[tuple[Unit, Tally]]:
    """Per child unit of ``unit`` (and the unit itself): its subtree's problems rolled up (one grouped query)."""
    today = today or timezone.localdate()
    children = list(Unit.objects.filter(Q(parent=unit) | Q(pk=unit.pk)).order_by("depth", "sort_order", "name"))
    known = {u.pk for u in children}
    tallies = {u.pk: Tally(key=u.pk, label=u.name) for u in children}
    grouped = qs.filter(unit__path__startswith=unit.path).order_by().values("unit__path").annotate(**_tallies(today))
    for row in grouped:
        path = row["unit__path"]
        owner = unit.pk
        if path != unit.path:
            child = int(path[len(unit.path) :].split("/", 1)[0])
            owner = child if child in known else unit.pk
        tallies[owner].add(dict(row))
    return [(u, tallies[u.pk]) for u in children]


# —— one problem ——


def problem_for_page(pk: int) -> Problem:
    return (
        Problem.objects.select_related(
            "unit",
            "owner",
            "category",
            "theme",
            "dimension",
            "campaign",
            "research_topic",
            "opinion__activity",
            "closed_by",
        )
        .annotate(light=light_case())
        .get(pk=pk)
    )


def measures_of(problem: Problem) -> list[Measure]:
    updates = MeasureUpdate.objects.select_related("created_by").order_by("-happened_on", "-id")
    return list(
        problem.measures.select_related("owner")
        .prefetch_related(Prefetch("updates", queryset=updates))
        .order_by("order", "id")
    )


def evidence_of(problem: Problem) -> QuerySet[EvidenceFile]:
    return problem.evidence.select_related("measure", "uploaded_by").order_by("uploaded_at", "id")


def extensions_of(problem: Problem) -> QuerySet[Extension]:
    return problem.extensions.select_related("requested_by", "decided_by").order_by("-requested_at", "-id")


def pending_extensions(user: Any) -> QuerySet[Extension]:
    """Extension requests waiting for ``user`` (as the office) to decide."""
    paths = scope_paths(user, ["admin", "office"])
    return (
        Extension.objects.filter(status=ExtensionStatus.PENDING)
        .filter(paths_q("problem__unit__path", paths))
        .select_related("problem__unit", "requested_by")
        .order_by("requested_at", "id")
    )


def awaiting_verification(user: Any, campaign: Campaign | None = None) -> QuerySet[Problem]:
    paths = scope_paths(user, ["admin", "office"])
    qs = Problem.objects.filter(status=ProblemStatus.DONE).filter(paths_q("unit__path", paths))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("unit", "owner").order_by("done_at", "id")


# —— public ledger ——


def public_fields() -> tuple[str, ...]:
    return tuple(getattr(settings, "PROBLEMS_PUBLIC_FIELDS", DEFAULT_PUBLIC_FIELDS))


def public_ledger(campaign: Campaign) -> QuerySet[Problem]:
    """Closed problems the office chose to publish; no person's name is ever part of it."""
    return with_measures(
        Problem.objects.filter(campaign=campaign, status=ProblemStatus.CLOSED, is_public=True)
        .select_related("unit", "category", "theme")
        .order_by("-closed_at", "-id")
    )


# —— leaders' self-examination ——


def self_examination_of(campaign: Campaign, person: Person) -> SelfExamination | None:
    return (
        SelfExamination.objects.filter(campaign=campaign, person=person)
        .prefetch_related("items")
        .select_related("person", "unit")
        .first()
    )


def self_examinations_visible_to(user: Any, campaign: Campaign) -> QuerySet[Person]:
    """Leading cadres in the office's scope, each with whether and when they submitted (leaders first by unit)."""
    from django.db.models import OuterRef, Subquery

    paths = scope_paths(user, ["admin", "office"])
    submitted = SelfExamination.objects.filter(campaign=campaign, person=OuterRef("pk")).values("submitted_at")[:1]
    items = (
        SelfExamination.objects.filter(campaign=campaign, person=OuterRef("pk"))
        .annotate(n=Count("items"))
        .values("n")[:1]
    )
    return (
        Person.objects.filter(paths_q("unit__path", paths), is_leading_cadre=True, is_active=True)
        .filter(unit__path__startswith=campaign.root_unit.path)
        .annotate(submitted_at=Subquery(submitted), item_count=Subquery(items))
        .select_related("unit")
        .order_by("unit__path", "name", "id")
    )


def owner_choices(problem: Problem) -> QuerySet[Person]:
    return Person.objects.filter(unit__path__startswith=problem.unit.path, is_active=True).order_by(
        "-is_leading_cadre", "name"
    )


# —— the ledger pages: scope roots, a person's tasks, the office's list of self-examinations ——


def office_paths(user: Any) -> list[str]:
    """The subtrees ``user`` covers as the office (verifying, deciding extensions, reading self-examinations)."""
    return scope_paths(user, ["admin", "office"])


def scope_roots(paths: list[str], campaign: Campaign, *, limit: int = 20) -> list[Unit]:
    """The top units of a scope within the campaign's organisation (the campaign's root for a whole scope)."""
    root = campaign.root_unit
    if any(root.path.startswith(p) for p in paths):
        return [root]
    return list(Unit.objects.filter(path__in=[p for p in paths if p.startswith(root.path)]).order_by("path")[:limit])


def measures_owned_by(person: Person, campaign: Campaign | None = None) -> QuerySet[Measure]:
    """The measures ``person`` answers for, unfinished first, soonest due first, with their problems."""
    from django.db.models import Case, IntegerField, Value, When

    qs = Measure.objects.filter(owner_id=person.pk)
    if campaign is not None:
        qs = qs.filter(problem__campaign=campaign)
    return (
        qs.select_related("problem__unit")
        .annotate(finished=Case(When(progress__gte=100, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("finished", "deadline", "id")
    )


def self_examination_rows(user: Any, campaign: Campaign) -> QuerySet[Person]:
    """``self_examinations_visible_to`` with each leader's self-examination id (to link to it)."""
    from django.db.models import OuterRef, Subquery

    exam = SelfExamination.objects.filter(campaign=campaign, person=OuterRef("pk")).values("pk")[:1]
    return self_examinations_visible_to(user, campaign).annotate(examination_id=Subquery(exam))


# —— a problem's versioned history ——


# —— the Excel ledger (台账) ——


def latest_updates(problem_ids: list[int]) -> dict[int, tuple[dt.date, str]]:
    """``{measure id: (date, note)}`` of the latest progress report of each measure of these problems (one query)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    ranked = (
        MeasureUpdate.objects.filter(measure__problem_id__in=problem_ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("measure_id")], order_by=[F("happened_on").desc(), F("id").desc()])
        )
        .filter(rank=1)
        .values_list("measure_id", "happened_on", "note")
    )
    return {measure_id: (happened_on, note) for measure_id, happened_on, note in ranked}
