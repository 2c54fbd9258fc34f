"""Named permission rules for activities. The object is an Activity (or, to plan one, the holding Unit).

- planning and changing an activity, inviting, marking attendance, deciding leave and writing the
  records: the office and the unit liaisons whose scope covers the holding unit;
- confirming (and reopening) the records: the office covering the unit;
- seeing an activity: those who may change it, and the people invited to it.
"""

from typing import Any

import rules

from taolun.accounts.models import Role
from taolun.accounts.predicates import liaison_covers, office_covers
from taolun.accounts.selectors import has_role

PLANNER_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]


@rules.predicate
def is_invitee(user: Any, activity: Any) -> bool:
    """``user``'s own roster entry is invited to ``activity`` (one query, remembered on the user)."""
    if activity is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    cache = user.__dict__.setdefault("_taolun_invited_to", {})
    if activity.pk not in cache:
        from .models import Invitation

        cache[activity.pk] = Invitation.objects.filter(activity_id=activity.pk, person__user_id=user.pk).exists()
    return bool(cache[activity.pk])


@rules.predicate
def plans_activities(user: Any) -> bool:
    return has_role(user, *PLANNER_ROLES)


rules.add_perm("activities.plan_activities", plans_activities)
rules.add_perm("activities.add_activity", office_covers | liaison_covers)  # object: the holding unit
rules.add_perm("activities.view_activity", office_covers | liaison_covers | is_invitee)
rules.add_perm("activities.change_activity", office_covers | liaison_covers)
rules.add_perm("activities.confirm_records", office_covers)
