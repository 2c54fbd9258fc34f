"""What the recorded facts prove: the requirement engine's reading of evidence, one provider per kind.

Each app that records facts registers a provider for its evidence kind (``activity``, ``problem``, …).
A provider answers, for one requirement and a set of units or people (ids or a subquery of ids), how
many qualifying items each has achieved, in a fixed number of queries whatever the size of the set.
A subject has met the requirement when its count reaches the requirement's ``count``. Kinds without a
provider yet are reported as not tracked rather than guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Requirement, RequirementSubject

Ids = Iterable[int] | QuerySet[Any]


class EvidenceProvider(Protocol):
    """Counts per subject for one requirement.

    A provider may also offer ``for_subject(requirements, subject, subject_id) -> {requirement id: count}``:
    all of one subject's requirements of its kind answered in a fixed number of queries, however many
    the plan has (``check_subject`` uses it when present).
    """

    def units_achieved(self, requirement: Requirement, spec: Any, unit_ids: Ids) -> dict[int, int]: ...

    def people_achieved(self, requirement: Requirement, spec: Any, person_ids: Ids) -> dict[int, int]: ...


_PROVIDERS: dict[str, EvidenceProvider] = {}


def register(kind: str, provider: EvidenceProvider) -> None:
    _PROVIDERS[kind] = provider


def provider_for(kind: str) -> EvidenceProvider | None:
    return _PROVIDERS.get(kind)


def counts_by(qs: QuerySet[Any], field: str, ids: Ids) -> dict[int, int]:
    """How many rows of ``qs`` each of ``ids`` has in ``field``, from one grouped query."""
    from django.db.models import Count

    rows = qs.filter(**{f"{field}__in": ids}).order_by().values(field).annotate(n=Count("id")).values_list(field, "n")
    return dict(rows)


class StatusCountProvider:
    """Items of ``model`` (with ``campaign``, ``unit`` and ``status`` fields) of the requirement's
    campaign whose status is one the spec asks (``spec.status``), counted per unit or per person
    (``person_field``: the person the item belongs to)."""

    def __init__(self, model: Any, person_field: str) -> None:
        self.model = model
        self.person_field = person_field

    def for_subject(self, requirements: list[Requirement], subject: str, subject_id: int) -> dict[int, int]:
        """One subject's count for each requirement, from one grouped query."""
        from django.db.models import Count

        field = "unit_id" if subject == RequirementSubject.UNIT else self.person_field
        rows = list(
            self.model.objects.filter(campaign_id__in={r.campaign_id for r in requirements}, **{field: subject_id})
            .order_by()
            .values_list("campaign_id", "status")
            .annotate(n=Count("id"))
        )
        return {
            r.pk: sum(
                n
                for campaign_id, status, n in rows
                if campaign_id == r.campaign_id and status in r.evidence_spec.status
            )
            for r in requirements
        }

    def _counted(self, requirement: Requirement, spec: Any, field: str, ids: Ids) -> dict[int, int]:
        qs = self.model.objects.filter(campaign_id=requirement.campaign_id, status__in=list(spec.status))
        return counts_by(qs, field, ids)

    def units_achieved(self, requirement: Requirement, spec: Any, unit_ids: Ids) -> dict[int, int]:
        return self._counted(requirement, spec, "unit_id", unit_ids)

    def people_achieved(self, requirement: Requirement, spec: Any, person_ids: Ids) -> dict[int, int]:
        return self._counted(requirement, spec, self.person_field, person_ids)


def needed(spec: Any) -> int:
    return int(getattr(spec, "count", 1) or 1)


def achieved(requirement: Requirement, ids: Ids) -> dict[int, int] | None:
    """``{subject id: count achieved}`` for the requirement's subjects among ``ids``; None if not tracked."""
    spec = requirement.evidence_spec
    provider = provider_for(spec.kind)
    if provider is None:
        return None
    if requirement.subject == RequirementSubject.UNIT:
        return provider.units_achieved(requirement, spec, ids)
    return provider.people_achieved(requirement, spec, ids)


STATE_LABELS = {
    "done": _("已完成"),
    "pending": _("进行中"),
    "overdue": _("已逾期"),
    "untracked": _("尚未统计"),
}


@dataclass(frozen=True)
class Check:
    """One requirement for one subject: how far along it is and its state."""

    requirement: Requirement
    achieved: int | None
    needed: int
    state: str

    @property
    def label(self) -> Any:
        return STATE_LABELS[self.state]

    @property
    def is_done(self) -> bool:
        return self.state == "done"


def state_of(requirement: Requirement, got: int | None, want: int, today: dt.date) -> str:
    """The one place a requirement's state for a subject is derived."""
    if got is None:
        return "untracked"
    if got >= want:
        return "done"
    return "overdue" if today > requirement.due_date else "pending"


def _subject_counts(requirements: list[Requirement], subject_id: int) -> dict[int, int | None]:
    """``{requirement id: count}`` for one subject; kinds whose provider answers a subject at once take one call."""
    counts: dict[int, int | None] = {}
    batches: dict[tuple[str, str], list[Requirement]] = {}
    for requirement in requirements:
        provider = provider_for(requirement.evidence_spec.kind)
        if provider is None:
            counts[requirement.pk] = None
        elif hasattr(provider, "for_subject"):
            batches.setdefault((requirement.evidence_spec.kind, requirement.subject), []).append(requirement)
        else:
            got = achieved(requirement, [subject_id]) or {}
            counts[requirement.pk] = got.get(subject_id, 0)
    for (kind, subject), batch in batches.items():
        found = provider_for(kind).for_subject(batch, subject, subject_id)  # type: ignore[union-attr]
        counts.update({r.pk: found.get(r.pk, 0) for r in batch})
    return counts


def check_subject(requirements: Iterable[Requirement], subject_id: int, *, today: dt.date | None = None) -> list[Check]:
    """Each requirement checked for one subject (a unit or a person, as the requirement says)."""
    today = today or timezone.localdate()
    requirements = list(requirements)
    counts = _subject_counts(requirements, subject_id)
    checks = []
    for requirement in requirements:
        got = counts[requirement.pk]
        want = needed(requirement.evidence_spec)
        checks.append(Check(requirement, got, want, state_of(requirement, got, want, today)))
    return checks
