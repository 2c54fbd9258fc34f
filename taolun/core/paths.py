"""Unit paths in queries: the one way to say "under any of these subtrees".

Units store a materialised path (``"1/5/23/"``); a scope is a list of such paths, where ``""`` stands for
everything (a role held without a unit) and an empty list for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

EVERYTHING = ""


def paths_q(field: str, paths: Iterable[str]) -> Q:
    """Rows whose ``field`` (a unit path, e.g. ``"path"`` or ``"unit__path"``) lies under any of ``paths``.

    ``""`` among the paths matches every row and no paths match none. Both are expressed so that
    combining the result with ``|`` or ``&`` keeps its meaning (a bare ``Q()`` would vanish in an OR),
    and neither adds a condition to the SQL: Django drops an always-true branch and answers an
    always-false filter without querying.
    """
    wanted = list(paths)
    if EVERYTHING in wanted:
        return ~Q(pk__in=[])
    cond = Q(pk__in=[])
    for path in wanted:
        cond |= Q(**{f"{field}__startswith": path})
    return cond
