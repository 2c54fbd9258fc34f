"""Named permission rules for research topics. The object is a ResearchTopic (to register one: the leader's Person).

- registering a topic: the leader themself, and the office and liaisons covering the leader's unit;
- writing it (plan, team, progress, report): the same;
- seeing it: those, and the topic's team members;
- accepting or returning the report: the office covering the leader's unit.
"""

from __future__ import annotations

from typing import Any

import rules

from taolun.accounts.models import Role
from taolun.accounts.predicates import liaison_covers, office_covers
from taolun.accounts.selectors import has_role
from taolun.problems.rules import is_leading_cadre, own_person


@rules.predicate
def is_leader(user: Any, obj: Any) -> bool:
    """``obj`` is ``user``'s own roster entry as a leading cadre, or a topic ``user`` leads."""
    person = own_person(user)
    if person is None or obj is None:
        return False
    if not person.is_active:
        return False
    if hasattr(obj, "leader_id"):
        return bool(obj.leader_id == person.pk)
    return bool(obj.pk == person.pk and person.is_leading_cadre and person.is_active)


@rules.predicate
def is_member(user: Any, topic: Any) -> bool:
    person = own_person(user)
    if person is None or topic is None or not hasattr(topic, "members"):
        return False
    return bool(topic.members.filter(pk=person.pk).exists())


@rules.predicate
def browses_topics(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE, Role.LIAISON)


rules.add_perm("research.browse_topics", browses_topics)
rules.add_perm("research.lead_topic", is_leading_cadre)
rules.add_perm("research.add_topic", is_leader | office_covers | liaison_covers)  # object: the leader's Person
rules.add_perm("research.view_topic", is_leader | office_covers | liaison_covers | is_member)
rules.add_perm("research.change_topic", is_leader | office_covers | liaison_covers)
rules.add_perm("research.decide_topic", office_covers)
