"""The permission check services make before a write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_perm(by: Any, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``by`` holds the named rule ``perm`` (on ``obj``).

    ``by=None`` is the system itself (command line, demo builder, tasks) and is always allowed.
    """
    if by is not None and not by.has_perm(perm, obj):
        raise PermissionDenied(_("您没有权限执行此操作。"))
