"""Reads about units and people, scoped to what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths
from taolun.core.paths import paths_q

from .masking import mask_id_number, mask_phone
from .models import Person, Unit

# The roles that browse the roster (units and people pages, API, exports), each within its scope. The
# gate ``orgs.browse_units`` and the object rules ``orgs.view_unit``/``orgs.view_person`` use the same
# list: reviewers and publicity staff hold their roles for other work and do not see the roster.
ROSTER_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]
PII_ROLES = [Role.ADMIN, Role.OFFICE]


def roster_paths(user: Any) -> list[str]:
    """Unit paths whose units and people ``user`` may browse (``[""]``: all, ``[]``: none)."""
    return scope_paths(user, ROSTER_ROLES)


def units_visible_to(user: Any) -> QuerySet[Unit]:
    return Unit.objects.within_paths(roster_paths(user))


def people_visible_to(user: Any) -> QuerySet[Person]:
    """The people in the viewer's roster scope (the roster lists and the API).

    A person's own record is reached through ``person_of`` and the ``orgs.view_person`` rule, not
    through this queryset: OR-ing ``user_id`` into the path filter would stop PostgreSQL from using
    the path index and scan every person.
    """
    return Person.objects.filter(paths_q("unit__path", roster_paths(user)))


def can_see_pii_everywhere_in(user: Any, unit_path: str) -> bool:
    """True when every person under ``unit_path`` may be shown unmasked to ``user``."""
    return any(unit_path.startswith(p) for p in scope_paths(user, PII_ROLES))


def scope_roots(user: Any) -> QuerySet[Unit]:
    """The top units of the viewer's scope: the tree browser starts from these."""
    paths = roster_paths(user)
    if "" in paths:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=paths)


def with_child_counts(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    return qs.annotate(
        has_children=Exists(Unit.objects.filter(parent=OuterRef("pk"))),
        people_count=Count("people", filter=Q(people__is_active=True)),
    )


def unit_children(unit: Unit) -> QuerySet[Unit]:
    return with_child_counts(Unit.objects.filter(parent=unit)).prefetch_related("tags").order_by("sort_order", "name")


def subtree_summary(unit: Unit) -> dict[str, int]:
    """Units and people under ``unit`` (inclusive), in two aggregate queries."""
    units = Unit.objects.subtree(unit).aggregate(n=Count("id"))["n"]
    people = (
        Person.objects.in_subtree(unit)
        .filter(is_active=True)
        .aggregate(
            total=Count("id"),
            leaders=Count("id", filter=Q(is_leading_cadre=True)),
            party=Count("id", filter=Q(is_party_member=True)),
            cadres=Count("id", filter=Q(is_cadre=True)),
            with_account=Count("id", filter=Q(user__isnull=False)),
        )
    )
    return {"units": units, **people}


def search_people(
    qs: QuerySet[Person], *, q: str = "", unit: Unit | None = None, role: str = "", batch: int | None = None
) -> QuerySet[Person]:
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code=q) | Q(position__contains=q) | Q(unit__name__contains=q))
    if role == "leading_cadre":
        qs = qs.filter(is_leading_cadre=True)
    elif role == "party_member":
        qs = qs.filter(is_party_member=True)
    elif role == "cadre":
        qs = qs.filter(is_cadre=True)
    if batch is not None:
        qs = qs.filter(training_batch=batch)
    return qs.select_related("unit").order_by("unit__path", "-is_leading_cadre", "name", "id")


def person_row(person: Person, *, unmasked: bool) -> dict[str, Any]:
    """The shape lists, exports and the API show; phone and ID masked unless ``unmasked``."""
    return {
        "id": person.pk,
        "name": person.name,
        "code": person.code or "",
        "unit_id": person.unit_id,
        "unit_code": person.unit.code,
        "unit_name": person.unit.name,
        "position": person.position,
        "roles": person.roles,
        "is_leading_cadre": person.is_leading_cadre,
        "is_party_member": person.is_party_member,
        "is_cadre": person.is_cadre,
        "phone": person.phone if unmasked else mask_phone(person.phone),
        "id_number": (person.id_number or "") if unmasked else mask_id_number(person.id_number),
        "training_batch": person.training_batch,
        "has_account": person.user_id is not None,
        "is_active": person.is_active,
    }


def pii_checker(user: Any) -> Any:
    """A function telling, for each person, whether ``user`` may see them unmasked (no queries per row)."""
    paths = scope_paths(user, PII_ROLES)
    user_id = getattr(user, "pk", None)

    def check(person: Person) -> bool:
        if user_id is not None and person.user_id == user_id:
            return True
        unit_path = person.unit.path
        return any(unit_path.startswith(p) for p in paths)

    return check


# --- the unit browser and forms ----------------------------------------------------------
# Who edits units and adds under them: the same roles that browse the roster, within the same scope.
EDITOR_ROLES = ROSTER_ROLES


def units_editable_by(user: Any) -> QuerySet[Unit]:
    """Units the user may edit and add under (office or liaison scope): the choices in unit pickers."""
    return Unit.objects.within_paths(scope_paths(user, EDITOR_ROLES))


def tree_nodes(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    """Units as the tree shows them: number of direct children and active people, tags prefetched.

    Both counts are correlated subqueries on indexed columns, so the cost follows the rows shown,
    not the size of the tree.
    """
    children = (
        Unit.objects.filter(parent=OuterRef("pk")).order_by().values("parent").annotate(n=Count("id")).values("n")
    )
    people = (
        Person.objects.filter(unit=OuterRef("pk"), is_active=True)
        .order_by()
        .values("unit")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        qs.annotate(
            child_count=Coalesce(Subquery(children, output_field=IntegerField()), 0),
            people_count=Coalesce(Subquery(people, output_field=IntegerField()), 0),
        )
        .prefetch_related("tags")
        .order_by("sort_order", "name", "id")
    )


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The units above ``unit``, root first, read from its path in one query."""
    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=ids).only("id", "name", "code", "path", "depth").order_by("depth"))


def search_units(qs: QuerySet[Unit], q: str) -> QuerySet[Unit]:
    """Units whose name or short name contains ``q``, or whose code starts with it."""
    q = q.strip()
    if not q:
        return qs.none()
    return qs.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__istartswith=q))


def ancestor_names(units: list[Unit]) -> dict[int, str]:
    """``{unit id: name}`` for every ancestor of ``units``, in one query (search results show where they sit)."""
    ids = {pk for unit in units for pk in unit.ancestor_ids[:-1]}
    if not ids:
        return {}
    return dict(Unit.objects.filter(pk__in=ids).values_list("id", "name"))


def unit_search_results(user: Any, q: str, *, limit: int) -> tuple[list[Unit], bool]:
    """Up to ``limit`` units visible to ``user`` matching ``q``, each with ``trail`` (its ancestors' names),
    and whether there were more. Three queries however many match."""
    found = list(tree_nodes(search_units(units_visible_to(user), q))[: limit + 1])
    names = ancestor_names(found)
    for unit in found:
        unit.trail = [names[pk] for pk in unit.ancestor_ids[:-1] if pk in names]  # type: ignore[attr-defined]
    return found[:limit], len(found) > limit


def people_of_unit(unit: Unit) -> QuerySet[Person]:
    return (
        Person.objects.filter(unit=unit)
        .select_related("unit")
        .order_by("-is_active", "-is_leading_cadre", "name", "id")
    )


def filter_units(
    qs: QuerySet[Unit],
    *,
    q: str = "",
    kind: str = "",
    tag: str = "",
    parent: Unit | None = None,
    under: Unit | None = None,
) -> QuerySet[Unit]:
    """Filter already-scoped units: children of ``parent``, the subtree of ``under``, by kind, tag or text."""
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    if q.strip():
        qs = search_units(qs, q)
    return qs.order_by("depth", "sort_order", "name", "id")


def person_of(user: Any) -> Person | None:
    """The roster entry linked to ``user``'s account, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.select_related("unit").filter(user=user).first()
