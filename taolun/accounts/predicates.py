"""Shared django-rules predicates about roles and scopes; apps compose them in their rules.py.

Object predicates accept anything with a unit path: a Unit (``path``), or an object exposing
``scope_path`` (a Person: its unit's path).
"""

from __future__ import annotations

from typing import Any

import rules

from .models import Role
from .selectors import ALL, covers, has_role


def object_path(obj: Any) -> str | None:
    if obj is None:
        return None
    path = getattr(obj, "scope_path", None)
    if path is None:
        path = getattr(obj, "path", None)
    return path


@rules.predicate
def is_admin(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


@rules.predicate
def is_office(user: Any) -> bool:
    return has_role(user, Role.OFFICE)


@rules.predicate
def is_liaison(user: Any) -> bool:
    return has_role(user, Role.LIAISON)


@rules.predicate
def is_reviewer(user: Any) -> bool:
    return has_role(user, Role.REVIEWER)


@rules.predicate
def is_publicity(user: Any) -> bool:
    return has_role(user, Role.PUBLICITY)


@rules.predicate
def is_staff_role(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE, Role.LIAISON, Role.REVIEWER, Role.PUBLICITY)


@rules.predicate
def office_covers(user: Any, obj: Any) -> bool:
    return covers(user, [Role.ADMIN, Role.OFFICE], object_path(obj))


@rules.predicate
def liaison_covers(user: Any, obj: Any) -> bool:
    return covers(user, [Role.LIAISON], object_path(obj))


@rules.predicate
def is_global_office(user: Any) -> bool:
    """An admin, or an office role held without a unit (the whole organisation)."""
    return covers(user, [Role.ADMIN, Role.OFFICE], ALL)
