"""What problems and self-examinations prove, for the requirement engine (``campaigns.evidence``).

- ``problem``: a unit's count is the problems of the requirement's campaign it is responsible for whose
  status is among those asked; ``with_measures`` counts only problems with a rectification measure, and
  ``closed_on_time`` only problems closed whose work was done by the deadline. A person's count is the
  problems they are responsible for.
- ``self_examination``: a leader has one once they have submitted it and it covers every aspect the
  requirement names (e.g. 政治定力、工作思路、能力素质).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from taolun.campaigns import evidence
from taolun.campaigns.models import Requirement, RequirementSubject
from taolun.campaigns.plan import ProblemEvidence, SelfExaminationEvidence

from .models import Problem, ProblemStatus, SelfExamination


def qualifying(requirement: Requirement, spec: ProblemEvidence) -> Any:
    qs = Problem.objects.filter(campaign_id=requirement.campaign_id, status__in=list(spec.status))
    if spec.with_measures:
        qs = qs.filter(measure_count__gt=0)
    if spec.closed_on_time:
        qs = qs.filter(status=ProblemStatus.CLOSED, closed_on_time=True)
    return qs


def _matches(spec: ProblemEvidence, status: str, on_time: bool | None) -> bool:
    if status not in spec.status:
        return False
    return not spec.closed_on_time or (status == ProblemStatus.CLOSED and on_time is True)


class ProblemProvider:
    def for_subject(self, requirements: list[Requirement], subject: str, subject_id: int) -> dict[int, int]:
        """One subject's count for each requirement, from one grouped query."""
        field = "unit_id" if subject == RequirementSubject.UNIT else "owner_id"
        rows = list(
            Problem.objects.filter(campaign_id__in={r.campaign_id for r in requirements}, **{field: subject_id})
            .order_by()
            .values("campaign_id", "status", "closed_on_time")
            .annotate(n=Count("id"), with_measures=Count("id", filter=Q(measure_count__gt=0)))
        )
        counts = {}
        for requirement in requirements:
            spec = requirement.evidence_spec
            counts[requirement.pk] = sum(
                row["with_measures"] if spec.with_measures else row["n"]
                for row in rows
                if row["campaign_id"] == requirement.campaign_id
                and _matches(spec, row["status"], row["closed_on_time"])
            )
        return counts

    def _counted(self, requirement: Requirement, spec: ProblemEvidence, field: str, ids: Any) -> dict[int, int]:
        return evidence.counts_by(qualifying(requirement, spec), field, ids)

    def units_achieved(self, requirement: Requirement, spec: ProblemEvidence, unit_ids: Any) -> dict[int, int]:
        return self._counted(requirement, spec, "unit_id", unit_ids)

    def people_achieved(self, requirement: Requirement, spec: ProblemEvidence, person_ids: Any) -> dict[int, int]:
        return self._counted(requirement, spec, "owner_id", person_ids)


class SelfExaminationProvider:
    def for_subject(self, requirements: list[Requirement], subject: str, subject_id: int) -> dict[int, int]:
        """One subject's submitted self-examinations and the aspects each covers, from one query."""
        field = "unit_id" if subject == RequirementSubject.UNIT else "person_id"
        covered: dict[tuple[int, int], set[str]] = {}
        rows = (
            SelfExamination.objects.filter(
                campaign_id__in={r.campaign_id for r in requirements}, submitted_at__isnull=False, **{field: subject_id}
            )
            .order_by()
            .values_list("pk", "campaign_id", "items__aspect")
            .distinct()
        )
        for pk, campaign_id, aspect in rows:
            covered.setdefault((campaign_id, pk), set()).add(aspect or "")
        counts = {}
        for requirement in requirements:
            wanted = set(requirement.evidence_spec.aspects)
            counts[requirement.pk] = sum(
                1
                for (campaign_id, _pk), aspects in covered.items()
                if campaign_id == requirement.campaign_id and wanted <= aspects
            )
        return counts

    def _done(self, requirement: Requirement, spec: SelfExaminationEvidence) -> Any:
        qs = SelfExamination.objects.filter(campaign_id=requirement.campaign_id, submitted_at__isnull=False)
        aspects = sorted(set(spec.aspects))  # an aspect named twice is still one aspect to cover
        if aspects:
            qs = qs.annotate(covered=Count("items__aspect", filter=Q(items__aspect__in=aspects), distinct=True)).filter(
                covered__gte=len(aspects)
            )
        return qs

    def units_achieved(self, requirement: Requirement, spec: SelfExaminationEvidence, unit_ids: Any) -> dict[int, int]:
        rows = (
            SelfExamination.objects.filter(pk__in=self._done(requirement, spec).values("pk"), unit_id__in=unit_ids)
            .order_by()
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
        return dict(rows)

    def people_achieved(
        self, requirement: Requirement, spec: SelfExaminationEvidence, person_ids: Any
    ) -> dict[int, int]:
        done = self._done(requirement, spec).filter(person_id__in=person_ids).values_list("person_id", flat=True)
        return dict.fromkeys(done, 1)


evidence.register("problem", ProblemProvider())
evidence.register("self_examination", SelfExaminationProvider())
