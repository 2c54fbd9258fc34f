"""Template filters shared by the apps' templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from taolun.core.text import join_list

register = template.Library()


@register.filter(name="join_list")
def join_list_filter(items: Iterable[Any], attribute: str = "") -> str:
    """``{{ people|join_list:"name" }}``: ``张三、李四`` (``a, b`` in English); each item's ``attribute`` if given."""
    return join_list(getattr(item, attribute) if attribute else item for item in items)
