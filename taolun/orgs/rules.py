"""Named permission rules for units and people. Objects are Units or People (see predicates)."""

import rules

from taolun.accounts.predicates import is_admin, is_liaison, is_office, liaison_covers, office_covers, staff_covers


@rules.predicate
def is_own_person(user, person) -> bool:  # type: ignore[no-untyped-def]
    return person is not None and getattr(person, "user_id", None) == getattr(user, "pk", None) and user.pk is not None


rules.add_perm("orgs.view_unit", staff_covers)
rules.add_perm("orgs.add_unit", office_covers | liaison_covers)  # object: the parent unit
rules.add_perm("orgs.change_unit", office_covers | liaison_covers)
rules.add_perm("orgs.view_person", staff_covers | is_own_person)
rules.add_perm("orgs.change_person", office_covers | liaison_covers)
# Unmasked phone and ID numbers: the office in scope, and the person themself.
rules.add_perm("orgs.view_person_pii", office_covers | is_own_person)
rules.add_perm("orgs.import_roster", office_covers | liaison_covers)  # object: the unit imported under
rules.add_perm("orgs.export_roster", office_covers | liaison_covers)

# Whether the unit/person pages are reachable at all (object checks follow on each object).
rules.add_perm("orgs.browse_units", is_admin | is_office | is_liaison)
