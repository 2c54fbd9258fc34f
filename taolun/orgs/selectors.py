"""Reads about units and people, scoped to what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths

from .masking import mask_id_number, mask_phone
from .models import Person, Unit

STAFF_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.REVIEWER, Role.PUBLICITY]
PII_ROLES = [Role.ADMIN, Role.OFFICE]


def units_visible_to(user: Any) -> QuerySet[Unit]:
    return Unit.objects.within_paths(scope_paths(user, STAFF_ROLES))


def people_visible_to(user: Any) -> QuerySet[Person]:
    return Person.objects.within_paths(scope_paths(user, STAFF_ROLES))


def can_see_pii_everywhere_in(user: Any, unit_path: str) -> bool:
    """True when every person under ``unit_path`` may be shown unmasked to ``user``."""
    return any(unit_path.startswith(p) for p in scope_paths(user, PII_ROLES))


def scope_roots(user: Any) -> QuerySet[Unit]:
    """The top units of the viewer's scope: the tree browser starts from these."""
    paths = scope_paths(user, STAFF_ROLES)
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
