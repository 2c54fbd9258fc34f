"""Reads about activities, scoped to what the viewer may see: lists, calendars, attendance rates.

Every list is set-based: counts come from grouped subqueries over the page's rows, never from a
query per row, and subtree filters use the indexed unit path.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from taolun.accounts.selectors import scope_paths
from taolun.campaigns.models import ActivityKind, Campaign
from taolun.orgs.models import Person, Unit

from .models import Activity, ActivityQuerySet, ActivityStatus, Attendance, Invitation, InvitationStatus, Speech
from .rules import PLANNER_ROLES


def planner_paths(user: Any) -> list[str]:
    return scope_paths(user, PLANNER_ROLES)


def activities_managed_by(user: Any) -> QuerySet[Activity]:
    """Activities held by units in the viewer's planning scope (office, liaisons, admins)."""
    return Activity.objects.within_paths(planner_paths(user))


def units_for_planning(user: Any, campaign: Campaign) -> QuerySet[Unit]:
    """Units the viewer may hold activities for, inside the campaign's organisation."""
    return Unit.objects.within_paths(planner_paths(user)).filter(
        path__startswith=campaign.root_unit.path, is_active=True
    )


def people_for_inviting(user: Any) -> QuerySet[Person]:
    """People the viewer may invite: those on the roster of their planning scope."""
    return Person.objects.within_paths(planner_paths(user))


# A campaign row carries the plan's long texts; lists need only its title and slug.
CAMPAIGN_TEXTS = tuple(
    f"campaign__{name}" for name in ("basis", "preamble", "principles", "themes_intro", "stages_intro", "safeguards")
)


def _count(model: Any, *conditions: Q, **filters: Any) -> Coalesce:
    sub = (
        model.objects.filter(*conditions, activity=OuterRef("pk"), **filters)
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """Speeches per activity as a subquery; invited, excused and present counts are the activity's own
    columns (kept by ``counts.counts_refresh``)."""
    return qs.annotate(speech_count=_count(Speech))


def kind_labels(activities: Iterable[Activity]) -> dict[tuple[int, str], str]:
    """The campaigns' names for the kinds of these activities (a plan may add its own), in one query."""
    pairs = {(activity.campaign_id, activity.kind) for activity in activities}
    if not pairs:
        return {}
    kinds = ActivityKind.objects.filter(
        campaign_id__in={campaign for campaign, _kind in pairs}, key__in={kind for _campaign, kind in pairs}
    )
    return {(kind.campaign_id, kind.key): kind.label for kind in kinds}


def kind_label(activity: Activity) -> str:
    return kind_labels([activity]).get((activity.campaign_id, activity.kind), activity.kind)


def filter_activities(
    qs: QuerySet[Activity],
    *,
    campaign: Campaign | None = None,
    unit: Unit | None = None,
    kind: str = "",
    status: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    q: str = "",
) -> QuerySet[Activity]:
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if since is not None:
        qs = qs.filter(start_at__gte=_start_of(since))
    if until is not None:
        qs = qs.filter(start_at__lt=_start_of(until + dt.timedelta(days=1)))
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(place__contains=q) | Q(host__contains=q))
    return qs.select_related("unit", "campaign").defer(*CAMPAIGN_TEXTS).order_by("-start_at", "-id")


# What a row of a list shows (the page and the API): not the minutes, agenda or the plan's texts.
LIST_FIELDS = (
    "id",
    "kind",
    "title",
    "batch",
    "start_at",
    "end_at",
    "place",
    "host",
    "status",
    "invited_count",
    "excused_count",
    "present_count",
    "attendance_count",
    "campaign__id",
    "campaign__slug",
    "unit__id",
    "unit__name",
    "unit__code",
    "unit__path",
)


def rows_with_counts(ids: list[int]) -> list[Activity]:
    """The activities ``ids``, in that order, with their counts: one query whatever the page size."""
    if not ids:
        return []
    qs = Activity.objects.filter(pk__in=ids).select_related("unit", "campaign").only(*LIST_FIELDS)
    rows = {a.pk: a for a in with_counts(qs)}
    return [rows[pk] for pk in ids if pk in rows]


def page_rows(qs: QuerySet[Activity], offset: int, limit: int) -> list[Activity]:
    """One page with its counts: the page's ids first (the index answers), then the rows with counts."""
    return rows_with_counts(list(qs.values_list("pk", flat=True)[offset : offset + limit]))


# --- calendars ------------------------------------------------------------------------------------


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return first, last


# An activity lasts at most 31 days (services._check_times): a window on start_at finds every
# activity that overlaps a range, through the start_at index.
LONGEST = dt.timedelta(days=32)


def overlapping(qs: QuerySet[Activity], first: dt.date, last: dt.date) -> QuerySet[Activity]:
    start, end = _start_of(first), _start_of(last + dt.timedelta(days=1))
    return qs.filter(start_at__lt=end, start_at__gte=start - LONGEST, end_at__gt=start)


# What a calendar shows of an activity: not its minutes, agenda or records.
CALENDAR_FIELDS = ("id", "title", "kind", "status", "batch", "start_at", "end_at", "place", "unit__name", "unit__path")


def unit_calendar_qs(user: Any, unit: Unit, first: dt.date, last: dt.date) -> QuerySet[Activity]:
    qs = overlapping(activities_managed_by(user).filter(unit__path__startswith=unit.path), first, last)
    return qs.select_related("unit").only(*CALENDAR_FIELDS).order_by("start_at", "id")


def unit_calendar(user: Any, unit: Unit, first: dt.date, last: dt.date, *, limit: int = 2000) -> list[Activity]:
    return list(unit_calendar_qs(user, unit, first, last)[:limit])


def unit_month(
    user: Any, unit: Unit, first: dt.date, last: dt.date, *, list_limit: int
) -> tuple[list[Activity], dict[dt.date, int] | None]:
    """What a unit's month grid shows: in a month with at most ``list_limit`` activities, the activities
    themselves (``None`` for counts); in a busier one, no activities but how many start on each day."""
    counts = unit_day_counts(user, unit, first, last)
    if sum(counts.values()) > list_limit:
        return [], counts
    return unit_calendar(user, unit, first, last, limit=list_limit), None


def unit_day_counts(user: Any, unit: Unit, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """How many activities of the unit's subtree start on each day from ``first`` to ``last``: one grouped
    query, for months too busy to list (a district's month can hold thousands)."""
    from django.db.models.functions import TruncDate

    qs = activities_managed_by(user).filter(
        unit__path__startswith=unit.path,
        start_at__gte=_start_of(first),
        start_at__lt=_start_of(last + dt.timedelta(days=1)),
    )
    day = TruncDate("start_at", tzinfo=timezone.get_current_timezone())
    return dict(qs.order_by().annotate(day=day).values("day").annotate(n=Count("pk")).values_list("day", "n"))


def invited_activities(person: Person) -> QuerySet[Activity]:
    """The activities ``person`` is invited to, each with their invitation's status and whether they
    checked in (the person's calendar and the API's "mine")."""
    return Activity.objects.filter(invitations__person=person).annotate(
        invitation_status=Subquery(
            Invitation.objects.filter(activity=OuterRef("pk"), person=person).values("status")[:1]
        ),
        checked_in=Exists(Attendance.objects.filter(activity=OuterRef("pk"), person=person)),
    )


def person_calendar(person: Person, first: dt.date, last: dt.date, *, limit: int = 2000) -> list[Activity]:
    qs = overlapping(invited_activities(person), first, last)
    return list(qs.select_related("unit").order_by("start_at", "id")[:limit])


@dataclass
class Day:
    date: dt.date
    in_month: bool
    activities: list[Activity]
    is_today: bool
    total: int = 0

    @property
    def more(self) -> int:
        """Activities on this day beyond those listed."""
        return max(self.total - len(self.activities), 0)


def month_grid(
    year: int,
    month: int,
    activities: list[Activity],
    *,
    today: dt.date | None = None,
    counts: dict[dt.date, int] | None = None,
    per_day: int = 4,
) -> list[list[Day]]:
    """Weeks (Monday first) of the month, each day with up to ``per_day`` of the activities on it (multi-day
    ones on each of their days) and how many there are in all (``counts``: those starting on each day, when
    ``activities`` holds only the first few of each day)."""
    today = today or timezone.localdate()
    by_day: dict[dt.date, list[Activity]] = defaultdict(list)
    first, last = month_bounds(year, month)
    for activity in activities:
        day = max(timezone.localtime(activity.start_at).date(), first - dt.timedelta(days=7))
        end = min(timezone.localtime(activity.end_at - dt.timedelta(seconds=1)).date(), last + dt.timedelta(days=7))
        while day <= end:
            by_day[day].append(activity)
            day += dt.timedelta(days=1)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for d in week:
            items = by_day.get(d, [])
            total = max(len(items), (counts or {}).get(d, 0))
            row.append(Day(d, d.month == month, items[:per_day], d == today, total))
        weeks.append(row)
    return weeks


# --- one activity ---------------------------------------------------------------------------------


@dataclass
class Stats:
    invited: int
    leave_requested: int
    excused: int
    present: int
    present_invited: int
    walk_ins: int
    speeches: int

    @property
    def expected(self) -> int:
        return self.invited - self.excused

    @property
    def rate(self) -> float | None:
        """Attendance rate: invitees present over invitees not excused (None when nobody is expected)."""
        return self.present_invited / self.expected if self.expected else None

    @property
    def absent(self) -> int:
        return max(self.expected - self.present_invited, 0)


def activity_stats(activity: Activity) -> Stats:
    """The activity's counts as stored (``counts.counts_refresh``), with pending leave, walk-ins and
    speeches counted beside them: one query."""
    invited = Invitation.objects.filter(activity=OuterRef("activity_id")).values("person_id")
    row = (
        Activity.objects.filter(pk=activity.pk)
        .annotate(
            leave_pending=_count(Invitation, status=InvitationStatus.LEAVE_REQUESTED),
            walk_in_total=_count(Attendance, ~Q(person_id__in=invited)),
            speech_total=_count(Speech),
        )
        .values(
            "invited_count",
            "excused_count",
            "present_count",
            "attendance_count",
            "leave_pending",
            "walk_in_total",
            "speech_total",
        )
        .get()
    )
    return Stats(
        invited=row["invited_count"],
        leave_requested=row["leave_pending"],
        excused=row["excused_count"],
        present=row["attendance_count"],
        present_invited=row["present_count"],
        walk_ins=row["walk_in_total"],
        speeches=row["speech_total"],
    )


def participant_rows(activity: Activity) -> QuerySet[Invitation]:
    """Invitees with their unit, check-in and whether their speech is recorded (for the activity page)."""
    return (
        Invitation.objects.filter(activity=activity)
        .select_related("person__unit")
        .annotate(
            checked_in_at=Subquery(
                Attendance.objects.filter(activity=activity, person=OuterRef("person")).values("checked_in_at")[:1]
            ),
            checkin_method=Subquery(
                Attendance.objects.filter(activity=activity, person=OuterRef("person")).values("method")[:1]
            ),
            has_speech=Exists(Speech.objects.filter(activity=activity, person=OuterRef("person"))),
        )
        .order_by("person__unit__path", "-person__is_leading_cadre", "person__name", "person_id")
    )


def walk_ins(activity: Activity) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(activity=activity)
        .exclude(person_id__in=Invitation.objects.filter(activity=activity).values("person_id"))
        .select_related("person__unit")
    )


def speakers(activity: Activity) -> QuerySet[Speech]:
    return Speech.objects.filter(activity=activity).select_related("person__unit").order_by("order", "id")


def unspoken(activity: Activity) -> QuerySet[Person]:
    """People present who have no speech recorded yet (the plan wants every participant seen)."""
    return (
        Person.objects.filter(activity_attendances__activity=activity)
        .exclude(activity_speeches__activity=activity)
        .select_related("unit")
        .order_by("unit__path", "name")
    )


def person_invitations(person: Person) -> QuerySet[Invitation]:
    """A person's invitations, newest activity first, with check-in time and whether they spoke."""
    return (
        Invitation.objects.filter(person=person)
        .select_related("activity__unit")
        .annotate(
            checked_in_at=Subquery(
                Attendance.objects.filter(activity=OuterRef("activity"), person=person).values("checked_in_at")[:1]
            ),
            has_speech=Exists(Speech.objects.filter(activity=OuterRef("activity"), person=person)),
        )
        .order_by("-activity__start_at", "-id")
    )


# --- rates for a unit and a person ----------------------------------------------------------------


@dataclass
class Rate:
    expected: int
    present: int

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def _rate(invitations: QuerySet[Invitation]) -> Rate:
    """Two counts over the invitations not excused: all of them, and those joined to their attendance row
    (a join on the attendance's (person, activity) index, not a lookup per invitation)."""
    expected = invitations.exclude(status=InvitationStatus.LEAVE_APPROVED)
    present = expected.filter(person__activity_attendances__activity_id=F("activity_id"))
    return Rate(expected=expected.count(), present=present.count())


def _held(qs: ActivityQuerySet, held_before: dt.datetime | None) -> QuerySet[Activity]:
    return qs.live().filter(start_at__lte=held_before or timezone.now())


def _summed(qs: QuerySet[Activity]) -> Rate:
    row = qs.aggregate(invited=Sum("invited_count"), excused=Sum("excused_count"), present=Sum("present_count"))
    return Rate(expected=(row["invited"] or 0) - (row["excused"] or 0), present=row["present"] or 0)


def unit_rate(unit: Unit, *, campaign: Campaign | None = None, held_before: dt.datetime | None = None) -> Rate:
    """Attendance over the activities held in ``unit``'s subtree that have begun (summed stored counts)."""
    qs = _held(Activity.objects.filter(unit__path__startswith=unit.path), held_before)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return _summed(qs)


def person_rate(person: Person, *, campaign: Campaign | None = None, held_before: dt.datetime | None = None) -> Rate:
    qs = Invitation.objects.filter(person=person, activity__start_at__lte=held_before or timezone.now()).exclude(
        activity__status=ActivityStatus.CANCELLED
    )
    if campaign is not None:
        qs = qs.filter(activity__campaign=campaign)
    return _rate(qs)


def unit_breakdown(unit: Unit, *, campaign: Campaign | None = None) -> list[dict[str, Any]]:
    """Per child unit (and the unit itself): activities held and their attendance rate, in two queries
    (sums of the activities' stored counts, grouped by the holding unit)."""
    children = list(Unit.objects.filter(Q(parent=unit) | Q(pk=unit.pk)).order_by("depth", "sort_order", "name"))
    acts = Activity.objects.live().filter(unit__path__startswith=unit.path)
    if campaign is not None:
        acts = acts.filter(campaign=campaign)
    begun = Q(start_at__lte=timezone.now())
    path_of = {u.pk: u.path for u in children}
    held: dict[int, int] = defaultdict(int)
    expected: dict[int, int] = defaultdict(int)
    came: dict[int, int] = defaultdict(int)
    grouped = (
        acts.order_by()
        .values_list("unit__path")
        .annotate(
            n=Count("pk"),
            invited=Sum("invited_count", filter=begun),
            excused=Sum("excused_count", filter=begun),
            present=Sum("present_count", filter=begun),
        )
    )
    for path, n, invited, excused, present in grouped:
        owner = _owner(path, unit, path_of)
        held[owner] += n
        expected[owner] += (invited or 0) - (excused or 0)
        came[owner] += present or 0
    return [
        {
            "unit": child,
            "held": held[child.pk],
            "rate": Rate(expected=expected[child.pk], present=came[child.pk]),
            "is_self": child.pk == unit.pk,
        }
        for child in children
    ]


def _owner(path: str, unit: Unit, path_of: dict[int, str]) -> int:
    """The child of ``unit`` whose subtree holds ``path`` (or ``unit`` itself for its own rows)."""
    if path == unit.path:
        return unit.pk
    child_id = int(path[len(unit.path) :].split("/", 1)[0])
    return child_id if child_id in path_of else unit.pk


# --- trainings in batches -------------------------------------------------------------------------


@dataclass
class Coverage:
    total: int
    covered: int
    by_batch: list[dict[str, Any]]
    missing: QuerySet[Person]

    @property
    def rate(self) -> float | None:
        return self.covered / self.total if self.total else None


def training_coverage(campaign: Campaign, unit: Unit, *, kind: str = "training") -> Coverage:
    """Leading cadres under ``unit`` and whether some batch of the campaign's training covered them."""
    cadres = Person.objects.filter(
        unit__path__startswith=unit.path, is_active=True, unit__is_active=True, is_leading_cadre=True
    )
    attended = Attendance.objects.filter(
        person=OuterRef("pk"), activity__campaign=campaign, activity__kind=kind
    ).exclude(activity__status=ActivityStatus.CANCELLED)
    annotated = cadres.annotate(trained=Exists(attended))
    totals = annotated.aggregate(total=Count("pk"), covered=Count("pk", filter=Q(trained=True)))
    batches = (
        Activity.objects.live()
        .filter(campaign=campaign, kind=kind)
        .values("batch")
        .annotate(
            activities=Count("pk", distinct=True),
            attended=Count(
                "attendances",
                filter=Q(attendances__person__in=cadres.values("pk")),
                distinct=True,
            ),
        )
        .order_by(F("batch").asc(nulls_last=True))
    )
    return Coverage(
        total=totals["total"],
        covered=totals["covered"],
        by_batch=[dict(row) for row in batches],
        missing=annotated.filter(trained=False).select_related("unit").order_by("training_batch", "unit__path", "name"),
    )
