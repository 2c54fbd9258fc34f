"""Named permission rules for units and people. Objects are Units or People (see predicates)."""

import rules

from taolun.accounts.predicates import liaison_covers, object_path, office_covers
from taolun.accounts.selectors import covers, has_role

from .selectors import ROSTER_ROLES


@rules.predicate
def is_own_person(user, person) -> bool:  # type: ignore[no-untyped-def]
    return person is not None and getattr(person, "user_id", None) == getattr(user, "pk", None) and user.pk is not None


@rules.predicate
def browses_roster(user) -> bool:  # type: ignore[no-untyped-def]
    return has_role(user, *ROSTER_ROLES)


@rules.predicate
def roster_covers(user, obj) -> bool:  # type: ignore[no-untyped-def]
    """``obj`` lies in the scope of one of the user's roster roles (the same scope the querysets use)."""
    return covers(user, ROSTER_ROLES, object_path(obj))


# Whether the unit/person pages, the roster API and exports are reachable at all (object checks
# follow on each object). Gate, object rules and querysets (orgs.selectors) share ROSTER_ROLES.
rules.add_perm("orgs.browse_units", browses_roster)
rules.add_perm("orgs.view_unit", roster_covers)
rules.add_perm("orgs.view_person", roster_covers | is_own_person)
rules.add_perm("orgs.add_unit", office_covers | liaison_covers)  # object: the parent unit
rules.add_perm("orgs.change_unit", office_covers | liaison_covers)
rules.add_perm("orgs.change_person", office_covers | liaison_covers)
# Unmasked phone and ID numbers: the office in scope, and the person themself.
rules.add_perm("orgs.view_person_pii", office_covers | is_own_person)
rules.add_perm("orgs.import_roster", office_covers | liaison_covers)  # object: the unit imported under
rules.add_perm("orgs.export_roster", office_covers | liaison_covers)
