"""What research topics prove, for the requirement engine (``campaigns.evidence``).

A topic counts for a ``research_topic`` requirement when it belongs to the requirement's campaign and
its status is one of those asked (by default reported or accepted). A person's count is the topics
they lead; a unit's, the topics led by its leading cadres.
"""

from __future__ import annotations

from taolun.campaigns import evidence

from .models import ResearchTopic

evidence.register("research_topic", evidence.StatusCountProvider(ResearchTopic, "leader_id"))
