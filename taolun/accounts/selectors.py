"""Reads about users: their roles and the unit subtrees those roles cover."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from taolun.core.paths import paths_q

from .models import ApiToken, Role, RoleAssignment, User

_CACHE_ATTR = "_taolun_role_scopes"

# A scope path of "" covers every unit (a role held without a unit).
ALL = ""


def role_scopes(user: Any) -> dict[str, list[str]]:
    """``{role: [unit path, …]}`` for the user, loaded once per user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scopes: dict[str, list[str]] = {}
    for role, path in RoleAssignment.objects.filter(user=user).values_list("role", "unit__path"):
        scopes.setdefault(role, []).append(path or ALL)
    if user.is_superuser:
        scopes.setdefault(Role.ADMIN, [ALL])
    setattr(user, _CACHE_ATTR, scopes)
    return scopes


def forget_role_scopes(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, *roles: str) -> bool:
    scopes = role_scopes(user)
    return any(role in scopes for role in roles)


def scope_paths(user: Any, roles: Iterable[str]) -> list[str]:
    """Unit paths covered by any of ``roles``; ``[""]`` means everything, ``[]`` nothing."""
    scopes = role_scopes(user)
    if Role.ADMIN in scopes:
        return [ALL]
    paths: set[str] = set()
    for role in roles:
        paths.update(scopes.get(role, []))
    if ALL in paths:
        return [ALL]
    # Drop paths inside other paths: fewer OR branches in the SQL.
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def covers(user: Any, roles: Iterable[str], unit_path: str | None) -> bool:
    if unit_path is None:
        return False
    return any(unit_path.startswith(p) for p in scope_paths(user, roles))


def users_with_roles() -> QuerySet[User]:
    return User.objects.filter(is_active=True).prefetch_related("role_assignments__unit").order_by("username")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def role_assigner_paths(user: Any) -> list[str]:
    """Unit paths within which ``user`` may assign roles (office scope; ``[""]`` everything)."""
    return scope_paths(user, [Role.OFFICE])


def users_visible_to(viewer: Any) -> QuerySet[User]:
    """Active users an assigner manages: all for a global office; otherwise those whose person record
    or one of whose roles sits in the assigner's subtree."""
    paths = role_assigner_paths(viewer)
    qs = User.objects.filter(is_active=True)
    if ALL in paths:
        return qs
    if not paths:
        return qs.none()
    cond = paths_q("person__unit__path", paths) | paths_q("role_assignments__unit__path", paths)
    # A subquery rather than DISTINCT on a join: the page's count and slice stay simple.
    return qs.filter(pk__in=User.objects.filter(cond).values("pk"))


def role_list_users(viewer: Any, *, q: str = "", role: str = "") -> QuerySet[User]:
    """The role-assignment page's rows: users with their person, unit and role assignments (no N+1)."""
    qs = users_visible_to(viewer)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(display_name__contains=q) | Q(person__name__contains=q) | Q(email__iexact=q)
        )
    if role:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role=role).values("user_id"))
    return (
        qs.select_related("person__unit")
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit").order_by("role", "id"))
        )
        .order_by("username")
    )


def role_assignments_of(user: User) -> QuerySet[RoleAssignment]:
    """The user's login roles with their scope units, broadest first."""
    return RoleAssignment.objects.filter(user=user).select_related("unit").order_by("role", "unit__path", "id")


def users_covering(unit: Any, role: str) -> QuerySet[Any]:
    """Ids of the users holding ``role`` over ``unit`` (scoped to it or above, or unscoped)."""
    parts = [part for part in unit.path.strip("/").split("/") if part]
    above = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return (
        RoleAssignment.objects.filter(Q(unit__isnull=True) | Q(unit__path__in=above), role=role)
        .values_list("user_id", flat=True)
        .distinct()
    )


def office_users_covering(unit: Any) -> QuerySet[Any]:
    """Ids of the users holding the office role over ``unit`` (scoped to it or above, or unscoped)."""
    return users_covering(unit, Role.OFFICE)
