"""What research topics prove, for the requirement engine (``campaigns.evidence``).

A topic counts for a ``research_topic`` requirement when it belongs to the requirement's campaign and
its status is one of those asked (by default reported or accepted). A person's count is the topics
they lead; a unit's, the topics led by its leading cadres.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from taolun.campaigns import evidence
from taolun.campaigns.models import Requirement, RequirementSubject
from taolun.campaigns.plan import ResearchTopicEvidence

from .models import ResearchTopic


class ResearchTopicProvider:
    def for_subject(self, requirements: list[Requirement], subject: str, subject_id: int) -> dict[int, int]:
        """One subject's count for each requirement, from one grouped query."""
        field = "unit_id" if subject == RequirementSubject.UNIT else "leader_id"
        rows = list(
            ResearchTopic.objects.filter(campaign_id__in={r.campaign_id for r in requirements}, **{field: subject_id})
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

    def _counted(self, requirement: Requirement, spec: ResearchTopicEvidence, field: str, ids: Any) -> dict[int, int]:
        rows = (
            ResearchTopic.objects.filter(campaign_id=requirement.campaign_id, status__in=list(spec.status))
            .filter(**{f"{field}__in": ids})
            .order_by()
            .values(field)
            .annotate(n=Count("id"))
            .values_list(field, "n")
        )
        return dict(rows)

    def units_achieved(self, requirement: Requirement, spec: ResearchTopicEvidence, unit_ids: Any) -> dict[int, int]:
        return self._counted(requirement, spec, "unit_id", unit_ids)

    def people_achieved(self, requirement: Requirement, spec: ResearchTopicEvidence, person_ids: Any) -> dict[int, int]:
        return self._counted(requirement, spec, "leader_id", person_ids)


evidence.register("research_topic", ResearchTopicProvider())
