"""Who a requirement applies to: a plan selector as SQL (for whole sets) or as a test (for one unit).

Both readings follow the same rules (docs/plan-format.md, ``applies_to``):

- every key given in a unit selector must hold (AND); inside one list any entry may match (OR);
- ``kinds``: the unit's kind; ``tags``: the unit carries one of the tags; ``exclude_tags``: it carries
  none of them; ``subtrees``: the unit lies in the subtree (inclusive) of one of the named unit codes;
  ``root``: the campaign's root unit itself;
- a people selector matches people holding any of ``roles`` whose unit matches ``units`` (if given);
- nothing outside the campaign's root unit subtree, and no inactive unit or person, is ever selected.

The SQL form uses path prefixes (an indexed range scan), the kind column and a subquery on the tag table,
so it stays one query at any size; nothing here loops over units or people in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from taolun.core.paths import paths_q
from taolun.orgs.models import Person, PersonRole, Unit

from .plan import AppliesTo, PersonSelector, UnitSelector

UnitTag = Unit.tags.through

ROLE_FIELDS = {
    PersonRole.LEADING_CADRE.value: "is_leading_cadre",
    PersonRole.PARTY_MEMBER.value: "is_party_member",
    PersonRole.CADRE.value: "is_cadre",
}


@dataclass(frozen=True)
class Scope:
    """What selection needs to know about a campaign: its root unit and the paths of named subtrees."""

    root_id: int
    root_path: str
    code_paths: dict[str, str]

    def subtree_paths(self, codes: Iterable[str]) -> list[str]:
        # A code that no longer exists (or lies outside the root) selects nothing.
        return [
            self.code_paths[c] for c in codes if c in self.code_paths and self.code_paths[c].startswith(self.root_path)
        ]


def selectors_of(applies: Iterable[AppliesTo]) -> list[UnitSelector]:
    found: list[UnitSelector] = []
    for spec in applies:
        if spec.units is not None:
            found.append(spec.units)
        elif spec.people is not None and spec.people.units is not None:
            found.append(spec.people.units)
    return found


def scope_for(root: Unit, applies: Iterable[AppliesTo]) -> Scope:
    """The scope for these selectors: at most one query, to turn subtree codes into paths."""
    codes = {code for sel in selectors_of(applies) for code in sel.subtrees}
    code_paths = dict(Unit.objects.filter(code__in=codes).values_list("code", "path")) if codes else {}
    return Scope(root_id=root.pk, root_path=root.path, code_paths=code_paths)


# --- SQL ----------------------------------------------------------------------------------------


def tagged(tags: Iterable[str]) -> QuerySet[Any]:
    return UnitTag.objects.filter(tag__name__in=list(tags)).values("unit_id")


def unit_q(sel: UnitSelector, scope: Scope, *, via_person: bool = False) -> Q:
    """A Q over Unit rows (or over Person rows through their unit when ``via_person``)."""
    prefix = "unit__" if via_person else ""
    unit_ref = "unit_id" if via_person else "pk"
    q = Q()
    if sel.root:
        q &= Q(**{unit_ref: scope.root_id})
    if sel.kinds:
        q &= Q(**{f"{prefix}kind__in": list(sel.kinds)})
    # Tags as "id IN (units carrying the tag)": one hashed subquery, not a lookup per row.
    if sel.tags:
        q &= Q(**{f"{unit_ref}__in": tagged(sel.tags)})
    if sel.exclude_tags:
        q &= ~Q(**{f"{unit_ref}__in": tagged(sel.exclude_tags)})
    if sel.subtrees:
        # No known code among them: paths_q([]) selects nothing.
        q &= paths_q(f"{prefix}path", scope.subtree_paths(sel.subtrees))
    return q


def roles_q(roles: Iterable[str]) -> Q:
    q = Q()
    for role in roles:
        q |= Q(**{ROLE_FIELDS[role]: True})
    return q


def person_q(sel: PersonSelector, scope: Scope) -> Q:
    q = roles_q(sel.roles)
    if sel.units is not None:
        q &= unit_q(sel.units, scope, via_person=True)
    return q


def units_in_scope(scope: Scope) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=scope.root_path, is_active=True)


def people_in_scope(scope: Scope) -> QuerySet[Person]:
    return Person.objects.filter(unit__path__startswith=scope.root_path, is_active=True, unit__is_active=True)


# --- one object ---------------------------------------------------------------------------------


def unit_matches(sel: UnitSelector, unit: Unit, tags: set[str], scope: Scope) -> bool:
    """Whether ``unit`` (carrying ``tags``) is chosen by ``sel``; the same rules as :func:`unit_q`."""
    if not unit.is_active or not unit.path.startswith(scope.root_path):
        return False
    if sel.root and unit.pk != scope.root_id:
        return False
    if sel.kinds and unit.kind not in sel.kinds:
        return False
    if sel.tags and not tags.intersection(sel.tags):
        return False
    if sel.exclude_tags and tags.intersection(sel.exclude_tags):
        return False
    return not sel.subtrees or any(unit.path.startswith(p) for p in scope.subtree_paths(sel.subtrees))


def person_matches(sel: PersonSelector, person: Person, unit_tags: set[str], scope: Scope) -> bool:
    if not person.is_active or not set(person.roles).intersection(sel.roles):
        return False
    unit = person.unit
    if sel.units is None:
        return unit.is_active and unit.path.startswith(scope.root_path)
    return unit_matches(sel.units, unit, unit_tags, scope)
