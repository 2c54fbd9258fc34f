"""Named permission rules for the problem ledger and leaders' self-examination.

The object is a Problem (or, to file or import problems, the responsible Unit; to report progress, a
Measure or a Problem; for self-examination, the SelfExamination or the leader's Person).

- filing problems: the office and liaisons covering the unit, and leading cadres for their own unit;
- seeing a problem: those, and the problem's or any of its measures' owners;
- editing the five clarities, setting measures, confirming, declaring done: the office and liaisons;
- reporting progress, adding evidence, asking for an extension: those, and the owners;
- verifying and closing (销号), reopening, publishing, deciding extensions: the office;
- a leader's self-examination: the leader writes it, the office covering the leader's unit reads it.
"""

from __future__ import annotations

from typing import Any

import rules

from taolun.accounts.models import Role
from taolun.accounts.predicates import liaison_covers, object_path, office_covers
from taolun.accounts.selectors import has_role

_UNKNOWN = object()
LEDGER_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]


def own_person(user: Any) -> Any:
    """``user``'s roster entry (one query, remembered on the user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # getattr/setattr reach through ``request.user``'s lazy wrapper, as ``role_scopes`` relies on too.
    person = getattr(user, "_taolun_person", _UNKNOWN)
    if person is _UNKNOWN:
        from taolun.orgs.selectors import person_of

        person = person_of(user)
        user._taolun_person = person
    return person


@rules.predicate
def browses_ledger(user: Any) -> bool:
    return has_role(user, *LEDGER_ROLES)


@rules.predicate
def leads_unit(user: Any, obj: Any) -> bool:
    """``user`` is a leading cadre of the unit (or of a unit above it) the object belongs to."""
    person = own_person(user)
    path = object_path(obj)
    return bool(person and person.is_active and person.is_leading_cadre and path and path.startswith(person.unit.path))


@rules.predicate
def owns_problem(user: Any, obj: Any) -> bool:
    """``user`` is responsible for the problem, or for the measure, or for any measure of the problem."""
    person = own_person(user)
    if person is None or obj is None:
        return False
    from .models import Measure, Problem

    if isinstance(obj, Measure):
        # A measure is reported on by its own owner, or by the owner of the whole problem.
        return bool(obj.owner_id == person.pk or obj.problem.owner_id == person.pk)
    if not isinstance(obj, Problem):
        return False
    if obj.owner_id == person.pk:
        return True
    return Measure.objects.filter(problem_id=obj.pk, owner_id=person.pk).exists()


@rules.predicate
def is_own_examination(user: Any, obj: Any) -> bool:
    person = own_person(user)
    if person is None or obj is None:
        return False
    person_id = getattr(obj, "person_id", None) if not hasattr(obj, "is_leading_cadre") else obj.pk
    return bool(person_id == person.pk and person.is_leading_cadre and person.is_active)


@rules.predicate
def on_roster(user: Any) -> bool:
    """``user`` has a roster entry (problems and measures can be assigned to them)."""
    person = own_person(user)
    return bool(person and person.is_active)


@rules.predicate
def is_leading_cadre(user: Any) -> bool:
    person = own_person(user)
    return bool(person and person.is_active and person.is_leading_cadre)


manages = office_covers | liaison_covers

rules.add_perm("problems.browse_ledger", browses_ledger | is_leading_cadre)  # leaders: their own unit's ledger
rules.add_perm("problems.work_on_tasks", on_roster)
rules.add_perm("problems.examine_self", is_leading_cadre)
rules.add_perm("problems.add_problem", manages | leads_unit)  # object: the responsible unit
rules.add_perm("problems.import_ledger", manages)  # object: the unit the ledger is imported into
rules.add_perm("problems.view_problem", manages | leads_unit | owns_problem)
rules.add_perm("problems.change_problem", manages)
rules.add_perm("problems.confirm_problem", manages)
rules.add_perm("problems.report_progress", manages | owns_problem)  # object: a measure or a problem
rules.add_perm("problems.verify_problem", office_covers)
rules.add_perm("problems.decide_extension", office_covers)
rules.add_perm("problems.view_self_examination", office_covers | is_own_examination)
rules.add_perm("problems.change_self_examination", is_own_examination)  # object: the leader's Person
